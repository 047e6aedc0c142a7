"""Patterns that come from data files (keywords, markers) and may or may not be valid regexes."""

from __future__ import annotations

import functools
import re


@functools.lru_cache(maxsize=1024)
def user_pattern(pattern: str, flags: int = 0) -> tuple[re.Pattern[str], bool]:
    """``pattern`` compiled as the reference does (unescaped), and whether that worked.

    The references pass keywords to ``re`` unescaped; a keyword that is not a valid regex would
    crash them. adhere then matches it literally instead and says so in the evidence.
    """
    try:
        return re.compile(pattern, flags), True
    except (re.error, RecursionError, OverflowError):
        return re.compile(re.escape(pattern), flags), False


@functools.lru_cache(maxsize=1024)
def literal_word(word: str, flags: int = re.IGNORECASE) -> re.Pattern[str]:
    """``word`` matched literally and as a whole word (the corrected mode's keyword match)."""
    return re.compile(r"(?<!\w)" + re.escape(word) + r"(?!\w)", flags)
