"""Many runs at once: one setting across, best validation accuracy up, a dot per run (the HParams
view). The setting is chosen in a combo box among those that differ between the runs; pointing at
a dot names its run, in a tool tip and in the line under the plot.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import pyqtgraph as pg
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from cnnstudio.core.runs.compare import SettingValues, best_accuracy, settings_table
from cnnstudio.core.runs.history import RunRecord
from cnnstudio.core.spec.variants import show_setting
from cnnstudio.gui.plot_style import INK, scaled_font, style_axis, style_plot
from cnnstudio.gui.widgets import ElidedLabel

DOT_SIZE = 11
DOT_COLOUR = (70, 130, 230)
POINTING = "Point at a dot to see its run"
MOST_LOG_TICKS = 6
SPREAD, DOT_STEP = 0.5, 0.12  # a choice's runs spread over half its room, at most this far apart


@dataclass(frozen=True)
class Dot:
    """What a dot stands for: shown when it is pointed at."""

    run: str
    value: str
    accuracy: float


class SettingScatter(QWidget):
    """A setting of each run against its best validation accuracy."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.columns: list[SettingValues] = []
        self.names: list[str] = []
        self.accuracies: list[float | None] = []
        self.setting = QComboBox()
        self.setting.setToolTip("The setting across the plot; each dot is one selected run")
        self.setting.currentIndexChanged.connect(self._draw)
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground("w")
        self.plot = self.graphics.addPlot()  # no title: the area is low at 1024x768
        self.plot.setLabel("left", "best accuracy")  # short: the plot is low at 1024x768
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        for side in ("left", "bottom"):  # values as they are: no "(x0.001)" beside the label
            self.plot.getAxis(side).enableAutoSIPrefix(False)
        self.dots = pg.ScatterPlotItem(
            size=DOT_SIZE, brush=pg.mkBrush(*DOT_COLOUR), hoverable=True, tip=_tip
        )
        self.dots.sigHovered.connect(self._on_dots_hovered)
        self.plot.addItem(self.dots)
        self.counts: list[pg.TextItem] = []  # "x3" beside dots that lie on each other
        self.pointed = ElidedLabel(POINTING)
        self.left_out = QLabel()
        top = QHBoxLayout()
        top.addWidget(QLabel("Setting:"))
        top.addWidget(self.setting, 1)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(top)
        column.addWidget(self.graphics, 1)
        column.addWidget(self.pointed)
        column.addWidget(self.left_out)
        self.scale = 1.0

    def show_runs(self, records: list[RunRecord], names: list[str]) -> None:
        """Plot `records` (named `names`), keeping the chosen setting if they still differ in it."""
        chosen = self.setting.currentData()
        self.columns = settings_table(records)
        self.names = names
        self.accuracies = [best_accuracy(r) for r in records]
        self.setting.blockSignals(True)
        self.setting.clear()
        for column in self.columns:
            self.setting.addItem(column.label, column.key)
        self.setting.setCurrentIndex(max(0, self.setting.findData(chosen)))
        self.setting.blockSignals(False)
        untrained = [n for n, a in zip(names, self.accuracies, strict=True) if a is None]
        self.left_out.setText(f"Not drawn, no epoch yet: {', '.join(untrained)}")
        self.left_out.setVisible(bool(untrained))
        self._draw()

    def _draw(self) -> None:
        column = self.columns[self.setting.currentIndex()]
        drawn = [i for i, a in enumerate(self.accuracies) if a is not None]
        shown = column.shown()
        xs = _positions(column)
        self.dots.setData(
            x=[xs[i] for i in drawn],
            y=[self.accuracies[i] for i in drawn],
            data=[Dot(self.names[i], shown[i], self.accuracies[i] or 0.0) for i in drawn],
        )
        self.plot.setLabel("bottom", column.label)
        self.plot.getAxis("bottom").setTicks(_ticks(column))
        low, high = min(xs, default=0.0), max(xs, default=1.0)
        margin = _margin(low, high) if column.numeric else 0.5  # half a category each side
        self.plot.setXRange(low - margin, high + margin, padding=0)
        self.plot.setYRange(0, 1, padding=0.02)
        self.pointed.setText(POINTING)
        style_axis(self.plot.getAxis("bottom"), self.scale)
        self._count_overlaps([(xs[i], self.accuracies[i] or 0.0) for i in drawn])

    def _count_overlaps(self, places: list[tuple[float, float]]) -> None:
        """A count ("x3") beside each place where dots of equal value hide each other."""
        for label in self.counts:
            self.plot.removeItem(label)
        together = Counter((x, round(y, 3)) for x, y in places)
        self.counts = []
        for (x, y), count in together.items():
            if count > 1:
                label = pg.TextItem(f"x{count}", color=INK, anchor=(-0.3, 0.5))
                label.setFont(scaled_font(self.scale))
                label.setPos(x, y)
                self.plot.addItem(label)
                self.counts.append(label)

    def _on_dots_hovered(self, _item: object, points: list, _event: object) -> None:
        dots = [point.data() for point in points]  # dots on top of each other: every run
        if dots:
            self.pointed.setText(
                "; ".join(f"{d.run}: {d.value}, best {d.accuracy:.1%}" for d in dots)
            )

    def set_text_scale(self, scale: float) -> None:
        self.scale = scale
        style_plot(self.plot, scale)

    def set_thick_lines(self, thick: bool) -> None:
        self.dots.setSize(DOT_SIZE * (2 if thick else 1))


def _categories(column: SettingValues) -> list[str]:
    """A choice's values in alphabetical order: one place on the axis each."""
    return sorted(set(column.shown()))


def _ticks(column: SettingValues) -> list[list[tuple[float, str]]] | None:
    """The axis's marks: each choice, or on a log axis each value the runs have (pyqtgraph's
    own log ticks crowd into each other); None: pyqtgraph's, for plain numbers."""
    if column.logarithmic:
        values = sorted(set(column.values))
        if len(values) > MOST_LOG_TICKS:  # then the powers of ten
            low, high = math.floor(math.log10(values[0])), math.ceil(math.log10(values[-1]))
            values = [10.0**power for power in range(low, high + 1)]
        return [[(math.log10(v), show_setting(v)) for v in values]]
    if column.numeric:
        return None
    return [list(enumerate(_categories(column)))]


def _positions(column: SettingValues) -> list[float]:
    """Where each run's value goes across: the number (its log for a log axis), or a choice's
    place among the categories."""
    if column.logarithmic:
        return [math.log10(v) for v in column.values]
    if column.numeric:
        return [float(v) for v in column.values]
    places = {name: i for i, name in enumerate(_categories(column))}
    return _spread([float(places[v]) for v in column.shown()])


def _spread(places: list[float]) -> list[float]:
    """Runs of one choice side by side around its place (a small jitter, the same each time),
    so dots of close accuracy do not hide each other: four adam runs show as four dots."""
    spread = []
    for index, place in enumerate(places):
        count, before = places.count(place), places[:index].count(place)
        step = min(SPREAD / max(count - 1, 1), DOT_STEP)
        spread.append(place + (before - (count - 1) / 2) * step)
    return spread


def _margin(low: float, high: float) -> float:
    """Room beside the outer dots: a tenth of the span, or around a value all runs share."""
    return (high - low) * 0.1 or max(abs(high) * 0.1, 0.1)


def _tip(x: float, y: float, data: Dot) -> str:
    return f"{data.run}\n{data.value}, best val. accuracy {data.accuracy:.1%}"
