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

# NLTK's contraction rules, in its order: MacIntyre's CONTRACTIONS2, each word
# split in two (the last one only before whitespace), then CONTRACTIONS3.
_CONTRACTION_SPLITS: Final = (
    ("can", "not"),
    ("d", "'ye"),
    ("gim", "me"),
    ("gon", "na"),
    ("got", "ta"),
    ("lem", "me"),
    ("more", "'n"),
    ("wan", "na"),
    ("'t", "is"),
    ("'t", "was"),
)
_CONTRACTION_WORDS: Final = tuple(first + second for first, second in _CONTRACTION_SPLITS)
# A short string that each word contains.
_CONTRACTION_KEYS: Final = ("nn", "'", "mm", "nn", "tt", "mm", "'", "nn", "'", "'")
_CONTRACTION_KEY_SET: Final = tuple(dict.fromkeys(_CONTRACTION_KEYS))
# Non-ASCII characters that match an ASCII letter of the contraction rules when
# case is ignored: dotted and dotless I, and the long s.
_CASELESS_LOOKALIKES: Final = "\u0130\u0131\u017f"

_Rule = tuple[re.Pattern[str], str]

# Single characters that NLTK pads with spaces, in the order of its rules.
_OPENING_QUOTE_CHARS: Final = "«“‘„"
_SYMBOL_CHARS: Final = ";@#$%&"
_SENTENCE_MARK_CHARS: Final = "?!"
_BRACKET_CHARS: Final = "][(){}<>"
_CLOSING_QUOTE_CHARS: Final = "»”’"
_ADJACENT_COLON_COMMA: Final = ("::", ":,", ",:", ",,")
# Two clitics of NLTK's second clitic rule back to back (over-approximated: any
# "'t" stands for "n't").  Without such a pair the rule may run one clitic kind
# at a time.
_ADJACENT_CLITICS: Final = r"'(?:ll|LL|re|RE|ve|VE|t|T)(?:'(?:ll|LL|re|RE|ve|VE)|n't|N'T)"


class _Rules(NamedTuple):
    """The compiled rules for one separator (None: a single sentence, no separator)."""

    backticks: re.Pattern[str]
    quote_after_opening: re.Pattern[str]
    apostrophe_before_letter: re.Pattern[str]
    final_period_spaced: re.Pattern[str]
    colon_comma_inside: re.Pattern[str]
    comma_inside: re.Pattern[str]
    colon_inside: re.Pattern[str]
    comma_at_end: re.Pattern[str]
    colon_at_end: re.Pattern[str]
    final_period: re.Pattern[str]
    apostrophe_space: re.Pattern[str]
    clitic_s_m_d: re.Pattern[str]
    ellipsis: re.Pattern[str]
    adjacent_clitics: re.Pattern[str]
    clitic_ll_re_ve_nt: re.Pattern[str]
    clitic_ll_re_ve: re.Pattern[str]
    clitic_nt: re.Pattern[str]
    clitic_upper_nt: re.Pattern[str]
    contractions: tuple[_Rule, ...]


@functools.lru_cache(maxsize=len(_SEPARATORS) + 1)
def _rules(separator: str | None) -> _Rules:
    """Compile NLTK's rules for sentences joined by ``separator``.

    Where a rule of NLTK's looks at the end of the string, ours looks at the end
    of the sentence (a separator or the end of the string); where a character
    class of NLTK's could match the separator, ours excludes it.  Most rules are
    restated so that their replacement is a plain string (no group references,
    which Python 3.11 expands in Python code for every match) and so that they
    start with a literal character (which the regex engine finds quickly).

    A restated rule may leave a different number of spaces than NLTK's: more
    spaces anywhere, or none after the closing quotes and brackets that follow
    a sentence's final period (NLTK adds one there).  Neither changes a token:
    no rule cares how many spaces separate two characters, and the one rule that
    needs a space after a character (an apostrophe, padded when something other
    than an apostrophe precedes it) only separates it from a preceding bracket,
    quote or space, which later rules pad or which is a space already.
    """
    sep = re.escape(separator) if separator is not None else ""
    end = f"(?={sep}|\\Z)" if separator is not None else r"\Z"
    return _Rules(
        # NLTK: ([«“‘„]|[`]+)  ->  ␣\1␣  (the four quotes are padded one by one)
        backticks=re.compile("`+"),
        # NLTK: ([ \(\[{<])(\"|\'{2})  ->  \1 ``␣
        quote_after_opening=re.compile(r"""(?:"(?<=[ (\[{<]")|''(?<=[ (\[{<]''))"""),
        # NLTK: (?i)(\')(?!re|ve|ll|m|t|s|d|n)(\w)\b  ->  \1 \2
        apostrophe_before_letter=re.compile(r"'(?!re|ve|ll|m|t|s|d|n)(?=\w\b)", re.I),
        # NLTK: ([^\.])(\.)([\]\)}>"\'»”’ ]*)\s*$  ->  \1 \2 \3␣
        # (ours pads the period alone and leaves what follows it as it is)
        final_period_spaced=re.compile(f"\\.(?<=[^.{sep}]\\.)(?=[\\])}}>\"'»”’ ]*+\\s*+{end})"),
        # NLTK: ([:,])([^\d])  ->  ␣\1 \2
        colon_comma_inside=re.compile(f"([:,])([^\\d{sep}])"),
        comma_inside=re.compile(f",(?=[^\\d{sep}])"),
        colon_inside=re.compile(f":(?=[^\\d{sep}])"),
        # NLTK: ([:,])$  ->  ␣\1␣
        comma_at_end=re.compile(f",{end}"),
        colon_at_end=re.compile(f":{end}"),
        # NLTK: ([^\.])(\.)([\]\)}>"\']*)\s*$  ->  \1 \2\3␣  (ours: the period only)
        final_period=re.compile(f"\\.(?<=[^.{sep}]\\.)(?=[\\])}}>\"']*+\\s*+{end})"),
        # NLTK: ([^'])'␣  ->  \1 '␣
        apostrophe_space=re.compile(f"' (?<=[^'{sep}]' )"),
        # NLTK (on whitespace-collapsed text): ([^' ])('[sS]|'[mM]|'[dD]|')␣  ->  \1 \2␣
        clitic_s_m_d=re.compile(f"'(?<=[^'\\s{sep}]')(?=[sSmMdD]?\\s)"),
        # NLTK: \.{2,}  ->  ␣\g<0>␣
        ellipsis=re.compile(r"\.{2,}"),
        # NLTK: ([^' ])('ll|'LL|'re|'RE|'ve|'VE|n't|N'T)␣  ->  \1 \2␣, exactly (every
        # alternative is three characters long), and one kind at a time.
        adjacent_clitics=re.compile(_ADJACENT_CLITICS),
        clitic_ll_re_ve_nt=re.compile(
            f"(?:'(?:ll|LL|re|RE|ve|VE)|n't|N'T)(?<=[^'\\s{sep}]...)(?=\\s)"
        ),
        clitic_ll_re_ve=re.compile(f"'(?=(?:ll|LL|re|RE|ve|VE)\\s)(?<=[^'\\s{sep}]')"),
        clitic_nt=re.compile(f"n(?='t\\s)(?<=[^'\\s{sep}]n)"),
        clitic_upper_nt=re.compile(f"N(?='T\\s)(?<=[^'\\s{sep}]N)"),
        # NLTK: (?i)\b(can)(?#X)(not)\b and the like  ->  ␣\1 \2␣; (?i)\b(wan)(?#X)(na)(?=\s);
        # (?i) ('t)(?#X)(is)\b, whose space may be any whitespace here.
        contractions=tuple(
            (
                re.compile(
                    f"\\s({re.escape(first)})({second})\\b"
                    if first == "'t"
                    else f"\\b({first})({second})" + ("(?=\\s)" if first == "wan" else "\\b"),
                    re.I,
                ),
                r" \1 \2 ",
            )
            for first, second in _CONTRACTION_SPLITS
        ),
    )


def _pad_colon_comma(match: re.Match[str]) -> str:
    return f" {match[1]} {match[2]}"


def _rewrite(text: str, rules: _Rules, separator: str | None) -> str:
    """NLTKWordTokenizer's rewrites of ``text`` (sentences joined by ``separator``)."""
    ascii_only = text.isascii()

    # Starting quotes.
    if not ascii_only:
        for char in _OPENING_QUOTE_CHARS:
            if char in text:
                text = text.replace(char, f" {char} ")
    if "`" in text:
        text = rules.backticks.sub(r" \g<0> ", text)
    if '"' in text:
        # A double quote that starts a sentence opens a quotation.
        if text.startswith('"'):
            text = "``" + text[1:]
        if separator is not None:
            text = text.replace(separator + '"', separator + "``")
    if "``" in text:
        text = text.replace("``", " `` ")
    if '"' in text or "''" in text:
        text = rules.quote_after_opening.sub(" `` ", text)
    has_apostrophe = "'" in text
    if has_apostrophe:
        text = rules.apostrophe_before_letter.sub("' ", text)

    # Punctuation.
    has_period = "." in text
    if has_period:
        text = rules.final_period_spaced.sub(" . ", text)
    has_comma = "," in text
    has_colon = ":" in text
    if has_comma or has_colon:
        if has_colon:
            adjacent = any(pair in text for pair in _ADJACENT_COLON_COMMA)
        else:
            adjacent = ",," in text
        if adjacent:
            # A colon or comma consumed as the character after another one is
            # not padded itself; only the exact rule gets that right.
            text = rules.colon_comma_inside.sub(_pad_colon_comma, text)
        else:
            if has_comma:
                text = rules.comma_inside.sub(" , ", text)
            if has_colon:
                text = rules.colon_inside.sub(" : ", text)
        if has_comma:
            text = rules.comma_at_end.sub(" , ", text)
        if has_colon:
            text = rules.colon_at_end.sub(" : ", text)
    if has_period and ".." in text:
        text = rules.ellipsis.sub(r" \g<0> ", text)
    for char in _SYMBOL_CHARS:
        if char in text:
            text = text.replace(char, f" {char} ")
    if has_period:
        text = rules.final_period.sub(" .", text)
    for char in _SENTENCE_MARK_CHARS:
        if char in text:
            text = text.replace(char, f" {char} ")
    if has_apostrophe and "' " in text:
        text = rules.apostrophe_space.sub(" ' ", text)
    if "*" in text:
        text = text.replace("*", " * ")

    # Brackets and double dashes.
    for char in _BRACKET_CHARS:
        if char in text:
            text = text.replace(char, f" {char} ")
    if "--" in text:
        text = text.replace("--", " -- ")

    # Ending quotes.  NLTK pads the sentence with a space on each side here.
    if separator is not None:
        text = text.replace(separator, f" {separator} ")
    text = f" {text} "
    if not ascii_only:
        for char in _CLOSING_QUOTE_CHARS:
            if char in text:
                text = text.replace(char, f" {char} ")
    if "''" in text:
        text = text.replace("''", " '' ")
    if '"' in text:
        text = text.replace('"', " '' ")
    # NLTK collapses whitespace runs to one space here; the rules below accept
    # any whitespace where NLTK's expect a space, which gives the same tokens.
    if "'" in text:
        text = rules.clitic_s_m_d.sub(" '", text)
        if rules.adjacent_clitics.search(text):
            text = rules.clitic_ll_re_ve_nt.sub(r" \g<0> ", text)
        else:
            text = rules.clitic_ll_re_ve.sub(" '", text)
            if "n't" in text:
                text = rules.clitic_nt.sub(" n", text)
            if "N'T" in text:
                text = rules.clitic_upper_nt.sub(" N", text)

    # Contractions.  A rule can only match where the lower-cased text contains
    # its word, unless the text has a character that matches an ASCII letter only
    # when case is ignored.  Each word contains one of a few short keys, and
    # looking for the keys first saves most of the searches.
    contraction_rules = rules.contractions
    if ascii_only or not any(char in text for char in _CASELESS_LOOKALIKES):
        lowered = text.lower()
        keys = [key for key in _CONTRACTION_KEY_SET if key in lowered]
        if not keys:
            return text
        contraction_rules = tuple(
            rule
            for word, key, rule in zip(
                _CONTRACTION_WORDS, _CONTRACTION_KEYS, contraction_rules, strict=True
            )
            if key in keys and word in lowered
        )
    for pattern, replacement in contraction_rules:
        text = pattern.sub(replacement, text)
    return text


def tokenize_sentence(sentence: str) -> list[str]:
    """NLTK's Treebank tokens of one sentence (or of a piece of one), with no sentence split."""
    return _rewrite(sentence, _rules(None), None).split()


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
    return sum(map(str.isupper, word_tokenize(text)))
