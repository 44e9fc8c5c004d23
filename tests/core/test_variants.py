"""Settings by name, and the grid of variants races and sweeps train."""

import pytest

from cnnstudio.core.errors import SpecError
from cnnstudio.core.model.presets import get_preset
from cnnstudio.core.spec.run_spec import RunSpec
from cnnstudio.core.spec.variants import (
    grid,
    parse_value,
    parse_vary,
    setting_path,
    setting_value,
    short_name,
    show_setting,
    with_setting,
)


def test_short_and_dotted_names_name_the_same_setting():
    assert setting_path("lr") == setting_path("optimizer.lr") == "optimizer.lr"
    assert setting_path("hflip") == "augment.hflip"
    assert setting_path("preset") == "preset"
    assert short_name("optimizer.weight_decay") == "weight decay"
    assert short_name("optimizer.lr") == "lr"
    assert short_name("augment.hflip") == "mirroring"  # people's words, not the field's
    assert short_name("augment.crop_padding") == "shift"
    with pytest.raises(SpecError, match=r"unknown setting .learning.*lr"):
        setting_path("learning")
    with pytest.raises(SpecError, match="unknown setting"):
        setting_path("optimizer.nothing")


def test_values_typed_as_text_take_the_settings_kind():
    assert parse_value("optimizer.lr", "0.01") == 0.01
    assert parse_value("training.batch_size", "32") == 32
    assert parse_value("augment.hflip", "True") is True
    assert parse_value("optimizer.name", "adamw") == "adamw"
    assert parse_value("training.grad_clip", "null") is None
    assert parse_value("input.channels", "3") == 3
    # Values read back as show_setting writes them (the sweep dialog starts from those).
    assert (show_setting(True), show_setting(False), show_setting(None)) == ("on", "off", "off")
    assert parse_value("augment.hflip", "on") is True
    assert parse_value("augment.hflip", show_setting(False)) is False
    assert parse_value("training.grad_clip", show_setting(None)) is None
    assert parse_vary("hflip=on,off").values == (True, False)
    with pytest.raises(SpecError, match=r"optimizer\.lr: expected a number > 0"):
        parse_value("optimizer.lr", "-1")
    with pytest.raises(SpecError, match=r"optimizer\.name: expected one of"):
        parse_value("optimizer.name", "lion")
    with pytest.raises(SpecError, match="unknown preset 'big'"):
        parse_value("preset", "big")


def test_with_setting_checks_the_whole_spec():
    spec = RunSpec()
    faster = with_setting(spec, "optimizer.lr", 0.01)
    assert faster.optimizer["lr"] == 0.01 and spec.optimizer["lr"] == 0.001
    lenet = with_setting(spec, "preset", "lenet5")
    assert lenet.layers == list(get_preset("lenet5").layers)
    assert setting_value(lenet, "preset") == "lenet5"
    assert setting_value(spec, "training.epochs") == 10
    with pytest.raises(SpecError, match="nesterov"):
        with_setting(spec, "optimizer.nesterov", True)  # Adam has no Nesterov momentum


def test_grid_is_every_combination_in_order():
    varies = [parse_vary("optimizer=sgd,adam,adamw"), parse_vary("lr=0.1,0.01")]
    variants = grid(RunSpec(), varies, most=6)
    assert [v.label for v in variants[:3]] == [
        "optimizer=sgd, lr=0.1",
        "optimizer=sgd, lr=0.01",
        "optimizer=adam, lr=0.1",
    ]
    assert variants[5].spec.optimizer == {**RunSpec().optimizer, "name": "adamw", "lr": 0.01}
    with pytest.raises(SpecError, match="6 combinations; at most 4"):
        grid(RunSpec(), varies, most=4)


def test_bad_varies_say_what_is_wrong():
    with pytest.raises(SpecError, match="expected SETTING=VALUE,VALUE"):
        parse_vary("lr")
    with pytest.raises(SpecError, match="given twice"):
        parse_vary("lr=0.1,0.10")
    with pytest.raises(SpecError, match="varied once"):
        grid(RunSpec(), [parse_vary("lr=0.1"), parse_vary("optimizer.lr=0.2")], most=6)
    with pytest.raises(SpecError, match=r"optimizer=adam: .*nesterov"):
        spec = with_setting(
            with_setting(RunSpec(), "optimizer.name", "sgd"), "optimizer.nesterov", True
        )
        grid(spec, [parse_vary("optimizer=sgd,adam")], most=6)
