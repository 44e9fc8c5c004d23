"""The dataset behind the settings: loaded, downloaded and previewed on worker threads.

Owns what is loaded for which dataset settings, and why a dataset cannot be used; tells the
dataset panel what to show and the model panel what input its stack gets.
"""

from __future__ import annotations

import json

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QWidget

from cnnstudio.core.data.sources.download import download_dataset
from cnnstudio.core.data.sources.registry import get_source
from cnnstudio.core.data.tensors import input_shape
from cnnstudio.core.spec.run_spec import RunSpec
from cnnstudio.gui.jobs import JobRunner
from cnnstudio.gui.loading import LoadedDataset, augmentation_preview, load_for_display
from cnnstudio.gui.panels.dataset_panel import DatasetPanel
from cnnstudio.gui.panels.model_panel import ModelPanel

RELOAD_DELAY_MS = 300  # wait for typing to pause before reloading a dataset


class DatasetPresenter(QObject):
    state_changed = Signal()  # loading started or ended, or a problem appeared: Train may change

    def __init__(
        self,
        jobs: JobRunner,
        dataset_panel: DatasetPanel,
        model_panel: ModelPanel,
        dialog_parent: QWidget,
    ) -> None:
        super().__init__(dialog_parent)
        self.jobs, self.dataset_panel, self.model_panel = jobs, dataset_panel, model_panel
        self.spec = RunSpec()
        self.loaded: LoadedDataset | None = None
        self.loaded_key: str | None = None
        self.problem: str | None = None
        self.preview_seed = 0
        self.reload_timer = QTimer(self)
        self.reload_timer.setSingleShot(True)
        self.reload_timer.setInterval(RELOAD_DELAY_MS)
        self.reload_timer.timeout.connect(self.load)
        dataset_panel.download_requested.connect(self._on_download_requested)
        dataset_panel.preview_requested.connect(self.preview)

    @property
    def loading(self) -> bool:
        """The settings' dataset is on its way (waiting for typing to pause, or reading)."""
        return self.loaded is None and self.problem is None

    def current(self) -> LoadedDataset | None:
        """The loaded dataset if it is the one the settings name, else None."""
        return self.loaded_for(self.spec)

    def loaded_for(self, spec: RunSpec) -> LoadedDataset | None:
        """The loaded dataset if it is the one `spec` names (a queued run's may not be)."""
        return self.loaded if self.loaded_key == _key(spec) else None

    def edited(self, spec: RunSpec) -> None:
        """The settings changed: reload when the dataset part did, and update the model's input."""
        self.spec = spec
        if _key(spec) != self.loaded_key:
            self.loaded, self.problem = None, None
            self.reload_timer.start()
        self._update_model_input()

    def stop(self) -> None:
        self.reload_timer.stop()  # a load pending from the last edit would outlive the window

    def load(self) -> None:
        spec, key = RunSpec.from_dict(self.spec.to_dict()), _key(self.spec)
        source = get_source(spec.dataset["name"])
        if source.needs_path and not spec.dataset["options"].get("path"):
            self._on_failed("Choose a folder, or drop one on the window.", key)
            return
        missing = self.dataset_panel.availability_problem()
        if missing:  # not downloaded yet: the panel offers Download and "I have the files"
            self.problem = missing
            self.dataset_panel.show_availability()
            self.state_changed.emit()
            return
        self.dataset_panel.show_busy(f"Loading {source.title}...")
        self.jobs.start(
            lambda: (key, load_for_display(spec)),
            self._on_loaded,
            lambda message: self._on_failed(message, key),
        )

    def _on_loaded(self, result: tuple[str, LoadedDataset]) -> None:
        key, loaded = result
        if key != _key(self.spec):
            return  # the settings changed while loading; a newer load is on its way
        self.loaded, self.loaded_key, self.problem = loaded, key, None
        self.dataset_panel.show_dataset(loaded.report, loaded.samples)
        self._update_model_input()
        self.state_changed.emit()
        self.preview()

    def _on_failed(self, message: str, key: str) -> None:
        if key != _key(self.spec):
            return
        self.problem = message
        self.dataset_panel.show_problem(message)
        self.dataset_panel.show_availability()
        self.state_changed.emit()

    def _update_model_input(self) -> None:
        """Tell the model editor what input the stack gets, as soon as it is known."""
        source = get_source(self.spec.dataset["name"])
        native, classes = None, 0
        if self.loaded is not None:
            native, classes = self.loaded.data.input_shape, self.loaded.data.num_classes
        elif not source.needs_path:
            options = self.spec.dataset["options"]
            native, classes = source.native_shape(options), len(source.class_names(options))
        shape = input_shape(native, self.spec.input) if native else None
        self.model_panel.set_input(shape, classes)

    def _on_download_requested(self) -> None:
        name, where = self.spec.dataset["name"], self.spec.dataset["data_dir"]
        self.dataset_panel.show_downloading(True)
        self.dataset_panel.show_busy(f"Downloading {get_source(name).title}...")
        self.jobs.start(
            lambda: download_dataset(name, where), self._on_downloaded, self._on_download_failed
        )

    def _on_downloaded(self, _where: object) -> None:
        self.dataset_panel.show_downloading(False)
        self.dataset_panel.show_availability()
        self.loaded_key = None
        self.load()

    def _on_download_failed(self, message: str) -> None:
        self.dataset_panel.show_download_failed(message)  # once, with Retry and "I have the files"

    def preview(self) -> None:
        if self.loaded is None:
            return
        self.dataset_panel.write_into(self.spec)
        self.preview_seed += 1
        data, settings, seed = self.loaded.data, dict(self.spec.augment), self.preview_seed
        self.jobs.start(
            lambda: augmentation_preview(data, settings, seed),
            self.dataset_panel.show_preview,
            lambda message: None,
        )


def _key(spec: RunSpec) -> str:
    return json.dumps(spec.dataset, sort_keys=True)
