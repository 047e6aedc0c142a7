"""Markdown structure as the references see it: bullets, highlights, titles, placeholders.

Each pattern or function gives exactly the matches of the reference's regular expression, but
in time linear in the text, so a 1 MB response of ``[``, ``<<`` or blank lines cannot stall a
check (the reference expressions can take quadratic time on such input).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

# ``^\s*\*[^\*].*$`` and ``^\s*-.*$`` (MULTILINE): a match can only start its bullet at the first
# non-blank character of a line, so skipping horizontal whitespace possessively finds the same
# matches without rescanning runs of blank lines from every line start.
STAR_BULLET_RE = re.compile(r"^[^\S\n]*+\*[^\*].*$", re.MULTILINE)
DASH_BULLET_RE = re.compile(r"^[^\S\n]*+-.*$", re.MULTILINE)


# ``\*[^\n\*]*\*`` and ``\*\*[^\n\*]*\*\*``: highlighted spans (linear as they stand).
HIGHLIGHT_RE = re.compile(r"\*[^\n\*]*\*")
BOLD_RE = re.compile(r"\*\*[^\n\*]*\*\*")


def bracket_spans(text: str) -> Iterator[tuple[int, int]]:
    """The spans of ``re.finditer(r"\\[.*?\\]", text)``: ``[`` to the next ``]`` on its line."""
    pos = 0
    find = text.find
    while True:
        start = find("[", pos)
        if start < 0:
            return
        end = find("]", start + 1)
        newline = find("\n", start + 1)
        if end >= 0 and (newline < 0 or end < newline):
            yield start, end + 1
            pos = end + 1
        elif newline < 0:
            return
        else:
            pos = newline + 1


def title_spans(text: str) -> Iterator[tuple[int, int]]:
    """The spans of ``re.finditer(r"<<[^\\n]+>>", text)``.

    On each line the greedy match runs from the first ``<<`` to the last ``>>`` that leaves at
    least one character between them; there is at most one match per line.
    """
    line_start = 0
    size = len(text)
    while line_start <= size:
        line_end = text.find("\n", line_start)
        if line_end < 0:
            line_end = size
        open_at = text.find("<<", line_start, line_end)
        if open_at >= 0:
            close_at = text.rfind(">>", open_at + 3, line_end)
            if close_at >= 0:
                yield open_at, close_at + 2
        line_start = line_end + 1
