"""Words as the references count them: maximal runs of ``\\w`` characters.

This is NLTK's ``RegexpTokenizer(r"\\w+")``, which IFEval and IFBench use for word counts:
``don't`` is two words, ``3.5`` is two words, ``e-mail`` is two words.
"""

from __future__ import annotations

import re

WORD_RE = re.compile(r"\w+")


def words(text: str) -> list[str]:
    """The ``\\w+`` tokens of ``text``, in order."""
    return WORD_RE.findall(text)


def count_words(text: str) -> int:
    """The number of ``\\w+`` tokens in ``text``."""
    return len(WORD_RE.findall(text))
