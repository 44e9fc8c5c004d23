"""Optimizer, learning-rate schedule, training options, seed and device.

Settings that have no effect with the other choices (momentum with Adam, a step size without the
step schedule, mixed precision without an NVIDIA GPU) are greyed out, their tooltip saying why.
"""

from __future__ import annotations

from typing import cast

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from cnnstudio.core.params import Param
from cnnstudio.core.spec.run_spec import OPTIMIZER_PARAMS, SCHEDULE_PARAMS, TRAINING_PARAMS, RunSpec
from cnnstudio.core.training.device import DeviceInfo, cpu_device
from cnnstudio.gui.glossary_links import explain
from cnnstudio.gui.panels.guidance import HelpLine, advanced_switch
from cnnstudio.gui.panels.wording import wording
from cnnstudio.gui.param_form import ParamForm

# setting -> the choices it is used with, and the words for when it is not
OPTIMIZER_USES = {
    "momentum": (("sgd", "rmsprop"), "only sgd and rmsprop use momentum."),
    "nesterov": (("sgd",), "only sgd uses Nesterov momentum."),
}
SCHEDULE_USES = {
    "step_size": (("step",), "only the step schedule drops the rate every few epochs."),
    "gamma": (("step", "plateau"), "only the step and plateau schedules drop the rate."),
    "patience": (("plateau",), "only the plateau schedule waits for the loss."),
}
GPU_ONLY = ("mixed_precision", "channels_last")


class TrainingPanel(QWidget):
    changed = Signal()

    def __init__(self, spec: RunSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.optimizer = ParamForm(OPTIMIZER_PARAMS, spec.optimizer, "optimizer")
        self.schedule = ParamForm(SCHEDULE_PARAMS, spec.schedule, "schedule")
        self.training = ParamForm(TRAINING_PARAMS, spec.training, "training")
        self.forms = (self.optimizer, self.schedule, self.training)
        self.find_button = QPushButton("Find")  # the learning-rate range test (lr_find_dialog)
        self.optimizer.add_beside("lr", self.find_button)
        self.has_cuda = False  # until set_devices says otherwise
        column = QVBoxLayout(self)
        column.addWidget(advanced_switch().check_box())
        for title, form in (
            ("Optimizer", self.optimizer),
            ("Learning-rate schedule", self.schedule),
            ("Training", self.training),
        ):
            box = QGroupBox(title)
            QVBoxLayout(box).addWidget(form)
            column.addWidget(box)
            form.changed.connect(self._on_form_changed)
        column.addWidget(self._run_box())
        column.addWidget(HelpLine(self))
        column.addStretch()
        self.set_spec(spec)
        self.set_devices([cpu_device()])  # the window lists the GPUs once it has found them
        self.seed.valueChanged.connect(self.changed)
        self.device.currentIndexChanged.connect(self._on_device_chosen)
        switch = advanced_switch()
        switch.toggled.connect(self._show_advanced)
        self._show_advanced(switch.shown)

    def _run_box(self) -> QGroupBox:
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.device = QComboBox()
        self.device.addItem("Automatic (the fastest here)", "auto")
        self.device.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.device.setMinimumContentsLength(12)
        self.run_box = run = QGroupBox("Run")
        self.run_form = form = QFormLayout(run)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        for editor, name in ((self.seed, "seed"), (self.device, "device")):
            words = wording("run", Param(name, "int", 0))
            label = QLabel(words.label)
            label.setBuddy(editor)
            explain((label, editor), words.help, words.term)
            form.addRow(label, editor)
        return run

    def _show_advanced(self, shown: bool) -> None:
        for form in self.forms:
            form.show_advanced(shown)
        self.run_form.setRowVisible(self.seed, shown)

    def _on_device_chosen(self) -> None:
        self.wanted_device = self.device.currentData()
        self._on_form_changed()

    def _on_form_changed(self) -> None:
        self._grey_out_unused()
        self.changed.emit()

    def _grey_out_unused(self) -> None:
        optimizer = cast(QComboBox, self.optimizer.editors["name"]).currentData()
        for name, (users, why) in OPTIMIZER_USES.items():
            self.optimizer.set_applies(name, optimizer in users, why)
        schedule = cast(QComboBox, self.schedule.editors["name"]).currentData()
        for name, (users, why) in SCHEDULE_USES.items():
            self.schedule.set_applies(name, schedule in users, why)
        device = self.device.currentData() or "auto"
        gpu = self.has_cuda and (device == "auto" or device.startswith("cuda"))
        why = (
            "it needs an NVIDIA GPU as the device."
            if self.has_cuda
            else "it needs an NVIDIA GPU, and this computer has none."
        )
        for name in GPU_ONLY:
            self.training.set_applies(name, gpu, why)

    def set_spec(self, spec: RunSpec) -> None:
        """Show `spec`'s settings; emits no `changed` and leaves the focus where it is."""
        self.optimizer.set_values(spec.optimizer)
        self.schedule.set_values(spec.schedule)
        self.training.set_values(spec.training)
        if self.seed.value() != spec.seed:
            self.seed.blockSignals(True)
            self.seed.setValue(spec.seed)
            self.seed.blockSignals(False)
        self.wanted_device = spec.device  # kept if its device is not listed (yet)
        self._select_device()
        self._grey_out_unused()

    def set_devices(self, devices: list[DeviceInfo]) -> None:
        """List the devices training can use here (finding them imports torch, so a window may
        call this later, from a job); emits no `changed`."""
        self.device.blockSignals(True)
        while self.device.count() > 1:  # keep "Automatic"
            self.device.removeItem(1)
        for device in devices:
            self.device.addItem(device.description, device.name)
        self.device.blockSignals(False)
        self.has_cuda = any(d.name.startswith("cuda") for d in devices)
        self._select_device()
        self._grey_out_unused()

    def _select_device(self) -> None:
        index = self.device.findData(self.wanted_device)
        self.device.blockSignals(True)
        self.device.setCurrentIndex(index if index >= 0 else 0)
        self.device.blockSignals(False)

    def write_into(self, spec: RunSpec) -> None:
        spec.optimizer = self.optimizer.values()
        spec.schedule = self.schedule.values()
        spec.training = self.training.values()
        spec.seed = self.seed.value()
        spec.device = self.wanted_device
