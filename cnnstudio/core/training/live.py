"""How a running trainer takes setting changes between batches (changes.py says which may change).

`LiveSettings` is the part of `Trainer` that does it: each change asked for through the run's
`TrainingControl` is checked against the run's current settings, then put to work (optimizer
groups, the augmenter, the epoch total and a schedule over the whole run) and announced; one that
cannot be made is refused with its reason.
"""

from __future__ import annotations

from typing import Any

import torch

from cnnstudio.core.data.augment import Augmenter
from cnnstudio.core.data.streaming import StreamingLoader
from cnnstudio.core.data.tensors import BatchLoader, Normalizer
from cnnstudio.core.errors import SpecError
from cnnstudio.core.spec.run_spec import RunSpec
from cnnstudio.core.spec.variants import setting_path, setting_value
from cnnstudio.core.training.callbacks import Callback
from cnnstudio.core.training.changes import RefusedChange, SettingChange, check_change
from cnnstudio.core.training.control import TrainingControl
from cnnstudio.core.training.optim import (
    LearningRateSchedule,
    resized_schedule,
    set_hyperparameter,
)


class LiveSettings:
    """Setting changes made between batches; Trainer sets these attributes up."""

    spec: RunSpec
    control: TrainingControl
    optimizer: torch.optim.Optimizer
    schedule: LearningRateSchedule
    train_loader: BatchLoader | StreamingLoader
    augment_generator: torch.Generator
    normalizer: Normalizer
    changes: list[SettingChange]  # the changes made, a resumed run's earlier ones first
    step: int
    epochs_completed: int

    def _apply_changes(self, listeners: Callback, in_epoch: bool) -> None:
        """Make the setting changes asked for since the last batch; refuse those that cannot
        be made, saying why."""
        for name, value in self.control.take_changes():
            epoch = self.epochs_completed + 1
            # Mid-epoch the run ends after this epoch at the earliest; between epochs, now.
            least = epoch if in_epoch else max(self.epochs_completed, 1)
            try:
                path = setting_path(name)
                spec = check_change(self.spec, path, value, least)
            except SpecError as error:
                listeners.on_setting_refused(RefusedChange(name, value, str(error)))
                continue
            old, new = setting_value(self.spec, path), setting_value(spec, path)
            if new != old:
                self.spec = spec  # checkpoints and spec.json hold the current settings
                self._use_setting(path, new)
                self.changes.append(SettingChange(self.step + 1, epoch, path, old, new))
                listeners.on_setting_changed(self.changes[-1])

    def _use_setting(self, path: str, value: Any) -> None:
        """Put a changed setting to work from the next batch."""
        section, key = path.split(".")
        if section == "optimizer":
            set_hyperparameter(self.optimizer, key, value)
        elif section == "augment":  # the same generator: its random stream goes on
            augmenter = Augmenter(self.spec.augment, self.augment_generator, self.normalizer.mean)
            self.train_loader.finish.augmenter = augmenter if augmenter.active else None
        elif self.schedule.per_batch:  # the epochs: cosine and one-cycle span the whole run
            self.schedule = resized_schedule(
                self.schedule, self.spec.schedule, value, len(self.train_loader)
            )
