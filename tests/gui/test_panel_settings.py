"""Settings that do not apply are greyed out; every setting is explained in words for people."""

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel

from cnnstudio.core.training.device import available_devices
from tests.gui.panel_helpers import choose, click, click_row, focus_editor, replace_text
from tests.gui.people import click_button


def test_optimizer_and_schedule_settings_apply_only_where_they_are_used(qtbot, window):
    window.settings_tabs.setCurrentIndex(2)
    optimizer = window.training_panel.optimizer.editors
    schedule = window.training_panel.schedule.editors
    assert optimizer["name"].currentData() == "adam"
    assert not optimizer["momentum"].isEnabled() and not optimizer["nesterov"].isEnabled()
    assert "only sgd and rmsprop use momentum" in optimizer["momentum"].toolTip()
    choose(qtbot, optimizer["name"], "sgd")
    assert optimizer["momentum"].isEnabled() and optimizer["nesterov"].isEnabled()
    choose(qtbot, optimizer["name"], "rmsprop")
    assert optimizer["momentum"].isEnabled() and not optimizer["nesterov"].isEnabled()
    assert schedule["name"].currentData() == "none"
    assert not any(schedule[n].isEnabled() for n in ("step_size", "gamma", "patience"))
    choose(qtbot, schedule["name"], "step")
    assert schedule["step_size"].isEnabled() and schedule["gamma"].isEnabled()
    assert not schedule["patience"].isEnabled()
    choose(qtbot, schedule["name"], "cosine")
    assert not any(schedule[n].isEnabled() for n in ("step_size", "gamma", "patience"))
    assert window.spec.schedule["name"] == "cosine"


@pytest.mark.skipif(
    any(d.name.startswith("cuda") for d in available_devices()), reason="a CUDA machine"
)
def test_gpu_only_settings_are_greyed_out_without_an_nvidia_gpu(window):
    training = window.training_panel.training.editors
    for name in ("mixed_precision", "channels_last"):
        assert not training[name].isEnabled()
        assert "this computer has none" in training[name].toolTip()


def test_every_setting_has_a_label_and_an_explanation_for_people(qtbot, window):
    panels = (window.dataset_panel, window.model_panel, window.training_panel)
    forms = [
        window.dataset_panel.options_form,
        window.dataset_panel.input_form,
        window.dataset_panel.augment_form,
        *window.training_panel.forms,
        *window.model_panel.settings_forms.values(),
    ]
    for form in forms:
        for name, editor in form.editors.items():
            assert len(editor.toolTip()) > 20, name
            assert "_" not in form.labels[name].text(), name
    labels = {label.text() for panel in panels for label in panel.findChildren(QLabel)}
    assert {"Learning rate", "Training images", "Epochs", "Filters"} <= labels
    window.settings_tabs.setCurrentIndex(2)
    focus_editor(qtbot, window.training_panel.optimizer.editors["lr"])
    help_lines = [
        label
        for label in window.training_panel.findChildren(QLabel)
        if label.text().startswith("How big each adjustment is")
    ]
    assert len(help_lines) == 1 and help_lines[0].isVisible()
    window.settings_tabs.setCurrentIndex(0)
    focus_editor(qtbot, window.dataset_panel.options_form.editors["train_size"])
    help_lines = [
        label
        for label in window.dataset_panel.findChildren(QLabel)
        if label.text() == "How many pictures the network learns from."
    ]
    assert len(help_lines) == 1 and help_lines[0].isVisible()
    assert help_lines[0].parent() is window.dataset_panel.choose_box  # right under the field


def test_advanced_settings_are_hidden_until_switched_on_and_the_switch_is_remembered(qtbot, window):
    window.settings_tabs.setCurrentIndex(2)
    optimizer = window.training_panel.optimizer
    assert not optimizer.editors["nesterov"].isVisible()
    assert optimizer.editors["lr"].isVisible()
    switch = next(
        box
        for box in window.training_panel.findChildren(QAbstractButton)
        if box.text() == "Show advanced settings"
    )
    click(qtbot, switch)
    assert optimizer.editors["nesterov"].isVisible()
    assert QSettings().value("panels/advanced", type=bool) is True
    window.settings_tabs.setCurrentWidget(window.model_panel)
    click_row(qtbot, window.model_panel.table, 0)
    assert window.model_panel.settings_form.editors["in_channels"].isVisible()


def test_the_preset_box_says_custom_after_an_edit_and_use_preset_asks_first(qtbot, window):
    panel = window.model_panel
    window.settings_tabs.setCurrentWidget(panel)
    assert panel.preset_box.currentText() == "PyTorch tutorial CNN"
    click_row(qtbot, panel.table, 0)
    replace_text(qtbot, panel.settings_form.editors["out_channels"], "12")
    assert panel.preset_box.currentText() == "custom (from PyTorch tutorial CNN)"
    choose(qtbot, panel.preset_box, "LeNet-5")
    use = next(b for b in panel.findChildren(QAbstractButton) if b.text() == "Use preset")
    click_button(qtbot, "Cancel")
    click(qtbot, use)
    assert panel.layers[0].params["out_channels"] == 12  # kept
    click_button(qtbot, "Replace layers")
    click(qtbot, use)
    assert panel.layers[1].type == "tanh" and panel.preset_box.currentText() == "LeNet-5"
    assert QApplication.activeModalWidget() is None


def test_gpu_settings_come_alive_when_the_devices_found_later_include_an_nvidia_gpu(qtbot, window):
    from cnnstudio.core.training.device import DeviceInfo

    panel = window.training_panel
    window.settings_tabs.setCurrentIndex(2)
    panel.set_devices([DeviceInfo("cpu", "CPU (2 cores)", False)])
    assert not panel.training.editors["mixed_precision"].isEnabled()
    panel.set_devices(
        [DeviceInfo("cpu", "CPU (2 cores)", False), DeviceInfo("cuda:0", "NVIDIA H200", True)]
    )
    assert panel.training.editors["mixed_precision"].isEnabled()  # automatic picks the GPU
    choose(qtbot, panel.device, "CPU (2 cores)")
    assert not panel.training.editors["mixed_precision"].isEnabled()
    assert window.spec.device == "cpu"
