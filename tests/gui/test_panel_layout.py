"""The settings panels fit a 1024x768 screen, keep their controls in place and let Tab move on."""

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QScrollArea,
    QWidget,
)

from tests.gui.panel_helpers import click_row, replace_text
from tests.gui.test_main_window import set_epochs, train_and_wait

CONTROLS = (QAbstractButton, QAbstractSpinBox, QComboBox, QLineEdit)


def clipped_controls(panel):
    """Visible buttons, boxes and fields narrower than they need to show their text."""
    return [
        f"{type(w).__name__} {getattr(w, 'text', lambda: '')()!r}: {w.width()} < "
        f"{w.minimumSizeHint().width()}"
        for w in panel.findChildren(QWidget)
        if isinstance(w, CONTROLS)
        and w.isVisibleTo(panel)
        and w.width() < w.minimumSizeHint().width()
    ]


def outside_the_tab(window, panel):
    """Visible controls reaching past the right edge of the settings tabs."""
    right = window.settings_tabs.mapToGlobal(QPoint(window.settings_tabs.width(), 0)).x()
    return [
        type(w).__name__
        for w in panel.findChildren(QWidget)
        if isinstance(w, CONTROLS)
        and w.isVisibleTo(panel)
        and w.mapToGlobal(QPoint(w.width(), 0)).x() > right
    ]


def test_every_settings_tab_fits_a_1024x768_window(qtbot, window):
    window.resize(1024, 768)
    QApplication.processEvents()
    assert window.width() == 1024  # no panel's minimum width pushes the window wider
    for shown in (False, True):  # with and without the advanced settings
        for box in window.dataset_panel.findChildren(QAbstractButton):
            if box.text() == "Show advanced settings" and box.isChecked() != shown:
                box.click()
        for index in range(window.settings_tabs.count()):
            window.settings_tabs.setCurrentIndex(index)
            page = window.settings_tabs.currentWidget()
            qtbot.waitUntil(lambda page=page: page.isVisible())
            QApplication.processEvents()
            panel = page.widget() if isinstance(page, QScrollArea) else page
            if isinstance(page, QScrollArea):
                assert not page.horizontalScrollBar().isVisible(), window.settings_tabs.tabText(
                    index
                )
            assert clipped_controls(panel) == []
            assert outside_the_tab(window, panel) == []


def test_model_tab_controls_keep_their_places_whatever_the_layer_or_problem(qtbot, window):
    panel = window.model_panel
    window.resize(1024, 768)
    window.settings_tabs.setCurrentWidget(panel)
    names = ("Use preset", "Add layer", "Duplicate", "Remove", "Up", "Down")
    watched = [b for b in panel.findChildren(QAbstractButton) if b.text() in names]
    assert len(watched) == len(names)
    watched.append(panel.table)

    def places():
        QApplication.processEvents()  # let the layouts react to what changed
        QApplication.processEvents()
        return [w.mapTo(panel, QPoint(0, 0)) for w in watched] + [panel.table.height()]

    before = places()
    for row in (0, 1, 2, 6, 7, 11):  # conv, relu, pool, flatten, linear: forms of every height
        click_row(qtbot, panel.table, row)
        assert places() == before, f"moved when layer {row + 1} was selected"
    click_row(qtbot, panel.table, 0)
    settings_top = panel.settings_box.mapTo(panel, QPoint(0, 0))
    editor = panel.settings_form.editors["kernel_size"]
    replace_text(qtbot, editor, "40")  # a problem of three lines appears
    assert not window.train_button.isEnabled()
    assert places() == before
    assert panel.settings_box.mapTo(panel, QPoint(0, 0)) == settings_top


def test_tab_moves_out_of_the_tables(qtbot, window):
    set_epochs(window, 1)
    train_and_wait(qtbot, window)
    window.view_tabs.setCurrentWidget(window.class_table)
    for table in (window.class_table, window.dataset_panel.class_table, window.model_panel.table):
        if table is window.dataset_panel.class_table:
            window.settings_tabs.setCurrentIndex(0)
        if table is window.model_panel.table:
            window.settings_tabs.setCurrentWidget(window.model_panel)
        click_row(qtbot, table, 1)
        qtbot.waitUntil(lambda table=table: QApplication.focusWidget() is table)
        qtbot.keyClick(table, Qt.Key.Key_Tab)
        assert QApplication.focusWidget() is not table
