"""Loose-mode response variants, written once for every check.

Loose mode (IFEval's and IFBench's) accepts an instruction if any of eight versions of the
response follows it: the response itself; the response with its first line, its last line, or
both removed (lines split on ``"\\n"`` only, each result ``.strip()``-ed); and each of those
four with every ``*`` removed. Versions that are empty after ``strip()`` are skipped.
"""

from __future__ import annotations

from typing import NamedTuple


class Variant(NamedTuple):
    """One version of a response: a short name for evidence, and its text."""

    name: str
    text: str


def loose_variants(response: str) -> list[Variant]:
    """The eight loose-mode versions of ``response``, in the references' order."""
    lines = response.split("\n")
    without_first = "\n".join(lines[1:]).strip()
    without_last = "\n".join(lines[:-1]).strip()
    without_both = "\n".join(lines[1:-1]).strip()
    return [
        Variant("as given", response),
        Variant("'*' removed", response.replace("*", "")),
        Variant("first line removed", without_first),
        Variant("last line removed", without_last),
        Variant("first and last lines removed", without_both),
        Variant("first line and '*' removed", without_first.replace("*", "")),
        Variant("last line and '*' removed", without_last.replace("*", "")),
        Variant("first and last lines and '*' removed", without_both.replace("*", "")),
    ]
