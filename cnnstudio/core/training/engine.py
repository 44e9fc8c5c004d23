"""The training engine: builds everything a run needs from its spec, then trains and announces.

`Trainer(spec, data)` checks the stack, picks the device, moves the uint8 data there once and builds
model, optimizer and schedule. `fit(callbacks)` runs the epochs, emitting events; stop, pause and
setting changes (changes.py, live.py) come from a `TrainingControl` that other threads may set. A
non-finite loss or an out-of-memory error ends the run with a plain message (an `on_error` event
and a "failed" result), not a crash.
"""

from __future__ import annotations

import math
import time
from collections.abc import Generator, Iterable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from cnnstudio.core.data.augment import Augmenter
from cnnstudio.core.data.images import ImageData
from cnnstudio.core.data.streaming import StreamedImages, StreamingLoader
from cnnstudio.core.data.tensors import (
    BatchFinisher,
    BatchLoader,
    Normalizer,
    check_split_sizes,
    input_shape,
)
from cnnstudio.core.errors import CnnstudioError, DatasetError, TrainingError
from cnnstudio.core.model.build import build_model
from cnnstudio.core.spec.run_spec import RunSpec
from cnnstudio.core.training.callbacks import Callback, CallbackList, EarlyStopping
from cnnstudio.core.training.changes import SettingChange
from cnnstudio.core.training.control import TrainingControl
from cnnstudio.core.training.device import free_memory, resolve_device
from cnnstudio.core.training.events import (
    BatchEnded,
    EpochEnded,
    FitEnded,
    FitFailed,
    FitStarted,
)
from cnnstudio.core.training.live import LiveSettings
from cnnstudio.core.training.metrics import class_metrics, confusion_matrix, top_k_correct
from cnnstudio.core.training.optim import LearningRateSchedule, build_optimizer
from cnnstudio.core.training.state import EpochScore, TrainingState

EVAL_BATCH_SIZE = 512


@dataclass(frozen=True)
class _EpochTraining:
    loss: float
    accuracy: float
    lr: float  # used by the epoch's last batch
    paused_seconds: float


class Trainer(LiveSettings):
    """One training run. Construction raises StackError/DeviceError/DatasetError for problems
    found up front. Settings asked to change while it trains are made between batches
    (LiveSettings)."""

    def __init__(
        self,
        spec: RunSpec,
        data: ImageData | StreamedImages,
        control: TrainingControl | None = None,
    ) -> None:
        self.spec = spec
        self.control = control or TrainingControl()
        self.device = resolve_device(spec.device)
        check_split_sizes(len(data.train_labels), len(data.val_labels))
        self.native_shape = tuple(data.input_shape)  # as the dataset gives it, before conversion
        self.data = data.at_shape(input_shape(data.input_shape, spec.input))
        settings = spec.training

        torch.manual_seed(spec.seed)  # weight initialisation and dropout
        self.model: nn.Sequential = build_model(
            spec.layers,
            self.data.input_shape,
            self.data.num_classes,
            batch_size=settings["batch_size"],
            free_memory=free_memory(self.device),  # refused before anything is allocated
        ).to(self.device)
        channels_last = self.device.type == "cuda" and settings["channels_last"]
        if channels_last:
            self.model = self.model.to(memory_format=torch.channels_last)
        self.amp_dtype = _mixed_precision_dtype(self.device, settings["mixed_precision"])
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.amp_dtype == torch.float16)

        mean, std = self.data.channel_stats(spec.seed)
        self.normalizer = Normalizer(tuple(mean), tuple(std))
        self.augment_generator = torch.Generator(self.device).manual_seed(spec.seed + 1)
        augmenter = Augmenter(spec.augment, self.augment_generator, fill=mean)
        self.shuffle_generator = torch.Generator().manual_seed(spec.seed)
        batch_size = settings["batch_size"]
        self.train_loader: BatchLoader | StreamingLoader
        self.val_loader: BatchLoader | StreamingLoader
        self.train_loader, self.val_loader = self.data.loaders(
            BatchFinisher(
                self.normalizer, self.device, channels_last=channels_last, augmenter=augmenter
            ),
            BatchFinisher(self.normalizer, self.device, channels_last=channels_last),
            batch_size=batch_size,
            val_batch_size=max(EVAL_BATCH_SIZE, batch_size),
            shuffle=self.shuffle_generator,
        )
        self.optimizer = build_optimizer(spec.optimizer, self.model.parameters(), self.device)
        self.schedule = LearningRateSchedule(
            spec.schedule, self.optimizer, settings["epochs"], len(self.train_loader)
        )
        self.criterion = nn.CrossEntropyLoss(label_smoothing=settings["label_smoothing"])
        self.epochs_completed = 0
        self.step = 0
        self.history: list[EpochEnded] = []  # the epochs this trainer trained
        self.earlier: list[EpochScore] = []  # the epochs before a restore, in brief
        self.changes: list[SettingChange] = []  # settings changed while it trained
        self.sample_images, self.sample_labels = self.data.held_out_sample()

    def training_state(self) -> TrainingState:
        """Everything besides the weights that training needs to go on exactly where it is."""
        scores = [
            EpochScore(e.epoch, float(e.val_loss), float(e.val_accuracy)) for e in self.history
        ]
        return TrainingState(
            epochs_completed=self.epochs_completed,
            step=self.step,
            optimizer=self.optimizer.state_dict(),
            schedule=self.schedule.state_dict(),
            scaler=self.scaler.state_dict(),
            rng=self.random_states(),
            scores=[*self.earlier, *scores],
            changes=list(self.changes),
        )

    def random_states(self) -> dict[str, torch.Tensor]:
        """Copies of the random states training draws from: dropout, shuffling, augmentation."""
        rng = {
            "torch": torch.get_rng_state(),
            "shuffle": self.shuffle_generator.get_state(),
            "augment": self.augment_generator.get_state(),
        }
        if self.device.type == "cuda":
            rng["cuda"] = torch.cuda.get_rng_state(self.device)
        return rng

    def set_random_states(self, rng: dict[str, torch.Tensor]) -> None:
        """Put back states from `random_states` (or a checkpoint's)."""
        torch.set_rng_state(rng["torch"])
        self.shuffle_generator.set_state(rng["shuffle"])
        self.augment_generator.set_state(rng["augment"])
        if "cuda" in rng and self.device.type == "cuda":
            torch.cuda.set_rng_state(rng["cuda"], self.device)

    def load_weights(self, weights: dict[str, torch.Tensor], origin: str) -> None:
        """Start from trained weights (a new run forked from a checkpoint of the same stack)."""
        try:
            self.model.load_state_dict(weights)
        except RuntimeError as error:
            raise CnnstudioError(
                f"{origin}: its weights do not fit this layer stack; a run can start from a "
                "checkpoint only with the same layers and input shape "
                f"({str(error).splitlines()[-1].strip()})"
            ) from None

    def restore(self, weights: dict[str, torch.Tensor], state: TrainingState) -> None:
        """Continue from a checkpoint of this same spec: the next `fit` trains the epochs left."""
        self.model.load_state_dict(weights)
        self.optimizer.load_state_dict(state.optimizer)
        self.schedule.load_state_dict(state.schedule)
        self.scaler.load_state_dict(state.scaler)
        self.epochs_completed = state.epochs_completed
        self.step = state.step
        self.earlier, self.history = list(state.scores), []
        self.changes = list(state.changes)
        self.set_random_states(state.rng)

    @property
    def lr(self) -> float:
        return float(self.optimizer.param_groups[0]["lr"])

    @property
    def best_epoch(self) -> EpochScore | EpochEnded | None:
        epochs: list[EpochScore | EpochEnded] = [*self.earlier, *self.history]
        return max(epochs, key=lambda e: (e.val_accuracy, -e.epoch), default=None)

    def fit(self, callbacks: Iterable[Callback] = ()) -> FitEnded:
        """Train the remaining epochs. Returns how the run ended; re-raises unexpected errors."""
        return finish(self.batches(callbacks))

    def batches(self, callbacks: Iterable[Callback] = ()) -> Generator[BatchEnded, None, FitEnded]:
        """`fit`, one training batch at a time: yields each batch's event after its listeners
        had it, and returns how the run ended. A race steps several trainers in turn this way."""
        listeners = CallbackList(callbacks)
        patience = self.spec.training["early_stopping_patience"]
        if patience is not None:
            early_stopping = EarlyStopping(patience, self.control)
            early_stopping.replay([*self.earlier, *self.history])  # resumed: its best loss
            listeners.callbacks.append(early_stopping)
        started = time.perf_counter()
        listeners.on_fit_start(self._fit_started())
        try:
            while True:
                self._apply_changes(listeners, in_epoch=False)  # a total asked for meanwhile
                if self.epochs_completed >= self.spec.training["epochs"]:
                    break
                epoch = self.epochs_completed + 1
                epoch_start = time.perf_counter()
                train = yield from self._train_epoch(epoch, listeners)
                if train is None:
                    break
                event = self._evaluate(epoch, train, epoch_start)
                self.history.append(event)
                self.epochs_completed = epoch
                self.schedule.after_epoch(event.val_loss)
                listeners.on_epoch_end(event)
                if self.control.stop_requested:
                    break
        except TrainingError as error:
            return self._fail(listeners, str(error), "non_finite_loss", started)
        except DatasetError as error:  # a streamed folder changed under the run
            return self._fail(listeners, str(error), "data_changed", started)
        except torch.OutOfMemoryError:
            pass  # handled below, outside the except block, so the failed batch can be freed
        except Exception as error:
            self._fail(listeners, f"{type(error).__name__}: {error}", "exception", started)
            raise
        else:
            return self._end(listeners, started)
        if self.device.type == "cuda":
            torch.cuda.empty_cache()
        return self._fail(listeners, self.out_of_memory_message(), "out_of_memory", started)

    def _train_epoch(
        self, epoch: int, listeners: Callback
    ) -> Generator[BatchEnded, None, _EpochTraining | None]:
        """Train one epoch, yielding each batch; returns its summary, or None if a stop was
        requested."""
        self.model.train()
        loss_sum, correct, seen, paused, lr = 0.0, 0.0, 0, 0.0, self.lr
        start = time.perf_counter()
        batches = len(self.train_loader)
        loader = iter(self.train_loader)
        for index in range(1, batches + 1):
            paused += self.control.wait_while_paused()
            if self.control.stop_requested:
                return None
            self._apply_changes(listeners, in_epoch=True)
            images, labels = next(loader)  # drawn after the changes: augmented as now set
            lr = self.lr  # the rate this batch uses; a per-batch schedule changes it below
            loss_value, hits = self.train_step(images, labels)
            if not math.isfinite(loss_value):
                raise TrainingError(_non_finite_message(loss_value, epoch, index, lr))
            self.schedule.after_batch()

            count = len(labels)
            self.step += 1
            seen += count
            loss_sum += loss_value * count
            correct += hits
            elapsed = max(time.perf_counter() - start - paused, 1e-9)
            event = BatchEnded(
                epoch, index, batches, self.step, loss_value, hits / count, lr, seen / elapsed
            )
            listeners.on_batch_end(event)
            yield event
        return _EpochTraining(loss_sum / seen, correct / seen, lr, paused)

    def train_step(self, images: torch.Tensor, labels: torch.Tensor) -> tuple[float, float]:
        """One update of the weights on a batch at the current rate: the batch's loss and how
        many it got right, read in one device sync. A loss that is not finite leaves the weights
        as they were; the caller decides what it means."""
        with torch.autocast(self.device.type, self.amp_dtype, enabled=self.amp_dtype is not None):
            logits = self.model(images)
            loss = self.criterion(logits, labels)
        loss_value, hits = torch.stack(
            [loss.detach().float(), (logits.argmax(1) == labels).sum().float()]
        ).tolist()
        if not math.isfinite(loss_value):
            return loss_value, hits
        self.optimizer.zero_grad(set_to_none=True)
        self.scaler.scale(loss).backward()
        clip = self.spec.training["grad_clip"]
        if clip is not None:
            self.scaler.unscale_(self.optimizer)
            nn.utils.clip_grad_norm_(self.model.parameters(), clip)
        self.scaler.step(self.optimizer)
        self.scaler.update()
        return loss_value, hits

    @torch.no_grad()
    def _evaluate(self, epoch: int, train: _EpochTraining, epoch_start: float) -> EpochEnded:
        self.model.eval()
        loss_sum = torch.zeros((), device=self.device)
        top5 = torch.zeros((), dtype=torch.long, device=self.device)
        predictions, confidences, truth = [], [], []
        for images, labels in self.val_loader:
            with torch.autocast(
                self.device.type, self.amp_dtype, enabled=self.amp_dtype is not None
            ):
                logits = self.model(images).float()
            loss_sum += F.cross_entropy(logits, labels, reduction="sum")
            top5 += top_k_correct(logits, labels, 5)
            confidence, predicted = logits.softmax(1).max(1)
            predictions.append(predicted)
            confidences.append(confidence)
            truth.append(labels)
        predicted = torch.cat(predictions).cpu().numpy()
        matrix = confusion_matrix(torch.cat(truth).cpu().numpy(), predicted, self.data.num_classes)
        per_class = class_metrics(matrix)
        count = len(predicted)
        best_so_far = self.best_epoch
        is_best = best_so_far is None or per_class.accuracy > best_so_far.val_accuracy
        return EpochEnded(
            epoch=epoch,
            epochs=self.spec.training["epochs"],
            train_loss=train.loss,
            train_accuracy=train.accuracy,
            val_loss=float(loss_sum) / count,
            val_accuracy=per_class.accuracy,
            val_top5_accuracy=int(top5) / count,
            lr=train.lr,
            seconds=time.perf_counter() - epoch_start - train.paused_seconds,
            confusion=matrix,
            per_class=per_class,
            val_predictions=predicted,
            val_confidence=torch.cat(confidences).float().cpu().numpy().astype(np.float32),
            best_epoch=epoch if is_best or best_so_far is None else best_so_far.epoch,
            is_best=is_best,
        )

    def _fit_started(self) -> FitStarted:
        return FitStarted(
            epochs=self.spec.training["epochs"],
            first_epoch=self.epochs_completed + 1,
            batches_per_epoch=len(self.train_loader),
            train_size=len(self.data.train_labels),
            val_size=len(self.data.val_labels),
            class_names=tuple(self.data.class_names),
            input_shape=tuple(self.data.input_shape),
            device=str(self.device),
            mixed_precision=self.amp_dtype is not None,
            param_count=sum(p.numel() for p in self.model.parameters()),
        )

    def _end(self, listeners: Callback, started: float) -> FitEnded:
        if self.control.stop_requested:
            status, reason = "stopped", self.control.stop_reason
        else:
            status, reason = "completed", f"trained {self.epochs_completed} epochs"
        return self._finish(listeners, status, reason, started)

    def _fail(self, listeners: Callback, message: str, kind: str, started: float) -> FitEnded:
        listeners.on_error(FitFailed(message, kind))
        return self._finish(listeners, "failed", message, started)

    def _finish(self, listeners: Callback, status: str, reason: str, started: float) -> FitEnded:
        best = self.best_epoch
        event = FitEnded(
            status,
            reason,
            self.epochs_completed,
            best.epoch if best else None,
            best.val_accuracy if best else None,
            time.perf_counter() - started,
        )
        listeners.on_fit_end(event)
        return event

    def out_of_memory_message(self) -> str:
        size = self.spec.training["batch_size"]
        return (
            f"The {self.device} device ran out of memory with batch size {size}. Lower the batch "
            f"size (try {max(1, size // 2)}), use a smaller model or smaller images, or train on "
            "the CPU."
        )


def finish(batches: Generator[BatchEnded, None, FitEnded]) -> FitEnded:
    """Run a trainer's `batches` to the end; how the run ended."""
    while True:
        try:
            next(batches)
        except StopIteration as end:
            return end.value


def _mixed_precision_dtype(device: torch.device, wanted: bool) -> torch.dtype | None:
    """bfloat16 where the GPU has it (no loss scaling needed), else float16; CUDA only."""
    if not wanted or device.type != "cuda":
        return None
    return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16


def _non_finite_message(loss: float, epoch: int, batch: int, lr: float) -> str:
    kind = "NaN (not a number)" if math.isnan(loss) else "infinite"
    return (
        f"The loss became {kind} at epoch {epoch}, batch {batch}, so training stopped; the "
        f"weights from before that batch are kept. The learning rate ({lr:g}) is probably too "
        "high: try one ten times smaller, turn on gradient clipping, or add batch "
        "normalisation."
    )
