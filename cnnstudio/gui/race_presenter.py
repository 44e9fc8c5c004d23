"""A race in the window: the dialog that sets it up, its start on the run's thread, and what it
shows while it trains (the race's curves, the progress bar and line) and when it ends.

Each variant trains into a new folder of the project's runs folder, named by the time, the
dataset and the variant, so the Runs tab lists them like any run.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QMessageBox, QStackedWidget, QWidget

from cnnstudio.core.data.images import ImageData
from cnnstudio.core.data.streaming import StreamedImages
from cnnstudio.core.errors import CnnstudioError
from cnnstudio.core.runs.folders import new_run_folder
from cnnstudio.core.runs.ranking import RaceEntry, folder_name, ranked
from cnnstudio.core.spec.run_spec import RunSpec
from cnnstudio.core.spec.variants import Variant
from cnnstudio.core.training.control import TrainingControl
from cnnstudio.core.training.events import BatchEnded, EpochEnded, FitStarted
from cnnstudio.gui.controller import RunController
from cnnstudio.gui.race_dialog import RaceDialog
from cnnstudio.gui.race_view import RaceView
from cnnstudio.gui.run_presenter import REDRAW_INTERVAL_MS, RunViews, clock


class RacePresenter(QObject):
    race_ended = Signal(object)  # list[Path]: the variants' run folders
    noted = Signal(str)  # a line for the status bar (a variant failed)

    def __init__(
        self,
        controller: RunController,
        view: RaceView,
        page: QStackedWidget,
        run_views: RunViews,
        locked: Sequence[QWidget],
        say: Callable[[str, str], None],
        parent: QObject | None = None,
    ) -> None:
        """`locked`: widgets disabled while a race trains (beyond those a run locks); `say`
        shows a headline and a detail in presentation mode's status line."""
        super().__init__(parent)
        self.controller, self.view, self.page, self.run_views = controller, view, page, run_views
        self.locked, self.say = locked, say
        self.labels: list[str] = []
        self.total = self.done = 0  # batches of all the variants
        self.started = 0.0
        self.timer = QTimer(self)
        self.timer.setInterval(REDRAW_INTERVAL_MS)
        self.timer.timeout.connect(self._on_redraw_timer)

    def open_dialog(
        self,
        spec: RunSpec,
        runs_dir: Path,
        data: ImageData | StreamedImages | None,
        refusal: Callable[[RunSpec], str | None],
        parent: QWidget,
    ) -> None:
        """Ask which variants to race (`refusal`: why one may not run, see RaceDialog); start
        them if the person says Start."""
        self.dialog = RaceDialog(spec, refusal, parent)
        self.dialog.accepted.connect(
            lambda: self.start(self.dialog.variants, runs_dir, data, parent)
        )
        self.dialog.open()

    def start(
        self,
        variants: list[Variant],
        runs_dir: Path,
        data: ImageData | StreamedImages | None,
        parent: QWidget,
    ) -> None:
        """Race `variants` on the run's thread, each into a new folder in `runs_dir`."""
        from cnnstudio.gui.race_worker import RaceWorker  # imports torch: not at start-up

        try:
            folders = [
                new_run_folder(runs_dir, f"{v.spec.dataset['name']}-{folder_name(v.label)}")
                for v in variants
            ]
        except CnnstudioError as error:
            QMessageBox.warning(parent, "Cannot start the race", str(error))
            return
        self.labels = [variant.label for variant in variants]
        self.total = self.done = 0
        self.started = time.monotonic()

        def make(control: TrainingControl) -> RaceWorker:
            return RaceWorker(variants, folders, data, control)

        def listen(worker: RaceWorker) -> None:
            worker.fit_started.connect(self._on_fit_started)
            worker.batches_ended.connect(self._on_batches_ended)
            worker.epoch_ended.connect(self._on_epoch_ended)
            worker.variant_failed.connect(self._on_variant_failed)
            worker.race_ended.connect(self._on_race_ended)
            worker.failed.connect(lambda text: self._on_failed(text, parent))
            worker.finished.connect(lambda: self._on_finished(folders))

        self.view.start(self.labels)
        self.page.setCurrentWidget(self.view)
        self.run_views.tabs.setCurrentWidget(self.page)
        self.run_views.progress.setValue(0)
        self._tell(f"Starting a race of {len(variants)} variants", "getting the images ready...")
        self.controller.start_worker(make, listen)
        for widget in self.locked:
            widget.setEnabled(False)
        self.timer.start()

    def _on_finished(self, folders: list[Path]) -> None:
        for widget in self.locked:
            widget.setEnabled(True)
        self.race_ended.emit(folders)

    def _on_fit_started(self, _index: int, event: FitStarted) -> None:
        self.total += event.epochs * event.batches_per_epoch
        self.run_views.progress.setRange(0, self.total)

    def _on_batches_ended(self, index: int, batches: list[BatchEnded]) -> None:
        self.view.add_batches(index, batches)
        self.done += len(batches)

    def _on_epoch_ended(self, index: int, event: EpochEnded) -> None:
        self.view.add_epoch(index, event)

    def _on_variant_failed(self, index: int, message: str) -> None:
        self.noted.emit(f"{self.labels[index]} failed, the others go on: {message}")

    def _on_race_ended(self, entries: list[RaceEntry]) -> None:
        self._stop_showing()
        self.view.show_ranking(entries)
        best = ranked(entries)[0]
        accuracy = best.result.best_val_accuracy
        first = f"{best.variant.label} ranks first" + (
            f" ({accuracy:.1%} validation accuracy)" if accuracy is not None else ""
        )
        ended = "stopped" if any(e.result.status == "stopped" for e in entries) else "finished"
        self._tell(
            f"Race {ended} after {clock(time.monotonic() - self.started)}",
            f"{first}. Each variant is a run in the Runs tab.",
        )

    def _on_failed(self, text: str, parent: QWidget) -> None:
        self._stop_showing()
        self._tell("The race stopped", text)
        QMessageBox.warning(parent, "The race stopped", text)

    def _stop_showing(self) -> None:
        self.timer.stop()
        self.view.refresh()
        self.run_views.progress.setValue(self.done)

    def _on_redraw_timer(self) -> None:
        if self.view.isVisibleTo(self.run_views.tabs):
            self.view.refresh()
        self.run_views.progress.setValue(self.done)
        state = "Paused. " if self.controller.paused else ""
        self._tell(
            f"{state}Racing {len(self.labels)} variants",
            f"{self.done} of {self.total or '?'} batches, one batch each in turn.",
        )

    def _tell(self, headline: str, detail: str) -> None:
        """On the progress line, and in presentation mode's big status line."""
        self.run_views.progress_label.setText(f"{headline}: {detail}")
        self.say(headline, detail)
