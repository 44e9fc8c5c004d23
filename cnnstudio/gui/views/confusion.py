"""The confusion matrix: a heatmap with class names on both axes, counts in the cells, a toggle
for the row-normalised (recall) view, and a slider to step back through earlier epochs.

The colour scale is fixed across epochs (0 to the largest class size, or 0 to 1 when normalised)
so colours mean the same thing as the run goes on. Clicking a cell asks for its images.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QSlider, QVBoxLayout, QWidget

MAX_LABELLED = 20  # counts are written in the cells up to this many classes


class ConfusionView(QWidget):
    cell_clicked = Signal(int, int, int)  # epoch, true class, predicted class

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.matrices: list[np.ndarray] = []
        self.class_names: list[str] = []
        self.texts: list[pg.TextItem] = []
        self.dirty = False

        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground("w")
        self.plot = self.graphics.addPlot(row=0, col=0)
        self.plot.setAspectLocked(True)
        self.plot.invertY(True)
        self.plot.setMouseEnabled(False, False)
        self.plot.hideButtons()
        self.plot.setLabel("left", "true class")
        self.plot.setLabel("bottom", "predicted class")
        self.image = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.image)
        self.colour_bar = pg.ColorBarItem(colorMap=pg.colormap.get("viridis"), interactive=False)
        self.colour_bar.setImageItem(self.image, insert_in=self.plot)
        self.image.mouseClickEvent = self._on_image_clicked

        self.normalised = QCheckBox("Row-normalised (recall)")
        self.normalised.toggled.connect(self._mark_dirty)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setMinimum(1)
        self.slider.setEnabled(False)
        self.slider.valueChanged.connect(self._mark_dirty)
        self.epoch_label = QLabel("no epoch yet")
        controls = QHBoxLayout()
        controls.addWidget(self.normalised)
        controls.addWidget(QLabel("Epoch:"))
        controls.addWidget(self.slider, 1)
        controls.addWidget(self.epoch_label)
        column = QVBoxLayout(self)
        column.addWidget(self.graphics, 1)
        column.addLayout(controls)

    def clear(self, class_names: list[str]) -> None:
        self.matrices = []
        self.class_names = list(class_names)
        ticks = [(i, name) for i, name in enumerate(self.class_names)]
        if len(ticks) > MAX_LABELLED:
            ticks = ticks[:: max(1, len(ticks) // MAX_LABELLED)]
        for axis in ("left", "bottom"):
            self.plot.getAxis(axis).setTicks([ticks])
        self.slider.setEnabled(False)
        self.epoch_label.setText("no epoch yet")
        self.image.clear()
        self._set_texts(None)

    def add_epoch(self, matrix: np.ndarray) -> None:
        following = self.slider.value() == len(self.matrices)  # on the newest: keep following
        self.matrices.append(matrix)
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
            text.setPos(col, row)
            self.plot.addItem(text)
            self.texts.append(text)

    def _on_image_clicked(self, event) -> None:
        if not self.matrices:
            return
        point = event.pos()
        row, col = int(point.y()), int(point.x())
        size = len(self.class_names)
        if 0 <= row < size and 0 <= col < size:
            self.cell_clicked.emit(self.shown_epoch, row, col)
            event.accept()

    def _mark_dirty(self) -> None:
        self.dirty = True
