"""Presentation mode and the text zoom, driven by the keyboard as a teacher at a projector
would (issue 12): larger text everywhere, dark axis text, thick curves, no advanced settings,
one big plain-words status line, and a window that still fits a 1024x768 screen."""

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QColor, QFontMetrics
from PySide6.QtWidgets import QAbstractButton, QApplication, QScrollArea

from tests.gui.panel_helpers import click
from tests.gui.test_main_window import set_epochs
from tests.gui.test_panel_layout import clipped_controls
from tests.gui.test_window_edits import press
from tests.gui.test_window_fits import inside_its_screen

CTRL = Qt.KeyboardModifier.ControlModifier


def contrast(first: QColor, second: QColor) -> float:
    """WCAG 2 contrast ratio: 1 (none) to 21 (black on white)."""

    def luminance(colour):
        def linear(c):
            return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

        r, g, b = (linear(c) for c in (colour.redF(), colour.greenF(), colour.blueF()))
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def measures(window):
    """What a person sees of the text and lines, read from the real widgets."""
    curves = window.curves
    axis = curves.plots["loss"].getAxis("left")
    _sample, legend_label = curves.legend.items[0]
    return {
        "window font": window.font().pointSizeF(),
        "tab title": window.view_tabs.tabBar().font().pointSizeF(),
        "tick": axis.style["tickFont"].pointSizeF(),
        "class names": window.confusion.plot.getAxis("bottom").style["tickFont"].pointSizeF(),
        "legend": float(legend_label.opts["size"].removesuffix("pt")),
        "curve width": curves.items["loss:smoothed"].opts["pen"].widthF(),
        "marker": curves.items["accuracy:val"].opts["symbolSize"],
    }


def test_f11_makes_text_larger_axes_dark_and_curves_thick_and_f11_again_undoes_it(qtbot, window):
    window.resize(1024, 768)
    before = measures(window)
    assert not window.status_line.isVisible() and window.progress_label.isVisible()

    press(qtbot, window, Qt.Key.Key_F11)
    assert window.menu_actions["presentation"].isChecked()
    during = measures(window)
    for name in ("window font", "tab title", "tick", "class names", "legend"):
        assert during[name] >= 1.3 * before[name], name
    assert during["curve width"] >= 2 * before["curve width"]
    assert during["marker"] > before["marker"]
    assert window.status_line.isVisible() and not window.progress_label.isVisible()
    background = window.curves.layout_widget.backgroundBrush().color()
    comparison = window.runs_view.comparison
    plots = (*window.curves.plots.values(), window.confusion.plot, *comparison.plots.values())
    for plot in (*plots, comparison.scatter.plot):
        for side in ("left", "bottom"):
            axis = plot.getAxis(side)
            assert contrast(axis.textPen().color(), background) >= 7, (side, axis.labelText)
            assert contrast(axis.pen().color(), background) >= 7

    press(qtbot, window, Qt.Key.Key_F11)
    assert measures(window) == before
    assert not window.status_line.isVisible() and window.progress_label.isVisible()


def advanced_boxes(window):
    return [
        box
        for box in window.findChildren(QAbstractButton)
        if box.text() == "Show advanced settings"
    ]


def test_presentation_mode_hides_advanced_settings_and_gives_back_the_persons_choice(qtbot, window):
    seed = window.dataset_panel.options_form.editors["seed"]
    (box,) = [b for b in advanced_boxes(window) if window.dataset_panel.isAncestorOf(b)]
    click(qtbot, box)  # the person wants the advanced settings
    assert box.isChecked() and seed.isVisibleTo(window)

    press(qtbot, window, Qt.Key.Key_F11)
    assert not seed.isVisibleTo(window)
    assert not any(b.isVisibleTo(window) for b in advanced_boxes(window))
    assert QSettings().value("panels/advanced", type=bool)  # their choice is kept

    press(qtbot, window, Qt.Key.Key_F11)
    assert seed.isVisibleTo(window) and box.isVisibleTo(window) and box.isChecked()


def test_the_status_line_says_in_plain_words_what_a_real_run_is_doing(qtbot, window):
    press(qtbot, window, Qt.Key.Key_F11)
    assert window.status_line.text() == "Ready: press Train (F5) to start"
    set_epochs(window, 2, batch_size=8)
    press(qtbot, window, Qt.Key.Key_F5)
    qtbot.waitUntil(
        lambda: window.status_line.text().startswith(
            "Epoch 1 of 2: the network sees every training image for the first time"
        ),
        timeout=30_000,
    )
    press(qtbot, window, Qt.Key.Key_F6)
    qtbot.waitUntil(lambda: window.status_line.text().startswith("Paused at epoch 1 of 2"))
    press(qtbot, window, Qt.Key.Key_F6)
    qtbot.waitUntil(
        lambda: window.status_line.text().startswith(
            "Epoch 2 of 2: the network sees every training image for the second time. "
            "After epoch 1: "
        ),
        timeout=30_000,
    )
    qtbot.waitUntil(lambda: not window.controller.running, timeout=60_000)
    accuracy = window.presenter.epochs[-1].val_accuracy
    assert window.status_line.headline.text() == (
        f"Finished: {accuracy:.0%} of the checking images right"
    )


def test_ctrl_equals_zoom_is_remembered_after_closing_and_ctrl_0_resets_it(qtbot, window):
    from cnnstudio.gui.main_window import MainWindow

    normal = window.font().pointSizeF()
    press(qtbot, window, Qt.Key.Key_Equal, CTRL)
    press(qtbot, window, Qt.Key.Key_Equal, CTRL)
    zoomed = window.font().pointSizeF()
    assert zoomed > 1.2 * normal
    assert window.curves.plots["loss"].getAxis("left").style["tickFont"].pointSizeF() == zoomed
    press(qtbot, window, Qt.Key.Key_Minus, CTRL)
    assert normal < window.font().pointSizeF() < zoomed
    press(qtbot, window, Qt.Key.Key_Equal, CTRL)
    window.close()

    again = MainWindow()
    qtbot.addWidget(again)
    again.show()
    assert again.font().pointSizeF() == zoomed
    press(qtbot, again, Qt.Key.Key_0, CTRL)
    assert again.font().pointSizeF() == normal
    again.close()
    qtbot.waitUntil(lambda: not again.jobs.busy(), timeout=30_000)


def test_at_the_largest_zoom_every_tab_of_presentation_mode_fits_a_1024x768_screen(qtbot, window):
    window.resize(1024, 768)
    press(qtbot, window, Qt.Key.Key_F11)
    presenting = window.font().pointSizeF()
    for _ in range(10):  # far more than the zoom allows on this screen
        press(qtbot, window, Qt.Key.Key_Equal, CTRL)
    largest = window.font().pointSizeF()
    assert largest >= presenting
    assert largest >= 1.4 * QApplication.font().pointSizeF()
    set_epochs(window, 1, batch_size=8)
    press(qtbot, window, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: len(window.presenter.epochs) > 0, timeout=60_000)
    for tabs in (window.settings_tabs, window.view_tabs):
        for index in range(tabs.count()):
            tabs.setCurrentIndex(index)
            page = tabs.currentWidget()
            qtbot.waitUntil(page.isVisible)
            QApplication.processEvents()
            assert inside_its_screen(window), (tabs.tabText(index), window.frameGeometry())
            panel = page.widget() if isinstance(page, QScrollArea) else page
            assert clipped_controls(panel) == [], tabs.tabText(index)
    controls = (window.train_button, window.pause_button, window.stop_button)
    assert all(b.width() >= b.minimumSizeHint().width() for b in controls)
    qtbot.waitUntil(lambda: not window.controller.running, timeout=60_000)


def test_the_confusion_matrix_column_labels_never_run_into_each_other(qtbot, window):
    window.resize(1024, 768)
    press(qtbot, window, Qt.Key.Key_F11)
    set_epochs(window, 1, batch_size=8)
    press(qtbot, window, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: not window.controller.running, timeout=60_000)
    press(qtbot, window, Qt.Key.Key_2, CTRL)  # the confusion matrix
    qtbot.waitUntil(lambda: len(window.confusion.texts) == 100)
    plot = window.confusion.plot

    def labels_fit():  # once the matrix has taken its place (its range settles as it is drawn)
        cell = 1 / plot.vb.viewPixelSize()[0]  # pixels across one column
        axis = plot.getAxis("bottom")
        metrics = QFontMetrics(axis.style["tickFont"])
        (bottom,) = axis._tickLevels
        count_font = window.confusion.texts[0].textItem.font()
        return (
            max(metrics.horizontalAdvance(text) for _at, text in bottom) < cell
            and QFontMetrics(count_font).horizontalAdvance("000") < cell
        )

    def first_labels():
        (left,) = plot.getAxis("left")._tickLevels
        (bottom,) = plot.getAxis("bottom")._tickLevels
        return [text for _at, text in left][:2], [text for _at, text in bottom][:2]

    # Where the names do not fit, the columns are numbered and the rows say which is which
    # (how wide a cell is depends on the screen's fonts); both axes follow the same redraw.
    named = (["disc", "ring"], ["disc", "ring"])
    numbered = (["disc 1", "ring 2"], ["1", "2"])
    qtbot.waitUntil(lambda: labels_fit() and first_labels() in (named, numbered), timeout=5_000)
