"""The Inside tab: the layer stack on the left, the chosen layer's feature maps (or filters) in
the middle, the image with where the network looks and its top classes on the right; or, on its
second page, the map of all validation images (views/embedding.py). The widgets only; the inside
and embedding presenters fill them and react to them.

It fits a 1024x768 screen beside the settings: every text that can grow is an ElidedLabel (its
tooltip holds all of it) and the choosers shrink to their shortest item, so nothing widens the
window.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSlider,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from cnnstudio.gui.glossary_links import explain
from cnnstudio.gui.run_dialogs import IMAGE_SUFFIXES
from cnnstudio.gui.views.embedding import EmbeddingView
from cnnstudio.gui.views.inside.layer_stack import LayerStack
from cnnstudio.gui.views.inside.map_grid import MapGrid, Tile
from cnnstudio.gui.views.inside.pictures import OverlayPicture, ProbabilityBars
from cnnstudio.gui.widgets import ElidedLabel, FontFollower, fitted_width

SIDE_WIDTH = 190  # the right column: the image, its overlay controls, the top classes


def small_combo() -> QComboBox:
    """A chooser that asks for the width of a few letters, not of its longest class name."""
    combo = QComboBox()
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(8)
    return combo


def is_image(path: Path) -> bool:
    return path.suffix.lower() in IMAGE_SUFFIXES


class InsideView(QWidget):
    files_dropped = Signal(object)  # list[Path] of files dropped on the tab
    shown = Signal()  # the tab came into view: time to draw what changed while hidden

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.notice = ElidedLabel(lines=2)
        self.class_box = small_combo()
        self.class_box.setToolTip("Look at a validation image of this class")
        self.random_button = QPushButton("Random")
        self.random_button.setToolTip("Look at a random validation image")
        self.epoch_slider = QSlider(Qt.Orientation.Horizontal)
        self.epoch_slider.setMinimum(1)
        self.epoch_slider.setEnabled(False)
        self.epoch_slider.setToolTip("Replay the epochs recorded so far")
        self.epoch_label = QLabel("no epoch yet")
        self.stack = LayerStack()
        self.map_title = ElidedLabel(lines=2)
        self.explanation = ElidedLabel(lines=4)
        self.filters_box = QCheckBox("Filters")
        self.filters_box.setToolTip("Show the layer's filters (its learned weights) instead")
        self.filters_box.setEnabled(False)
        self.grid = MapGrid()
        self.map = EmbeddingView()
        self.layers_button = QPushButton("Layers")
        self.layers_button.setToolTip("What each layer makes of one image")
        self.map_button = QPushButton("Map of all images")
        self.map_button.setToolTip("Every validation image placed by what the network makes of it")
        self.page_group = QButtonGroup(self)
        for number, button in enumerate((self.layers_button, self.map_button)):
            button.setCheckable(True)
            self.page_group.addButton(button, number)
        self.layers_button.setChecked(True)
        self._build_side()
        self._build_layout()

    def _build_side(self) -> None:
        self.picture = OverlayPicture()
        self.image_caption = ElidedLabel()
        self.target_box = small_combo()
        self.target_box.setToolTip("Where would it look for this class?")
        self.opacity = QSlider(Qt.Orientation.Horizontal)
        self.opacity.setRange(0, 100)
        self.opacity.setValue(50)
        self.opacity.setToolTip("How strongly the map covers the image")
        self.cam_button = QPushButton("Grad-CAM")
        self.cam_button.setToolTip("Where the network looks when it decides")
        self.occlusion_button = QPushButton("Occlusion")
        self.occlusion_button.setToolTip(
            "Hide each part of the image in turn and see how much the class's probability drops"
        )
        self.overlay_group = QButtonGroup(self)
        for button in (self.cam_button, self.occlusion_button):
            button.setCheckable(True)
            self.overlay_group.addButton(button)
        self.cam_button.setChecked(True)
        terms: tuple[tuple[QWidget, str], ...] = (
            (self.cam_button, "Grad-CAM"),
            (self.occlusion_button, "occlusion"),
            (self.filters_box, "kernel"),
        )
        for widget, term in terms:
            explain((widget,), widget.toolTip(), term)  # and F1 on it opens the glossary there
        self.overlay_label = ElidedLabel(lines=2)
        self.bars = ProbabilityBars()

    def _build_layout(self) -> None:
        chooser = QHBoxLayout()
        chooser.addWidget(QLabel("Image:"))
        chooser.addWidget(self.class_box)
        chooser.addWidget(self.random_button)
        chooser.addSpacing(8)
        chooser.addWidget(QLabel("Epoch:"))
        chooser.addWidget(self.epoch_slider, 1)
        chooser.addWidget(self.epoch_label)

        stack_area = QScrollArea()
        stack_area.setWidget(self.stack)
        stack_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        stack_area.setFixedWidth(self.stack.sizeHint().width() + 18)  # room for a scroll bar
        self.stack_area = stack_area

        middle = QVBoxLayout()
        title_row = QHBoxLayout()
        title_row.addWidget(self.map_title, 1)
        title_row.addWidget(self.filters_box)
        middle.addLayout(title_row)
        middle.addWidget(self.explanation)
        middle.addWidget(self.grid, 1)

        side = QWidget()
        side.setMaximumWidth(2 * SIDE_WIDTH)
        column = QVBoxLayout(side)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.image_caption)
        column.addWidget(self.picture, 1)
        controls = QGridLayout()
        controls.addWidget(QLabel("Look for:"), 0, 0)
        controls.addWidget(self.target_box, 0, 1)
        controls.addWidget(QLabel("Opacity:"), 1, 0)
        controls.addWidget(self.opacity, 1, 1)
        column.addLayout(controls)
        buttons = QHBoxLayout()
        buttons.addWidget(self.cam_button)
        buttons.addWidget(self.occlusion_button)
        column.addLayout(buttons)
        column.addWidget(self.overlay_label)
        column.addWidget(QLabel("Top classes:"))
        column.addWidget(self.bars)
        # Wider when larger text (the zoom, presentation mode) needs it, or its buttons are cut.
        FontFollower(side, lambda: side.setMinimumWidth(max(SIDE_WIDTH, fitted_width(column))))

        body = QHBoxLayout()
        body.addWidget(stack_area)
        body.addLayout(middle, 2)
        body.addWidget(side, 1)
        layers_page = QWidget()
        layers_column = QVBoxLayout(layers_page)
        layers_column.setContentsMargins(0, 0, 0, 0)
        layers_column.addLayout(chooser)
        layers_column.addLayout(body, 1)
        self.pages = QStackedWidget()
        self.pages.addWidget(layers_page)
        self.pages.addWidget(self.map)
        self.page_group.idClicked.connect(self.pages.setCurrentIndex)
        top = QHBoxLayout()
        top.addWidget(self.notice, 1)
        top.addWidget(self.layers_button, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(self.map_button, 0, Qt.AlignmentFlag.AlignTop)
        page = QVBoxLayout(self)
        page.addLayout(top)
        page.addWidget(self.pages, 1)

    def show_layers_page(self) -> None:
        """The layers page, whichever page was open (an image was asked to be looked at)."""
        self.layers_button.setChecked(True)
        self.pages.setCurrentIndex(0)

    def set_classes(self, class_names: list[str]) -> None:
        """The class names both choosers offer (signals blocked: filling is not choosing)."""
        for box, first in ((self.class_box, "class..."), (self.target_box, "its prediction")):
            box.blockSignals(True)
            box.clear()
            box.addItem(first, None)
            for index, name in enumerate(class_names):
                box.addItem(name, index)
            box.blockSignals(False)

    def set_epochs(self, count: int, shown: int) -> None:
        self.epoch_slider.blockSignals(True)
        self.epoch_slider.setMaximum(max(count, 1))
        self.epoch_slider.setValue(max(shown, 1))
        self.epoch_slider.setEnabled(count > 1)
        self.epoch_slider.blockSignals(False)
        self.epoch_label.setText(f"{shown} of {count}" if count else "no epoch yet")

    def clear_pictures(self) -> None:
        self.map_title.setText("")
        self.explanation.setText("")
        self.grid.show_tiles([])
        self.filters_box.setEnabled(False)
        self.picture.set_image(None)
        self.image_caption.setText("")
        self.overlay_label.setText("")
        self.bars.set_top([])

    def draw_layer(self, title: str, words: str, tiles: list[Tile], has_filters: bool) -> None:
        self.map_title.setText(title)
        self.explanation.setText(words)
        self.filters_box.setEnabled(has_filters)
        self.grid.show_tiles(tiles)

    def draw_image(
        self,
        image: np.ndarray,
        caption: str,
        heat: np.ndarray | None,
        overlay_words: str,
        top: list[tuple[str, float]],
        true_name: str | None,
    ) -> None:
        self.image_caption.setText(caption)
        self.picture.set_image(image)
        self.picture.set_heat(heat)
        self.overlay_label.setText(overlay_words)
        self.bars.set_top(top, true_name)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.shown.emit()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        """Image files are taken here; anything else goes on to the window (a folder, a
        project)."""
        urls = event.mimeData().urls()
        paths = [Path(url.toLocalFile()) for url in urls if url.isLocalFile()]
        if paths and len(paths) == len(urls) and all(is_image(p) for p in paths):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        event.acceptProposedAction()
        self.files_dropped.emit([Path(url.toLocalFile()) for url in event.mimeData().urls()])
