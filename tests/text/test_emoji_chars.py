"""The packaged emoji table answers exactly as the emoji package 2.15.0 does."""

from __future__ import annotations

import sys

import pytest

from adhere.text.emoji_chars import TABLE, is_emoji_char

emoji = pytest.importorskip("emoji")


def test_every_code_point_agrees_with_the_emoji_package() -> None:
    assert emoji.__version__ == "2.15.0"
    differ = [
        hex(cp)
        for cp in range(sys.maxunicode + 1)
        if not 0xD800 <= cp <= 0xDFFF and is_emoji_char(chr(cp)) != emoji.is_emoji(chr(cp))
    ]
    assert differ == []


def test_known_characters() -> None:
    assert is_emoji_char("😀") and is_emoji_char("©") and is_emoji_char("#") is False
    assert not is_emoji_char("a") and not is_emoji_char("")
    assert not is_emoji_char("😀😀")  # one character at a time, as the check asks


def test_the_table_rebuilds_byte_for_byte() -> None:
    sys.path.insert(0, str(TABLE.parents[4] / "tools"))
    try:
        from build_emoji_table import table_text
    finally:
        sys.path.pop(0)
    assert table_text() == TABLE.read_text(encoding="ascii")
