"""The compiled fast paths of adhere.text.langid must compute exactly what its Python code
computes: the same n-grams of a word, the same vectors, the same trials bit for bit (with the
same random draws).  Whole detections on both paths are compared with langdetect in
test_langid.py."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from array import array
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adhere.text import langid

SRC = Path(__file__).resolve().parents[2] / "src"

speedups = langid._speedups
needs_speedups = pytest.mark.skipif(speedups is None, reason="the compiled module is not built")


def test_built_where_required() -> None:
    """CI sets ADHERE_REQUIRE_SPEEDUPS=1: there the install must have built the module."""
    if os.environ.get("ADHERE_REQUIRE_SPEEDUPS") == "1":
        assert speedups is not None, "adhere.text._langid_speedups was not built"
        assert langid._get_table().speedups is speedups


@pytest.mark.parametrize("value", ["1", ""])
def test_pure_python_switch(value: str) -> None:
    """ADHERE_PURE_PYTHON (non-empty) makes langid use its Python code only."""
    code = "import adhere.text.langid as m; print(m._speedups is None)"
    env = {**os.environ, "PYTHONPATH": str(SRC), "ADHERE_PURE_PYTHON": value}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert out.stdout.strip() == str(value == "1" or speedups is None)


def _table(compiled: bool) -> langid._Table:
    with open(langid._DATA_FILE, "rb") as handle:
        table = langid._Table(handle.read(), speedups if compiled else None)
    table.load_all()
    return table


@pytest.fixture(scope="module")
def python_table() -> langid._Table:
    return _table(False)


@pytest.fixture(scope="module")
def compiled_table() -> langid._Table:
    if speedups is None:
        pytest.skip("the compiled module is not built")
    return _table(True)


# Words as langdetect's normalisation leaves them, and odder ones: runs of capitals, title
# case letters, characters outside the BMP, lone surrogates.
_LETTERS = (
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "éèàçÉÈÀÇßøØæÆабвгдАБВГДαβγΑΒΓ的一是あいアイ가나ابتअआกขǅǈǋ\U0001d400\U00010400\U00010428\ud800"
)
words = st.text(alphabet=_LETTERS, max_size=12)


@needs_speedups
@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(words, st.booleans())
def test_word_ngrams_match(
    python_table: langid._Table, compiled_table: langid._Table, word: str, spaced: bool
) -> None:
    assert speedups is not None
    known = python_table.known
    index = compiled_table.known
    expected = langid._word_ngrams(word, known, {}, spaced)
    assert speedups.word_ngrams(word, index, spaced) == expected
    # With every possible n-gram known, nothing is filtered out: the order and the capital
    # rule alone decide.
    padded = "  " + word + " "
    every = {padded[i : i + n] for n in (1, 2, 3) for i in range(len(padded) - n + 1)}
    every_index = speedups.GramIndex()
    every_index.update(every)
    assert speedups.word_ngrams(word, every_index, spaced) == langid._word_ngrams(
        word, every, {}, spaced
    )


@needs_speedups
def test_index_holds_the_table_grams(
    python_table: langid._Table, compiled_table: langid._Table
) -> None:
    index = compiled_table.known
    assert len(index) == len(python_table.known)
    assert set(index) == python_table.known
    assert all(gram in index for gram in python_table.known)


@needs_speedups
@given(st.lists(st.text(min_size=1, max_size=3)), st.lists(st.text(max_size=4)))
def test_index_is_a_set(grams: list[str], probes: list[str]) -> None:
    """Added n-grams (any code points, NUL and lone surrogates included) are found, others
    are not, duplicates count once."""
    assert speedups is not None
    index = speedups.GramIndex()
    index.update(grams)
    index.update(grams[: len(grams) // 2])
    assert len(index) == len(set(grams))
    assert set(index) == set(grams)
    for probe in [*grams, *probes, "\x00", "\x00\x00", "a\x00", "\x00a"]:
        assert (probe in index) is (probe in set(grams))


@needs_speedups
def test_vectors_match(python_table: langid._Table, compiled_table: langid._Table) -> None:
    """Every stored n-gram's vector, bit for bit (the Python vectors are checked against
    langdetect's in test_langid.py)."""
    for gram in sorted(python_table.known):
        packed = array("d", compiled_table.decode_packed(gram))
        assert [x.hex() for x in packed] == [x.hex() for x in python_table.decode(gram)], gram


_SAMPLES = [
    "The quick brown fox jumps over the lazy dog while the cat watches.",
    "Le renard brun saute par-dessus le chien paresseux.",
    "Der schnelle braune Fuchs springt über den faulen Hund.",
    "Быстрая коричневая лиса прыгает через ленивую собаку.",
    "敏捷的棕色狐狸跳过了懒狗。",
    "ok",
    "tl",
    "OK OK OK",
    "Sí señor, muy bien, gracias.",
]


@needs_speedups
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(_SAMPLES),
    st.integers(min_value=0, max_value=2**32 - 1),
    st.floats(min_value=0.3, max_value=0.7),
)
def test_trials_match(
    python_table: langid._Table, compiled_table: langid._Table, text: str, seed: int, alpha: float
) -> None:
    """One trial on a text's n-grams: the same vector bit for bit and the same draws (the
    generators end in the same state).  Short texts make long trials in which most
    languages underflow to 0.0."""
    assert speedups is not None
    grams = langid._extract_ngrams(langid._prepare(text, python_table), python_table)
    weight = alpha / langid._BASE_FREQ
    mine, theirs = random.Random(seed), random.Random(seed)
    n = python_table.n_langs
    got = speedups.trial(
        mine.getrandbits, grams, compiled_table.vectors, weight, compiled_table.uniform, n
    )
    expected = langid._trial(theirs, grams, python_table.vectors.__getitem__, weight, python_table)
    assert [p.hex() for p in got] == [p.hex() for p in expected]
    assert mine.getstate() == theirs.getstate()


@needs_speedups
def test_bad_arguments_raise() -> None:
    assert speedups is not None
    vectors = {"a": bytes(16)}
    getrandbits = random.Random(0).getrandbits
    with pytest.raises(ValueError, match="non-empty list"):
        speedups.trial(getrandbits, [], vectors, 1e-5, 0.5, 2)
    with pytest.raises(ValueError, match="bytes of 3 doubles"):
        speedups.trial(getrandbits, ["a"], vectors, 1e-5, 0.5, 3)
    with pytest.raises(KeyError):
        speedups.trial(getrandbits, ["b"], vectors, 1e-5, 0.5, 2)
    with pytest.raises(ValueError, match="n_langs"):
        speedups.trial(getrandbits, ["a"], vectors, 1e-5, 0.5, 0)
    n_words = array("d", [3.0, 4.0]).tobytes()
    with pytest.raises(IndexError):
        speedups.decode(b"\x00", array("H", [1]), 0, 2, n_words)
    with pytest.raises(ValueError, match="language index"):
        speedups.decode(b"\x05", array("H", [1]), 0, 1, n_words)
    with pytest.raises(ValueError, match="16- or 32-bit"):
        speedups.decode(b"\x00", array("d", [1.0]), 0, 1, n_words)
    assert array("d", speedups.decode(b"\x01", array("I", [2]), 0, 1, n_words)).tolist() == [
        0.0,
        0.5,
    ]
    with pytest.raises(TypeError, match="GramIndex"):
        speedups.word_ngrams("word", {"w"}, True)
    index = speedups.GramIndex()
    with pytest.raises(ValueError, match="1 to 3 characters"):
        index.update(["abcd"])
    with pytest.raises(TypeError, match="str"):
        index.update([b"ab"])
    with pytest.raises(TypeError):
        speedups.GramIndex(["a"])
    assert 5 not in index
