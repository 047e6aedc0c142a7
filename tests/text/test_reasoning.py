"""Reasoning traces are cut off before scoring; a trace that never closes has no answer."""

from __future__ import annotations

import pytest

from adhere.text.reasoning import Answer, ReasoningTags, final_answer


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        ("Plain answer.", Answer("Plain answer.", "none")),
        ("<think>plan it</think>\n\nThe answer.", Answer("The answer.", "closed")),
        # chat templates often open the trace themselves: only the closing tag is in the text
        ("plan it</think>The answer. ", Answer("The answer.", "closed")),
        # two traces: the answer is what follows the last one
        ("<think>a</think>draft<think>b</think> final", Answer("final", "closed")),
        ("<think>still thinking when the tokens ran out", Answer(None, "unterminated")),
        ("<think>a</think>answer<think>never closed", Answer(None, "unterminated")),
        ("<think></think>", Answer("", "closed")),
    ],
)
def test_final_answer(response: str, expected: Answer) -> None:
    assert final_answer(response) == expected


def test_custom_tags() -> None:
    tags = ReasoningTags.parse("[[reason]], [[/reason]]")
    assert final_answer("[[reason]]x[[/reason]]Yes.", tags) == Answer("Yes.", "closed")
    assert final_answer("<think>x</think>Yes.", tags) == Answer("<think>x</think>Yes.", "none")
    assert final_answer("[[reason]] x", tags).status == "unterminated"


@pytest.mark.parametrize("bad", ["<think>", "<think>,", ",</think>", "a,b,c", "<t>,<t>"])
def test_bad_tags_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="reasoning tags"):
        ReasoningTags.parse(bad)
