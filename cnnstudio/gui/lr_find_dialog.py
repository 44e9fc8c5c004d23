"""The learning-rate range test in the window.

"Find" beside the learning rate trains a fresh network of the current settings on the loaded data
for a few hundred batches at rising rates, on a job thread (torch never runs on the GUI thread),
with a progress dialog that can cancel it. A dialog then plots loss against rate on a log axis,
marks the suggestion and says it in words; "Use this" puts the rate into the learning-rate field
as one edit that Edit > Undo takes back.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QProgressBar,
    QProgressDialog,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cnnstudio.core.spec.run_spec import RunSpec
from cnnstudio.core.spec.variants import show_setting, with_setting
from cnnstudio.core.training.control import TrainingControl
from cnnstudio.gui.plot_style import style_legend, style_plot

if TYPE_CHECKING:
    from cnnstudio.core.training.lr_find import RateTest
    from cnnstudio.gui.main_window import MainWindow

LR = "optimizer.lr"
READY_TIP = (
    "Find a good learning rate: a fresh network trains a few hundred batches while the rate "
    "grows from 1e-7 to 10, and the rate where the loss falls fastest is suggested. Nothing "
    "it trains is kept."
)
SMOOTHED, RAW, MARK = (70, 130, 230), (70, 130, 230, 70), (235, 120, 40)
LONGER = 4  # "Try again" trains this many times the batches of the test that found nothing


def run_rate_test(
    spec: RunSpec, data: Any, control: TrainingControl, relay: _Relay, batches: int | None
) -> RateTest:
    """The test on a fresh network of `spec` (weights from its seed), over `batches` batches
    (None: the default); on a job thread."""
    # Imported here: they import torch, which the window loads after it shows.
    from cnnstudio.core.training.engine import Trainer
    from cnnstudio.core.training.lr_find import DEFAULT_BATCHES, find_learning_rate

    trainer = Trainer(spec, data, control)
    return find_learning_rate(
        trainer, batches=batches or DEFAULT_BATCHES, control=control, progress=relay.advanced.emit
    )


class _Relay(QObject):
    """Carries the job thread's progress to the GUI thread (a queued signal)."""

    advanced = Signal(int, int)  # batches done, batches in all


class LrFinder(QObject):
    """The "Find" button's behaviour: when it may run, the test, the result dialog."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.button: QPushButton = window.training_panel.find_button
        self.control: TrainingControl | None = None  # while a test runs
        self.progress: QProgressDialog | None = None
        self.dialog: RateTestDialog | None = None
        self.blocked: str | None = None
        self.batches = 0  # the batches of the test under way or last run (from its progress)
        self.relay = _Relay(self)
        self.relay.advanced.connect(self._on_advanced)
        self.button.clicked.connect(self.find)

    def set_blocked(self, reason: str | None, training: bool) -> None:
        """Find may run only on loaded data, with no run training; say why not in its tip."""
        locked = self.window.training_panel.optimizer.locked.get("lr")
        if training:
            reason = "a run is training. Find a rate before or after a run."
        self.blocked = reason or locked
        self._show_state()

    def _show_state(self) -> None:
        busy = self.control is not None
        self.button.setEnabled(self.blocked is None and not busy)
        self.button.setText("Finding..." if busy else "Find")
        tip = READY_TIP if self.blocked is None else f"Cannot find a rate now: {self.blocked}"
        self.button.setToolTip(tip)

    def find(self, batches: int | None = None) -> None:
        """Start the test over `batches` batches (None: the default number)."""
        loaded = self.window.dataset.current()
        if self.blocked is not None or self.control is not None or loaded is None:
            return
        self.control = control = TrainingControl()
        spec = RunSpec.from_dict(self.window.spec.to_dict())
        self.progress = self._progress_dialog(control)
        self._show_state()
        self.window.jobs.start(
            lambda: run_rate_test(spec, loaded.data, control, self.relay, batches),
            self._on_finished,
            self._on_failed,
        )

    def _progress_dialog(self, control: TrainingControl) -> QProgressDialog:
        progress = QProgressDialog(
            "Finding a learning rate: training a fresh network at rising rates...",
            "Cancel",
            0,
            0,
            self.window,
        )
        progress.setWindowTitle("Finding a learning rate")
        bar = QProgressBar(progress)
        bar.setFormat("%v of %m batches tried")
        progress.setBar(bar)
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(0)
        progress.setAutoClose(False)
        progress.setAutoReset(False)
        progress.canceled.connect(lambda: control.request_stop("cancelled"))
        progress.show()
        return progress

    @Slot(int, int)
    def _on_advanced(self, done: int, total: int) -> None:
        self.batches = total
        if self.progress is not None:
            self.progress.setMaximum(total)
            self.progress.setValue(done)

    def cancel(self) -> None:
        """Stop a test under way (the window closes)."""
        if self.control is not None:
            self.control.request_stop("cancelled")

    def _end(self) -> bool:
        """The test is over: close the progress; True if the person cancelled it."""
        cancelled = self.control is not None and self.control.stop_requested
        if self.progress is not None:
            self.progress.close()
            self.progress.deleteLater()
        self.control, self.progress = None, None
        self._show_state()
        return cancelled

    def _on_finished(self, test: RateTest) -> None:
        if self._end():
            self.window.statusBar().showMessage("Finding a learning rate: cancelled.", 10_000)
            return
        scale = self.window.presentation.shown_scale
        self.dialog = RateTestDialog(test, scale, self.window, retry=LONGER * self.batches)
        self.dialog.chosen.connect(self.use)
        self.dialog.retried.connect(self.find)
        self.dialog.open()

    def _on_failed(self, message: str) -> None:
        self._end()
        QMessageBox.warning(self.window, "Cannot find a learning rate", message)

    def use(self, rate: float) -> None:
        """Put `rate` into the learning-rate field: one edit, undoable."""
        spec = with_setting(self.window.spec, LR, rate)
        refusal = self.window.lessons.refusal(spec)
        if refusal:
            QMessageBox.warning(self.window, "Cannot use this rate", refusal)
            return
        self.window.edit_spec(spec)
        self.window.statusBar().showMessage(
            f"Learning rate set to {show_setting(rate)} (Edit > Undo takes it back).", 10_000
        )


class RateTestDialog(QDialog):
    """The test's curve, its suggestion in words, and "Use this"."""

    chosen = Signal(float)  # the suggested rate, to use
    retried = Signal(int)  # the batches to try again with, when there was no suggestion

    def __init__(
        self, test: RateTest, scale: float, parent: QWidget | None = None, retry: int = 0
    ) -> None:
        """`retry`: with no suggestion, offer to try again over this many batches (0: not)."""
        super().__init__(parent)
        self.setWindowTitle("Learning-rate range test")
        # Two significant digits: what the field shows, and all the test can tell.
        self.rate = float(f"{test.suggestion:.2g}") if test.suggestion is not None else None
        self.plot, self.mark = _rate_plot(test, scale)
        self.words = QLabel(_in_words(test, self.rate))
        self.words.setWordWrap(True)
        self.words.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        self.use_button = buttons.addButton("Use this", QDialogButtonBox.ButtonRole.AcceptRole)
        self.use_button.setEnabled(self.rate is not None)
        self.use_button.setDefault(self.rate is not None)
        buttons.accepted.connect(self._use)
        self.retry_button: QPushButton | None = None
        if self.rate is None and retry:
            self.retry_button = buttons.addButton(
                f"Try again with {retry} batches", QDialogButtonBox.ButtonRole.ActionRole
            )
            self.retry_button.clicked.connect(lambda: self._retry(retry))
        column = QVBoxLayout(self)
        column.addWidget(self.plot, 1)
        column.addWidget(self.words)
        column.addWidget(buttons)
        self.resize(640, 460)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.rate is not None:  # Enter uses it; the button box would focus Close
            self.use_button.setFocus()

    def _retry(self, batches: int) -> None:
        self.accept()
        self.retried.emit(batches)

    def _use(self) -> None:
        if self.rate is not None:
            self.chosen.emit(self.rate)
        self.accept()


def _in_words(test: RateTest, rate: float | None) -> str:
    kept = "The test trained a fresh network; its weights were not kept."
    if rate is None:
        return f"{test.note} {kept}"
    return (
        f"The smoothed loss fell fastest at a rate of {show_setting(rate)}: a good learning "
        f"rate to train with (if training is unsteady, try a third of it). {test.note} {kept}"
    )


def _rate_plot(test: RateTest, scale: float) -> tuple[pg.PlotWidget, pg.InfiniteLine | None]:
    """Loss against rate on a log axis: each batch faint, the smoothed loss strong, the
    suggestion a labelled line."""
    widget = pg.PlotWidget(background="w")
    plot = widget.getPlotItem()
    plot.setLogMode(x=True, y=False)
    plot.setLabel("bottom", "learning rate")
    # pyqtgraph's SI prefix would scale a log axis's labels ("(x0.001)", ticks 1000x the rates)
    plot.getAxis("bottom").enableAutoSIPrefix(False)
    plot.setLabel("left", "training loss")
    plot.showGrid(x=True, y=True, alpha=0.2)
    legend = plot.addLegend(offset=(10, -10))  # bottom left: the curve is high there
    rates = np.asarray(test.rates)
    plot.plot(rates, np.asarray(test.losses), pen=pg.mkPen(RAW, width=1), name="loss")
    plot.plot(rates, np.asarray(test.smoothed), pen=pg.mkPen(SMOOTHED, width=2.5), name="smoothed")
    mark = None
    if test.suggestion is not None:
        mark = pg.InfiniteLine(
            math.log10(test.suggestion),
            angle=90,
            pen=pg.mkPen(MARK, width=2, style=Qt.PenStyle.DashLine),
            label=f"suggested {show_setting(float(f'{test.suggestion:.2g}'))}",
            labelOpts={"position": 0.9, "color": MARK, "fill": (255, 255, 255, 220)},
        )
        plot.addItem(mark)
    if test.rates:  # the rates tried, not the curve's spikes, set the view
        plot.setXRange(math.log10(test.rates[0]), math.log10(test.rates[-1]), padding=0.02)
        plot.setYRange(*test.loss_range(), padding=0.05)
    style_plot(plot, scale)
    style_legend(legend, scale)
    return widget, mark
