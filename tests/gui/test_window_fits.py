"""The window fits the screen it opens on and stays put: no text widens it, no message pushes
the views down, and it remembers its size and place per screen (issue 10, defects 2, 3, 5)."""

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication

from tests.gui.test_main_window import set_epochs


def inside_its_screen(window):
    return window.screen().availableGeometry().contains(window.frameGeometry())


def screen_named(name):
    (screen,) = [s for s in QGuiApplication.screens() if s.name() == name]
    return screen


def tabs_top(window):
    return window.view_tabs.mapTo(window, QPoint(0, 0)).y()


def test_the_window_opens_inside_a_1024x768_screen(window):
    assert window.screen().geometry().size().toTuple() == (1024, 768)
    assert inside_its_screen(window)
    assert window.width() >= 900 and window.height() >= 650  # and uses most of it


def test_size_and_place_are_remembered_per_screen(qtbot, window):
    from cnnstudio.gui.main_window import MainWindow

    window.move(1100, 40)  # dragged onto the large screen, made larger there
    window.resize(1500, 900)
    qtbot.waitUntil(lambda: window.screen().name() == "large")
    window.close()

    again = MainWindow()
    qtbot.addWidget(again)
    again.show()
    assert again.screen().name() == "large" and again.size().toTuple() == (1500, 900)
    assert again.pos() == QPoint(1100, 40) and inside_its_screen(again)
    again.move(20, 10)  # back to the small screen, smaller
    again.resize(900, 700)
    qtbot.waitUntil(lambda: again.screen().name() == "small")
    again.close()

    third = MainWindow()
    qtbot.addWidget(third)
    third.show()
    assert third.screen().name() == "small" and third.size().toTuple() == (900, 700)
    assert inside_its_screen(third)
    third.close()
    qtbot.waitUntil(lambda: not third.jobs.busy(), timeout=30_000)


def test_long_run_paths_and_reasons_neither_widen_the_window_nor_move_the_views(
    qtbot, window, tmp_path
):
    deep = tmp_path / "a folder with a rather long name for this year's class" / "week 12 lesson"
    assert window.save_project(deep / "convolutional networks, first steps.cnnstudio")
    size, splitter, top = window.size(), window.splitter.sizes(), tabs_top(window)
    set_epochs(window, 3, batch_size=8)
    qtbot.mouseClick(window.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.curves.series["loss:batch"].count > 0, timeout=30_000)
    qtbot.mouseClick(window.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.controller.running, timeout=30_000)
    assert "Saved in" in window.progress_label.text()
    qtbot.wait(50)  # let a relayout happen if anything asked for one
    assert window.size() == size and inside_its_screen(window)
    assert window.splitter.sizes() == splitter and tabs_top(window) == top
    assert str(deep) in window.progress_label.toolTip()  # all of it, where it fits nowhere

    source = window.dataset_panel.source_box  # a folder source with no folder chosen yet
    source.setFocus()
    while source.currentData() != "folder":
        qtbot.keyClick(source, Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: window.reason_label.text().startswith("Cannot train yet"))
    qtbot.wait(50)
    assert window.size() == size and tabs_top(window) == top
    assert window.splitter.sizes() == splitter


def test_showing_a_past_run_and_its_mistakes_keeps_the_window_on_a_1024x768_screen(qtbot, window):
    from tests.gui.test_views import click_tab
    from tests.gui.test_window_runs import click_run, train

    assert window.screen().name() == "small" and inside_its_screen(window)
    width = window.width()
    train(qtbot, window, 1)
    click_run(qtbot, window)
    show = window.runs_view.buttons["open"]
    qtbot.mouseClick(show, Qt.MouseButton.LeftButton, pos=show.rect().center())
    qtbot.waitUntil(lambda: window.progress_label.text().startswith("Showing"), timeout=10_000)
    click_tab(qtbot, window.view_tabs, window.mistakes)
    qtbot.waitUntil(lambda: "past run" in window.mistakes.summary.text())
    qtbot.wait(50)  # let a relayout happen if anything asked for one
    assert inside_its_screen(window), window.frameGeometry()
    assert window.width() <= width


def test_every_view_tab_is_in_sight_at_1024x768(qtbot, window):
    """Seven tabs: with "Confusion matrix" spelled out, Coach hid behind the tab bar's arrows."""
    assert window.screen().name() == "small"
    bar = window.view_tabs.tabBar()
    qtbot.waitUntil(lambda: bar.width() > 0)
    last = bar.tabRect(bar.count() - 1)
    assert last.right() <= bar.width(), [bar.tabText(i) for i in range(bar.count())]
