"""Property tests over every constraint: never raises, loose never stricter, bounded on 1 MB."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adhere.constraints import CONSTRAINTS, CheckContext
from adhere.core.types import ConstraintSpec
from adhere.scoring.evaluate import build, check_loose, check_strict
from adhere.text.variants import loose_variants
from tests.constraints.examples import EXAMPLE_PARAMS

IDS = sorted(EXAMPLE_PARAMS)
CONSTRAINTS_BUILT = {cid: build(ConstraintSpec(cid, EXAMPLE_PARAMS[cid])) for cid in IDS}

# Text that exercises what the checks look at: markdown marks, brackets, quotes, newlines,
# commas, case, digits, and any Unicode at all.
MARKUP = st.sampled_from(
    [
        "*",
        "**",
        "***",
        "******",
        "[",
        "]",
        "<<",
        ">>",
        "\n",
        "\n\n",
        ",",
        '"',
        "'",
        "-",
        "P.S.",
        "p. s.",
        "Section 1",
        "Part 2",
        "```json",
        "```",
        "{",
        "}",
        ". ",
        "? ",
        "I ",
        "THEN ",
        "then ",
        "river",
        "light",
        "Z",
        "z",
        " ",
        "\t",
        "\r\n",
        "，",
        "Dr. ",
        "That is all.",
    ]
)
TEXT = st.lists(st.one_of(MARKUP, st.text(max_size=12)), max_size=40).map("".join)


def test_every_registered_constraint_has_example_params() -> None:
    assert set(CONSTRAINTS) == set(IDS)
    assert len(IDS) == 25 + 58


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=TEXT)
def test_no_check_raises_and_loose_is_never_stricter(text: str) -> None:
    variants = loose_variants(text)
    for cid, constraint in CONSTRAINTS_BUILT.items():
        for compat in ("reference", "corrected"):
            verdict = constraint.check(text, CheckContext("strict", compat))
            assert verdict.passed in (True, False, None), cid
            assert isinstance(verdict.evidence, str) and verdict.evidence, cid
            strict = check_strict(constraint, text, compat)
            loose = check_loose(constraint, variants, compat, strict=strict)
            if strict.passed:
                assert loose.passed, (cid, compat, text)


@settings(max_examples=60, deadline=None)
@given(text=st.text())
def test_arbitrary_unicode_never_raises(text: str) -> None:
    for constraint in CONSTRAINTS_BUILT.values():
        constraint.check(text)


class Hung(Exception):
    pass


@contextmanager
def hang_guard(seconds: int) -> Iterator[None]:
    """Fail instead of hanging forever (a guard against runaway backtracking, not a timing)."""

    def alarm(signum: int, frame: object) -> None:
        raise Hung(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


MB = 1_000_000
ADVERSARIAL = {
    "brackets": "[" * MB,
    "titles": "<<" * (MB // 2),
    "title-like": "<<a" * (MB // 3),
    "newlines": "\n" * MB,
    "blank-lines-then-star": " \n" * (MB // 2) + "x",
    "spaces": " " * MB,
    "stars": "*" * MB,
    "star-runs": ("*" + "a" * 99 + "\n") * (MB // 100),
    "periods": "." * MB,
    "abbrev": "a. " * (MB // 3),
    "one-word": "a" * MB,
    "commas": "a, " * (MB // 3),
    "section": "Part " * (MB // 5),
    "ps": "p. " * (MB // 3),
    "json-ish": "{" * MB,
    "upper": "WORD " * (MB // 5),
    "mixed-unicode": "中文 ñandú Ωμέγα \u0301" * (MB // 20),
}


@pytest.mark.slow
@pytest.mark.parametrize("shape", sorted(ADVERSARIAL))
def test_every_check_finishes_on_one_megabyte(shape: str) -> None:
    text = ADVERSARIAL[shape]
    for cid, constraint in CONSTRAINTS_BUILT.items():
        with hang_guard(60):
            verdict = check_strict(constraint, text)
        assert verdict.passed in (True, False, None), cid
