"""Changing settings while a run trains, in the window.

While a run trains, the learning rate, momentum, weight decay, the number of epochs and the
augmentation stay editable; everything else is greyed out with the reason in its tooltip, and a
note below each settings tab's fields says what is fixed (below: the fields do not move). A value
a person enters (Enter, or leaving the field; a tick box at once) goes to the running trainer
through the controller, and also stays in the window's settings as an ordinary, undoable edit:
after the run the panels show the settings it ended with. Each change the trainer makes is drawn
on the curves as a labelled vertical line, for the live run and for a past run shown from its
folder (changes.csv).
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any, cast

from PySide6.QtCore import QObject
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QLabel,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from cnnstudio.core.errors import SpecError
from cnnstudio.core.runs.history import RunRecord, change_places
from cnnstudio.core.spec.run_spec import RunSpec
from cnnstudio.core.spec.variants import setting_value, short_name, show_setting, with_setting
from cnnstudio.core.training.changes import (
    FIXED,
    LIVE_SETTINGS,
    RefusedChange,
    SettingChange,
    check_change,
    locked_reason,
    read_changes,
)
from cnnstudio.core.training.events import FitStarted
from cnnstudio.gui.panels.wording import label
from cnnstudio.gui.param_form import ParamForm

if TYPE_CHECKING:
    from cnnstudio.gui.main_window import MainWindow
    from cnnstudio.gui.worker import TrainingWorker

NOTES = {
    "dataset": f"{FIXED} the images are already loaded. Augmentation can still change: the next "
    "batch uses it.",
    "model": f"{FIXED} the network is already built. Stop the run to change it.",
}
# The training settings a run may take a change of, as the note below the Training tab names them.
TRAINING_LIVE = ("optimizer.lr", "optimizer.momentum", "optimizer.weight_decay", "training.epochs")
# A race's variants train together from the settings they were given: none takes a change.
RACE_NOTE = (
    "Fixed while the race trains: its variants take no changes. Stop the race to change them."
)
NOTE_COLOUR = QColor(122, 82, 0)  # dark amber, about 6:1 on the window's grey


class LiveChanges(QObject):
    """Keeps the window's panels editable where a running trainer can take a change, and
    forwards such edits to it."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        training, dataset = window.training_panel, window.dataset_panel
        self.forms: dict[str, ParamForm] = {
            "optimizer": training.optimizer,
            "schedule": training.schedule,
            "training": training.training,
            "augment": dataset.augment_form,
        }
        self.notes = {
            "dataset": _note(dataset),
            "model": _note(window.model_panel),
            "training": _note(training),
        }
        self.spec: RunSpec | None = None  # the run's settings as it trains them, while it runs
        self.asked: dict[str, Any] = {}  # each live setting's value as last sent to the run
        self.shown: dict[str, Any] = {}  # each live setting's value in the panels, as last seen
        self.batches_per_epoch = 0
        for path in LIVE_SETTINGS:
            section, name = path.split(".")
            _when_entered(self.forms[section].editors[name], partial(self._send, path))
        for panel in (training, dataset):
            panel.changed.connect(self._remember_shown)
        # After the window's own handlers (connected before this is made): the run is shown
        # first, then its markers; the panels show an undone edit, then it is sent.
        window.runs.run_loaded.connect(self.show_record)
        window.history.applied.connect(self._on_undone)

    # -- a run starts and ends ----------------------------------------------------------------
    def attach(self, worker: TrainingWorker, spec: RunSpec) -> None:
        """Follow the run `worker` trains from `spec`."""
        self.spec = spec
        self.asked = {path: setting_value(spec, path) for path in LIVE_SETTINGS}
        self._remember_shown()
        worker.fit_started.connect(self._on_fit_started)
        worker.setting_changed.connect(self._on_setting_changed)
        worker.setting_refused.connect(self._on_setting_refused)

    def set_running(self, running: bool) -> None:
        """Fix what cannot change while a run trains, saying why; free it all afterwards."""
        window = self.window
        window.dataset_panel.set_editable(not running)
        window.model_panel.setEnabled(not running)
        window.training_panel.run_box.setEnabled(not running)  # the seed and the device
        spec = self.spec if self.spec is not None else window.spec  # the window's: a race
        for section, form in self.forms.items():
            for param in form.params:
                why = locked_reason(spec, f"{section}.{param.name}") if running else None
                form.set_frozen(param.name, why)
        one_run = self.spec is not None  # else a race (not attached here)
        for name, note in self.notes.items():
            words = _training_note(spec) if name == "training" else NOTES[name]
            note.setText(words if one_run or name == "model" else RACE_NOTE)
            note.setVisible(running)
        if not running:
            self.spec = None

    # -- edits go to the run ------------------------------------------------------------------
    def _send(self, path: str) -> None:
        """Send the value entered for the setting `path` to the run, unless it has it. Only
        the setting entered: the panels may hold other settings than the run (a project opened
        meanwhile)."""
        value = self._shown_value(path)
        # A fixed one changes only for the next run (an undo may bring its old value back).
        if self.spec is None or value == self.asked[path] or locked_reason(self.spec, path):
            return
        latest = self.window.presenter.latest_batch  # the epoch in progress, as last shown
        try:  # refused at once where the window can tell; the trainer checks it again
            check_change(self.spec, path, value, latest.epoch if latest is not None else 1)
        except SpecError as error:
            self._refuse(path, str(error))
            return
        self.asked[path] = value
        self.window.controller.request_change(path, value)
        if self.window.controller.paused:
            self.window.statusBar().showMessage(
                f"{short_name(path)} {show_setting(value)}: used from the next batch, once the "
                "run goes on.",
                10_000,
            )

    def _on_undone(self, _spec: object) -> None:
        """An undo or redo while a run trains: the live settings it changed go to the run."""
        changed = [path for path in LIVE_SETTINGS if self._shown_value(path) != self.shown[path]]
        self._remember_shown()
        for path in changed:
            self._send(path)

    def _remember_shown(self) -> None:
        self.shown = {path: self._shown_value(path) for path in LIVE_SETTINGS}

    def _shown_value(self, path: str) -> Any:
        section, name = path.split(".")
        return self.forms[section].values()[name]

    def _refuse(self, path: str, reason: str) -> None:
        """Show the run's value in the setting's field again, and say why the change cannot be
        made. The field first: the dialog takes the focus, which finishes the field's edit
        again, and that must find the run's value there, not ask a second time."""
        if self.spec is not None:
            section, name = path.split(".")
            value = setting_value(self.spec, path)
            self.asked[path] = value
            form = self.forms[section]
            form.set_values({**form.values(), name: value})  # the form's other fields kept
            form.changed.emit()  # the window's settings follow, as an edit
        QMessageBox.warning(self.window, "Cannot change it now", reason)

    # -- what the run reports -----------------------------------------------------------------
    def _on_fit_started(self, event: FitStarted) -> None:
        self.batches_per_epoch = event.batches_per_epoch
        if self.window.presenter.run_dir is not None:  # a resumed run's earlier changes
            for change in read_changes(self.window.presenter.run_dir):
                self._mark(change)

    def _on_setting_changed(self, change: SettingChange) -> None:
        if self.spec is not None:
            self.spec = with_setting(self.spec, change.path, change.new)
        self._mark(change)
        if change.path == "training.epochs" and self.batches_per_epoch:
            self.window.progress.setMaximum(change.new * self.batches_per_epoch)
        self.window.statusBar().showMessage(f"{change.label}, from {self._place(change)}.", 10_000)

    def _on_setting_refused(self, refusal: RefusedChange) -> None:
        self._refuse(refusal.path, refusal.reason)

    def _place(self, change: SettingChange) -> str:
        """ "epoch 2, batch 46": where the change took effect, counted as the progress line
        counts (the change's step counts over the whole run)."""
        batch = change.step - (change.epoch - 1) * self.batches_per_epoch
        inside = self.batches_per_epoch and 1 <= batch <= self.batches_per_epoch
        return f"epoch {change.epoch}, batch {batch}" if inside else f"epoch {change.epoch}"

    def _mark(self, change: SettingChange) -> None:
        x = (change.step - 1) / self.batches_per_epoch if self.batches_per_epoch else 0.0
        self.window.curves.add_marker(x, change.label)

    # -- a past run ---------------------------------------------------------------------------
    def show_record(self, record: RunRecord) -> None:
        """Mark the changes a past run made."""
        for x, change in change_places(record.folder):
            self.window.curves.add_marker(x, change.label)


def _training_note(spec: RunSpec) -> str:
    """What of the Training tab can change while `spec` trains: a cosine schedule, say, sets
    the learning rate itself, and Adam has no momentum."""
    names = [
        label(*path.split(".")).lower() for path in TRAINING_LIVE if not locked_reason(spec, path)
    ]
    listed = ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else names[0]
    return (
        f"While it trains you can change the {listed}: the next batch uses them. The rest is "
        "fixed until the run ends."
    )


def _note(panel: QWidget) -> QLabel:
    """A note below the settings of `panel` saying what is fixed while the run trains (hidden
    until then). Below, not above: showing it must not move the fields a person aims at."""
    note = QLabel()
    note.setWordWrap(True)
    palette = note.palette()
    palette.setColor(QPalette.ColorRole.WindowText, NOTE_COLOUR)  # a caution, not a link
    note.setPalette(palette)
    note.hide()
    layout = cast(QVBoxLayout, panel.layout())  # every panel is a column
    last = layout.count() - 1
    foot = layout.itemAt(last)
    stretch = foot is not None and foot.spacerItem() is not None  # the room left at the foot
    layout.insertWidget(last if stretch else last + 1, note)
    return note


def _when_entered(editor: QWidget, slot: Any) -> None:
    """Call `slot` when a value is entered: Enter or leaving a number's field (not at each
    keystroke: typing 0.015 passes through 0.01), a tick box at once."""
    if isinstance(editor, QCheckBox):
        editor.toggled.connect(lambda _checked: slot())
    elif isinstance(editor, QAbstractSpinBox):
        editor.editingFinished.connect(slot)
