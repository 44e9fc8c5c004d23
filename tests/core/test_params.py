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
