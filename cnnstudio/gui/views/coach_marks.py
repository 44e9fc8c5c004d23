"""Where the coach spoke, marked on the curves: a dotted vertical line at each note's place, in
its severity's colour, with a short label on the first plot. Lines are made once and reused."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pyqtgraph as pg
from PySide6.QtCore import Qt

from cnnstudio.core.insight.coach_notes import CoachNote
from cnnstudio.gui.views.coach import SEVERITY_COLOURS
from cnnstudio.gui.views.line_labels import BESIDE

# A few words per rule: the label must not cover the curves it explains.
SHORT = {
    "first_batch_loss": "uneven start",
    "loss_rising": "loss rising",
    "stuck_at_chance": "guessing",
    "non_finite_loss": "NaN",
    "overfitting": "overfitting",
    "underfitting": "underfitting",
    "plateau": "plateau",
    "train_longer": "still improving",
    "class_imbalance": "imbalance",
    "leakage": "leakage",
    "too_few_images": "few images",
}
RANK = {"problem": 0, "warning": 1, "info": 2}  # a place with several notes shows the worst


def short_label(note: CoachNote) -> str:
    return SHORT.get(note.rule, note.rule.replace("_", " "))


def note_x(note: CoachNote, batches_per_epoch: int | None) -> float:
    """Where a note sits on the epoch axis: after its step when the run's batches per epoch are
    known (the live run), else at the end of its epoch (a past run keeps no batches)."""
    if batches_per_epoch:
        return note.step / batches_per_epoch
    return float(note.epoch)


class CoachMarks:
    """The coach's lines on `plots` (aligned x axes); labels on the first plot only, whose
    heights `placed` sets once they are placed (with the other labels of that plot)."""

    def __init__(self, plots: Sequence[pg.PlotItem], placed: Callable[[], None]) -> None:
        self.plots = list(plots)
        self.placed = placed
        self.lines: list[list[pg.InfiniteLine]] = []  # per place shown: one line per plot

    def show(self, notes: Sequence[CoachNote], batches_per_epoch: int | None) -> None:
        """Mark `notes`: one line per place, labelled with its notes' short names."""
        places: dict[float, list[CoachNote]] = {}
        for note in notes:
            places.setdefault(round(note_x(note, batches_per_epoch), 6), []).append(note)
        for index, (x, here) in enumerate(sorted(places.items())):
            worst = min(here, key=lambda n: RANK.get(n.severity, 3)).severity
            label = ", ".join(dict.fromkeys(short_label(n) for n in here))
            self._place(index, x, label, SEVERITY_COLOURS.get(worst, "#606060"))
        for unused in self.lines[len(places) :]:
            for line in unused:
                line.setVisible(False)
        self.placed()

    @property
    def labelled(self) -> list[pg.InfiniteLine]:
        """The labelled line of each place (on the first plot)."""
        return [lines[0] for lines in self.lines]

    @property
    def shown(self) -> list[tuple[float, str]]:
        """(x, label) of each line shown, left to right."""
        return [
            (lines[0].value(), lines[0].label.format)
            for lines in self.lines
            if lines[0].isVisible()
        ]

    def _place(self, index: int, x: float, label: str, colour: str) -> None:
        if index == len(self.lines):
            self.lines.append([_new_line(plot, first=not i) for i, plot in enumerate(self.plots)])
        pen = pg.mkPen(colour, width=1.5, style=Qt.PenStyle.DotLine)
        for line in self.lines[index]:
            line.setPen(pen)
            line.setValue(x)
            line.setVisible(True)
        first = self.lines[index][0]
        first.label.setFormat(label.replace("{", "{{").replace("}", "}}"))
        first.label.setColor(colour)


def _new_line(plot: pg.PlotItem, first: bool) -> pg.InfiniteLine:
    options = {"anchors": BESIDE} if first else None
    line = pg.InfiniteLine(angle=90, label="" if first else None, labelOpts=options)
    line.setZValue(-5)  # behind the curves
    plot.addItem(line, ignoreBounds=True)
    return line
