"""Hypothesis strategies shared by the text tests."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import strategies as st


def joined(pieces: Sequence[str], separators: Sequence[str]) -> st.SearchStrategy[str]:
    """Texts made of up to 30 ``pieces``, each followed by one of ``separators``."""

    @st.composite
    def build(draw: st.DrawFn) -> str:
        parts = draw(st.lists(st.sampled_from(pieces), max_size=30))
        seps = draw(st.lists(st.sampled_from(separators), min_size=len(parts), max_size=len(parts)))
        return "".join(part + sep for part, sep in zip(parts, seps, strict=True))

    return build()
