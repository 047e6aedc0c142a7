"""Which single characters are emoji, exactly as the ``emoji`` package 2.15.0 answers
``emoji.is_emoji(char)`` (what IFBench's ``format:emoji`` asks).

The answer comes from the packaged table ``data/emoji_chars.txt`` (code-point ranges), built by
``tools/build_emoji_table.py`` from that package and checked against it by the tests, so scoring
neither imports ``emoji`` (~45 ms) nor changes verdicts when a newer ``emoji`` adds characters.
"""

from __future__ import annotations

from pathlib import Path

TABLE = Path(__file__).parent / "data" / "emoji_chars.txt"

_points: frozenset[int] | None = None


def _load() -> frozenset[int]:
    points: set[int] = set()
    for line in TABLE.read_text(encoding="ascii").splitlines():
        if not line or line.startswith("#"):
            continue
        first, _, last = line.partition("-")
        start = int(first, 16)
        points.update(range(start, int(last or first, 16) + 1))
    return frozenset(points)


def is_emoji_char(char: str) -> bool:
    """Whether ``char`` (one character; anything else is False) is an emoji on its own."""
    global _points
    if _points is None:
        _points = _load()
    return len(char) == 1 and ord(char) in _points
