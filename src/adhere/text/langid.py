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
  words separated by spaces; the character at position k >= 1 of a word contributes no
  n-grams when it and the previous character are both upper case; a word followed by a space
  also yields the two n-grams that end in that space.  Per-word n-gram lists are cached.
* The estimation: 7 trials with a ``random.Random`` seeded with 0 at every call, drawing
  ``gauss`` once per trial (alpha = 0.5 + 0.05 * gauss) and one n-gram per iteration with
  the same random numbers as ``Random.choice``; each draw multiplies the probability vector
  by ``weight + p(n-gram | language)`` (weight = alpha / 10000); at iterations 0, 5, 10, ...
  the vector is divided by its sum (added left to right, as Python 3.11's ``sum`` does) and
  the trial stops once the largest entry exceeds 0.99999 or the iteration count reaches 1000;
  the trial's vector / 7 is added to the result; the answer is the most probable language
  above 0.1 (first in language order on a tie), else ``'unknown'``.  Every floating point
  operation is one langdetect performs, on the same operands, in the same order.  (On
  CPython 3.11-3.13 the generator is ``random.Random``'s C base class with ``gauss``
  replayed here, which spares importing ``random``.)
* Trials that cannot change the answer are skipped: after the 4th, 5th and 6th trial, if the
  leading language is above 0.1 and ahead of every other language by more than the remaining
  trials could add (each adds at most 1/7 to any language), it is the answer.

Language order: langdetect indexes languages in ``os.listdir`` order of its profile
directory, which depends on the file system; this module uses sorted order.  The order only
affects the last-bit rounding of the normalising sum and the order of exactly tied languages,
so a result could differ only where langdetect's own result depends on that rounding; the
tests compare against langdetect on this machine.

The table is read on first use (:func:`language_codes` does not read it); only the n-gram
buckets of the characters actually seen are decoded (all ASCII n-grams form one bucket,
stored uncompressed like the rest; every other character's n-grams a small bucket of their
own).  Results are memoised per text (bounded ``functools.lru_cache``), as are per-word and
per-window n-grams, per-n-gram probability and multiplier vectors (the multipliers of the
first two trials, whose alphas are the same for every text, are shared between
detections).  Importing the module reads nothing.

The hot steps (a word's n-grams, an n-gram's vector, one trial) run in the optional compiled
module ``adhere.text._langid_speedups`` where the install built it: the same operations in the
same order, so the same answers (tests compare the two paths bit for bit, and both with
langdetect); ``ADHERE_PURE_PYTHON=1`` uses the Python steps below.  In pure Python the
estimation dominates the cost: typically 4 trials of 10-15 normalisation blocks, each one
list comprehension of 6 (or, for a trial's own alpha, 11) float operations per language,
about 70-80 ms for the ~100 texts an IFEval scoring run detects; compiled, ~15 ms.
"""

from __future__ import annotations

import _thread
import functools
import os
import re
import sys
from array import array
from bisect import bisect_left, bisect_right
from itertools import chain, islice, repeat
from math import cos as _cos
from math import log as _log
from math import pi as _pi
from math import sin as _sin
from math import sqrt as _sqrt
from operator import add, itemgetter, mul, truediv

from adhere.text.binary import little_endian

# The compiled fast paths (a word's n-grams, an n-gram's vector, a trial), unless not built
# or ADHERE_PURE_PYTHON is set to a non-empty value; the results are the same either way.
_speedups: Any = None
if not os.environ.get("ADHERE_PURE_PYTHON"):
    try:
        from adhere.text import _langid_speedups as _speedups
    except ImportError:  # pragma: no cover - built by the install; pure Python otherwise
        _speedups = None

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Container, Iterable
    from typing import Any

    from adhere.text._langid_speedups import GramIndex

__all__ = ["detect_language", "language_codes"]

_DATA_FILE = os.path.join(os.path.dirname(__file__), "data", "langid_profiles.bin")
_MAGIC = b"ADHERE-LANGID-3\n"
_FORMAT_VERSION = 3
_KEY_SEPARATOR = "\x00"

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
# Pythons whose random.Random.gauss and choice this module replays on _random.Random.
_KNOWN_RANDOM = ((3, 11), (3, 12), (3, 13))
_TWOPI = 2.0 * _pi

# Cache bounds.
_RESULT_CACHE_SIZE = 2048
_RESULT_CACHE_MAX_TEXT = 32768
_WORD_CACHE_LIMIT = 16384
_VECTOR_CACHE_LIMIT = 4096
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


def _gauss_of(rng: Any) -> Callable[[], float]:  # pragma: no cover - other Pythons
    return functools.partial(rng.gauss, 0.0, 1.0)


def _u32(raw: bytes) -> array[int]:
    return _ints(raw, "I")


def _ints(raw: bytes, typecode: str) -> array[int]:
    """A little-endian array of unsigned ints ("H": 16-bit, "I": 32-bit)."""
    return little_endian(typecode, raw)


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

    def count(self, text: str) -> int:
        rest = len(self.pattern.sub("", text))
        return rest if self.invert else len(text) - rest


class _Translation(dict[int, int]):
    """``NGram.normalize`` as a ``str.translate`` table, filled on demand from stored runs."""

    def __init__(self, runs: array[int]) -> None:
        super().__init__()
        self.starts = runs[0::3]
        self.counts = runs[1::3]
        self.targets = runs[2::3]

    def __missing__(self, code_point: int) -> int:
        i = bisect_right(self.starts, code_point) - 1
        if i >= 0 and code_point < self.starts[i] + self.counts[i]:
            target = self.targets[i]
        else:
            target = code_point
        _trim(self, _TRANSLATION_CACHE_LIMIT)
        self[code_point] = target
        return target


class _Gauss:
    """``random.Random.gauss(0.0, 1.0)`` of CPython 3.11-3.13, on a generator of its C base
    class ``_random.Random`` (same seeding and ``random()``), so that ``random`` (a module
    slow to import) is not needed."""

    __slots__ = ("next", "random")

    def __init__(self, rng: Any) -> None:
        self.random = rng.random
        self.next: float | None = None

    def __call__(self) -> float:
        z = self.next
        self.next = None
        if z is None:
            random = self.random
            x2pi = random() * _TWOPI
            g2rad = _sqrt(-2.0 * _log(1.0 - random()))
            z = _cos(x2pi) * g2rad
            self.next = _sin(x2pi) * g2rad
        return 0.0 + z * 1.0


class _Table:
    """The profile table (n-gram buckets decoded on demand) and the text tables."""

    def __init__(self, blob: bytes, speedups: Any = None) -> None:
        import marshal

        self._marshal_loads = marshal.loads
        if not blob.startswith(_MAGIC):
            raise ValueError(f"{_DATA_FILE}: not an adhere langid table")
        pos = len(_MAGIC)
        header_size, directory_size = _u32(blob[pos : pos + 8])
        pos += 8
        header = marshal.loads(blob[pos : pos + header_size])
        pos += header_size
        directory = blob[pos : pos + directory_size]
        data_start = pos + directory_size
        (version, langs_b, n_words_b, norm_b, vi_b, latin_b, non_latin_b, deleted_b, ids_b) = header
        if version != _FORMAT_VERSION:
            raise ValueError(f"{_DATA_FILE}: unsupported table format {version}")

        self.langs: tuple[str, ...] = tuple(langs_b.decode("utf-8").split("\n"))
        if self.langs != _LANGUAGES:
            raise ValueError(f"{_DATA_FILE}: its languages differ from _LANGUAGES")
        self.n_langs = n = len(self.langs)
        self.uniform = 1.0 / n
        n_words = _u32(n_words_b)
        # n_words_by_length[n - 1][language]: as ints, so that the division below is
        # langdetect's ``1.0 * freq / n_words[n - 1]`` exactly.
        self.n_words_by_length = [list(n_words[length::3]) for length in range(3)]

        self.blob = memoryview(blob)
        self.payload_start = data_start
        self.bucket_ids = _u32(ids_b)
        self.bucket_ends = _u32(directory)
        # bucket -> (its sorted n-grams, row offsets, language indices, frequencies), or None
        self.buckets: dict[int, tuple[list[str], array[int], bytes, array[int]] | None] = {}
        self.ascii_loaded = False

        self.translation = _Translation(_u32(norm_b))
        vi_rows: list[str] = vi_b.decode("utf-8").split("\n")
        letters, marks, *composed = vi_rows
        if marks.isascii() or not all(mark >= "\x80" for mark in marks):  # pragma: no cover
            raise ValueError(f"{_DATA_FILE}: unexpected Vietnamese marks")  # see _substitute
        self.vi_re = re.compile(f"([{letters}])([{marks}])")
        self.vi_map: dict[str, str] = {
            letter + mark: composed[m][a]
            for m, mark in enumerate(marks)
            for a, letter in enumerate(letters)
        }
        self._cleaning_ranges = (latin_b, non_latin_b, deleted_b)
        non_latin_ranges = _u32(non_latin_b)
        self.non_latin_from = non_latin_ranges[0] if len(non_latin_ranges) else 0x110000
        self._cleaning: tuple[_Counter, _Counter, re.Pattern[str]] | None = None
        self.url_re = re.compile(_URL_PATTERN)
        self.mail_re = re.compile(_MAIL_PATTERN)
        self.spaces_re = re.compile("  +")

        self.words = _WordCache(self)

        if sys.version_info[:2] in _KNOWN_RANDOM:
            from _random import Random as new_random

            self.new_random: Callable[[int], Any] = new_random
            self.gauss: Callable[[Any], Callable[[], float]] = _Gauss
            # Random.choice(seq) is seq[Random._randbelow(len(seq))], and _randbelow is the
            # getrandbits-based method: the draw is done inline.
            self.inline_draw = True
        else:  # pragma: no cover - other Pythons: the random module itself
            import random

            self.new_random = random.Random
            self.gauss = _gauss_of
            self.inline_draw = getattr(random.Random, "_randbelow", None) is getattr(
                random.Random, "_randbelow_with_getrandbits", False
            )
        # The compiled trial draws as Random.choice does on the known Pythons.
        self.speedups: Any = speedups if self.inline_draw else None
        # The n-grams of the loaded buckets (the compiled module's index looks a word's
        # n-grams up by code point, without building a str for each candidate).
        self.known: set[str] | GramIndex = set() if self.speedups is None else speedups.GramIndex()
        # n-gram -> its probability vector: a tuple of floats, or for the compiled trial
        # bytes of native doubles.
        self.vectors = _Source(self.decode if self.speedups is None else self.decode_packed)
        if self.speedups is not None:
            self.n_words_packed = [
                array("d", map(float, counts)).tobytes() for counts in self.n_words_by_length
            ]
        # The alphas of the first two trials do not depend on the text (seed 0, one gauss
        # pair), so (for the Python trial) their multiplier vectors are shared between
        # detections.
        gauss = self.gauss(self.new_random(_SEED))
        self.first_alphas = tuple(_ALPHA_DEFAULT + gauss() * _ALPHA_WIDTH for _ in range(2))
        self.shared_factors = tuple(
            _Source(functools.partial(self.factors, a / _BASE_FREQ)) for a in self.first_alphas
        )

    @property
    def cleaning(self) -> tuple[_Counter, _Counter, re.Pattern[str]]:
        """``cleaning_text``'s Latin and non-Latin counters and its deletion pattern (compiled
        on first use: ASCII text never needs them)."""
        cleaning = self._cleaning
        if cleaning is None:
            latin_b, non_latin_b, deleted_b = self._cleaning_ranges
            cleaning = self._cleaning = (
                _Counter(_u32(latin_b)),
                _Counter(_u32(non_latin_b)),
                re.compile(_class_pattern(_u32(deleted_b)) + "+"),
            )
        return cleaning

    def load_buckets(self, text: str) -> None:
        """Make the n-grams of every bucket a character of ``text`` can fall in known: the
        ASCII bucket, and that of each non-ASCII character (the n-grams it is the highest
        character of)."""
        if text.isascii():
            if self.ascii_loaded:
                return
            needed = {0}
        else:
            needed = {cp if cp >= 0x80 else 0 for cp in map(ord, set(text))}
        buckets = self.buckets
        for bucket in needed.difference(buckets):
            buckets[bucket] = self._read_bucket(bucket)
        self.ascii_loaded = 0 in buckets

    def load_all(self) -> None:
        """Load every bucket."""
        for bucket in self.bucket_ids:
            if bucket not in self.buckets:
                self.buckets[bucket] = self._read_bucket(bucket)
        self.ascii_loaded = True

    def _read_bucket(self, bucket: int) -> tuple[list[str], array[int], bytes, array[int]] | None:
        ids = self.bucket_ids
        i = bisect_left(ids, bucket)
        if i == len(ids) or ids[i] != bucket:
            return None
        start = self.payload_start + (self.bucket_ends[i - 1] if i else 0)
        payload = self.blob[start : self.payload_start + self.bucket_ends[i]]
        keys_b, offsets_b, lang_index, freqs_b, codes = self._marshal_loads(payload)
        keys = keys_b.decode("utf-8", "surrogatepass").split(_KEY_SEPARATOR)
        self.known.update(keys)
        return keys, _ints(offsets_b, chr(codes[0])), lang_index, _ints(freqs_b, chr(codes[1]))

    def _entries(self, gram: str) -> tuple[bytes, array[int], int, int]:
        """A known ``gram``'s stored entries: the bucket's language indices and frequencies
        and the range of its row."""
        top = ord(max(gram))
        bucket = self.buckets[top if top >= 0x80 else 0]
        if bucket is None:  # pragma: no cover - extracted n-grams are known
            raise KeyError(gram)
        keys, offsets, lang_index, freqs = bucket
        row = bisect_left(keys, gram)
        return lang_index, freqs, offsets[row], offsets[row + 1]

    def decode(self, gram: str) -> tuple[float, ...]:
        """``p(gram | language)`` for every language, as langdetect computes it:
        ``1.0 * freq / n_words`` (int / int true division of operands below 2**53 is that
        very float division).  ``gram`` must be known.  A tuple: cached vectors are tuples,
        which the garbage collector stops tracking (it never has to scan them again)."""
        lang_index, freqs, start, end = self._entries(gram)
        n_words = self.n_words_by_length[len(gram) - 1]
        vec = [0.0] * self.n_langs
        for lang, freq in zip(lang_index[start:end], freqs[start:end], strict=True):
            vec[lang] = freq / n_words[lang]
        return tuple(vec)

    def decode_packed(self, gram: str) -> bytes:
        """:meth:`decode`'s vector as bytes of native doubles, decoded by the compiled
        module (the same divisions)."""
        packed: bytes = self.speedups.decode(
            *self._entries(gram), self.n_words_packed[len(gram) - 1]
        )
        return packed

    def factors(self, weight: float, gram: str) -> tuple[float, ...]:
        """The multipliers ``weight + p(gram | language)`` for every language; where p is 0
        the multiplier is ``weight`` itself (``weight + 0.0 == weight``, one float object)."""
        return tuple([weight + q if q else weight for q in self.vectors[gram]])


class _Source(dict[str, "Any"]):
    """n-gram -> a per-language vector (probabilities, or the multipliers for one alpha),
    built on demand and bounded."""

    def __init__(self, build: Callable[[str], Any]) -> None:
        super().__init__()
        self.build = build

    def __missing__(self, gram: str) -> Any:
        if len(self) >= _VECTOR_CACHE_LIMIT:
            _trim(self, _VECTOR_CACHE_LIMIT)
        vec = self[gram] = self.build(gram)
        return vec


class _WordCache(dict[str, tuple[str, ...]]):
    """word -> its n-grams when a space follows it (filled on demand, bounded)."""

    def __init__(self, table: _Table) -> None:
        super().__init__()
        self.table = table
        self.last: dict[str, tuple[str, ...]] = {}
        self.windows: dict[str, tuple[str, ...]] = {}

    def _extract(self, word: str, spaced: bool) -> tuple[str, ...]:
        speedups = self.table.speedups
        if speedups is not None:
            grams: tuple[str, ...] = speedups.word_ngrams(word, self.table.known, spaced)
            return grams
        return _word_ngrams(word, self.table.known, self.windows, spaced)

    def __missing__(self, word: str) -> tuple[str, ...]:
        grams = self._extract(word, True)
        if len(self) >= _WORD_CACHE_LIMIT:
            _trim(self, _WORD_CACHE_LIMIT)
        self[word] = grams
        return grams

    def final(self, word: str) -> tuple[str, ...]:
        """The n-grams of the text's last word (no space follows it)."""
        grams = self.last.get(word)
        if grams is None:
            grams = self._extract(word, False)
            if len(self.last) >= _WORD_CACHE_LIMIT:
                _trim(self.last, _WORD_CACHE_LIMIT)
            self.last[word] = grams
        return grams


def _word_ngrams(
    word: str, known: Container[str], windows: dict[str, tuple[str, ...]], spaced: bool
) -> tuple[str, ...]:
    """The known n-grams langdetect extracts from one normalised word (no spaces in it),
    followed, when ``spaced``, by the two produced by the space after it.  The buckets of
    the word's characters must be loaded.

    In langdetect's order: for each character its 1-, 2- and 3-gram.  In langdetect's
    n-gram buffer a word is preceded by a space, so the first character's 2-gram is ' ' + c
    and it has no 3-gram; a character that is upper case after an upper case character
    contributes nothing (the ``capitalword`` state).  ``windows`` caches, per window of three
    characters (two spaces and the character, for the first one), the known n-grams ending
    at its last character.
    """
    out: list[str] = []
    extend = out.extend
    get = windows.get
    before = prev = " "
    if word.islower() or word[1:].islower():
        # No character is upper case after an upper case one: all count.
        for ch in word:
            window = before + prev + ch
            grams = get(window)
            if grams is None:
                grams = _window_ngrams(window, known, windows)
            extend(grams)
            before = prev
            prev = ch
    else:
        prev_upper = False
        for ch in word:
            upper = ch.isupper()
            if not (upper and prev_upper):
                window = before + prev + ch
                grams = get(window)
                if grams is None:
                    grams = _window_ngrams(window, known, windows)
                extend(grams)
            before, prev, prev_upper = prev, ch, upper
    if spaced and word:
        gram = prev + " "
        if gram in known:
            out.append(gram)
        gram = before + gram
        if gram in known:
            out.append(gram)
    return tuple(out)


def _window_ngrams(
    window: str, known: Container[str], windows: dict[str, tuple[str, ...]]
) -> tuple[str, ...]:
    """Fill ``windows`` for ``window`` (see :func:`_word_ngrams`)."""
    if window[1] != " ":
        grams = tuple([g for g in (window[2], window[1:], window) if g in known])
    else:
        grams = tuple([g for g in (window[2], window[1:]) if g in known])
    if len(windows) >= _WINDOW_CACHE_LIMIT:
        _trim(windows, _WINDOW_CACHE_LIMIT)
    windows[window] = grams
    return grams


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
                    table = _Table(handle.read(), _speedups)
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
    words = _words(prepared, table)
    # The answer depends on the text only through its n-gram list, and texts that differ only
    # where the detector sees spaces (a loose variant without its markdown '*', say) have the
    # same list: estimate each list once.  The list is that of the words, each followed by a
    # space but the last, and empty words have none: the key says just that.
    key = " ".join(filter(None, words[:-1])) + "\n" + words[-1]
    answer = _ESTIMATES.get(key)
    if answer is None:
        grams = _ngrams_of_words(words, table)
        if not grams:
            return None
        answer = _estimate(grams, table)
        _trim(_ESTIMATES, _ESTIMATE_CACHE_SIZE)
        _ESTIMATES[key] = answer
    return answer


_ESTIMATE_CACHE_SIZE = 256
_ESTIMATES: dict[str, str] = {}


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
    substitutions applied to ``text`` (before space collapsing).  A substitution whose
    pattern cannot match (no ``http``, no ``@``, no non-ASCII character) is skipped."""
    vi_map = table.vi_map

    def compose(match: re.Match[str]) -> str:
        return vi_map[match.group(0)]

    size = first_prefix
    while True:
        complete = size >= len(text)
        out = text if complete else text[:size]
        if not complete or "http" in out:
            out = _sub_prefix(table.url_re, " ", out, complete, _URL_REACH)
        if not complete or "@" in out:
            out = _sub_prefix(table.mail_re, " ", out, complete, _MAIL_REACH)
        if not complete or not out.isascii():
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
    text = _substitute(text, table, max_length, first_prefix)
    if "  " in text:
        text = table.spaces_re.sub(" ", text)
    if text.isascii() and table.non_latin_from >= 0x80:
        return text  # no non-Latin characters, so nothing is stripped
    latin, non_latin, deleted = table.cleaning
    if latin.count(text) * 2 < non_latin.count(text):
        text = deleted.sub("", text)
    return text


def _extract_ngrams(text: str, table: _Table) -> list[str]:
    """The n-grams langdetect's ``_extract_ngrams`` returns for a prepared text, in order."""
    return _ngrams_of_words(_words(text, table), table)


def _words(text: str, table: _Table) -> list[str]:
    """A prepared text as langdetect normalises it, cut at spaces (the characters' buckets
    are loaded)."""
    text = text.translate(table.translation)
    table.load_buckets(text)
    return text.split(" ")


def _ngrams_of_words(words: list[str], table: _Table) -> list[str]:
    cache = table.words
    grams = list(chain.from_iterable(map(cache.__getitem__, words[:-1])))
    if words[-1]:
        grams.extend(cache.final(words[-1]))
    return grams


# --- estimation ---------------------------------------------------------------------------


def _estimate(grams: list[str], table: _Table) -> str:
    """langdetect's ``_detect_block`` and ``detect`` for a non-empty n-gram list."""
    rng = table.new_random(_SEED)
    gauss = table.gauss(rng)
    langprob = [0.0] * table.n_langs
    compiled = table.speedups.trial if table.speedups is not None else None
    for trial in range(_N_TRIAL):
        alpha = _ALPHA_DEFAULT + gauss() * _ALPHA_WIDTH
        if compiled is not None:
            prob = compiled(
                rng.getrandbits,
                grams,
                table.vectors,
                alpha / _BASE_FREQ,
                table.uniform,
                table.n_langs,
            )
        elif trial < len(table.first_alphas) and alpha == table.first_alphas[trial]:
            prob = _trial(rng, grams, table.shared_factors[trial].__getitem__, None, table)
        else:
            prob = _trial(rng, grams, table.vectors.__getitem__, alpha / _BASE_FREQ, table)
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
    best_lang = _UNKNOWN
    best_prob = _PROB_THRESHOLD
    for lang, p in zip(table.langs, langprob, strict=True):
        if p > best_prob:
            best_lang, best_prob = lang, p
    return best_lang


def _trial(
    rng: Any,
    grams: list[str],
    source: Callable[[str], tuple[float, ...]],
    weight: float | None,
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
    """
    count = len(grams)
    bits = count.bit_length()
    getrandbits = rng.getrandbits
    inline = table.inline_draw
    get = source
    w = 0.0 if weight is None else weight
    if inline:
        r = getrandbits(bits)
        while r >= count:
            r = getrandbits(bits)
        first = get(grams[r])
    else:  # pragma: no cover - Random.choice draws differently on this Python
        first = get(rng.choice(grams))
    uniform = table.uniform
    if weight is None:
        prob = list(map(mul, repeat(uniform, table.n_langs), first))
    else:
        prob = [uniform * (w + a) for a in first]
    total = _sum_left_to_right(prob)
    iteration = 0
    lead = 0
    # Languages whose probability has underflowed to 0.0 stay at 0.0 (0.0 times anything is
    # 0.0) and add nothing to the total: once some have, the block runs over the others only
    # (``live``: their indices, in order; ``pick`` gathers their entries of a vector). Every
    # remaining operation is the same, so the result is too; long trials (short texts whose
    # n-grams never single a language out) mostly run on a few languages.
    live: list[int] | None = None
    pick: Callable[[tuple[float, ...]], tuple[float, ...]] | None = None
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
            v1 = get(grams[r])
            r = getrandbits(bits)
            while r >= count:
                r = getrandbits(bits)
            v2 = get(grams[r])
            r = getrandbits(bits)
            while r >= count:
                r = getrandbits(bits)
            v3 = get(grams[r])
            r = getrandbits(bits)
            while r >= count:
                r = getrandbits(bits)
            v4 = get(grams[r])
            r = getrandbits(bits)
            while r >= count:
                r = getrandbits(bits)
            v5 = get(grams[r])
        else:  # pragma: no cover
            v1, v2, v3, v4, v5 = (get(rng.choice(grams)) for _ in range(5))
        if pick is not None:
            v1, v2, v3, v4, v5 = pick(v1), pick(v2), pick(v3), pick(v4), pick(v5)
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
        total = _sum_left_to_right(prob)
        iteration += 5
        if iteration % _LIVE_CHECK == 0 and 0.0 in prob:
            kept = [k for k, p in enumerate(prob) if p != 0.0]
            live = kept if live is None else [live[k] for k in kept]
            prob = [prob[k] for k in kept]
            lead = 0
            pick = _gatherer(live)
    if live is None:
        return list(map(truediv, prob, repeat(total)))
    out = [0.0] * table.n_langs
    for k, p in zip(live, prob, strict=True):
        out[k] = p / total
    return out


# How often (in iterations) a trial looks for languages that have dropped to 0.0.
_LIVE_CHECK = 20


def _gatherer(indices: list[int]) -> Callable[[tuple[float, ...]], tuple[float, ...]]:
    """A function giving the entries of a vector at ``indices``, as a tuple."""
    if len(indices) == 1:
        only = indices[0]
        return lambda vector: (vector[only],)
    return itemgetter(*indices)
