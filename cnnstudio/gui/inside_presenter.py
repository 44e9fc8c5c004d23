"""What the Inside tab shows: the network's layers, what each made of an image, its filters,
where it looks, and how all that changed epoch by epoch.

Two kinds of picture feed it. A run records a snapshot at each epoch end on its training thread
(a few fixed probe images: their maps, the filters, Grad-CAM; core/insight/snapshot.py) and saves
it in its folder: the epoch slider replays those, live or from a past run's folder. Any other
image (another validation image, a dropped file, a "why?" from elsewhere in the window) is looked
at on demand on a job thread with the run's newest network (inside_work.py). No torch runs on
the GUI thread (docs/ARCHITECTURE.md, "Threads").
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QObject, Signal

from cnnstudio.core.errors import CnnstudioError
from cnnstudio.core.insight.layers import describe_layers
from cnnstudio.gui import inside_work
from cnnstudio.gui.inside_work import Look, PastRun
from cnnstudio.gui.jobs import JobRunner
from cnnstudio.gui.views.inside.layer_stack import INPUT
from cnnstudio.gui.views.inside.shown import (
    Shown,
    from_look,
    from_snapshot,
    layer_picture,
    overlay,
)
from cnnstudio.gui.views.inside.view import InsideView

if TYPE_CHECKING:
    from cnnstudio.core.insight.layers import LayerView
    from cnnstudio.core.insight.snapshot import InsideSnapshot
    from cnnstudio.core.model.layers import LayerSpec
    from cnnstudio.core.runs.history import RunRecord
    from cnnstudio.core.training.events import FitStarted
    from cnnstudio.gui.worker import TrainingWorker

BEFORE_ANY_RUN = "Train a network, or show a past run, to look inside it."
FIRST_EPOCH = "The first pictures come at the end of the first epoch."


class InsidePresenter(QObject):
    failed = Signal(str)  # a message for one dialog (an image that cannot be read)

    def __init__(self, view: InsideView, jobs: JobRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.view, self.jobs = view, jobs
        self.layers: list[LayerView] = []
        self.run_layers: list[LayerSpec] = []  # the live run's stack
        self.input_shape: tuple[int, ...] = ()
        self.class_names: list[str] = []
        self.run_dir: Path | None = None
        self.snapshots: list[InsideSnapshot] = []
        self.pool: tuple[np.ndarray, np.ndarray] | None = None  # validation images, labels
        self.probe: int | None = None  # the snapshot image shown; None: `look`'s image
        self.look: Look | None = None  # the image looked at on demand, when it is shown
        self.look_key: tuple[Any, ...] = ()  # ("image", request number)
        # Heat maps computed on demand: ("cam" or "occlusion", *Shown.key, class) -> (H, W)
        self.heats: dict[tuple[Any, ...], np.ndarray | None] = {}
        self.target: int | None = None  # the class Grad-CAM and occlusion explain
        self.layer = 0
        self.requests = 0  # the newest on-demand request; older answers are dropped
        self.random = np.random.default_rng()
        self._connect_signals()
        self.view.notice.setText(BEFORE_ANY_RUN)

    def _connect_signals(self) -> None:
        view = self.view
        view.stack.layer_clicked.connect(self._on_layer_clicked)
        view.filters_box.toggled.connect(lambda _on: self.refresh())
        view.epoch_slider.valueChanged.connect(self._on_epoch_chosen)
        view.class_box.activated.connect(self._on_class_chosen)
        view.random_button.clicked.connect(self._on_random_clicked)
        view.target_box.activated.connect(self._on_target_chosen)
        view.opacity.valueChanged.connect(lambda value: view.picture.set_opacity(value / 100))
        view.cam_button.clicked.connect(self.refresh)
        view.occlusion_button.clicked.connect(self._on_occlusion_clicked)
        view.files_dropped.connect(self._on_files_dropped)
        view.shown.connect(self.refresh)
        view.picture.set_opacity(view.opacity.value() / 100)

    # -- what the tab is about ----------------------------------------------------------------
    def show_stack(
        self, layers: list[LayerSpec], input_shape: tuple[int, ...] | None, classes: int
    ) -> None:
        """Before any run: the blocks of the stack being edited (by formula, no network)."""
        if self.run_dir is not None:
            return
        try:
            views = describe_layers(layers, input_shape, classes) if input_shape else []
        except CnnstudioError:
            views = []  # the Model tab says what is wrong with the stack
        self._set_layers(views, input_shape or ())
        self.view.stack.choose(None)

    def attach(self, worker: TrainingWorker, run_dir: Path) -> None:
        """Show the run `worker` trains into `run_dir`, refreshed at each of its epoch ends."""
        self._start(run_dir, FIRST_EPOCH)
        self.run_layers = list(worker.spec.layers)
        # Bound methods, not lambdas: a lambda would run on the training thread.
        worker.fit_started.connect(self._on_fit_started)
        worker.data_ready.connect(self._on_run_data_ready)
        worker.inside_recorded.connect(self._on_snapshot)
        worker.finished.connect(self._on_run_finished)
        if (run_dir / "inside").is_dir():  # resumed or extended: its earlier epochs are there
            self.jobs.start(
                lambda: inside_work.read_snapshots(run_dir),
                lambda earlier: self._on_earlier_read(run_dir, earlier),
                lambda _text: None,  # nothing earlier to replay; the live epochs still come
            )

    def show_record(self, record: RunRecord) -> None:
        """Show a past run: its recorded epochs, read from its folder on a job thread."""
        self._start(record.folder, f"Reading {record.name}...")
        folder = record.folder
        self.jobs.start(
            lambda: inside_work.read_past_run(folder),
            self._on_past_run_read,
            lambda text: self._say_if_current(folder, f"Nothing to look inside: {text}"),
        )

    def show_image(
        self, image: np.ndarray, label: int | None = None, name: str = "an image"
    ) -> None:
        """Look at `image` (uint8 (C, H, W) at the dataset's or the network's shape) with the
        shown run's newest network; `label` is its true class when known, `name` says where
        the image came from ("a mistake")."""
        self.view.show_layers_page()
        self._select_class(label)
        checkpoint = self._checkpoint()
        if checkpoint is not None:
            self._request_look(
                ("image", self.requests + 1),
                lambda t: inside_work.look_at(checkpoint, image, label, t, name),
            )

    def _start(self, run_dir: Path, notice: str) -> None:
        self.run_dir, self.snapshots, self.pool = run_dir, [], None
        self.probe, self.look, self.look_key, self.heats = None, None, (), {}
        self.requests += 1
        self.view.set_epochs(0, 0)
        self.view.notice.setText(notice)
        self.refresh()

    def _set_layers(self, layers: list[LayerView], input_shape: tuple[int, ...]) -> None:
        self.layers, self.input_shape = list(layers), tuple(input_shape)
        self.layer = min(self.layer, len(self.layers) - 1) if self.layers else INPUT
        self.view.stack.set_layers(self.layers, self.input_shape)

    def _set_classes(self, class_names: list[str]) -> None:
        self.class_names = list(class_names)
        self.target = None
        self.view.set_classes(self.class_names)

    # -- a live run ---------------------------------------------------------------------------
    def _on_fit_started(self, event: FitStarted) -> None:
        self._set_classes(list(event.class_names))
        views = describe_layers(self.run_layers, event.input_shape, len(event.class_names))
        self._set_layers(views, event.input_shape)
        self.view.stack.choose(self.layer)

    def _on_run_data_ready(self, data: object) -> None:
        images = getattr(data, "val_images", None)  # streamed data keeps none in memory
        if images is not None:
            self.pool = (images.numpy(), data.val_labels.numpy())  # type: ignore[attr-defined]

    def _on_snapshot(self, snapshot: InsideSnapshot) -> None:
        following = self.view.epoch_slider.value() >= len(self.snapshots)
        self.snapshots.append(snapshot)
        if self.probe is None and self.look is None:
            self.probe = 0
        shown = len(self.snapshots) if following else self.view.epoch_slider.value()
        self.view.set_epochs(len(self.snapshots), shown)
        self._epoch_label()
        self.view.notice.setText(self._live_notice())
        if self.view.isVisible():  # a hidden tab costs the training nothing
            self.refresh()

    def _on_earlier_read(self, run_dir: Path, earlier: list[InsideSnapshot]) -> None:
        if run_dir != self.run_dir or not earlier:
            return
        live = {snapshot.epoch for snapshot in self.snapshots}
        merged = [s for s in earlier if s.epoch not in live] + self.snapshots
        self._replay(sorted(merged, key=lambda snapshot: snapshot.epoch))

    def _replay(self, snapshots: list[InsideSnapshot]) -> None:
        """Recorded epochs to replay, the newest shown."""
        self.snapshots = snapshots
        if self.probe is None and self.look is None and snapshots:
            self.probe = 0
        self.view.set_epochs(len(snapshots), len(snapshots))
        self._epoch_label()
        self.refresh()

    def _on_run_finished(self) -> None:
        if not self.snapshots and self.view.notice.text() == FIRST_EPOCH:
            self.view.notice.setText(
                "The run ended before its first epoch did: there is nothing to look at yet."
            )

    def _live_notice(self) -> str:
        return (
            f"{len(self.snapshots)} epoch(s) recorded: the pictures are from the end of each "
            "epoch (the slider replays them). Click a block to see that layer; hover a block to "
            "read what it does."
        )

    # -- a past run ---------------------------------------------------------------------------
    def _on_past_run_read(self, past: PastRun) -> None:
        if past.folder != self.run_dir:
            return  # another run was chosen meanwhile
        self._set_classes(past.class_names)
        self._set_layers(past.layers, past.input_shape)
        self.view.stack.choose(self.layer)
        self.pool = (past.samples, past.sample_labels)
        self._replay(list(past.snapshots))
        recorded = f"{past.folder.name}: {len(self.snapshots)} epoch(s) recorded."
        self.view.notice.setText(recorded if self.snapshots else past.note)
        if not self.snapshots:
            self._on_random_clicked()

    def _say_if_current(self, folder: Path, text: str) -> None:
        if folder == self.run_dir:
            self.view.notice.setText(text)

    # -- choosing -----------------------------------------------------------------------------
    def _on_layer_clicked(self, index: int) -> None:
        self.layer = index
        self.refresh()

    def _on_epoch_chosen(self) -> None:
        if self.probe is None and self.snapshots:  # the slider replays the probe images
            self.probe, self.look = 0, None
        self._epoch_label()
        self.refresh()

    def _on_class_chosen(self) -> None:
        wanted = self.view.class_box.currentData()
        if wanted is None:
            return
        probes = [] if not self.snapshots else list(self.snapshots[-1].labels)
        if wanted in probes:  # recorded every epoch: the slider replays it
            self.probe, self.look = probes.index(wanted), None
            self._refresh_side_work()
            self.refresh()
        elif self.pool is not None and (self.pool[1] == wanted).any():
            rows = np.flatnonzero(self.pool[1] == wanted)
            self._look_at_pool(int(self.random.choice(rows)))
        else:
            self.view.notice.setText(f"No validation image of {self.class_names[wanted]} at hand.")

    def _on_random_clicked(self) -> None:
        if self.pool is not None and len(self.pool[1]):
            self._look_at_pool(int(self.random.integers(len(self.pool[1]))))
        elif self.snapshots:
            self.probe = int(self.random.integers(len(self.snapshots[-1].labels)))
            self.look = None
            self.refresh()

    def _look_at_pool(self, row: int) -> None:
        images, labels = self.pool  # type: ignore[misc]  # callers checked
        self._select_class(int(labels[row]))
        self.show_image(images[row], int(labels[row]), "a validation image")

    def _select_class(self, label: int | None) -> None:
        box = self.view.class_box
        box.setCurrentIndex(max(box.findData(label), 0) if label is not None else 0)

    def _on_target_chosen(self) -> None:
        self.target = self.view.target_box.currentData()
        self._refresh_side_work()
        self.refresh()

    def _on_occlusion_clicked(self) -> None:
        self._refresh_side_work()
        self.refresh()

    def _on_files_dropped(self, paths: list[Path]) -> None:
        checkpoint = self._checkpoint()
        if checkpoint is None:
            return
        path = paths[0]
        more = f" (the first of the {len(paths)} dropped)" if len(paths) > 1 else ""
        self.view.notice.setText(f"Looking at {path.name}{more}...")
        self._select_class(None)
        self._request_look(
            ("image", self.requests + 1),
            lambda t: inside_work.look_at_file(checkpoint, path, t),
        )

    # -- work on a job thread -----------------------------------------------------------------
    def _checkpoint(self) -> Path | None:
        """The shown run's newest network; None (said on the tab) before it has one."""
        checkpoint = self.run_dir / "last.pt" if self.run_dir else None
        if checkpoint is None or not checkpoint.exists():
            self.view.notice.setText(BEFORE_ANY_RUN if self.run_dir is None else FIRST_EPOCH)
            return None
        return checkpoint

    def _request_look(self, key: tuple[Any, ...], work) -> None:
        """Start `work(target)` on a job thread; its Look is shown if nothing newer was asked."""
        self.requests += 1
        number, target = self.requests, self.target
        self.view.overlay_label.setText("Looking...")
        self.jobs.start(
            lambda: work(target),
            lambda look: self._on_look(number, key, target, look),
            lambda text: self._on_work_failed(number, text),
        )

    def _on_look(self, number: int, key: tuple[Any, ...], target: int | None, look: Look) -> None:
        if number != self.requests:
            return
        cam_key = ("cam", *key, target)
        self.heats[cam_key] = look.explanation.gradcam
        if key[0] == "image":
            self.probe, self.look, self.look_key = None, look, key
        if key[0] == "image" and self.snapshots:
            self.view.notice.setText(
                "An image looked at with the run's newest network; the epoch slider goes back "
                "to the recorded images."
            )
        self._refresh_side_work()
        self.refresh()

    def _on_work_failed(self, number: int, text: str) -> None:
        if number == self.requests:
            self.view.overlay_label.setText("")
            self.failed.emit(text)

    def _refresh_side_work(self) -> None:
        """Start what the shown image needs and no recording has: Grad-CAM for a chosen class
        (the recordings explain the predicted one), the occlusion map once asked for."""
        shown, checkpoint = self.shown(), self._checkpoint()
        if shown is None or checkpoint is None:
            return
        recorded = shown.key[0] == "probe" and self.target is None
        if not recorded and ("cam", *shown.key, self.target) not in self.heats:
            image, label, name = shown.image, shown.label, shown.caption
            self._request_look(
                shown.key, lambda t: inside_work.look_at(checkpoint, image, label, t, name)
            )
        if self.view.occlusion_button.isChecked():
            self._request_occlusion(checkpoint, shown)

    def _request_occlusion(self, checkpoint: Path, shown: Shown) -> None:
        target = self.target if self.target is not None else shown.predicted
        key = ("occlusion", *shown.key, target)
        if key in self.heats:  # computed, or asked for (None until it comes)
            return
        self.heats[key] = None
        self.view.overlay_label.setText("Hiding each part of the image in turn...")
        image, run_dir = shown.image, self.run_dir
        self.jobs.start(
            lambda: inside_work.occlusion(checkpoint, image, target),
            lambda heat: self._on_occluded(run_dir, key, heat),
            lambda text: self._on_occlusion_failed(run_dir, key, text),
        )

    def _on_occluded(self, run_dir: Path | None, key: tuple[Any, ...], heat: np.ndarray) -> None:
        if run_dir == self.run_dir:  # not a map of a run no longer shown
            self.heats[key] = heat
            self.refresh()

    def _on_occlusion_failed(self, run_dir: Path | None, key: tuple[Any, ...], text: str) -> None:
        if run_dir == self.run_dir:
            self.heats.pop(key, None)  # may be asked again
            self.failed.emit(text)

    # -- drawing ------------------------------------------------------------------------------
    def shown(self) -> Shown | None:
        """The image shown and what the network made of it; None when there is none yet."""
        if self.probe is None:
            return None if self.look is None else from_look(self.look, self.look_key)
        if not self.snapshots:
            return None
        return from_snapshot(self.snapshots[self.view.epoch_slider.value() - 1], self.probe)

    def refresh(self) -> None:
        """Draw the chosen layer and the image's overlay and classes (when the tab is seen)."""
        if not self.view.isVisible():
            return
        shown = self.shown()
        if shown is None or not self.layers:
            self.view.stack.choose(None)
            self.view.clear_pictures()
            return
        self.view.stack.choose(self.layer)
        has_filters = self.layer in shown.filters
        title, words, tiles = layer_picture(
            self.layers,
            self.input_shape,
            self.layer,
            shown,
            has_filters and self.view.filters_box.isChecked(),
            self.class_names,
        )
        self.view.draw_layer(title, words, tiles, has_filters)
        newest = self.run_dir / "last.pt" if self.run_dir else None
        if self.view.occlusion_button.isChecked() and newest is not None and newest.exists():
            # Another epoch or image came into view with Occlusion on: it needs its own map.
            self._request_occlusion(newest, shown)
        heat, overlay_words = overlay(
            shown,
            self.target,
            self.view.occlusion_button.isChecked(),
            self.heats,
            self.class_names,
            self.layers,
        )
        # Here: the module imports torch, which the window starts without; by now a run has.
        from cnnstudio.core.insight.attribution import top_classes

        top = top_classes(shown.probabilities, self.class_names)
        true_name = None if shown.label is None else self.class_names[shown.label]
        caption = f"{shown.caption}, {'a ' + true_name if true_name else 'class not known'}"
        self.view.draw_image(shown.image, caption, heat, overlay_words, top, true_name)

    def _epoch_label(self) -> None:
        if self.snapshots:
            shown = self.snapshots[self.view.epoch_slider.value() - 1].epoch
            self.view.epoch_label.setText(f"epoch {shown} of {self.snapshots[-1].epoch}")
