"""Optimizer, learning-rate schedule, training options, seed and device."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QSpinBox, QVBoxLayout, QWidget

from cnnstudio.core.spec.run_spec import OPTIMIZER_PARAMS, SCHEDULE_PARAMS, TRAINING_PARAMS, RunSpec
from cnnstudio.core.training.device import available_devices
from cnnstudio.gui.param_form import ParamForm


class TrainingPanel(QWidget):
    changed = Signal()

    def __init__(self, spec: RunSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.optimizer = ParamForm(OPTIMIZER_PARAMS, spec.optimizer)
        self.schedule = ParamForm(SCHEDULE_PARAMS, spec.schedule)
        self.training = ParamForm(TRAINING_PARAMS, spec.training)
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setToolTip("The same seed gives the same run on the CPU.")
        self.device = QComboBox()
        self.device.addItem("Automatic (the fastest here)", "auto")
        for device in available_devices():
            self.device.addItem(device.description, device.name)
        column = QVBoxLayout(self)
        for title, form in (
            ("Optimizer", self.optimizer),
            ("Learning-rate schedule", self.schedule),
            ("Training", self.training),
        ):
            box = QGroupBox(title)
            QVBoxLayout(box).addWidget(form)
            column.addWidget(box)
            form.changed.connect(self.changed)
        run = QGroupBox("Run")
        form = QFormLayout(run)
        form.addRow("seed", self.seed)
        form.addRow("device", self.device)
        column.addWidget(run)
        column.addStretch()
        self.set_spec(spec)
        self.seed.valueChanged.connect(self.changed)
        self.device.currentIndexChanged.connect(self.changed)

    def set_spec(self, spec: RunSpec) -> None:
        self.optimizer.set_values(spec.optimizer)
        self.schedule.set_values(spec.schedule)
        self.training.set_values(spec.training)
        self.seed.blockSignals(True)
        self.seed.setValue(spec.seed)
        self.seed.blockSignals(False)
        index = self.device.findData(spec.device)
        self.device.blockSignals(True)
        self.device.setCurrentIndex(index if index >= 0 else 0)
        self.device.blockSignals(False)

    def write_into(self, spec: RunSpec) -> None:
        spec.optimizer = self.optimizer.values()
        spec.schedule = self.schedule.values()
        spec.training = self.training.values()
        spec.seed = self.seed.value()
        spec.device = self.device.currentData()
