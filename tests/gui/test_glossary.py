"""The glossary in the window (issue 12): Help > Glossary searched by typing, every setting's
tooltip with its term's paragraph, and F1 in a field or on a layer opening the glossary there."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from cnnstudio.core.data.augment import AUGMENT_PARAMS
from cnnstudio.core.data.sources.registry import list_sources
from cnnstudio.core.model.layers import LAYER_TYPES
from cnnstudio.core.params import Param
from cnnstudio.core.spec.run_spec import (
    INPUT_PARAMS,
    OPTIMIZER_PARAMS,
    SCHEDULE_PARAMS,
    TRAINING_PARAMS,
)
from cnnstudio.glossary import lookup
from cnnstudio.gui.glossary_dialog import GlossaryDialog
from cnnstudio.gui.panels.guidance import HelpLine
from cnnstudio.gui.panels.wording import wording
from cnnstudio.gui.param_form import ParamForm
from cnnstudio.gui.views.run_table import TITLES
from tests.gui.panel_helpers import click_row, focus_editor
from tests.gui.test_window_edits import press
from tests.gui.test_window_fits import inside_its_screen


def shown_settings():
    """(form group, setting) for every setting a form of the window can show, from the catalogues
    the forms are built from: a new setting lands here by itself."""
    for source in list_sources():
        yield from (("dataset", p) for p in source.options if p.name != "path")  # own field
    for group, params in (
        ("input", INPUT_PARAMS),
        ("augment", AUGMENT_PARAMS),
        ("optimizer", OPTIMIZER_PARAMS),
        ("schedule", SCHEDULE_PARAMS),
        ("training", TRAINING_PARAMS),
        ("layer", [p for t in LAYER_TYPES.values() for p in t.params]),
        ("run", [Param("seed", "int", 0), Param("device", "str", "auto")]),
    ):
        yield from ((group, p) for p in params)


@pytest.mark.parametrize(
    ("group", "param"), list(shown_settings()), ids=lambda v: getattr(v, "name", v)
)
def test_every_setting_the_forms_show_has_a_glossary_entry(group, param):
    term = wording(group, param).term
    assert term and lookup(term) is not None, f"{group}.{param.name}: no glossary term"


def test_each_field_tooltip_holds_its_terms_paragraph_and_the_help_line_stays_short(qtbot, window):
    forms = window.findChildren(ParamForm)
    assert len(forms) >= 6
    for form in forms:
        for name, label in form.labels.items():
            entry = lookup(form.terms[name])
            assert entry.text in label.toolTip() and entry.text in form.editors[name].toolTip()
    window.settings_tabs.setCurrentWidget(window.training_panel.parentWidget().parentWidget())
    focus_editor(qtbot, window.training_panel.optimizer.editors["lr"])
    (help_line,) = window.training_panel.findChildren(HelpLine)
    assert help_line.text() == wording("optimizer", OPTIMIZER_PARAMS[1]).help  # one sentence


def open_from_menu(qtbot, window):
    window.menu_actions["glossary"].trigger()
    dialog = window.findChild(GlossaryDialog)
    qtbot.waitUntil(lambda: dialog.isVisible() and QApplication.focusWidget() is dialog.search_box)
    return dialog


def listed(dialog):
    return [dialog.terms.item(row).text() for row in range(dialog.terms.count())]


def test_typing_in_the_search_filters_the_terms_and_shows_the_paragraph(qtbot, window):
    dialog = open_from_menu(qtbot, window)
    assert len(listed(dialog)) >= 60
    qtbot.keyClicks(dialog.search_box, "pool")
    assert listed(dialog)[:2] == ["Pooling", "Average pooling"] and "Epoch" not in listed(dialog)
    assert lookup("pooling").text in dialog.text.toPlainText()
    qtbot.keyClick(dialog.search_box, Qt.Key.Key_Down)  # arrows move through the list
    assert dialog.shown_term == "Average pooling"
    assert lookup("average pooling").text in dialog.text.toPlainText()
    qtbot.keyClick(dialog.search_box, Qt.Key.Key_Return)  # Enter keeps it open, as it is
    assert dialog.isVisible() and dialog.shown_term == "Average pooling"

    dialog.search_box.selectAll()
    qtbot.keyClicks(dialog.search_box, "xyzzy")
    assert listed(dialog) == [] and dialog.text.toPlainText() == ""
    assert dialog.count.text().startswith("Nothing found")
    qtbot.keyClick(dialog.search_box, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


def test_f1_in_a_field_opens_the_glossary_at_its_term(qtbot, window):
    window.settings_tabs.setCurrentWidget(window.training_panel.parentWidget().parentWidget())
    focus_editor(qtbot, window.training_panel.optimizer.editors["lr"])
    press(qtbot, window, Qt.Key.Key_F1)
    dialog = window.findChild(GlossaryDialog)
    qtbot.waitUntil(lambda: dialog is not None and dialog.isVisible())
    assert dialog.shown_term == "Learning rate"
    assert lookup("lr").text in dialog.text.toPlainText()
    assert getattr(window, "guide", None) is None  # F1 here is about the field, not the guide

    window.settings_tabs.setCurrentWidget(window.model_panel)
    table = window.model_panel.table
    conv = next(i for i, layer in enumerate(window.model_panel.layers) if layer.type == "conv2d")
    click_row(qtbot, table, conv)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is table)
    assert lookup("convolution").text in table.item(conv, 4).toolTip()
    press(qtbot, window, Qt.Key.Key_F1)
    qtbot.waitUntil(lambda: dialog.shown_term == "Convolution")
    assert window.findChildren(GlossaryDialog) == [dialog]  # the same dialog, brought forward


def test_f1_where_no_word_is_explained_still_opens_the_guide(qtbot, window):
    window.view_tabs.setFocus()
    press(qtbot, window, Qt.Key.Key_F1)
    qtbot.waitUntil(lambda: getattr(window, "guide", None) is not None and window.guide.isVisible())
    assert window.findChild(GlossaryDialog) is None
    window.guide.close()


def test_the_views_explain_their_words(window):
    headers = window.class_table
    for column, term in enumerate(("class", "precision", "recall", "F1", "support")):
        tip = headers.horizontalHeaderItem(column).toolTip()
        assert (lookup(term).text in tip) == (column > 0)
    assert lookup("loss").text in window.curves.plots["loss"].titleLabel.toolTip()
    for view, term in ((window.confusion, "confusion matrix"), (window.mistakes, "softmax")):
        assert lookup(term).text in window.view_tabs.tabToolTip(window.view_tabs.indexOf(view))
    for table, column, term in (
        (window.runs_view.table, TITLES.index("best val. accuracy"), "accuracy"),
        (window.runs_view.table, TITLES.index("parameters"), "parameters"),
        (window.runs_view.table, TITLES.index("lr"), "learning rate"),
        (window.dataset_panel.class_table, 2, "validation"),
        (window.model_panel.table, 3, "multiply-adds"),
    ):
        assert lookup(term).text in table.horizontalHeaderItem(column).toolTip()


def test_the_glossary_fits_a_1024x768_screen(qtbot, window):
    dialog = open_from_menu(qtbot, window)
    assert dialog.screen().geometry().size().toTuple() == (1024, 768)
    assert inside_its_screen(dialog) and inside_its_screen(window)
    assert dialog.text.width() >= 300 and dialog.terms.width() >= 150


def test_the_inside_tab_explains_its_words_and_f1_on_grad_cam_opens_it_there(qtbot, window):
    from cnnstudio.core.insight.layers import describe_layers

    inside = window.inside
    stack = window.model_panel.layers
    inside.stack.set_layers(describe_layers(stack, (3, 32, 32), 6), (3, 32, 32))
    conv = next(i for i, layer in enumerate(stack) if layer.type == "conv2d")
    assert lookup("convolution").text in inside.stack.tooltip(conv)
    assert lookup("occlusion").text in inside.occlusion_button.toolTip()
    window.view_tabs.setCurrentWidget(inside)
    inside.cam_button.setFocus()  # where Tab leads a keyboard user
    press(qtbot, window, Qt.Key.Key_F1)
    dialog = window.findChild(GlossaryDialog)
    qtbot.waitUntil(lambda: dialog is not None and dialog.shown_term == "Grad-CAM")
