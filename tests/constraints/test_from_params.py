"""``from_params`` builds what the class's constructor builds, and fails as it fails, whether it
fills the instance itself (the usual case) or has to call a constructor of the class's own."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest

from adhere.constraints import CONSTRAINTS
from adhere.constraints.base import Constraint, Param
from adhere.core.errors import ParamError
from tests.constraints.examples import EXAMPLE_PARAMS


@pytest.mark.parametrize("cid", sorted(EXAMPLE_PARAMS))
def test_built_from_params_equals_built_by_the_constructor(cid: str) -> None:
    cls = CONSTRAINTS.get(cid)
    built = cls.from_params(EXAMPLE_PARAMS[cid], prompt="The prompt.")
    values = {p.name: getattr(built, p.name) for p in cls.params}
    direct = cls(**values)
    assert type(built) is cls
    assert built == direct and repr(built) == repr(direct)
    assert vars(built) == vars(direct)  # every attribute, those __post_init__ sets included
    with pytest.raises(AttributeError, match="is frozen"):
        built.extra = 1  # type: ignore[attr-defined]


class _Counted(Constraint):
    """A constraint with its own constructor, which ``from_params`` must call."""

    id = "test:counted"
    summary = "for tests"
    params = (Param("count", "int", "a count"), Param("word", "str", "a word"))
    made: ClassVar[list[dict[str, Any]]] = []

    def __init__(self, **values: Any) -> None:
        type(self).made.append(values)
        super().__init__(**values)


class _Twice(Constraint):
    """A (mistaken) declaration of one param name twice: the constructor refuses it."""

    id = "test:twice"
    summary = "for tests"
    params = (Param("n", "int", "a number"), Param("n", "int", "the same name"))


class _Checked(Constraint):
    """Cross-param validation in ``__post_init__`` runs on both paths."""

    id = "test:checked"
    summary = "for tests"
    params = (Param("low", "int", "low"), Param("high", "int", "high"))

    def __post_init__(self) -> None:
        if self.high < self.low:  # type: ignore[attr-defined]
            raise ParamError("high below low")


def test_a_class_with_its_own_constructor_gets_it_called() -> None:
    _Counted.made.clear()
    built = _Counted.from_params({"count": 2.0, "word": "hi"})
    assert _Counted.made == [{"count": 2, "word": "hi"}]
    assert repr(built) == "_Counted(count=2, word='hi')"


def test_a_param_declared_twice_fails_as_the_constructor_does() -> None:
    with pytest.raises(TypeError, match=r"_Twice takes exactly the params \['n', 'n'\]"):
        _Twice.from_params({"n": 1})
    with pytest.raises(TypeError, match=r"_Twice takes exactly the params \['n', 'n'\]"):
        _Twice(n=1)


def test_post_init_validation_runs() -> None:
    assert repr(_Checked.from_params({"low": 1, "high": 2})) == "_Checked(low=1, high=2)"
    with pytest.raises(ParamError, match="high below low"):
        _Checked.from_params({"low": 3, "high": 2})


def test_the_constructor_still_checks_the_names() -> None:
    with pytest.raises(TypeError, match=r"_Checked takes exactly the params \['low', 'high'\]"):
        _Checked(low=1)
    with pytest.raises(TypeError, match=r"_Checked takes exactly the params \['low', 'high'\]"):
        _Checked(low=1, high=2, other=3)


def test_replaced_params_are_picked_up(monkeypatch: pytest.MonkeyPatch) -> None:
    assert repr(_Checked.from_params({"low": 1, "high": 2})) == "_Checked(low=1, high=2)"
    monkeypatch.setattr(_Checked, "params", (Param("low", "int", "low"),))
    with pytest.raises(ParamError, match="unknown param 'high'; valid params: low"):
        _Checked.from_params({"low": 1, "high": 2})
