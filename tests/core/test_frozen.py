"""``@frozen`` record classes: fields, defaults, equality, and no changes after construction."""

from __future__ import annotations

import pytest

from adhere.core.frozen import frozen
from adhere.core.types import ConstraintSpec, Verdict


@frozen
class Point:
    x: int
    y: int = 0


def test_fields_defaults_equality_hash_and_repr() -> None:
    assert Point(1) == Point(1, 0) == Point(x=1, y=0)
    assert Point(1) != Point(1, 2)
    assert hash(Point(1, 2)) == hash(Point(1, 2))
    assert repr(Point(1, 2)) == "Point(x=1, y=2)"
    assert Point.__match_args__ == ("x", "y")


@pytest.mark.parametrize("change", ["set", "set_new", "delete"])
def test_instances_cannot_be_changed(change: str) -> None:
    verdict = Verdict("punctuation:no_comma", True, "no comma")
    with pytest.raises(AttributeError, match="Verdict is frozen"):
        if change == "set":
            verdict.passed = False  # type: ignore[misc]
        elif change == "set_new":
            verdict.other = 1  # type: ignore[attr-defined]
        else:
            del verdict.passed  # type: ignore[misc]
    assert verdict == Verdict("punctuation:no_comma", True, "no comma", "strict")


def test_post_init_may_still_set_fields() -> None:
    spec = ConstraintSpec("keywords:existence", {"keywords": ["a"]})
    with pytest.raises(TypeError):
        spec.params["keywords"] = []  # type: ignore[index]
    assert dict(spec.params) == {"keywords": ["a"]}
