"""Paragraphs, in the two ways IFEval defines them."""

from __future__ import annotations

import re

DIVIDER_RE = re.compile(r"\s?\*\*\*\s?")


def split_on_dividers(text: str) -> list[str]:
    """Pieces between markdown ``***`` dividers (IFEval's ``re.split(r"\\s?\\*\\*\\*\\s?")``).

    No newline is needed around the divider: ``a***b`` is two pieces.
    """
    return DIVIDER_RE.split(text)


def split_on_blank_lines(text: str) -> list[str]:
    """Pieces between exact ``"\\n\\n"`` separators (IFEval's ``nth_paragraph_first_word``)."""
    return text.split("\n\n")
