"""The confusion matrix: a heatmap with class names on both axes, counts in the cells, a toggle
for the row-normalised (recall) view, a slider to step back through earlier epochs, and beside it
the validation images behind the cell last clicked.

The colour scale is fixed across epochs (0 to the largest class size, or 0 to 1 when normalised)
so colours mean the same thing as the run goes on.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSlider,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from cnnstudio.core.training.events import EpochEnded
from cnnstudio.gui.glossary_links import term_tip
from cnnstudio.gui.images import ThumbnailGrid
from cnnstudio.gui.plot_style import scaled_font, style_axis, style_plot

MAX_LABELLED = 20  # counts are written in the cells up to this many classes
COLOUR_AXIS_WIDTH = 45  # pixels: pyqtgraph's width for the colour scale's numbers
MAX_CELL_IMAGES = 200  # a cell of a large validation set shows its most confident images
CELL_HINT = "Click a cell of the matrix to see its validation images here."


def cell_rows(event: EpochEnded, labels: np.ndarray, true: int, predicted: int) -> np.ndarray:
    """Validation rows of class `true` predicted as `predicted`, most confident first."""
    rows = np.flatnonzero((labels == true) & (event.val_predictions == predicted))
    return rows[np.argsort(-event.val_confidence[rows], kind="stable")]


class ConfusionView(QWidget):
    explain_requested = Signal(object, int)  # a uint8 (C, H, W) image and its true class

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.matrices: list[np.ndarray] = []
        self.events: list[EpochEnded | None] = []  # each epoch's predictions, when at hand
        self.class_names: list[str] = []
        self.val_images: np.ndarray | None = None  # uint8 (N, C, H, W), when the run's are here
        self.val_labels: np.ndarray | None = None
        self.texts: list[pg.TextItem] = []
        self.text_scale = 1.0
        self.ticks_numbered: bool | None = None  # whether the columns show numbers, not names
        self.cell_font = scaled_font(1.0)
        self.dirty = False
        self.chosen_cell: tuple[int, int] | None = None

        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground("w")
        self.plot = self.graphics.addPlot(row=0, col=0)
        self.plot.setAspectLocked(True)
        self.plot.invertY(True)
        self.plot.setMouseEnabled(False, False)
        self.plot.hideButtons()
        self.plot.setLabel("left", "true class")
        self.plot.setLabel("bottom", "predicted class")
        for side in ("left", "bottom"):
            self.plot.getAxis(side).setToolTip(term_tip("confusion matrix"))
        for changed in (self.plot.vb.sigResized, self.plot.vb.sigRangeChanged):
            changed.connect(lambda *_args: self._fit_labels())
        self.image = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.image)
        self.colour_bar = pg.ColorBarItem(colorMap=pg.colormap.get("viridis"), interactive=False)
        self.colour_bar.setImageItem(self.image, insert_in=self.plot)
        # The scene, not the image item, hears the click: whichever item lies on top of a cell
        # (its count, the image, the view box at its border), the click reaches the view.
        self.graphics.scene().sigMouseClicked.connect(self._on_scene_clicked)

        self.normalised = QCheckBox("Row-normalised (recall)")
        self.normalised.setToolTip(term_tip("recall", "Show each row as shares of its class"))
        self.normalised.toggled.connect(self._mark_dirty)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setMinimum(1)
        self.slider.setEnabled(False)
        self.slider.valueChanged.connect(self._on_epoch_chosen)
        self.epoch_label = QLabel("no epoch yet")
        self._build_layout()
        self.set_text_scale(1.0)

    def _build_layout(self) -> None:
        # Two rows: in one, the slider had no room left beside large text (presentation mode).
        choices = QHBoxLayout()
        choices.addWidget(self.normalised)
        choices.addStretch(1)
        choices.addWidget(self.epoch_label)
        epochs = QHBoxLayout()
        epochs.addWidget(QLabel("Epoch:"))
        epochs.addWidget(self.slider, 1)
        matrix = QWidget()
        matrix_column = QVBoxLayout(matrix)
        matrix_column.setContentsMargins(0, 0, 0, 0)
        matrix_column.addWidget(self.graphics, 1)
        matrix_column.addLayout(choices)
        matrix_column.addLayout(epochs)

        self.cell_title = QLabel(CELL_HINT)
        self.cell_title.setWordWrap(True)
        self.cell_grid = ThumbnailGrid(columns=3, size=56)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.cell_grid)
        panel = QWidget()
        panel_column = QVBoxLayout(panel)
        panel_column.setContentsMargins(0, 0, 0, 0)
        panel_column.addWidget(self.cell_title)
        panel_column.addWidget(scroll, 1)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(matrix)
        splitter.addWidget(panel)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)
        QVBoxLayout(self).addWidget(splitter)

    def set_text_scale(self, scale: float) -> None:
        """Class names, axis titles, the colour scale and the cell counts at `scale` times the
        application's font size."""
        self.text_scale = scale
        style_plot(self.plot, scale)
        style_axis(self.colour_bar.axis, scale)
        self.colour_bar.axis.setWidth(round(COLOUR_AXIS_WIDTH * scale))
        self._fit_labels()

    def _fit_labels(self) -> None:
        """Class names under the columns where they fit a cell, else the classes' numbers (each
        row's name then ends with its number); the counts in a font no wider than a cell.
        Names side by side in narrow cells ran into one unreadable line (large text, many
        classes)."""
        font = scaled_font(self.text_scale)
        metrics = QFontMetrics(font)
        cell = 1 / max(self.plot.vb.viewPixelSize()[0], 1e-9)  # pixels across a cell
        names = self.class_names
        numbered = bool(names) and max(metrics.horizontalAdvance(n) for n in names) > cell - 4
        if numbered != self.ticks_numbered:
            self.ticks_numbered = numbered
            shown = list(enumerate(names))[:: max(1, len(names) // MAX_LABELLED)]
            left = [(i, f"{name} {i + 1}" if numbered else name) for i, name in shown]
            bottom = [(i, str(i + 1) if numbered else name) for i, name in shown]
            self.plot.getAxis("left").setTicks([left])
            self.plot.getAxis("bottom").setTicks([bottom])
        numbers = QFont(font)  # the columns' numbers fit their cells too
        widest = metrics.horizontalAdvance(str(len(names)))
        numbers.setPointSizeF(font.pointSizeF() * min(1.0, 0.9 * cell / widest))
        self.plot.getAxis("bottom").setTickFont(numbers if numbered else font)
        widest = metrics.horizontalAdvance("0.00" if self.normalised.isChecked() else "000")
        font.setPointSizeF(font.pointSizeF() * min(1.0, 0.9 * cell / widest))
        self.cell_font = font
        for text in self.texts:
            text.setFont(font)

    def clear(self, class_names: list[str]) -> None:
        self.matrices, self.events = [], []
        self.class_names = list(class_names)
        self.ticks_numbered = None
        self._fit_labels()
        self.slider.setEnabled(False)
        self.epoch_label.setText("no epoch yet")
        self.image.clear()
        self._set_texts(None)
        self.chosen_cell = None
        self._show_cell()

    def set_validation(self, images: np.ndarray | None, labels: np.ndarray | None) -> None:
        """The validation images the matrix counts (None: not at hand, as for a past run)."""
        self.val_images, self.val_labels = images, labels
        self._show_cell()

    def add_epoch(self, matrix: np.ndarray, event: EpochEnded | None = None) -> None:
        """The next epoch's matrix; `event` (a live run's) says which image landed where."""
        following = self.slider.value() == len(self.matrices)  # on the newest: keep following
        self.matrices.append(matrix)
        self.events.append(event)
        self.slider.setMaximum(len(self.matrices))
        self.slider.setEnabled(True)
        if following or len(self.matrices) == 1:
            self.slider.setValue(len(self.matrices))
        self.dirty = True

    @property
    def shown_epoch(self) -> int:
        return self.slider.value()

    def refresh(self) -> None:
        if not self.dirty or not self.matrices:
            return
        self.dirty = False
        counts = self.matrices[self.shown_epoch - 1]
        support = counts.sum(1, keepdims=True)
        if self.normalised.isChecked():
            values = np.divide(counts, support, out=np.zeros(counts.shape), where=support > 0)
            levels = (0.0, 1.0)
        else:
            values = counts.astype(float)
            levels = (0.0, float(max(1, support.max())))
        self.image.setImage(values, levels=levels)
        self.image.setRect(-0.5, -0.5, counts.shape[1], counts.shape[0])
        self.colour_bar.setLevels(levels)
        self.epoch_label.setText(f"epoch {self.shown_epoch} of {len(self.matrices)}")
        self._set_texts(values if self.normalised.isChecked() else counts)
        self._fit_labels()

    def _set_texts(self, values: np.ndarray | None) -> None:
        for text in self.texts:
            self.plot.removeItem(text)
        self.texts = []
        if values is None or len(values) > MAX_LABELLED:
            return
        top = values.max() or 1
        for (row, col), value in np.ndenumerate(values):
            label = f"{value:.2f}" if values.dtype.kind == "f" else str(value)
            colour = "k" if value > 0.6 * top else "w"
            text = pg.TextItem(label, color=colour, anchor=(0.5, 0.5))
            text.setFont(self.cell_font)
            text.setPos(col, row)
            self.plot.addItem(text)
            self.texts.append(text)

    def cell_at(self, scene_pos: QPointF) -> tuple[int, int] | None:
        """(true, predicted) of the cell at a scene position; None outside the matrix."""
        if not self.matrices or not self.plot.vb.sceneBoundingRect().contains(scene_pos):
            return None
        point = self.plot.vb.mapSceneToView(scene_pos)
        row, col = round(point.y()), round(point.x())
        size = len(self.class_names)
        return (row, col) if 0 <= row < size and 0 <= col < size else None

    def _on_scene_clicked(self, event) -> None:
        cell = self.cell_at(event.scenePos())
        if event.button() != Qt.MouseButton.LeftButton or cell is None:
            return
        event.accept()
        self.chosen_cell = cell
        self._show_cell()

    def _on_epoch_chosen(self) -> None:
        self._mark_dirty()
        self._show_cell()  # the chosen cell's images as of the epoch now shown

    def _show_cell(self) -> None:
        """The chosen cell's images at the shown epoch, most confident first, in the panel."""
        if self.chosen_cell is None or not self.matrices:
            self.cell_title.setText(CELL_HINT)
            self.cell_grid.show_images([])
            return
        true, predicted = self.chosen_cell
        event = self.events[self.shown_epoch - 1]
        names = self.class_names
        title = f"Epoch {self.shown_epoch}: true {names[true]}, predicted {names[predicted]}"
        count = int(self.matrices[self.shown_epoch - 1][true, predicted])
        if event is None or self.val_images is None or self.val_labels is None:
            self.cell_title.setText(
                f"{title}: {count} image(s). The images are shown for a run trained or resumed "
                "in this window: a run's folder keeps no per-image predictions."
            )
            self.cell_grid.show_images([])
            return
        rows = cell_rows(event, self.val_labels, true, predicted)[:MAX_CELL_IMAGES]
        shown = f" (the {len(rows)} most confident)" if len(rows) < count else ""
        self.cell_title.setText(f"{title}: {count} image(s){shown}, with the confidence:")
        images = [self.val_images[r] for r in rows]
        self.cell_grid.show_images(
            images,
            [f"{event.val_confidence[r]:.0%}" for r in rows],
            why=lambda i: self.explain_requested.emit(images[i], true),
        )

    def _mark_dirty(self) -> None:
        self.dirty = True
