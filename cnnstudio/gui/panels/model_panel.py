"""The layer-stack editor: presets, add/remove/reorder/duplicate, settings edited in place, and
beside each layer its output shape, parameters and multiply-adds, recomputed on every edit.

Shapes come from `analyse_stack` (formulas, no torch), so editing never touches torch on the GUI
thread. The first impossible layer is highlighted with its reason.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from cnnstudio.core.model.layers import LAYER_TYPES, LayerSpec, layer_from_dict
from cnnstudio.core.model.presets import PRESETS
from cnnstudio.core.model.shapes import StackReport, analyse_stack, format_shape
from cnnstudio.gui.param_form import ParamForm

COLUMNS = ("#", "output", "parameters", "mult-adds", "layer")  # the long text last
PROBLEM = QColor(255, 205, 205)


class ModelPanel(QWidget):
    changed = Signal()

    def __init__(self, layers: list[LayerSpec], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layers: list[LayerSpec] = list(layers)
        self.input_shape: tuple[int, ...] | None = None
        self.num_classes = 0
        self.report: StackReport | None = None
        self.settings_form: ParamForm | None = None

        self.preset_box = QComboBox()
        for preset in PRESETS.values():
            self.preset_box.addItem(preset.title, preset.name)
            self.preset_box.setItemData(self.preset_box.count() - 1, preset.description, 3)
        use_preset = QPushButton("Use preset")
        use_preset.clicked.connect(self._use_preset)
        presets = QHBoxLayout()
        presets.addWidget(QLabel("Preset:"))
        presets.addWidget(self.preset_box, 1)
        presets.addWidget(use_preset)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._show_settings)

        self.add_button = QToolButton()
        self.add_button.setText("Add layer")
        self.add_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.add_button.setMenu(self._add_menu())
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        for text, slot in (
            ("Duplicate", self._duplicate),
            ("Remove", self._remove),
            ("Up", lambda: self._move(-1)),
            ("Down", lambda: self._move(1)),
        ):
            button = QPushButton(text)
            button.clicked.connect(slot)
            buttons.addWidget(button)
        buttons.addStretch()

        self.totals = QLabel()
        self.problem_label = QLabel()
        self.problem_label.setWordWrap(True)
        self.problem_label.setStyleSheet("color: #b00020;")
        self.settings_box = QGroupBox("Layer settings")
        self.settings_layout = QVBoxLayout(self.settings_box)

        column = QVBoxLayout(self)
        column.addLayout(presets)
        column.addWidget(self.table, 1)
        column.addLayout(buttons)
        column.addWidget(self.totals)
        column.addWidget(self.problem_label)
        column.addWidget(self.settings_box)
        self._refresh_table()

    # -- the stack ----------------------------------------------------------------------------
    def set_layers(self, layers: list[LayerSpec]) -> None:
        self.layers = list(layers)
        self._changed(None)

    def set_input(self, shape: tuple[int, ...] | None, num_classes: int) -> None:
        """The input the stack will get; None while the dataset is not known yet."""
        self.input_shape, self.num_classes = shape, num_classes
        self._refresh_table()

    @property
    def problem(self) -> str | None:
        if self.input_shape is None:
            return "Choose a dataset first."
        return str(self.report.error) if self.report and self.report.error else None

    def _changed(self, select: int | None = None) -> None:
        self._refresh_table(select)
        self.changed.emit()

    def _refresh_table(self, select: int | None = None) -> None:
        if select is None:
            select = self._selected()
        self.report = None
        if self.input_shape is not None:
            self.report = analyse_stack(self.layers, self.input_shape, self.num_classes)
        rows = {row.index: row for row in self.report.rows} if self.report else {}
        bad = self.report.error.index if self.report and self.report.error else None
        self.table.blockSignals(True)
        self.table.setRowCount(len(self.layers))
        for index, layer in enumerate(self.layers):
            row = rows.get(index)
            values = (
                str(index + 1),
                format_shape(row.output_shape) if row else "",
                f"{row.params:,}" if row else "",
                f"{row.macs:,}" if row else "",
                _describe(layer),
            )
            for col, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setToolTip(LAYER_TYPES[layer.type].description)
                if index == bad:
                    item.setBackground(QBrush(PROBLEM))
                    item.setToolTip(self.report.error.reason)
                self.table.setItem(index, col, item)
        self.table.resizeColumnsToContents()
        self.table.blockSignals(False)
        if select is not None and 0 <= select < len(self.layers):
            self.table.selectRow(select)
        self._show_settings()
        if self.report is not None:
            shape = format_shape(self.report.input_shape)
            self.totals.setText(
                f"Input {shape}: {self.report.total_params:,} parameters, "
                f"{self.report.total_macs / 1e6:.2f} M multiply-adds per image"
            )
        self.problem_label.setText(self.problem or "")

    # -- editing ------------------------------------------------------------------------------
    def _selected(self) -> int | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return rows[0].row() if rows else None

    def _show_settings(self) -> None:
        if self.settings_form is not None:
            self.settings_form.deleteLater()
            self.settings_form = None
        index = self._selected()
        if index is None:
            self.settings_box.setTitle("Layer settings (select a layer)")
            return
        layer = self.layers[index]
        layer_type = LAYER_TYPES[layer.type]
        self.settings_box.setTitle(f"Layer {index + 1}: {layer_type.title}")
        self.settings_box.setToolTip(layer_type.description)
        self.settings_form = ParamForm(layer_type.params, layer.params)
        self.settings_form.changed.connect(lambda: self._edit(index))
        self.settings_layout.addWidget(self.settings_form)

    def _edit(self, index: int) -> None:
        values = self.settings_form.values()
        self.layers[index] = layer_from_dict({"type": self.layers[index].type, **values}, "layer")
        self._changed(index)

    def _add_menu(self) -> QMenu:
        menu = QMenu(self)
        menu.setToolTipsVisible(True)
        for category in dict.fromkeys(t.category for t in LAYER_TYPES.values()):
            menu.addSection(category)
            for layer_type in LAYER_TYPES.values():
                if layer_type.category == category:
                    action = menu.addAction(layer_type.title)
                    action.setToolTip(layer_type.description)
                    action.triggered.connect(lambda _=False, n=layer_type.name: self.add_layer(n))
        return menu

    def add_layer(self, type_name: str) -> None:
        """Insert a layer with default settings after the selected one (or at the end)."""
        selected = self._selected()
        position = len(self.layers) if selected is None else selected + 1
        self.layers.insert(position, layer_from_dict({"type": type_name}, "layer"))
        self._changed(position)

    def _duplicate(self) -> None:
        index = self._selected()
        if index is not None:
            self.layers.insert(index + 1, self.layers[index])
            self._changed(index + 1)

    def _remove(self) -> None:
        index = self._selected()
        if index is not None:
            del self.layers[index]
            self._changed(min(index, len(self.layers) - 1))

    def _move(self, step: int) -> None:
        index = self._selected()
        if index is None or not 0 <= index + step < len(self.layers):
            return
        self.layers[index], self.layers[index + step] = (
            self.layers[index + step],
            self.layers[index],
        )
        self._changed(index + step)

    def _use_preset(self) -> None:
        self.layers = list(PRESETS[self.preset_box.currentData()].layers)
        self._changed(None)


def _describe(layer: LayerSpec) -> str:
    settings = ", ".join(
        f"{key}={value}"
        for key, value in layer.params.items()
        if key not in ("in_channels", "in_features") or value != "auto"
    )
    title = LAYER_TYPES[layer.type].title
    return f"{title}({settings})" if settings else title
