"""``count:*``: IFBench's counting constraints (conjunctions, keywords, numbers, names, ...).

Several checks cut words the way the reference does: ``str.split()`` on whitespace, then
``str.strip`` of ASCII punctuation (``string.punctuation``) and spaces from both ends.
"""

from __future__ import annotations

import functools
import re

from adhere.constraints.base import CheckContext, Constraint, Outcome, Param, register
from adhere.constraints.userregex import literal_word
from adhere.core.errors import ParamError
from adhere.text.locate import line_of, plural, quote
from adhere.text.punctuation import DROP_PUNCTUATION as _DROP_PUNCTUATION
from adhere.text.punctuation import PUNCTUATION_AND_SPACE as _EDGE
from adhere.text.words import count_words

_RUNS = re.compile(r"\S+")
"""The words of ``str.split()``, with their offsets (``\\s`` and ``str.isspace`` agree)."""


def _shown(items: list[str], limit: int = 5) -> str:
    """``'a', 'b', …``: the first few items, quoted."""
    text = ", ".join(quote(item, 20) for item in items[:limit])
    return text + (", …" if len(items) > limit else "")


def _count_param(name: str, help_text: str, minimum: int = 0) -> Param:
    return Param(name, "int", help_text, minimum=minimum)


# --- count:conjunctions -----------------------------------------------------------------------

_CONJUNCTIONS = frozenset({"and", "but", "for", "nor", "or", "so", "yet"})


@register
class Conjunctions(Constraint):
    id = "count:conjunctions"
    summary = "At least N different coordinating conjunction tokens (as written, case included)."
    params = (_count_param("small_n", "the least number of different conjunctions"),)

    small_n: int

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        corrected = context.compat == "corrected"
        # The reference keeps each matching token as written, so "and", "And" and "and," are
        # three different conjunctions; the corrected mode counts the conjunctions themselves.
        forms: dict[str, None] = {}
        for word in response.split():
            core = word.strip(_EDGE).lower()
            if core in _CONJUNCTIONS:
                forms.setdefault(core if corrected else word, None)
        found = list(forms)
        what = "different conjunction" + ("" if corrected else " token")
        listed = f" ({_shown(found)})" if found else ""
        return len(found) >= self.small_n, (
            f"{plural(len(found), what)}{listed}; needs at least {self.small_n}"
        )

    def describe(self) -> str:
        return (
            f"Use at least {self.small_n} different coordinating conjunctions (and, but, for, "
            "nor, or, so, yet)."
        )


# --- count:keywords_multiple ------------------------------------------------------------------

_KEYWORD_TIMES = (1, 2, 3, 5, 7)
_TIMES_WORDS = {1: "once", 2: "twice", 3: "three times", 5: "five times", 7: "seven times"}


@register
class KeywordsMultiple(Constraint):
    id = "count:keywords_multiple"
    summary = "Five keywords appear exactly 1, 2, 3, 5 and 7 times (case-insensitive substrings)."
    params = tuple(
        Param(f"keyword{i}", "str", f"the keyword that must appear exactly {n} times", strip=True)
        for i, n in enumerate(_KEYWORD_TIMES, start=1)
    )

    keyword1: str
    keyword2: str
    keyword3: str
    keyword4: str
    keyword5: str

    def _keywords(self) -> tuple[str, ...]:
        return (self.keyword1, self.keyword2, self.keyword3, self.keyword4, self.keyword5)

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        corrected = context.compat == "corrected"
        lowered = response.lower()
        wrong = []
        for keyword, times in zip(self._keywords(), _KEYWORD_TIMES, strict=True):
            if corrected:
                count = len(literal_word(keyword).findall(response))
            else:
                # Plain substring count: "art" is counted inside "start".
                count = lowered.count(keyword.lower())
            if count != times:
                wrong.append(f"{keyword!r} {plural(count, 'time')} (needs {times})")
        how = "as whole words" if corrected else "as substrings, case-insensitive"
        if not wrong:
            return True, f"each keyword appears exactly as often as required ({how})"
        return False, f"counted {how}: " + "; ".join(wrong)

    def describe(self) -> str:
        parts = [
            f"{keyword!r} {_TIMES_WORDS[times]}"
            for keyword, times in zip(self._keywords(), _KEYWORD_TIMES, strict=True)
        ]
        return "Include the keyword " + ", ".join(parts[:-1]) + f" and {parts[-1]}."


# --- count:numbers ----------------------------------------------------------------------------

_DIGIT_RUNS = re.compile(r"\d+")


@register
class Numbers(Constraint):
    id = "count:numbers"
    summary = "Exactly N numbers (digit runs once ASCII punctuation is removed: 3.5 is one)."
    params = (_count_param("N", "the exact number of numbers"),)

    N: int

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        # Punctuation goes first, so "3.5", "1,000" and "2024-01-01" each make one number.
        numbers = _DIGIT_RUNS.findall(response.translate(_DROP_PUNCTUATION))
        listed = f" ({_shown(numbers)})" if numbers else ""
        return len(numbers) == self.N, (
            f"{plural(len(numbers), 'number')} once punctuation is removed{listed}; "
            f"needs exactly {self.N}"
        )

    def describe(self) -> str:
        return f"Include exactly {self.N} numbers in your answer."


# --- count:person_names -----------------------------------------------------------------------

PERSON_NAMES = (
    "Emma",
    "Liam",
    "Sophia",
    "Jackson",
    "Olivia",
    "Noah",
    "Ava",
    "Lucas",
    "Isabella",
    "Mason",
    "Mia",
    "Ethan",
    "Charlotte",
    "Alexander",
    "Amelia",
    "Benjamin",
    "Harper",
    "Leo",
    "Zoe",
    "Daniel",
    "Chloe",
    "Samuel",
    "Lily",
    "Matthew",
    "Grace",
    "Owen",
    "Abigail",
    "Gabriel",
    "Ella",
    "Jacob",
    "Scarlett",
    "Nathan",
    "Victoria",
    "Elijah",
    "Layla",
    "Nicholas",
    "Audrey",
    "David",
    "Hannah",
    "Christopher",
    "Penelope",
    "Thomas",
    "Nora",
    "Andrew",
    "Aria",
    "Joseph",
    "Claire",
    "Ryan",
    "Stella",
    "Jonathan",
)
"""The 50 names the instruction lists, in its order."""


@functools.lru_cache(maxsize=1)
def _names_pattern() -> re.Pattern[str]:
    # A name between two \b is a whole \w run, so one scan for all 50 finds the same names
    # as the reference's 50 separate searches.
    return re.compile(r"\b(?:" + "|".join(map(re.escape, PERSON_NAMES)) + r")\b")


@register
class PersonNames(Constraint):
    id = "count:person_names"
    summary = "At least N different names from a fixed list of 50 (case-sensitive whole words)."
    params = (_count_param("N", "the least number of different listed names"),)

    N: int

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        seen = set(_names_pattern().findall(response))
        found = [name for name in PERSON_NAMES if name in seen]
        listed = " (" + ", ".join(found[:6]) + (", …" if len(found) > 6 else "") + ")"
        return len(found) >= self.N, (
            f"{plural(len(found), 'listed name')}{listed if found else ''}; needs at least {self.N}"
        )

    def describe(self) -> str:
        return (
            f"Mention at least {self.N} different people by name, choosing the names from this "
            "list: " + ", ".join(PERSON_NAMES) + "."
        )


# --- count:pronouns ---------------------------------------------------------------------------

PRONOUNS = frozenset(
    {
        # personal
        "i",
        "me",
        "we",
        "us",
        "you",
        "he",
        "him",
        "she",
        "her",
        "it",
        "they",
        "them",
        # possessive
        "my",
        "mine",
        "our",
        "ours",
        "your",
        "yours",
        "his",
        "hers",
        "its",
        "their",
        "theirs",
        # reflexive
        "myself",
        "ourselves",
        "yourself",
        "yourselves",
        "himself",
        "herself",
        "itself",
        "themselves",
        # demonstrative
        "this",
        "that",
        "these",
        "those",
        # interrogative and relative
        "who",
        "whom",
        "whose",
        "which",
        "what",
        "whoever",
        "whomever",
        "whatever",
        "whichever",
        # indefinite
        "anybody",
        "anyone",
        "anything",
        "everybody",
        "everyone",
        "everything",
        "nobody",
        "nothing",
        "somebody",
        "someone",
        "something",
        "each",
        "either",
        "neither",
        "both",
        "all",
        "some",
        "any",
        "none",
    }
)
"""The reference's pronoun list (62 words; "her" is listed twice there)."""


@register
class Pronouns(Constraint):
    id = "count:pronouns"
    summary = "At least N pronouns (NLTK word tokens of the lower-cased text, '/' read as a space)."
    params = (_count_param("N", "the least number of pronouns"),)
    cost = 4.0
    work_group = "tokens"

    N: int

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        from adhere.text.treebank import word_tokenize

        tokens = word_tokenize(response.replace("/", " ").lower())
        found = [token for token in tokens if token in PRONOUNS]
        listed = f" ({_shown(found)})" if found else ""
        return len(found) >= self.N, (
            f"{plural(len(found), 'pronoun')}{listed}; needs at least {self.N}"
        )

    def describe(self) -> str:
        return f"Use at least {self.N} pronouns in your answer."


# --- count:punctuation ------------------------------------------------------------------------

_MARKS = ".,!?;:"


@register
class Punctuation(Constraint):
    id = "count:punctuation"
    summary = "An interrobang (?!, !? or ‽) and, besides it, each of . , ! ? ; : at least once."
    params = ()

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        if "?!" not in response and "!?" not in response and "‽" not in response:
            return False, "no interrobang (?!, !? or ‽)"
        # One ?! (else one !?) is taken out before the other marks are looked for, so the
        # interrobang does not also supply the ? and the !.
        rest = response
        for pair in ("?!", "!?"):
            index = response.find(pair)
            if index >= 0:
                rest = response[:index] + response[index + 2 :]
                break
        missing = [mark for mark in _MARKS if mark not in rest]
        if missing:
            return False, (
                "has an interrobang but lacks "
                + " ".join(repr(mark) for mark in missing)
                + " (the first ?! or !? does not count as ? or !)"
            )
        return True, "has an interrobang and each of . , ! ? ; :"

    def describe(self) -> str:
        return (
            "Use every standard punctuation mark at least once: period, comma, exclamation "
            "mark, question mark, semicolon, colon, and also an interrobang (?!)."
        )


# --- count:unique_word_count ------------------------------------------------------------------


@register
class UniqueWordCount(Constraint):
    id = "count:unique_word_count"
    summary = "At least N unique words (lower-cased, whitespace-split, ASCII punctuation trimmed)."
    params = (_count_param("N", "the least number of unique words"),)

    N: int

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        unique = {word.strip(_EDGE) for word in response.lower().split()}
        note = ""
        if "" in unique:
            if context.compat == "corrected":
                unique.discard("")
            else:
                # A punctuation-only token ("-", "...") trims to "", which counts as one word.
                note = " (punctuation-only tokens count as one word)"
        return len(unique) >= self.N, (
            f"{plural(len(unique), 'unique word')}{note}; needs at least {self.N}"
        )

    def describe(self) -> str:
        return f"Use at least {self.N} unique words in your answer."


# --- count:word_count_range -------------------------------------------------------------------


@register
class WordCountRange(Constraint):
    id = "count:word_count_range"
    summary = "Between min_words and max_words words (\\w+ runs), both included."
    params = (
        _count_param("min_words", "the least number of words"),
        _count_param("max_words", "the largest number of words"),
    )

    min_words: int
    max_words: int

    def __post_init__(self) -> None:
        if self.max_words < self.min_words:
            raise ParamError(
                f"{self.id}: param 'max_words' expects a value >= min_words "
                f"({self.min_words}); found {self.max_words}"
            )

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        count = count_words(response)
        return self.min_words <= count <= self.max_words, (
            f"{plural(count, 'word')}; needs between {self.min_words} and {self.max_words}"
        )

    def describe(self) -> str:
        return f"Your answer must have between {self.min_words} and {self.max_words} words."


# --- count:words_japanese ---------------------------------------------------------------------

_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
"""Hiragana, katakana and the CJK unified ideographs."""


_SUFFIXES = {1: "st", 2: "nd", 3: "rd"}


def _ordinal(n: int) -> str:
    """``1st``, ``2nd``, ``11th``, ``23rd``."""
    suffix = "th" if n % 100 in (11, 12, 13) else _SUFFIXES.get(n % 10, "th")
    return f"{n}{suffix}"


@register
class WordsJapanese(Constraint):
    id = "count:words_japanese"
    summary = "Every Nth whitespace-separated word has kana or kanji (digit-only words exempt)."
    params = (_count_param("N", "the cycle: every Nth word must be Japanese", minimum=1),)

    N: int

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        checked = 0
        total = 0
        for total, match in enumerate(_RUNS.finditer(response), start=1):
            if total % self.N:
                continue
            word = match.group().strip(_EDGE)
            if not word or word.isdigit():
                continue
            checked += 1
            if not _JAPANESE.search(word):
                return False, (
                    f"word {total} {quote(word)} (line {line_of(response, match.start())}) "
                    f"has no kana or kanji; every {_ordinal(self.N)} word must be Japanese"
                )
        return True, (
            f"all {plural(checked, 'checked word')} (every {_ordinal(self.N)} of "
            f"{plural(total, 'word')}, digits and bare punctuation skipped) are Japanese"
        )

    def describe(self) -> str:
        return f"Write every {_ordinal(self.N)} word of your answer in Japanese."
