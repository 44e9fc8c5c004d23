"""The window's widgets and menus, and where each sits. MainWindow inherits this to build itself;
nothing here holds state beyond the widgets, or acts on them beyond laying them out.

Places are fixed: the controls row, the progress line and the one line for "Cannot train yet"
keep their height whatever they say, and long text is cut with "..." (the tooltip holds it all),
so nothing widens the window or pushes the tabs down (issue 10, defects 2 and 3).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, metadata
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QKeySequence, QPalette, QUndoStack
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from cnnstudio import __version__
from cnnstudio.core.spec.run_spec import RunSpec
from cnnstudio.gui.glossary_dialog import open_glossary
from cnnstudio.gui.glossary_links import GlossaryKey, term_tip
from cnnstudio.gui.panels.dataset_panel import DatasetPanel
from cnnstudio.gui.panels.model_panel import ModelPanel
from cnnstudio.gui.panels.training_panel import TrainingPanel
from cnnstudio.gui.race_view import RaceView, curves_page
from cnnstudio.gui.run_presenter import RunViews
from cnnstudio.gui.status_line import StatusLine
from cnnstudio.gui.views.class_table import ClassTable
from cnnstudio.gui.views.coach import CoachView
from cnnstudio.gui.views.confusion import ConfusionView
from cnnstudio.gui.views.curves import CurvesView
from cnnstudio.gui.views.inside.view import InsideView
from cnnstudio.gui.views.mistakes import MistakesView
from cnnstudio.gui.views.queue_list import QueueBox
from cnnstudio.gui.views.runs import RunsView
from cnnstudio.gui.widgets import ElidedLabel, scrolling

if TYPE_CHECKING:
    from cnnstudio.gui.controller import RunController
    from cnnstudio.gui.presentation import Presentation
    from cnnstudio.gui.run_queue import RunQueue
    from cnnstudio.gui.runs_controller import RunsController

SETTINGS_WIDTH = 420  # the left panel's first width; it changes only when the user drags


class WindowLayout(QMainWindow):
    """Builds the widgets MainWindow wires up."""

    # Made and defined by MainWindow, which the menus call into.
    runs: RunsController
    controller: RunController
    presentation: Presentation
    queue: RunQueue
    new_project: Callable[[], None]
    _on_open: Callable[[], None]
    _on_save: Callable[[], bool]
    _on_save_as: Callable[[], bool]
    _on_train_clicked: Callable[[], None]
    _on_pause_clicked: Callable[[], None]
    open_race_dialog: Callable[[], None]

    def build_layout(self, spec: RunSpec) -> None:
        self.dataset_panel = DatasetPanel(spec)
        self.model_panel = ModelPanel(spec.layers)
        self.training_panel = TrainingPanel(spec)
        self.settings_tabs = QTabWidget()
        self.settings_tabs.addTab(scrolling(self.dataset_panel), "Dataset")
        self.settings_tabs.addTab(self.model_panel, "Model")
        self.settings_tabs.addTab(scrolling(self.training_panel), "Training")

        self.curves = CurvesView()
        self.race_view = RaceView()
        self.curves_page = curves_page(self.curves, self.race_view)  # or a race's curves
        self.confusion = ConfusionView()
        self.class_table = ClassTable()
        self.mistakes = MistakesView()
        self.inside = InsideView()
        self.coach = CoachView()
        self.runs_view = RunsView()
        self.view_tabs = QTabWidget()
        for view, title in (
            (self.curves_page, "Curves"),
            (self.confusion, "Confusion"),  # short: seven titles fit 1024 px
            (self.class_table, "Per class"),
            (self.mistakes, "Mistakes"),
            (self.runs_view, "Runs"),
            (self.inside, "Inside"),  # after the others: they keep their Ctrl+number
            (self.coach, "Coach"),
        ):
            self.view_tabs.addTab(view, title)
        for view, tip in (
            (self.confusion, term_tip("confusion matrix")),
            (self.class_table, term_tip("F1", "Precision, recall and F1 of each class.")),
            (self.mistakes, term_tip("softmax", "The checking images most confidently wrong.")),
        ):
            self.view_tabs.setTabToolTip(self.view_tabs.indexOf(view), tip)

        self.train_button = QPushButton("Train")
        self.queue_button = QPushButton("Add to queue")
        self.queue_box = QueueBox()  # shown while runs wait in the queue
        self.pause_button = QPushButton("Pause")
        self.stop_button = QPushButton("Stop")
        self.progress = QProgressBar()
        self.progress.setFormat("%p%")
        self.progress_label = ElidedLabel("Ready.")
        self.reason_label = ElidedLabel(lines=2)
        palette = self.reason_label.palette()
        palette.setColor(QPalette.ColorRole.WindowText, Qt.GlobalColor.darkRed)
        self.reason_label.setPalette(palette)
        controls = QHBoxLayout()
        for button in (self.train_button, self.queue_button, self.pause_button, self.stop_button):
            controls.addWidget(button)
        controls.addWidget(self.progress, 1)
        right = QWidget()
        right_column = QVBoxLayout(right)
        right_column.addLayout(controls)
        right_column.addWidget(self.progress_label)
        right_column.addWidget(self.reason_label)
        right_column.addWidget(self.queue_box)
        right_column.addWidget(self.view_tabs, 1)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.settings_tabs)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 0)  # a wider window widens the views, not the settings
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)
        self.status_line = StatusLine()  # across the window, in presentation mode only
        self.status_line.hide()
        central = QWidget()
        central_column = QVBoxLayout(central)
        central_column.setContentsMargins(0, 0, 0, 0)
        central_column.addWidget(self.status_line)
        central_column.addWidget(self.splitter, 1)
        self.setCentralWidget(central)
        self.device_label = QLabel()
        self.statusBar().addPermanentWidget(self.device_label)
        self.run_views = RunViews(
            self.view_tabs,
            self.curves,
            self.confusion,
            self.class_table,
            self.mistakes,
            self.progress,
            self.progress_label,
            self.device_label,
        )

    def restore_splitter(self, settings: QSettings) -> None:
        state = settings.value("window/splitter")
        if state is None or not self.splitter.restoreState(state):
            self.splitter.setSizes([SETTINGS_WIDTH, max(self.width() - SETTINGS_WIDTH, 300)])

    def build_menus(self, undo_stack: QUndoStack) -> None:
        """File, Edit (undo, redo), Run (with shortcuts), View (the tabs, presentation mode, text
        size) and Help (guide, glossary)."""
        keys = QKeySequence.StandardKey
        self.menu_actions: dict[str, QAction] = {}
        file_menu = self.menuBar().addMenu("&File")
        self._add(file_menu, "new", "&New project", keys.New, self.new_project)
        self._add(file_menu, "open", "&Open project or lesson...", keys.Open, self._on_open)
        self._add(file_menu, "save", "&Save project", keys.Save, self._on_save)
        self._add(file_menu, "save_as", "Save project &as...", keys.SaveAs, self._on_save_as)
        file_menu.addSeparator()
        self._add(file_menu, "predict", "&Predict images...", None, self.runs.predict_with_latest)
        file_menu.addSeparator()
        self._add(file_menu, "quit", "&Quit", "Ctrl+Q", self.close)  # Quit is unbound on Windows

        edit_menu = self.menuBar().addMenu("&Edit")
        for key, action in (
            ("undo", undo_stack.createUndoAction(self, "&Undo")),
            ("redo", undo_stack.createRedoAction(self, "&Redo")),
        ):
            action.setShortcuts(
                [QKeySequence(keys.Undo)]
                if key == "undo"
                else [QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")]
            )
            edit_menu.addAction(action)
            self.menu_actions[key] = action

        run_menu = self.menuBar().addMenu("&Run")
        self._add(run_menu, "train", "&Train", "F5", self._on_train_clicked)
        self._add(run_menu, "pause", "&Pause / resume", "F6", self._on_pause_clicked)
        self._add(run_menu, "stop", "&Stop", "Shift+F5", self.controller.stop)
        run_menu.addSeparator()
        self.menu_actions.update(self.queue.add_actions(run_menu))
        self._add(run_menu, "race", "&Race variants...", None, self.open_race_dialog)
        self.pause_button.setToolTip("Pause or go on (F6)")
        self.stop_button.setToolTip("Stop the run; its finished epochs are kept (Shift+F5)")

        view_menu = self.menuBar().addMenu("&View")
        for index in range(self.view_tabs.count()):
            title = self.view_tabs.tabText(index)
            show = lambda _checked=False, i=index: self.view_tabs.setCurrentIndex(i)  # noqa: E731
            self._add(view_menu, f"view{index}", title, f"Ctrl+{index + 1}", show)
        view_menu.addSeparator()
        self.menu_actions.update(self.presentation.add_actions(view_menu))

        help_menu = self.menuBar().addMenu("&Help")
        self._add(help_menu, "guide", "&Guide", keys.HelpContents, self.show_guide)
        self._add(help_menu, "glossary", "G&lossary", None, lambda: open_glossary(self))
        GlossaryKey(self, lambda term: open_glossary(self, term))  # F1 on a marked word
        self._add(help_menu, "about", "&About cnnstudio", None, self.show_about)

    def _add(self, menu, key: str, text: str, shortcut, slot) -> QAction:
        action = menu.addAction(text)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        self.menu_actions[key] = action
        return action

    def show_about(self) -> None:
        QMessageBox.about(
            self,
            "About cnnstudio",
            f"<b>cnnstudio {__version__}</b><p>Train convolutional neural networks on image "
            "datasets and watch them learn.</p><p>Help &gt; Guide explains the window.</p>",
        )

    def show_guide(self) -> None:
        """The README's guide to the window, shown inside the app (it works offline)."""
        self.guide = QDialog(self)
        self.guide.setWindowTitle("cnnstudio guide")
        browser = QTextBrowser()
        browser.setOpenExternalLinks(True)
        browser.setMarkdown(guide_text())
        QVBoxLayout(self.guide).addWidget(browser)
        self.guide.resize(720, 560)
        self.guide.show()


def guide_text() -> str:
    """The README's "The window" section: from the installed package's description, else the
    source checkout's README."""
    try:
        readme = metadata("cnnstudio").get_payload() or ""  # type: ignore[attr-defined]
    except PackageNotFoundError:
        readme = ""
    if "## The window" not in readme:
        source = Path(__file__).resolve().parents[2] / "README.md"
        readme = source.read_text(encoding="utf-8") if source.exists() else ""
    match = re.search(r"^## The window\n.*?(?=^## )", readme, re.MULTILINE | re.DOTALL)
    return match.group(0) if match else 'The guide is in README.md, section "The window".'


def first_launch_spec() -> RunSpec:
    """The default run, the same as `cnnstudio train` with no spec: the built-in dataset and the
    tutorial network for 10 epochs (about half a minute). One default everywhere: the training
    coach stays quiet on it, where 5 epochs ended still improving and drew "train longer"."""
    return RunSpec()
