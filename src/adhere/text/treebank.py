"""Word tokenization that reproduces ``nltk.word_tokenize`` for English.

IFEval counts capitalised words with ``nltk.word_tokenize(text)``: Punkt splits
the text into sentences, and NLTK's improved Treebank tokenizer
(``NLTKWordTokenizer``) splits each sentence into words by a fixed sequence of
regular-expression rewrites followed by a split on whitespace.  This module
gives the same tokens for every input string (checked against nltk 3.9.2) without
importing NLTK.

The rewrite rules are NLTK's; the way they are applied is our own, for speed:

* all sentences of a text are rewritten at once, joined by a separator
  character that the text does not contain.  Rules anchored at the end of a
  sentence end at a separator, and no rule can match across one, so every rule
  acts on each sentence exactly as it would on the sentence alone;
* a rule is skipped when the text lacks a character it needs, and single-
  character paddings are plain string replacements;
* NLTK collapses whitespace runs to single spaces before its last rules; here
  those rules accept any whitespace character where NLTK's require a space, which
  yields the same tokens without rebuilding the string;
* the end-of-sentence period rules start at the period and use possessive
  quantifiers, so they are scanned quickly and cannot backtrack badly.
"""

from __future__ import annotations

import functools
import re
from typing import Final, NamedTuple

from adhere.text.punkt import sentence_spans

__all__ = ["count_upper_tokens", "word_tokenize"]

# Characters that may join the sentences of a text; the first one that the text
# does not contain is used.  None of them is whitespace, a word character or a
# character that any rule mentions.
_SEPARATORS: Final = "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f"

# The C2 contraction rules, in NLTK's order (MacIntyre's contractions).
_CONTRACTION_WORDS: Final = (
    ("can", "not"),
    ("d", "'ye"),
    ("gim", "me"),
    ("gon", "na"),
    ("got", "ta"),
    ("lem", "me"),
    ("more", "'n"),
)
# Non-ASCII characters that match an ASCII letter of the contraction rules when
# case is ignored: dotted and dotless I, and the long s.
_CASELESS_LOOKALIKES: Final = "\u0130\u0131\u017f"

_Rule = tuple[re.Pattern[str], str]


class _Rules(NamedTuple):
    """The compiled rules for one choice of separator (None: single sentence)."""

    quote_after_opening: _Rule
    apostrophe_before_letter: _Rule
    final_period_with_space: _Rule
    colon_comma_inside: _Rule
    colon_comma_at_end: _Rule
    ellipsis: _Rule
    symbols: _Rule
    final_period: _Rule
    sentence_marks: _Rule
    apostrophe_space: _Rule
    brackets: _Rule
    clitic_s_m_d: _Rule
    clitic_ll_re_ve_nt: _Rule
    contractions: tuple[_Rule, ...]
    wanna: _Rule
    tis_twas: tuple[_Rule, ...]


_OPENING_QUOTES_RE: Final = re.compile("([«“‘„]|[`]+)")
_CLOSING_QUOTES_RE: Final = re.compile("([»”’])")


@functools.lru_cache(maxsize=len(_SEPARATORS) + 1)
def _rules(separator: str | None) -> _Rules:
    sep = re.escape(separator) if separator is not None else ""
    # Where NLTK's rules say "end of the string", ours say "end of the sentence".
    end = f"(?={sep}|\\Z)" if separator is not None else r"\Z"

    def rule(pattern: str, replacement: str, flags: int = 0) -> _Rule:
        return re.compile(pattern, flags), replacement

    return _Rules(
        quote_after_opening=rule(r"""([ (\[{<])("|'')""", r"\1 `` "),
        apostrophe_before_letter=rule(r"(')(?!re|ve|ll|m|t|s|d|n)(\w)\b", r"\1 \2", re.I),
        # NLTK: ([^\.])(\.)([\]\)}>"\'»”’ ]*)\s*$  ->  \1 \2 \3
        final_period_with_space=rule(
            f"\\.(?<=[^.{sep}]\\.)([\\])}}>\"'»”’ ]*+)\\s*+{end}", r" . \1 "
        ),
        colon_comma_inside=rule(f"([:,])([^\\d{sep}])", r" \1 \2"),
        colon_comma_at_end=rule(f"([:,]){end}", r" \1 "),
        ellipsis=rule(r"\.{2,}", r" \g<0> "),
        symbols=rule(r"[;@#$%&]", r" \g<0> "),
        # NLTK: ([^\.])(\.)([\]\)}>"\']*)\s*$  ->  \1 \2\3
        final_period=rule(f"\\.(?<=[^.{sep}]\\.)([\\])}}>\"']*+)\\s*+{end}", r" .\1 "),
        sentence_marks=rule(r"[?!]", r" \g<0> "),
        apostrophe_space=rule(f"([^'{sep}])' ", r"\1 ' "),
        brackets=rule(r"[\]\[(){}<>]", r" \g<0> "),
        # NLTK: ([^' ])('[sS]|'[mM]|'[dD]|')␣  ->  \1 \2␣  (on whitespace-collapsed text)
        clitic_s_m_d=rule(f"'(?<=[^'\\s{sep}]')([sSmMdD]?)(?=\\s)", r" '\1 "),
        # NLTK: ([^' ])('ll|'LL|'re|'RE|'ve|'VE|n't|N'T)␣  ->  \1 \2␣
        # (every alternative is three characters long)
        clitic_ll_re_ve_nt=rule(
            f"(?:'(?:ll|LL|re|RE|ve|VE)|n't|N'T)(?<=[^'\\s{sep}]...)(?=\\s)", r" \g<0> "
        ),
        contractions=tuple(
            rule(f"\\b({first})({second})\\b", r" \1 \2 ", re.I)
            for first, second in _CONTRACTION_WORDS
        ),
        wanna=rule(r"\b(wan)(na)(?=\s)", r" \1 \2 ", re.I),
        tis_twas=(
            rule(r"\s('t)(is)\b", r" \1 \2 ", re.I),
            rule(r"\s('t)(was)\b", r" \1 \2 ", re.I),
        ),
    )


def _rewrite(text: str, rules: _Rules, separator: str | None) -> str:
    """NLTKWordTokenizer's rewrites of ``text`` (sentences joined by ``separator``)."""
    ascii_only = text.isascii()

    # Starting quotes.
    if not ascii_only or "`" in text:
        text = _OPENING_QUOTES_RE.sub(r" \1 ", text)
    if '"' in text:
        # A double quote that starts a sentence opens a quotation.
        if text.startswith('"'):
            text = "``" + text[1:]
        if separator is not None:
            text = text.replace(separator + '"', separator + "``")
    if "``" in text:
        text = text.replace("``", " `` ")
    if '"' in text or "''" in text:
        pattern, replacement = rules.quote_after_opening
        text = pattern.sub(replacement, text)
    has_apostrophe = "'" in text
    if has_apostrophe:
        pattern, replacement = rules.apostrophe_before_letter
        text = pattern.sub(replacement, text)

    # Punctuation.
    has_period = "." in text
    if has_period:
        pattern, replacement = rules.final_period_with_space
        text = pattern.sub(replacement, text)
    if ":" in text or "," in text:
        pattern, replacement = rules.colon_comma_inside
        text = pattern.sub(replacement, text)
        pattern, replacement = rules.colon_comma_at_end
        text = pattern.sub(replacement, text)
    if has_period and ".." in text:
        pattern, replacement = rules.ellipsis
        text = pattern.sub(replacement, text)
    pattern, replacement = rules.symbols
    text = pattern.sub(replacement, text)
    if has_period:
        pattern, replacement = rules.final_period
        text = pattern.sub(replacement, text)
    if "?" in text or "!" in text:
        pattern, replacement = rules.sentence_marks
        text = pattern.sub(replacement, text)
    if has_apostrophe and "' " in text:
        pattern, replacement = rules.apostrophe_space
        text = pattern.sub(replacement, text)
    if "*" in text:
        text = text.replace("*", " * ")

    # Brackets and double dashes.
    pattern, replacement = rules.brackets
    text = pattern.sub(replacement, text)
    if "--" in text:
        text = text.replace("--", " -- ")

    # Ending quotes.  NLTK pads the sentence with a space on each side here.
    if separator is not None:
        text = text.replace(separator, f" {separator} ")
    text = f" {text} "
    if not ascii_only:
        text = _CLOSING_QUOTES_RE.sub(r" \1 ", text)
    if "''" in text:
        text = text.replace("''", " '' ")
    if '"' in text:
        text = text.replace('"', " '' ")
    # (NLTK collapses whitespace here; the rules below accept any whitespace.)
    if "'" in text:
        pattern, replacement = rules.clitic_s_m_d
        text = pattern.sub(replacement, text)
        pattern, replacement = rules.clitic_ll_re_ve_nt
        text = pattern.sub(replacement, text)

    # Contractions.  A rule can only match where the lower-cased text contains its
    # word, unless the text has a character that matches an ASCII letter only
    # when case is ignored.
    if ascii_only or not any(char in text for char in _CASELESS_LOOKALIKES):
        lowered = text.lower()
        for (first, second), (pattern, replacement) in zip(
            _CONTRACTION_WORDS, rules.contractions, strict=True
        ):
            if first + second in lowered:
                text = pattern.sub(replacement, text)
        if "wanna" in lowered:
            pattern, replacement = rules.wanna
            text = pattern.sub(replacement, text)
        if "'tis" in lowered:
            pattern, replacement = rules.tis_twas[0]
            text = pattern.sub(replacement, text)
        if "'twas" in lowered:
            pattern, replacement = rules.tis_twas[1]
            text = pattern.sub(replacement, text)
    else:
        for pattern, replacement in (*rules.contractions, rules.wanna, *rules.tis_twas):
            text = pattern.sub(replacement, text)
    return text


def word_tokenize(text: str) -> list[str]:
    """The tokens of ``text``, exactly as ``nltk.word_tokenize(text)`` gives them."""
    spans = sentence_spans(text)
    if not spans:
        return []
    if len(spans) == 1:
        start, end = spans[0]
        return _rewrite(text[start:end], _rules(None), None).split()
    separator = next((char for char in _SEPARATORS if char not in text), None)
    if separator is None:
        rules = _rules(None)
        tokens: list[str] = []
        for start, end in spans:
            tokens.extend(_rewrite(text[start:end], rules, None).split())
        return tokens
    joined = separator.join([text[start:end] for start, end in spans])
    return _rewrite(joined, _rules(separator), separator).replace(separator, " ").split()


def count_upper_tokens(text: str) -> int:
    """How many tokens of ``word_tokenize(text)`` are upper case (``str.isupper``)."""
    return sum(1 for token in word_tokenize(text) if token.isupper())
