"""Language identification that gives the answers of ``langdetect.detect`` (langdetect 1.0.9).

IFEval's ``language:response_language``, ``change_case:english_capital`` and
``change_case:english_lowercase`` checks call ``langdetect.detect(text)`` with
``DetectorFactory.seed = 0``.  :func:`detect_language` returns the code that call returns
(``'en'``, ``'zh-cn'``, ... or ``'unknown'``), and ``None`` exactly where it raises
``LangDetectException`` (the text yields no n-gram features).  It is an independent
implementation on a packaged table (``data/langid_profiles.bin``, written by
``tools/build_langid_table.py`` from the installed langdetect); langdetect is not imported.

What is reproduced, step by step:

* Text preparation: URLs and then e-mail addresses are replaced by a space, Vietnamese
  letter + combining mark pairs are composed, the first 10,000 characters of the result are
  kept and runs of spaces collapse to one.  The cut happens after the substitutions, as in
  langdetect; for very long inputs only as much of the text is substituted as can influence
  those 10,000 characters (each pattern looks a bounded distance ahead).
* ``cleaning_text``: when non-Latin characters outnumber twice the Latin ones, the Latin
  letters are dropped.  Which characters count is read from the table, which the build
  derives by running langdetect's own method.  In langdetect 1.0.9 every character from
  U+0300 up counts as non-Latin: its intended exclusion of the Latin Extended Additional
  block compares a block number with a block name and so never applies.
* n-gram extraction with the ``capitalword`` rule: the normalised text is a sequence of
  words separated by spaces, and langdetect's n-gram buffer behaves as if the text were
  preceded by a space, so the n-grams ending at a character are exactly the substrings of
  length 1, 2 and 3 ending there (no stored n-gram is a lone space or has a space inside,
  which the build checks, so the substrings langdetect does not form are never known);
  the character at position k >= 1 of a word contributes no n-grams when it and the
  previous character are both upper case.  Per-word n-gram lists are cached; the words a
  text adds are extracted together with C-level string operations.
* The estimation: 7 trials with a ``random.Random`` seeded with 0 at every call, drawing
  ``gauss`` once per trial (alpha = 0.5 + 0.05 * gauss) and one n-gram per iteration with
  the same random numbers as ``Random.choice``; each draw multiplies the probability vector
  by ``weight + p(n-gram | language)`` (weight = alpha / 10000); at iterations 0, 5, 10, ...
  the vector is divided by its sum (added left to right, as Python 3.11's ``sum`` does) and
  the trial stops once the largest entry exceeds 0.99999 or the iteration count reaches 1000;
  the trial's vector / 7 is added to the result; the answer is the most probable language
  above 0.1 (first in language order on a tie), else ``'unknown'``.  Every floating point
  operation that can influence the answer is one langdetect performs, on the same operands,
  in the same order.
* Trials that cannot change the answer are skipped: after the 4th, 5th and 6th trial, if the
  leading language is above 0.1 and ahead of every other language by more than the remaining
  trials could add (each adds at most 1/7 to any language), it is the answer.
* Languages that have fallen hopelessly behind are not computed (see :func:`_trial`): within
  a trial, once a group of languages is so small that adding all of it to the sum cannot
  change a single rounding (each of its entries below 2**-56 of the first computed entry,
  which a rigorous running upper bound keeps checking), its entries are dropped from the
  per-block work.  Sums, the convergence test and every other entry stay bit-identical; a
  dropped entry would contribute less than 2**-54 to its language's total.  Should the
  final comparison be within 1e-12 of a tie or of the 0.1 threshold (where such a
  difference could matter), the text is estimated again without dropping anything.

Language order: langdetect indexes languages in ``os.listdir`` order of its profile
directory, which depends on the file system; this module uses sorted order.  The order only
affects the last-bit rounding of the normalising sum and the order of exactly tied languages,
so a result could differ only where langdetect's own result depends on that rounding; the
tests compare against langdetect on this machine.

The table is read on first use (only the n-gram buckets of the characters actually seen are
decoded; the ASCII bucket is stored uncompressed) and cached; :func:`language_codes` does not
read it.  Results are memoised per text (bounded ``functools.lru_cache``), as are per-word
n-grams, per-n-gram probability and multiplier vectors (the multipliers of the first two
trials, whose alphas are the same for every text, are shared between detections) and their
restrictions to the languages still computed.  Importing the module reads nothing.  The
estimation dominates the cost: typically 4 trials of 10-15 normalisation blocks, each one
Python list comprehension of 6 float operations per computed language.  Only the standard
library is used.
"""

from __future__ import annotations

import _thread
import functools
import os
import re
import sys
from array import array
from bisect import bisect_right
from itertools import chain, islice, repeat
from operator import add, itemgetter, mul, truediv

TYPE_CHECKING = False
if TYPE_CHECKING:  # random is imported lazily at run time, to keep importing this cheap
    import random
    from collections.abc import Callable, Iterable
    from typing import Any

__all__ = ["detect_language", "language_codes"]

_DATA_FILE = os.path.join(os.path.dirname(__file__), "data", "langid_profiles.bin")
_MAGIC = b"ADHERE-LANGID-3\n"
_FORMAT_VERSION = 3
_KEY_SEPARATOR = "\x00"
_ROW_BITS = 20  # an n-gram's code in the index: bucket slot << _ROW_BITS | row in the bucket
_ROW_MASK = (1 << _ROW_BITS) - 1
_BUCKET_SHIFT = 7  # an n-gram's bucket: its highest code point >> _BUCKET_SHIFT

# The table's languages, in its (sorted) order; the table is checked against this on load.
_LANGUAGES = (
    "af", "ar", "bg", "bn", "ca", "cs", "cy", "da", "de", "el", "en", "es", "et", "fa",
    "fi", "fr", "gu", "he", "hi", "hr", "hu", "id", "it", "ja", "kn", "ko", "lt", "lv",
    "mk", "ml", "mr", "ne", "nl", "no", "pa", "pl", "pt", "ro", "ru", "sk", "sl", "so",
    "sq", "sv", "sw", "ta", "te", "th", "tl", "tr", "uk", "ur", "vi", "zh-cn", "zh-tw",
)  # fmt: skip

# langdetect's detector parameters.
_N_TRIAL = 7
_ALPHA_DEFAULT = 0.5
_ALPHA_WIDTH = 0.05
_ITERATION_LIMIT = 1000
_CONV_THRESHOLD = 0.99999
_BASE_FREQ = 10000
_PROB_THRESHOLD = 0.1
_MAX_TEXT_LENGTH = 10000
_SEED = 0
_UNKNOWN = "unknown"

_URL_PATTERN = r"https?://[-_.?&~;+=/#0-9A-Za-z]{1,2076}"
_MAIL_PATTERN = r"[-_.0-9A-Za-z]{1,64}@[-_0-9A-Za-z]{1,255}[-_.0-9A-Za-z]{1,255}"
# How far past its start position each pattern can look (its longest match, rounded up).
_URL_REACH = 2100
_MAIL_REACH = 600
_VI_REACH = 4
# First prefix of an over-long text that is prepared; doubled until it is enough.
_FIRST_PREFIX = 16384

# Margin for deciding that skipped trials cannot change the answer (the accumulated
# probabilities carry rounding errors of order 1e-16).
_DECISION_MARGIN = 1e-9
# If some entry of a normalised vector exceeded 0.99999, every other entry would be below
# 1e-5 (up to rounding), so an entry holding at least this share of the sum rules it out.
_NOT_CONVERGED_SHARE = 1.01e-5
# Dropping languages (see _trial): the dropped entries, all together, stay below this share of
# the first computed entry (so below half a unit in the last place of every partial sum), and
# a group is only dropped while 2**8 times that much room is left.
_DROP_SAFETY = 2.0**-56
_DROP_HEADROOM = 2.0**-64
# Blocks to wait after an unsuccessful attempt to drop languages.
_DROP_RETRY = 2
# Final probabilities this close to each other or to the threshold are decided exactly.
_TIE_MARGIN = 1e-12

# Cache bounds.
_RESULT_CACHE_SIZE = 2048
_RESULT_CACHE_MAX_TEXT = 32768
_WORD_CACHE_LIMIT = 16384
_VECTOR_CACHE_LIMIT = 4096
_VIEW_LIMIT = 64
_TRANSLATION_CACHE_LIMIT = 65536
_WINDOW_CACHE_LIMIT = 65536

if sys.version_info < (3, 12):
    # Python 3.11's sum() of floats adds left to right in plain double arithmetic.
    _sum_left_to_right: Callable[[list[float]], float] = sum
else:  # pragma: no cover - sum() compensates rounding since 3.12; add explicitly instead

    def _sum_left_to_right(values: list[float]) -> float:
        return functools.reduce(add, values)


def _trim(cache: dict[Any, Any], limit: int) -> None:
    """Bound a cache: once it holds ``limit`` entries, drop the older half."""
    if len(cache) >= limit:
        try:
            old = list(islice(cache, len(cache) // 2))
        except RuntimeError:  # another thread changed it meanwhile
            cache.clear()
            return
        for key in old:
            cache.pop(key, None)


def _u32(raw: bytes) -> array[int]:
    arr = array("I")
    arr.frombytes(raw)
    if sys.byteorder == "big":  # pragma: no cover
        arr.byteswap()
    return arr


def _picker(indices: tuple[int, ...]) -> Callable[[list[float]], tuple[float, ...]]:
    """A function giving the entries at ``indices`` of a list, as a tuple."""
    if len(indices) == 1:
        (index,) = indices

        def pick_one(values: list[float]) -> tuple[float, ...]:
            return (values[index],)

        return pick_one
    return itemgetter(*indices)


def _class_pattern(ranges: Iterable[int]) -> str:
    """A regex character class for the given inclusive code point ranges (flattened pairs)."""
    bounds = list(ranges)
    parts = [
        f"{re.escape(chr(lo))}-{re.escape(chr(hi))}"
        for lo, hi in zip(bounds[::2], bounds[1::2], strict=True)
    ]
    return f"[{''.join(parts)}]" if parts else "(?!)"


class _Counter:
    """Counts the characters of a text that fall in a set of code point ranges."""

    def __init__(self, ranges: array[int]) -> None:
        # Compile whichever of the set and its complement spans fewer code points.
        bounds = list(ranges)
        span = sum(hi - lo + 1 for lo, hi in zip(bounds[::2], bounds[1::2], strict=True))
        self.invert = span > 0x110000 // 2
        if self.invert:
            complement: list[int] = []
            start = 0
            for lo, hi in zip(bounds[::2], bounds[1::2], strict=True):
                if lo > start:
                    complement += (start, lo - 1)
                start = hi + 1
            if start <= 0x10FFFF:
                complement += (start, 0x10FFFF)
            bounds = complement
        self.pattern = re.compile(_class_pattern(bounds) + "+")
        self.min_code_point = ranges[0] if len(ranges) else 0x110000

    def count(self, text: str) -> int:
        rest = len(self.pattern.sub("", text))
        return rest if self.invert else len(text) - rest


class _Translation(dict[int, int]):
    """``NGram.normalize`` as a ``str.translate`` table, filled on demand from stored runs."""

    def __init__(self, runs: array[int]) -> None:
        super().__init__()
        self.starts = list(runs[0::3])
        self.ends = [start + count for start, count in zip(runs[0::3], runs[1::3], strict=True)]
        self.targets = list(runs[2::3])

    def __missing__(self, code_point: int) -> int:
        i = bisect_right(self.starts, code_point) - 1
        target = self.targets[i] if i >= 0 and code_point < self.ends[i] else code_point
        _trim(self, _TRANSLATION_CACHE_LIMIT)
        self[code_point] = target
        return target


class _Table:
    """The profile table (n-gram buckets decoded on demand) and the text tables."""

    def __init__(self, blob: bytes) -> None:
        import marshal
        import random
        import zlib

        self._marshal_loads = marshal.loads
        self._decompress = zlib.decompress
        if not blob.startswith(_MAGIC):
            raise ValueError(f"{_DATA_FILE}: not an adhere langid table")
        pos = len(_MAGIC)
        header_size, directory_size = _u32(blob[pos : pos + 8])
        pos += 8
        header = marshal.loads(blob[pos : pos + header_size])
        pos += header_size
        sizes = _u32(blob[pos : pos + directory_size])
        pos += directory_size
        (version, langs_b, n_words_b, norm_b, vi_b, latin_b, non_latin_b, deleted_b, ids_b, raw_b) = (
            header
        )
        if version != _FORMAT_VERSION:
            raise ValueError(f"{_DATA_FILE}: unsupported table format {version}")

        self.langs: tuple[str, ...] = tuple(langs_b.decode("utf-8").split("\n"))
        if self.langs != _LANGUAGES:
            raise ValueError(f"{_DATA_FILE}: its languages differ from _LANGUAGES")
        self.n_langs = len(self.langs)
        self.everyone = tuple(range(self.n_langs))
        self.uniform = 1.0 / self.n_langs
        n_words = _u32(n_words_b)
        # n_words_by_length[n - 1][language]: as ints, so that the division below is
        # langdetect's ``1.0 * freq / n_words[n - 1]`` exactly.
        self.n_words_by_length = [list(n_words[n::3]) for n in range(3)]

        self.blob = memoryview(blob)
        self.bucket_spans: dict[int, tuple[int, int, int]] = {}
        for bucket, size, raw in zip(_u32(ids_b), sizes, raw_b, strict=True):
            self.bucket_spans[bucket] = (pos, size, raw)
            pos += size
        self.loaded_buckets: set[int] = set()
        self.ascii_loaded = False
        self.slots: list[tuple[array[int], bytes, array[int]]] = []
        self.index: dict[str, int] = {}
        self.vectors = _Source(self.decode, self.n_langs)

        self.translation = _Translation(_u32(norm_b))
        vi_rows: list[str] = vi_b.decode("utf-8").split("\n")
        letters, marks, *composed = vi_rows
        self.vi_re = re.compile(f"([{letters}])([{marks}])")
        self.vi_map: dict[str, str] = {
            letter + mark: composed[m][a]
            for m, mark in enumerate(marks)
            for a, letter in enumerate(letters)
        }
        self.latin = _Counter(_u32(latin_b))
        self.non_latin = _Counter(_u32(non_latin_b))
        self.deleted_re = re.compile(_class_pattern(_u32(deleted_b)) + "+")
        self.url_re = re.compile(_URL_PATTERN)
        self.mail_re = re.compile(_MAIL_PATTERN)
        self.spaces_re = re.compile("  +")

        # word -> its n-grams when a space follows it / when it ends the text.
        self.words: dict[str, tuple[str, ...]] = {}
        self.last_words: dict[str, tuple[str, ...]] = {}
        self.windows = _Windows(self.index)
        # The alphas of the first two trials do not depend on the text (seed 0, one gauss
        # pair), so their multiplier vectors are shared between detections.
        rng = random.Random(_SEED)
        self.first_alphas = tuple(
            _ALPHA_DEFAULT + rng.gauss(0.0, 1.0) * _ALPHA_WIDTH for _ in range(2)
        )
        self.shared_factors = tuple(
            _Source(functools.partial(self.factors, a / _BASE_FREQ), self.n_langs)
            for a in self.first_alphas
        )
        self.new_random: Callable[[int], random.Random] = random.Random
        # Random.choice(seq) is seq[Random._randbelow(len(seq))]; when _randbelow is the
        # getrandbits-based method (CPython 3.11-3.13) the draw is done inline.
        self.inline_draw: bool = getattr(random.Random, "_randbelow", None) is getattr(
            random.Random, "_randbelow_with_getrandbits", False
        )

    def load_buckets(self, text: str) -> None:
        """Make the n-grams of every bucket a character of ``text`` can fall in known."""
        if text.isascii():
            if self.ascii_loaded:
                return
            needed = {0}
        else:
            needed = {ord(ch) >> _BUCKET_SHIFT for ch in set(text)}
        for bucket in needed - self.loaded_buckets:
            span = self.bucket_spans.get(bucket)
            if span is not None:
                start, size, raw = span
                payload = self.blob[start : start + size]
                if not raw:
                    payload = self._decompress(payload)
                keys_b, offsets_b, lang_index, freqs_b = self._marshal_loads(payload)
                keys = keys_b.decode("utf-8", "surrogatepass").split(_KEY_SEPARATOR)
                base = len(self.slots) << _ROW_BITS
                self.slots.append((_u32(offsets_b), lang_index, _u32(freqs_b)))
                self.index.update(zip(keys, range(base, base + len(keys)), strict=True))
            self.loaded_buckets.add(bucket)
        self.ascii_loaded = 0 in self.loaded_buckets

    def sparse(self, gram: str) -> tuple[bytes, list[float]]:
        """The languages with a nonzero ``p(gram | language)`` and those probabilities, as
        langdetect computes them (``1.0 * freq / n_words``: int / int true division of
        operands below 2**53 is that float division)."""
        code = self.index[gram]
        offsets, lang_index, freqs = self.slots[code >> _ROW_BITS]
        row = code & _ROW_MASK
        start, end = offsets[row], offsets[row + 1]
        langs = lang_index[start:end]
        n_words = self.n_words_by_length[len(gram) - 1]
        return langs, list(map(truediv, freqs[start:end], map(n_words.__getitem__, langs)))

    def decode(self, gram: str) -> list[float]:
        """``p(gram | language)`` for every language, as langdetect computes it."""
        langs, probs = self.sparse(gram)
        vec = [0.0] * self.n_langs
        any(map(vec.__setitem__, langs, probs))  # a C-level loop (setitem returns None)
        return vec

    def factors(self, weight: float, gram: str) -> list[float]:
        """The multipliers ``weight + p(gram | language)`` for every language; where p is 0
        the multiplier is ``weight`` itself (``weight + 0.0 == weight``)."""
        langs, probs = self.sparse(gram)
        vec = [weight] * self.n_langs
        any(map(vec.__setitem__, langs, map(weight.__add__, probs)))
        return vec


class _Source(dict[str, list[float]]):
    """n-gram -> a per-language list (probabilities, or the multipliers for one alpha), built
    on demand and bounded; plus its views restricted to the languages still computed."""

    def __init__(self, build: Callable[[str], list[float]], n_langs: int) -> None:
        super().__init__()
        self.build = build
        self.n_langs = n_langs
        self.views: dict[tuple[int, ...], _View] = {}

    def __missing__(self, gram: str) -> list[float]:
        _trim(self, _VECTOR_CACHE_LIMIT)
        vec = self[gram] = self.build(gram)
        return vec

    def view(self, active: tuple[int, ...]) -> _View:
        view = self.views.get(active)
        if view is None:
            _trim(self.views, _VIEW_LIMIT)
            view = self.views[active] = _View(self, active)
        return view


class _View(dict[str, tuple["tuple[float, ...] | list[float]", float]]):
    """n-gram -> (its source list's entries for the ``active`` languages, the largest entry
    of the other languages or 0.0 when there are none)."""

    def __init__(self, source: _Source, active: tuple[int, ...]) -> None:
        super().__init__()
        self.source = source
        others = tuple(sorted(set(range(source.n_langs)) - set(active)))
        self.pick = _picker(active) if others else None
        self.pick_others = _picker(others) if others else None

    def __missing__(self, gram: str) -> tuple[tuple[float, ...] | list[float], float]:
        vec = self.source[gram]
        if self.pick is None or self.pick_others is None:
            entry: tuple[tuple[float, ...] | list[float], float] = (vec, 0.0)
        else:
            entry = (self.pick(vec), max(self.pick_others(vec)))
        _trim(self, _VECTOR_CACHE_LIMIT)
        self[gram] = entry
        return entry


_table: _Table | None = None
_table_lock = _thread.allocate_lock()


def _get_table() -> _Table:
    global _table
    table = _table
    if table is None:
        with _table_lock:
            table = _table
            if table is None:
                with open(_DATA_FILE, "rb") as handle:
                    table = _Table(handle.read())
                _table = table
    return table


def language_codes() -> tuple[str, ...]:
    """The language codes :func:`detect_language` can return (besides ``'unknown'``), sorted."""
    return _LANGUAGES


def detect_language(text: str) -> str | None:
    """``langdetect.detect(text)`` with ``DetectorFactory.seed = 0``, or ``None`` where it
    raises ``LangDetectException`` (no usable features).  Never raises for a ``str``."""
    if len(text) <= _RESULT_CACHE_MAX_TEXT:
        return _detect_cached(text)
    return _detect_prepared(_prepare(text, _get_table()))


@functools.lru_cache(maxsize=_RESULT_CACHE_SIZE)
def _detect_cached(text: str) -> str | None:
    return _detect(_prepare(text, _get_table()))


def _detect(prepared: str) -> str | None:
    table = _get_table()
    grams = _extract_ngrams(prepared, table)
    if not grams:
        return None
    return _estimate(grams, table)


# Long texts are memoised by their prepared form (at most 10,000 characters).
_detect_prepared = functools.lru_cache(maxsize=64)(_detect)


# --- text preparation -------------------------------------------------------------------


def _sub_prefix(
    pattern: re.Pattern[str],
    repl: str | Callable[[re.Match[str]], str],
    text: str,
    complete: bool,
    reach: int,
) -> str:
    """A prefix of ``pattern.sub(repl, whole)`` where ``text`` is a prefix of ``whole``.

    When ``complete`` the prefix is the whole string.  Otherwise only the part of the output
    that cannot depend on characters after the prefix is returned: every match attempt that
    starts at least ``reach`` characters before the end of the prefix sees only characters
    inside it, and the scan over the whole string makes exactly the same attempts first.
    """
    if complete:
        return pattern.sub(repl, text)
    limit = len(text) - reach
    if limit <= 0:
        return ""
    parts: list[str] = []
    pos = 0
    for match in pattern.finditer(text):
        start = match.start()
        if start >= limit:
            break
        parts.append(text[pos:start])
        parts.append(repl if isinstance(repl, str) else repl(match))
        pos = match.end()
    parts.append(text[pos : max(pos, limit)])
    return "".join(parts)


def _substitute(text: str, table: _Table, max_length: int, first_prefix: int) -> str:
    """The first ``max_length`` characters of langdetect's URL / e-mail / Vietnamese
    substitutions applied to ``text`` (before space collapsing)."""
    vi_map = table.vi_map

    def compose(match: re.Match[str]) -> str:
        return vi_map[match.group(0)]

    size = first_prefix
    while True:
        complete = size >= len(text)
        out = text if complete else text[:size]
        out = _sub_prefix(table.url_re, " ", out, complete, _URL_REACH)
        out = _sub_prefix(table.mail_re, " ", out, complete, _MAIL_REACH)
        out = _sub_prefix(table.vi_re, compose, out, complete, _VI_REACH)
        if complete or len(out) >= max_length:
            return out[:max_length]
        size *= 2


def _prepare(
    text: str,
    table: _Table,
    max_length: int = _MAX_TEXT_LENGTH,
    first_prefix: int = _FIRST_PREFIX,
) -> str:
    """The detector's text after langdetect's ``append`` and ``cleaning_text``."""
    text = table.spaces_re.sub(" ", _substitute(text, table, max_length, first_prefix))
    if text.isascii() and table.non_latin.min_code_point >= 0x80:
        return text  # no non-Latin characters, so nothing is stripped
    if table.latin.count(text) * 2 < table.non_latin.count(text):
        text = table.deleted_re.sub("", text)
    return text


def _extract_ngrams(text: str, table: _Table) -> list[str]:
    """The n-grams langdetect's ``_extract_ngrams`` returns for a prepared text, in order."""
    words = text.translate(table.translation).split(" ")
    last = words.pop()
    cache = table.words
    finals = table.last_words
    _trim(cache, _WORD_CACHE_LIMIT)
    _trim(finals, _WORD_CACHE_LIMIT)
    new = dict.fromkeys(words).keys() - cache.keys()
    final = finals.get(last) if last else ()
    if new or final is None:
        found, final_found = _new_word_ngrams(list(new), last if final is None else None, table)
        cache.update(found)
        if final is None:
            final = finals[last] = final_found
        try:
            grams = list(chain.from_iterable(map(cache.__getitem__, words)))
        except KeyError:  # another thread trimmed the cache meanwhile
            lookup = _new_word_ngrams(list(dict.fromkeys(words)), None, table)[0]
            grams = list(chain.from_iterable(map(lookup.__getitem__, words)))
    else:
        grams = list(chain.from_iterable(map(cache.__getitem__, words)))
    grams += final
    return grams


def _new_word_ngrams(
    words: list[str], last: str | None, table: _Table
) -> tuple[dict[str, tuple[str, ...]], tuple[str, ...]]:
    """The known n-grams of normalised words (no spaces in them), in langdetect's order.

    Returns each word's n-grams when a space follows it, and those of ``last`` (if given)
    when it ends the text.  langdetect's n-gram buffer starts with a space, so the n-grams
    at a position are among the substrings of length 1, 2 and 3 ending there, and which of
    them it forms and knows depends only on that window of three characters (see
    :class:`_Windows`).  The words are joined by spaces, all windows are cut with C-level
    loops and each word's n-grams are those of its windows, its trailing space included.
    """
    batch = words if last is None else [*words, last]
    joined = " ".join(batch)
    table.load_buckets(joined)
    s = "  " + joined + " "
    # windows[j] = s[j : j + 3] ends at joined[j] (at the space after the last word for
    # j = len(joined)).
    windows = list(map(add, map(add, s, s[1:]), s[2:]))
    get = table.windows.__getitem__
    found: dict[str, tuple[str, ...]] = {}
    final: tuple[str, ...] = ()
    lo = 0
    for i, word in enumerate(batch):
        hi = lo + len(word)
        if i < len(words):
            found[word] = tuple(chain.from_iterable(map(get, windows[lo : hi + 1])))
        else:
            final = tuple(chain.from_iterable(map(get, windows[lo:hi])))
        lo = hi + 1
    return found, final


class _Windows(dict[str, tuple[str, ...]]):
    """window -> the known n-grams langdetect extracts at a window's last character.

    A window is the three characters of the normalised text, preceded by two spaces, that end
    at a position.  The candidates are its last character, its last two and all three: a
    lone space, and any string with a space inside or two spaces, is never a known n-gram
    (the build checks this), which leaves out exactly what langdetect does not form (the
    3-gram of a word's first character, anything at a second space in a row).  Nothing is
    extracted where the last two characters are both upper case (the ``capitalword``
    state; a word's first character follows a space, which is not upper case).
    """

    def __init__(self, known: dict[str, int]) -> None:
        super().__init__()
        self.known = known

    def __missing__(self, window: str) -> tuple[str, ...]:
        if window[1].isupper() and window[2].isupper():
            grams: tuple[str, ...] = ()
        else:
            known = self.known
            grams = tuple(g for g in (window[2], window[1:], window) if g in known)
        _trim(self, _WINDOW_CACHE_LIMIT)
        self[window] = grams
        return grams


# --- estimation ---------------------------------------------------------------------------


def _estimate(grams: list[str], table: _Table, drop: bool = True) -> str:
    """langdetect's ``_detect_block`` and ``detect`` for a non-empty n-gram list.

    With ``drop``, trials leave out languages that cannot matter (see :func:`_trial`); the
    answer is then langdetect's unless the final probabilities are within ``_TIE_MARGIN`` of a
    tie or of the threshold, where the estimation is repeated without dropping.
    """
    rng = table.new_random(_SEED)
    langprob = [0.0] * table.n_langs
    for trial in range(_N_TRIAL):
        alpha = _ALPHA_DEFAULT + rng.gauss(0.0, 1.0) * _ALPHA_WIDTH
        if trial < len(table.first_alphas) and alpha == table.first_alphas[trial]:
            prob = _trial(rng, grams, table.shared_factors[trial], None, drop, table)
        else:
            prob = _trial(rng, grams, table.vectors, alpha / _BASE_FREQ, drop, table)
        langprob = list(map(add, langprob, map(truediv, prob, repeat(_N_TRIAL))))
        done = trial + 1
        if 2 * done > _N_TRIAL and done < _N_TRIAL:
            best = max(langprob)
            lead = langprob.index(best)
            runner_up = max(langprob[:lead] + langprob[lead + 1 :])
            if (
                best > _PROB_THRESHOLD + _DECISION_MARGIN
                and best > runner_up + (_N_TRIAL - done) / _N_TRIAL + _DECISION_MARGIN
            ):
                return table.langs[lead]
    if drop:
        top, second = sorted(langprob, reverse=True)[:2]
        if abs(top - _PROB_THRESHOLD) < _TIE_MARGIN or (
            second > _PROB_THRESHOLD - _TIE_MARGIN and top - second < _TIE_MARGIN
        ):
            return _estimate(grams, table, drop=False)
    best_lang = _UNKNOWN
    best_prob = _PROB_THRESHOLD
    for lang, p in zip(table.langs, langprob, strict=True):
        if p > best_prob:
            best_lang, best_prob = lang, p
    return best_lang


def _trial(
    rng: random.Random,
    grams: list[str],
    source: _Source,
    weight: float | None,
    drop: bool,
    table: _Table,
) -> list[float]:
    """One trial of langdetect's ``_detect_block``; returns its final normalised vector.

    ``source`` gives an n-gram's multipliers ``weight + p[i]`` when ``weight`` is None, else
    its probabilities ``p[i]`` (the multipliers are then formed on the fly: a one-off alpha).

    Between two normalisations the update ``prob[i] *= weight + p[i]`` runs five times, so
    one block multiplies each normalised entry by the five factors in turn; the division by
    the sum is folded into the next block (the same operations in the same order).  The
    largest normalised entry is ``max(prob) / total`` because rounded division is monotone.
    Each draw is ``Random.choice``: r = getrandbits(bits) until r < len(grams), inlined.

    Dropping (with ``drop``): ``prob`` holds the entries of the ``active`` languages only.
    The others were moved out in groups, each once its entries, all together, fell far below
    every active entry; ``bound`` is an upper bound on every dropped entry, updated by the
    same operations with the largest multiplier of any dropped language (rounding is
    monotone, so it stays an upper bound).  While ``(dropped + 1) * bound`` is below
    ``2**-56`` of the first active entry, no dropped entry can change any rounding of the
    left-to-right sum (the first active entry, and every partial sum after it, exceeds all
    dropped entries together by more than half a unit in its last place), so the sum of the
    active entries is langdetect's sum and the largest active entry is the largest entry.
    When the check fails, the dropped entries are recomputed from the recorded blocks and the
    trial goes on with every language.  A dropped language's final entry is below 2**-54; it
    is returned as 0.0.
    """
    count = len(grams)
    bits = count.bit_length()
    getrandbits = rng.getrandbits
    choice = rng.choice
    inline = table.inline_draw
    w = 0.0 if weight is None else weight
    everyone = table.everyone
    get = source.view(everyone).__getitem__
    if inline:
        r = getrandbits(bits)
        while r >= count:
            r = getrandbits(bits)
        first = get(grams[r])[0]
    else:  # pragma: no cover - Random.choice draws differently on this Python
        first = get(choice(grams))[0]
    uniform = table.uniform
    if weight is None:
        prob = list(map(mul, repeat(uniform, table.n_langs), first))
    else:
        prob = [uniform * (w + a) for a in first]
    total = _sum_left_to_right(prob)
    active = everyone
    dropped = 0
    bound = 0.0
    groups: list[tuple[int, tuple[int, ...], list[float]]] = []
    history: list[tuple[float, str, str, str, str, str]] = []
    wait = 0
    iteration = 0
    lead = 0
    while iteration < _ITERATION_LIMIT:
        share = prob[lead]
        if share < _NOT_CONVERGED_SHARE * total:
            share = max(prob)
            lead = prob.index(share)
        if share / total > _CONV_THRESHOLD:
            break
        if inline:
            r = getrandbits(bits)
            while r >= count:
                r = getrandbits(bits)
            g1 = grams[r]
            r = getrandbits(bits)
            while r >= count:
                r = getrandbits(bits)
            g2 = grams[r]
            r = getrandbits(bits)
            while r >= count:
                r = getrandbits(bits)
            g3 = grams[r]
            r = getrandbits(bits)
            while r >= count:
                r = getrandbits(bits)
            g4 = grams[r]
            r = getrandbits(bits)
            while r >= count:
                r = getrandbits(bits)
            g5 = grams[r]
        else:  # pragma: no cover
            g1, g2, g3, g4, g5 = (choice(grams) for _ in range(5))
        v1, m1 = get(g1)
        v2, m2 = get(g2)
        v3, m3 = get(g3)
        v4, m4 = get(g4)
        v5, m5 = get(g5)
        if weight is None:
            prob = [
                p / total * a * b * c * d * e
                for p, a, b, c, d, e in zip(prob, v1, v2, v3, v4, v5, strict=False)
            ]
        else:
            prob = [
                p / total * (w + a) * (w + b) * (w + c) * (w + d) * (w + e)
                for p, a, b, c, d, e in zip(prob, v1, v2, v3, v4, v5, strict=False)
            ]
        iteration += 5
        if dropped:
            if weight is None:
                bound = bound / total * m1 * m2 * m3 * m4 * m5
            else:
                bound = bound / total * (w + m1) * (w + m2) * (w + m3) * (w + m4) * (w + m5)
            history.append((total, g1, g2, g3, g4, g5))
            if bound and (dropped + 1) * bound >= prob[0] * _DROP_SAFETY:
                prob = _catch_up(prob, active, groups, history, source, weight, table.n_langs)
                active = everyone
                dropped = 0
                bound = 0.0
                groups = []
                history = []
                get = source.view(everyone).__getitem__
                lead = prob.index(max(prob))
                wait = _DROP_RETRY
        total = _sum_left_to_right(prob)
        if not drop:
            continue
        if wait:
            wait -= 1
            continue
        split = _split(prob, dropped, bound)
        if split is None:
            wait = _DROP_RETRY
            continue
        moved, bound = split
        groups.append((len(history), tuple(active[i] for i in moved), [prob[i] for i in moved]))
        dropped += len(moved)
        kept = sorted(set(range(len(prob))) - set(moved))
        active = tuple(active[i] for i in kept)
        prob = [prob[i] for i in kept]
        get = source.view(active).__getitem__
        lead = prob.index(max(prob))
    out = [0.0] * table.n_langs
    any(map(out.__setitem__, active, map(truediv, prob, repeat(total))))
    return out


def _split(prob: list[float], dropped: int, bound: float) -> tuple[list[int], float] | None:
    """The positions in ``prob`` to drop now, and the new bound on all dropped entries.

    Drops the largest set of smallest entries that, with the ones already dropped (at most
    ``bound`` each), stays below ``_DROP_HEADROOM`` of every entry kept, or returns None.
    """
    if len(prob) < 2:
        return None
    low = min(prob)
    if not low * (dropped + 2) < max(prob) * _DROP_HEADROOM:
        return None
    order = sorted(range(len(prob)), key=prob.__getitem__)
    best = 0
    best_bound = top = bound
    for k in range(1, len(prob)):
        value = prob[order[k - 1]]
        if value > top:
            top = value
        if (dropped + k + 1) * top < prob[order[k]] * _DROP_HEADROOM:
            best, best_bound = k, top
    if not best:
        return None
    return sorted(order[:best]), best_bound


def _catch_up(
    prob: list[float],
    active: tuple[int, ...],
    groups: list[tuple[int, tuple[int, ...], list[float]]],
    history: list[tuple[float, str, str, str, str, str]],
    source: _Source,
    weight: float | None,
    n_langs: int,
) -> list[float]:
    """The full vector: the active entries, and the dropped ones replayed from the blocks
    recorded since each group was dropped (the same operations, in the same order)."""
    full = [0.0] * n_langs
    any(map(full.__setitem__, active, prob))
    w = 0.0 if weight is None else weight
    for start, langs, values in groups:
        pick = _picker(langs)
        for total, *block in history[start:]:
            v1, v2, v3, v4, v5 = (pick(source[g]) for g in block)
            if weight is None:
                values = [
                    p / total * a * b * c * d * e
                    for p, a, b, c, d, e in zip(values, v1, v2, v3, v4, v5, strict=False)
                ]
            else:
                values = [
                    p / total * (w + a) * (w + b) * (w + c) * (w + d) * (w + e)
                    for p, a, b, c, d, e in zip(values, v1, v2, v3, v4, v5, strict=False)
                ]
        any(map(full.__setitem__, langs, values))
    return full
