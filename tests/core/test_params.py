import pytest

from cnnstudio.core.errors import SpecError
from cnnstudio.core.params import Param, check_params


def test_int_accepts_ints_in_range_and_rejects_bools_floats_and_out_of_range():
    p = Param("epochs", "int", 5, minimum=1)
    assert p.check(3, "x") == 3
    for bad in (0, True, 2.5, "3"):
        with pytest.raises(SpecError, match=r"x: expected an integer >= 1"):
            p.check(bad, "x")


def test_float_bounds_and_auto_and_optional():
    lr = Param("lr", "float", 0.1, above=0.0, maximum=10.0)
    assert lr.check(1, "lr") == 1.0 and isinstance(lr.check(1, "lr"), float)
    with pytest.raises(SpecError, match=r"> 0"):
        lr.check(0, "lr")
    with pytest.raises(SpecError):
        lr.check(float("nan"), "lr")
    assert Param("n", "int", "auto", minimum=1, auto=True).check("auto", "n") == "auto"
    assert Param("clip", "float", None, optional=True).check(None, "clip") is None
    with pytest.raises(SpecError):
        Param("n", "int", 1).check(None, "n")


def test_choice_lists_allowed_values():
    p = Param("name", "choice", "adam", choices=("sgd", "adam"))
    with pytest.raises(SpecError, match=r'optimizer.name: expected one of: sgd, adam; got "adamz"'):
        p.check("adamz", "optimizer.name")


def test_check_params_fills_defaults_and_names_unknown_fields():
    params = (Param("a", "int", 1), Param("b", "bool", False))
    assert check_params(params, {"b": True}, "s") == {"a": 1, "b": True}
    with pytest.raises(SpecError, match=r"s: unknown field 'c'; allowed fields: a, b"):
        check_params(params, {"c": 1}, "s")
    with pytest.raises(SpecError, match=r"s: expected an object"):
        check_params(params, [1, 2], "s")


@pytest.mark.parametrize("value", [True, 1.0, 3.0, False])
def test_choice_checks_the_type_too(value):
    # In Python True == 1 and 1.0 == 1: both used to pass, then failed later as a wrong type.
    channels = Param("channels", "choice", "auto", choices=(1, 3, "auto"))
    with pytest.raises(SpecError, match=r"input.channels: expected one of: 1, 3, auto; got"):
        channels.check(value, "input.channels")
    assert channels.check(3, "input.channels") == 3 and type(channels.check(1, "x")) is int


def test_ints_have_a_ceiling_even_without_a_maximum():
    p = Param("n", "int", 1, minimum=0)
    assert p.check(2**31 - 1, "n") == 2**31 - 1
    for huge in (2**31, 2**64, 10**5000):
        with pytest.raises(SpecError, match=r"n: expected an integer >= 0 and <= 2147483647"):
            p.check(huge, "n")


def test_numbers_too_large_for_a_float_are_out_of_range_not_a_crash():
    lr = Param("lr", "float", 0.1, above=0.0, maximum=10.0)
    with pytest.raises(SpecError, match=r"lr: expected a number > 0 and <= 10; got a number with"):
        lr.check(10**400, "lr")
    with pytest.raises(SpecError, match=r"got a number with 5001 digits"):
        Param("x", "float", 1.0).check(10**5000, "x")
