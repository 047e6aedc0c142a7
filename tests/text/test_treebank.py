"""adhere.text.treebank must tokenize exactly as ``nltk.word_tokenize`` (nltk 3.9.2).

``nltk.word_tokenize(text)`` is ``sent_tokenize`` (English Punkt) followed by
``NLTKWordTokenizer().tokenize`` on each sentence.  nltk_data is not installed,
so the reference is assembled from the same parts; one test checks that this is
exactly ``nltk.word_tokenize`` when punkt_tab is present.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adhere.text import punkt, treebank
from adhere.text.treebank import count_upper_tokens, word_tokenize

nltk_punkt = pytest.importorskip("nltk.tokenize.punkt")
from tests.conftest import (  # noqa: E402
    IFEVAL_RESPONSES,
    NO_REFERENCE,
    reference_responses,
    responses_and_loose_variants,
)
from tests.text.nltk_reference import NLTK_SENTENCES, nltk_parameters  # noqa: E402
from tests.text.strategies import joined  # noqa: E402

nltk_destructive = pytest.importorskip("nltk.tokenize.destructive")


NLTK_WORDS = nltk_destructive.NLTKWordTokenizer()


def nltk_word_tokenize(text: str) -> list[str]:
    """nltk.word_tokenize(text) with preserve_line=False, as nltk 3.9.2 defines it."""
    return [
        token
        for sentence in NLTK_SENTENCES.tokenize(text)
        for token in NLTK_WORDS.tokenize(sentence)
    ]


def check(text: str) -> None:
    expected = nltk_word_tokenize(text)
    assert word_tokenize(text) == expected, repr(text)
    assert count_upper_tokens(text) == sum(1 for token in expected if token.isupper())


def test_manual_construction_is_nltk_word_tokenize(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import nltk
    import nltk.data
    import nltk.tokenize

    lang_dir = tmp_path / "english"
    nltk_punkt.save_punkt_params(nltk_parameters(), dir=str(lang_dir))

    def find(resource: str, *args: object, **kwargs: object) -> str:
        assert resource == "tokenizers/punkt_tab/english/"
        return str(lang_dir)

    monkeypatch.setattr(nltk.data, "find", find)
    nltk.tokenize._get_punkt_tokenizer.cache_clear()
    try:
        texts = [
            "Dr. Smith can't go. He said \"I'm gonna stay,\" and left... (OK?)",
            "'Tis the season. They'll see--it's fine! Cannot wait: 3:30, 1,000.",
            *reference_responses()[:40],
        ]
        for text in texts:
            expected = nltk.word_tokenize(text)
            assert nltk_word_tokenize(text) == expected
            assert word_tokenize(text) == expected
    finally:
        nltk.tokenize._get_punkt_tokenizer.cache_clear()


# ---------------------------------------------------------------------------
# Reference responses
# ---------------------------------------------------------------------------


@pytest.mark.skipif(not IFEVAL_RESPONSES.is_file(), reason=NO_REFERENCE)
def test_reference_responses_and_their_loose_variants() -> None:
    responses = reference_responses()
    assert len(responses) == 541
    texts = responses_and_loose_variants()
    mismatches = []
    for text in texts:
        expected = nltk_word_tokenize(text)
        if word_tokenize(text) != expected or count_upper_tokens(text) != sum(
            1 for token in expected if token.isupper()
        ):
            mismatches.append(text)
    assert not mismatches, f"{len(mismatches)} of {len(texts)} differ; first: {mismatches[0]!r}"


# ---------------------------------------------------------------------------
# Hand-picked cases
# ---------------------------------------------------------------------------

TRICKY_CASES = [
    "",
    "   ",
    "word",
    '"Quoted start." Then "another" one.',
    "He said, \"Hi\" and ''left''.",
    "``Backticks'' and `single` quotes ```` here.",
    "“Curly” ‘quotes’ «guillemets» „low” »reversed«.",
    "I can't, won't, don't; they'll, we've, you're, she'd, I'm, it's.",
    "CAN'T WON'T DON'T THEY'LL WE'VE YOU'RE I'M IT'S N'T",
    "Cannot gonna gotta gimme lemme wanna more'n d'ye 'tis 'twas.",
    "I wanna go. Wanna? wanna\tgo wannabe gonnabe.",
    "'Tis true and 'twas so.  'TIS 'TWAS",
    "The students' books and the boss' car.",
    "Time: 3:30, cost: $1,000.50; 50% off & more @ #1.",
    "Ends with colon:",
    "Ends with comma,",
    "Adjacent ,, and :: and ,: and :, marks. a,,b a::b 1,,2",
    "Ellipsis... and .. and .... and . . . here.",
    'Final period inside quotes." Next sentence.)',
    "Brackets (round) [square] {curly} <angle> here.",
    "Dashes -- double and --- triple and - single.",
    "Question? Exclamation! Both?! Interrobang‽",
    "Stars *bold* **bold** ***x***.",
    "Line one.\nLine two.\n\nParagraph.\tTabbed.",
    "Unicode: naïve café İstanbul ſ ı Straße 日本語。 Done.",
    "Apostrophe 'a 'b 'x' 're 've 'll 'm 't 's 'd 'n.",
    "x'lln't y n't'll z'll'll n'tn't 'll'RE.",
    "O'Neil's rock'n'roll isn't y'all's.",
    "A 'quoted word' here, 'and' there.",
    "Mr. Smith (Jr.) arrived at 5 p.m. Then left.",
    "Non-breaking\u00a0space. Line\u2028separator. Vertical\x0btab. Form\x0cfeed.",
    "Separator chars \x00 \x01 \x02 in text. Second sentence.",
    ".",
    "..",
    "a.",
    ".a",
    "'",
    '"',
    "''",
    "``",
    "' '",
    "\"'\" '\"'",
    "U.S.A. is big. The U.S. is big.",
]


@pytest.mark.parametrize("text", TRICKY_CASES)
def test_tricky_cases(text: str) -> None:
    check(text)


def test_text_containing_every_separator_candidate() -> None:
    """With no free separator character, sentences are rewritten one at a time."""
    every = "".join(treebank._SEPARATORS)
    text = f'First sentence {every}. Second one, isn\'t it? "Third" (and last).'
    check(text)
    check(every + " " + TRICKY_CASES[7] + " " + TRICKY_CASES[11])


def test_single_sentence_and_batched_paths_agree() -> None:
    text = " ".join(case for case in TRICKY_CASES if case.strip())
    assert len(punkt.split_sentences(text)) > 10
    check(text)


# ---------------------------------------------------------------------------
# Property tests
# ---------------------------------------------------------------------------

_PIECES = """
    Dr. Mr. U.S. e.g. i.e. etc. J. A. 3.5 1. 10. 1,000 3:30 ... .. . ? ! ?! ' " “ ” ‘ ’ « » „
    ( ) [ ] { } < > -- - , : ; * ** ` `` '' ' 's 're 've 'll 'm 'd 'n 't 'S 'LL n't N'T don't
    I'm can't CAN'T cannot Cannot gonna gotta gimme lemme wanna more'n d'ye 'tis 'twas 'Tis
    it's they'll we've you're I'd He The However the and apple IBM NASA USA café naïve
    İstanbul ſ ı 日本語 x hello world Hello. world. end. $ % & @ # \x00
"""
PIECES = _PIECES.split()
SEPARATORS = [" ", " ", " ", "", "", "  ", "\n", "\n\n", "\t", "\u00a0", "\u2028", "\r\n"]


tricky_texts = joined(PIECES, SEPARATORS)


TRICKY_ALPHABET = "aAnNtTsSlLeE .?!,;:'\"()[]<>-*`&%\n\t\u00a0“”‘’«»0123456789İıſ\x00"


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tricky_texts)
def test_matches_nltk_on_generated_texts(text: str) -> None:
    check(text)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=TRICKY_ALPHABET, max_size=80))
def test_matches_nltk_on_generated_characters(text: str) -> None:
    check(text)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_never_raises_on_any_text(text: str) -> None:
    tokens = word_tokenize(text)
    assert all(isinstance(token, str) and token and not token.isspace() for token in tokens)
    assert count_upper_tokens(text) == sum(1 for token in tokens if token.isupper())


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=120))
def test_matches_nltk_on_arbitrary_text(text: str) -> None:
    check(text)


# ---------------------------------------------------------------------------
# Adversarial sizes
# ---------------------------------------------------------------------------

MEGABYTE = 1_000_000
ADVERSARIAL = {
    "periods": "." * MEGABYTE,
    "word-period": "a." * (MEGABYTE // 2),
    "spaces": " " * MEGABYTE,
    "double-quotes": '"' * MEGABYTE,
    "apostrophes": "'" * MEGABYTE,
    "one-word": "a" * MEGABYTE,
    "newlines": "\n" * MEGABYTE,
    "period-space": ". " * (MEGABYTE // 2),
    "period-then-spaces": "a." + " " * MEGABYTE + "b",
    "commas": "," * MEGABYTE,
    "clitics": "don't it's they'll " * (MEGABYTE // 19),
    "contractions": "cannot gonna " * (MEGABYTE // 13),
}


@pytest.mark.parametrize("name", sorted(ADVERSARIAL))
def test_adversarial_megabyte_inputs_finish(name: str) -> None:
    text = ADVERSARIAL[name]
    start = time.perf_counter()
    tokens = word_tokenize(text)
    elapsed = time.perf_counter() - start
    assert all(token for token in tokens[:1000])
    # No bound is asserted (machines differ); this is reported for the record.
    print(f"{name}: {len(tokens)} tokens in {elapsed:.2f}s")


def test_small_adversarial_inputs_match_nltk() -> None:
    for text in ADVERSARIAL.values():
        check(text[:2000])
