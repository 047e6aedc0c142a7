"""adhere's syllable counter against the real ``syllapy.count`` (0.7.2), which IFBench calls."""

from __future__ import annotations

import csv
import json
import string
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adhere.text import syllables
from adhere.text.syllables import SyllableDataError, count, data_path
from tests.conftest import REFERENCE


def _import_syllapy() -> object:
    """The real syllapy module. It imports ``pkg_resources`` only to find its own data file,
    and recent setuptools (which torch's install brings) no longer ships that module; where it
    is missing, a stand-in with that one function is provided, so syllapy's own counting code
    still runs unchanged."""
    import importlib
    import types

    try:
        import pkg_resources  # noqa: F401
    except ImportError:
        shim = types.ModuleType("pkg_resources")

        def resource_filename(package: str, name: str) -> str:
            spec = importlib.util.find_spec(package)
            assert spec is not None and spec.origin is not None
            return str(Path(spec.origin).parent / name)

        shim.resource_filename = resource_filename  # type: ignore[attr-defined]
        sys.modules["pkg_resources"] = shim
    return importlib.import_module("syllapy")


syllapy = _import_syllapy()


def table_words() -> list[str]:
    with data_path().open(encoding="utf-8", newline="") as handle:
        return [row[0] for row in csv.reader(handle)]


def response_words() -> list[str]:
    """Every whitespace-separated word of IFBench's sample responses (empty if absent)."""
    path = REFERENCE / "ifbench" / "responses_sample.jsonl"
    if not path.is_file():
        return []
    words: dict[str, None] = {}
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                words.update(dict.fromkeys(json.loads(line)["response"].split()))
    return list(words)


EDGE_CASES = [
    "",
    " ",
    "\n",
    "a",
    "e",
    "y",
    "le",
    "ble",
    "ale",
    "able",
    "bubble",
    "gryle",
    "tryle",
    "rhythm",
    "the",
    "Hello",
    "HELLO!",
    "'quoted'",
    "...",
    "dr.",
    "Mr.",
    "etc.",
    "e-mail",
    "E-Mail",
    "self-care",
    "well-being",
    "co-op",
    "re-enter",
    "a-b-c",
    "a--b",
    "-a",
    "a-",
    "--",
    "---x",
    "x---",
    "a- b",
    "a -b",
    "a-\tb",
    "a-\nb",
    "a\n-b",
    "a-b\nc-d",
    "ab-c\rd\ne",
    "a-,b",
    "fire-fly-",
    "and/or",
    "and\\/or",
    "x-1",
    "1",
    "42",
    "٣",
    "abc٣",
    "café",
    "naïve",
    "İstanbul",
    "ΑΣ",
    "straße",
    "K",
    "\u212a",
    "日本語",
]


def variants(word: str) -> Iterator[str]:
    yield word
    yield word.upper()
    yield word.title()
    yield f"({word}),"
    yield f" {word}\n"
    yield f"{word}-{word}"
    yield f"{word}-x"
    yield f"pre-{word}."


def test_the_table_is_syllapys_own_file() -> None:
    path = data_path()
    assert path.name == "data.csv"
    assert path.parent == Path(syllapy.__file__).parent
    assert len(table_words()) == len(syllapy.WORD_DICT)


@pytest.mark.parametrize("word", EDGE_CASES)
def test_edge_cases_agree(word: str) -> None:
    for text in variants(word):
        assert count(text) == syllapy.count(text), repr(text)


def test_every_table_word_and_its_variants_agree() -> None:
    mismatches = [
        text
        for word in table_words()
        for text in variants(word)
        if count(text) != syllapy.count(text)
    ]
    assert mismatches == []


def test_every_word_of_the_sample_responses_agrees() -> None:
    words = response_words()
    if not words:
        pytest.skip("IFBench sample responses not found (needs ../shared beside the repo)")
    assert len(words) > 5000
    assert [w for w in words if count(w) != syllapy.count(w)] == []
    # also as the IFBench check sees them: ASCII punctuation removed, lower-cased
    drop = str.maketrans("", "", string.punctuation)
    cleaned = [w.translate(drop).lower() for w in words]
    assert [w for w in cleaned if count(w) != syllapy.count(w)] == []


def test_known_counts() -> None:
    # a table word, a vowel-rule word, a final "le", a final silent "e", a compound, a number
    assert [count(w) for w in ("beautiful", "bubble", "cake", "co-op", "42", "")] == [
        3,
        2,
        1,
        2,
        0,
        0,
    ]


def test_a_value_that_is_not_a_string_counts_zero() -> None:
    assert count(None) == syllapy.count(None) == 0  # type: ignore[arg-type]
    assert count(7) == syllapy.count(7) == 0  # type: ignore[arg-type]


WORDLIKE = st.text(alphabet="aeiouybcdlkmnrst-- \n\t.,'!/eE1İΣé\u0301", max_size=16)


@settings(max_examples=3000, deadline=None)
@given(word=WORDLIKE)
def test_wordlike_hypothesis_text_agrees(word: str) -> None:
    assert count(word) == syllapy.count(word)


@settings(max_examples=1500, deadline=None)
@given(word=st.text(max_size=20))
def test_any_hypothesis_text_agrees(word: str) -> None:
    assert count(word) == syllapy.count(word)


def test_many_hyphens_count_in_a_loop_where_syllapy_recurses() -> None:
    # syllapy recurses once per hyphenated part and fails near a thousand parts; adhere gives
    # the count its rules define (one per "a") in linear time.
    word = "a-" * 5000 + "a"
    with pytest.raises(RecursionError):
        syllapy.count(word)
    assert count(word) == 5001
    assert count("ab-" * 300 + "ab") == syllapy.count("ab-" * 300 + "ab") == 301


def test_a_missing_table_gives_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    missing = tmp_path / "syllapy" / "data.csv"
    monkeypatch.setattr(syllables, "_table", None)
    monkeypatch.setattr(syllables, "data_path", lambda: missing)
    with pytest.raises(SyllableDataError, match=r"syllapy's word table .*data\.csv"):
        count("hello")


def test_the_table_is_read_lazily_and_syllapy_is_never_imported() -> None:
    code = (
        "import sys\n"
        "from adhere.text import syllables\n"
        "assert syllables._table is None\n"
        "assert syllables.count('hello') == 2\n"
        "assert syllables._table is not None\n"
        "assert 'syllapy' not in sys.modules and 'pkg_resources' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
