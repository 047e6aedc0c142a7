"""Reasoning traces: separate a reasoning model's trace from its final answer.

Reasoning models write a trace before the answer, marked by tags (``<think>`` … ``</think>`` by
default). Only the final answer is scored:

- a response with a closing tag: the answer is the text after the last closing tag, with outer
  whitespace stripped (chat templates often open the trace themselves, so an opening tag is not
  required);
- a response that opens a trace and never closes it (an opening tag with no closing tag after
  it): there is no answer; the response is reported as ``unterminated`` and fails every
  instruction, never scored as if the trace were the answer;
- a response with no tags at all is the answer, unchanged.
"""

from __future__ import annotations

from typing import Literal

from adhere.core.frozen import frozen

ReasoningStatus = Literal["none", "closed", "unterminated"]
"""``none``: no trace; ``closed``: a trace, then an answer; ``unterminated``: a trace that never
closes."""


@frozen
class ReasoningTags:
    """The markers around a reasoning trace. Fields: open, close (non-empty strings)."""

    open: str = "<think>"
    close: str = "</think>"

    def __post_init__(self) -> None:
        if not self.open or not self.close:
            raise ValueError("reasoning tags must be non-empty strings")
        if self.open == self.close:
            raise ValueError(f"the opening and closing reasoning tags are the same: {self.open!r}")

    @classmethod
    def parse(cls, text: str) -> ReasoningTags:
        """Tags from ``"OPEN,CLOSE"`` (as typed on the command line)."""
        parts = text.split(",")
        if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
            raise ValueError(
                f"expected reasoning tags as OPEN,CLOSE (e.g. '<think>,</think>'), found {text!r}"
            )
        return cls(parts[0].strip(), parts[1].strip())


DEFAULT_TAGS = ReasoningTags()


@frozen
class Answer:
    """A response split into its final answer and what kind of trace preceded it.

    Fields:
        text: the text to score, or None when the trace never closes.
        status: ``none``, ``closed`` or ``unterminated``.
    """

    text: str | None
    status: ReasoningStatus


def final_answer(response: str, tags: ReasoningTags = DEFAULT_TAGS) -> Answer:
    """The part of ``response`` to score (see the module docstring for the rules)."""
    end = response.rfind(tags.close)
    if end < 0:
        if tags.open in response:
            return Answer(None, "unterminated")
        return Answer(response, "none")
    rest = response[end + len(tags.close) :]
    if tags.open in rest:
        return Answer(None, "unterminated")
    return Answer(rest.strip(), "closed")
