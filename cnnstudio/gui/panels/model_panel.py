"""The layer-stack editor: presets, add/remove/reorder/duplicate, settings edited in place, and
beside each layer its output shape, parameters and multiply-adds, recomputed on every edit.

Shapes come from `analyse_stack` (formulas, no torch), so editing never touches torch on the GUI
thread. The first impossible layer is highlighted, with its reason and the fixes that exist.

Controls keep their places: the buttons sit above the table, the problem box and the settings
box below it have fixed heights, and each layer type's settings form is built once (editing a
value only updates the table, so the editor being typed into keeps focus and undo).
"""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from cnnstudio.core.model.layers import LAYER_TYPES, LayerSpec, layer_from_dict
from cnnstudio.core.model.presets import PRESETS, matching_preset
from cnnstudio.core.model.shapes import StackReport, analyse_stack, format_shape
from cnnstudio.gui.glossary_links import explain_headers, mark, term_tip
from cnnstudio.gui.panels.guidance import HelpLine, advanced_switch
from cnnstudio.gui.panels.model_fixes import fixes_for
from cnnstudio.gui.panels.problem_box import ProblemBox
from cnnstudio.gui.param_form import ParamForm
from cnnstudio.gui.widgets import FontFollower

COLUMNS = ("#", "output", "parameters", "mult-adds", "layer")  # the long text last
PROBLEM = QColor(255, 205, 205)
LAYER_HINT = "F1 on the selected layer, or Help > Glossary: more words explained."


class ModelPanel(QWidget):
    """Edits the layer stack; `changed` fires on every edit made here (not on `set_layers`)."""

    changed = Signal()
    input_size_requested = Signal(int)  # a fix: "resize images to NxN" (the dataset panel's)

    def __init__(self, layers: list[LayerSpec], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layers: list[LayerSpec] = list(layers)
        self.input_shape: tuple[int, ...] | None = None
        self.num_classes = 0
        self.report: StackReport | None = None
        self.origin = matching_preset(self.layers)  # the preset the stack came from

        column = QVBoxLayout(self)
        column.addLayout(self._preset_row())
        column.addLayout(self._button_row())
        self.table = self._make_table()
        column.addWidget(self.table, 1)
        self.totals = QLabel()
        self.totals.setWordWrap(True)
        FontFollower(
            self.totals,
            lambda: self.totals.setFixedHeight(2 * self.totals.fontMetrics().lineSpacing() + 2),
        )
        column.addWidget(self.totals)
        self.problem_box = ProblemBox()
        column.addWidget(self.problem_box)
        column.addWidget(self._settings_box())
        self._refresh_table()

    # -- building -----------------------------------------------------------------------------
    def _preset_row(self) -> QHBoxLayout:
        self.preset_box = QComboBox()
        self.preset_box.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.preset_box.setMinimumContentsLength(12)
        self.preset_box.addItem("custom", None)
        for preset in PRESETS.values():
            self.preset_box.addItem(preset.title, preset.name)
            self.preset_box.setItemData(self.preset_box.count() - 1, preset.description, 3)
        self.preset_box.currentIndexChanged.connect(self._on_preset_chosen)
        self.use_preset_button = QPushButton("Use preset")
        self.use_preset_button.clicked.connect(self._on_use_preset_clicked)
        row = QHBoxLayout()
        row.addWidget(QLabel("Preset:"))
        row.addWidget(self.preset_box, 1)
        row.addWidget(self.use_preset_button)
        return row

    def _button_row(self) -> QHBoxLayout:
        self.add_button = QToolButton()
        self.add_button.setText("Add layer")
        self.add_button.setToolTip("Insert a new layer below the selected one")
        self.add_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.add_button.setMenu(self._add_menu())
        row = QHBoxLayout()
        row.addWidget(self.add_button)
        self.buttons: dict[str, QToolButton] = {}
        for text, tip, slot in (
            ("Duplicate", "Insert a copy of the selected layer below it", self._duplicate),
            ("Remove", "Remove the selected layer", self._remove),
            ("Up", "Move the selected layer one place up", lambda: self._move(-1)),
            ("Down", "Move the selected layer one place down", lambda: self._move(1)),
        ):
            # tool buttons: as wide as their words, so the row fits a narrow panel
            self.buttons[text] = button = QToolButton()
            button.setText(text)
            button.setToolTip(tip)
            button.clicked.connect(slot)
            row.addWidget(button)
        row.addStretch()
        return row

    def _make_table(self) -> QTableWidget:
        table = QTableWidget(0, len(COLUMNS))
        table.setHorizontalHeaderLabels(COLUMNS)
        table.verticalHeader().hide()
        table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        table.setTabKeyNavigation(False)  # Tab leaves the table; arrows move within it
        table.horizontalHeader().setStretchLastSection(True)
        explain_headers(table, {"parameters": "parameters", "mult-adds": "multiply-adds"})
        table.itemSelectionChanged.connect(self._show_settings)
        return table

    def _settings_box(self) -> QGroupBox:
        """One form per layer type, built once; the stack is as tall as the tallest form."""
        self.settings_box = QGroupBox("Layer settings (select a layer)")
        self.settings_pages = QStackedWidget()
        self.settings_pages.addWidget(QWidget())  # nothing selected
        self.settings_forms: dict[str, ParamForm] = {}
        switch = advanced_switch()
        for layer_type in LAYER_TYPES.values():
            form = ParamForm(layer_type.params, {}, "layer")
            form.changed.connect(self._edit)
            self.settings_forms[layer_type.name] = form
            self.settings_pages.addWidget(form)
        FontFollower(self.settings_pages, self._fit_settings_height)
        switch.held_changed.connect(self._fit_settings_height)
        for form in self.settings_forms.values():
            switch.toggled.connect(form.show_advanced)
        layout = QVBoxLayout(self.settings_box)
        layout.addWidget(self.settings_pages)
        layout.addWidget(HelpLine(self.settings_pages))
        layout.addWidget(switch.check_box())
        return self.settings_box

    def _fit_settings_height(self) -> None:
        """As tall as the tallest form with its advanced settings (unless presentation mode
        holds them hidden), in the current font: the controls below stay put whichever layer
        is selected and whatever is shown."""
        forms = self.settings_forms.values()
        for form in forms:
            form.show_advanced(not advanced_switch().held)
        self.settings_pages.setFixedHeight(max(form.sizeHint().height() for form in forms))
        for form in forms:
            form.show_advanced(advanced_switch().shown)

    @property
    def settings_form(self) -> ParamForm | None:
        """The form of the selected layer, or None."""
        page = self.settings_pages.currentWidget()
        return page if isinstance(page, ParamForm) else None

    # -- the stack ----------------------------------------------------------------------------
    def set_layers(self, layers: list[LayerSpec]) -> None:
        """Show `layers` (a project opened, an undo): keeps the selection and the focus, and
        emits no `changed`."""
        self.layers = list(layers)
        self.origin = matching_preset(self.layers) or self.origin
        self._refresh_table()

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
        self._fill_table()
        if select is not None and 0 <= select < len(self.layers):
            self.table.selectRow(select)
        self._show_settings()
        self._show_totals_and_problem()
        self._show_preset_choice()

    def _fill_table(self) -> None:
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
                item.setToolTip(_layer_tip(layer))
                if index == bad:
                    item.setBackground(QBrush(PROBLEM))
                    item.setToolTip(self.report.error.reason)  # type: ignore[union-attr]
                self.table.setItem(index, col, item)
        self.table.resizeColumnsToContents()
        self.table.blockSignals(False)

    def _show_totals_and_problem(self) -> None:
        self.totals.setText("")
        if self.report is not None:
            self.totals.setText(
                f"Input {format_shape(self.report.input_shape)}: "
                f"{self.report.total_params:,} parameters, "
                f"{self.report.total_macs / 1e6:.2f} M multiply-adds per image"
            )
        problem = self.problem
        if problem and self.input_shape is None:
            self.problem_box.show_problem(problem)
            return
        fixes = fixes_for(self.layers, self.input_shape, self.num_classes) if problem else []
        self.problem_box.show_problem(
            problem or "",
            [(fix.label, partial(self._apply_fix, fix)) for fix in fixes],
        )

    # -- editing ------------------------------------------------------------------------------
    def _selected(self) -> int | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return rows[0].row() if rows else None

    def _show_settings(self) -> None:
        """Show the selected layer's form with its values; forms are never rebuilt."""
        index = self._selected()
        if index is None or index >= len(self.layers):
            self.settings_box.setTitle("Layer settings (select a layer)")
            self.settings_pages.setCurrentIndex(0)
            mark(self.table, "")
            return
        layer = self.layers[index]
        layer_type = LAYER_TYPES[layer.type]
        self.settings_box.setTitle(f"Layer {index + 1}: {layer_type.title}")
        self.settings_box.setToolTip(_layer_tip(layer))
        mark(self.table, layer_type.title)  # F1 on the table explains the selected layer
        form = self.settings_forms[layer.type]
        form.set_values(layer.params)
        self.settings_pages.setCurrentWidget(form)

    def _edit(self) -> None:
        index = self._selected()
        if index is None:
            return
        assert self.settings_form is not None  # a layer is selected
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

    # -- presets and fixes --------------------------------------------------------------------
    def _show_preset_choice(self) -> None:
        """The box names the stack's preset, or "custom (from <preset>)" once it is edited."""
        title = PRESETS[self.origin].title if self.origin else None
        self.preset_box.setItemText(0, f"custom (from {title})" if title else "custom")
        self.preset_box.blockSignals(True)
        self.preset_box.setCurrentIndex(max(0, self.preset_box.findData(self._unchanged_preset())))
        self.preset_box.blockSignals(False)
        self._on_preset_chosen()

    def _unchanged_preset(self) -> str | None:
        """The preset the stack came from, if the stack still equals it."""
        if self.origin is not None and self.layers == list(PRESETS[self.origin].layers):
            return self.origin
        return None

    def _on_preset_chosen(self) -> None:
        chosen = self.preset_box.currentData()
        self.use_preset_button.setEnabled(chosen not in (None, self._unchanged_preset()))

    def _on_use_preset_clicked(self) -> None:
        name = self.preset_box.currentData()
        if name is not None:
            self._replace_with_preset(name)

    def _replace_with_preset(self, name: str) -> None:
        """Use preset `name`, asking first if that would discard edited layers."""
        if matching_preset(self.layers) is None and not self._confirm_replace(name):
            return
        self.use_preset(name)

    def _confirm_replace(self, name: str) -> bool:
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Replace your layers?",
            f"Your edited layers will be replaced by the preset {PRESETS[name].title}.",
            QMessageBox.StandardButton.Cancel,
            self,
        )
        replace = box.addButton("Replace layers", QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        return box.clickedButton() is replace

    def use_preset(self, name: str) -> None:
        """Replace the stack with preset `name` (no question asked)."""
        self.origin = name
        self.layers = list(PRESETS[name].layers)
        self._changed(None)

    def _apply_fix(self, fix) -> None:
        if fix.preset is not None:
            self._replace_with_preset(fix.preset)
        else:
            self.input_size_requested.emit(fix.input_size)


def _layer_tip(layer: LayerSpec) -> str:
    """What the layer does, then the glossary's paragraph on its kind (its title is a term)."""
    layer_type = LAYER_TYPES[layer.type]
    return term_tip(layer_type.title, layer_type.description, LAYER_HINT)


def _describe(layer: LayerSpec) -> str:
    settings = ", ".join(
        f"{key}={value}"
        for key, value in layer.params.items()
        if key not in ("in_channels", "in_features") or value != "auto"
    )
    title = LAYER_TYPES[layer.type].title
    return f"{title}({settings})" if settings else title
