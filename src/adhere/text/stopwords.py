"""NLTK's English stop-word list, packaged so that it is there without any download.

IFBench's ``ratio:stop_words`` counts the ``\\w+`` words of a response whose lower-cased form
is in ``nltk.corpus.stopwords.words("english")``.  This module gives that list and that count.

Provenance of ``data/nltk_stopwords_english.txt``: it is the file ``english`` of NLTK's
``stopwords`` corpus (nltk_data ``corpora/stopwords``; its README says the lists come from
the Snowball stop-word lists of PostgreSQL's source tree, the English one augmented after
nltk_data issue #22).  It is the current list of 198 words, one per line in NLTK's order, and
was copied byte for byte from the copy of that corpus bundled in the PyPI wheel
``llama-index-core==0.14.25`` (``llama_index/core/_static/nltk_cache/corpora/stopwords/``),
the same file the reference IFBench verdicts were produced with
(SHA-256 ``f6d005956f407dbc6ea32e5ff0c7e8e6f71488d3239b9023efdc7fc139d6375b``).

The older 179-word English list lacks only 19 contractions with an apostrophe (``he'd``,
``i'm``, ...).  ``\\w+`` tokens never contain an apostrophe, so both lists give the same
counts; the entries with an apostrophe are kept so that :func:`english_stopwords` is NLTK's
list as it is.
"""

from __future__ import annotations

import os
from functools import lru_cache

from adhere.text.words import WORD_RE

__all__ = ["DATA_FILE", "count_stopwords", "english_stopwords", "stopword_tokens"]

DATA_FILE = os.path.join(os.path.dirname(__file__), "data", "nltk_stopwords_english.txt")


@lru_cache(maxsize=1)
def english_stopwords() -> frozenset[str]:
    """NLTK's English stop words (198, all lower case), read from the packaged file once."""
    with open(DATA_FILE, encoding="utf-8") as handle:
        # NLTK's word-list reader keeps every non-blank line as it is.
        return frozenset(line for line in handle.read().splitlines() if line)


def stopword_tokens(text: str) -> list[str]:
    """The ``\\w+`` tokens of ``text`` whose lower-cased form is an English stop word."""
    stop = english_stopwords()
    return [token for token in WORD_RE.findall(text) if token.lower() in stop]


def count_stopwords(text: str) -> int:
    """How many ``\\w+`` tokens of ``text`` are English stop words (compared lower-cased)."""
    return len(stopword_tokens(text))
