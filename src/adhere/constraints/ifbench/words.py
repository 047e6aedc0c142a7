"""``words:*``: IFBench's rules about single words (letters, lengths, syllables, positions).

Most of these checks cut the response into words with Python's ``str.split()`` after removing
ASCII punctuation (``string.punctuation``); which happens first, lower-casing or removing
punctuation, and whether punctuation is removed at all, differ from check to check, and each
check follows its reference exactly. Evidence points at the word in the original text.
"""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Iterator
from itertools import islice, pairwise

from adhere.constraints.base import CheckContext, Constraint, Outcome, Param, register
from adhere.text.locate import at, line_of, plural, quote
from adhere.text.punctuation import ASCII_PUNCTUATION as _PUNCT
from adhere.text.punctuation import DROP_PUNCTUATION as _NO_PUNCT
from adhere.text.punctuation import PUNCTUATION_AND_SPACE
from adhere.text.punkt import sentence_spans
from adhere.text.treebank import word_tokenize

_TOKEN = re.compile(r"\S+")
_ALPHABET = string.ascii_lowercase


def _kept_spans(text: str) -> Iterator[tuple[int, int]]:
    """Spans of the whitespace-separated tokens of ``text`` that are not all ASCII punctuation.

    These are the tokens that survive when the reference removes punctuation and splits on
    whitespace (lower-casing neither makes nor removes whitespace), in the same order.
    """
    for match in _TOKEN.finditer(text):
        if match.group().strip(_PUNCT):
            yield match.span()


def _where(text: str, index: int) -> str:
    """``line N: '…'`` for the word at ``index`` among the kept tokens of ``text``."""
    span = next(islice(_kept_spans(text), index, None), None)
    return "" if span is None else at(text, *span)


def _word_at(text: str, index: int) -> str:
    """``line N: '…'`` for the ``index``-th whitespace-separated token of ``text``."""
    match = next(islice(_TOKEN.finditer(text), index, None), None)
    return "" if match is None else at(text, match.start(), match.end())


def _keyword_param() -> Param:
    return Param("keyword", "str", "the word to place (compared case-insensitively)", strip=True)


# --- letters -------------------------------------------------------------------------------


@register
class Alphabet(Constraint):
    id = "words:alphabet"
    summary = "Each word starts with the letter after the previous word's, wrapping from z to a."

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        words = response.translate(_NO_PUNCT).split()
        if not words:
            return False, "no words once ASCII punctuation is removed"
        # The first letter is lower-cased on its own; later words are lower-cased whole and
        # their first character compared.
        letter = words[0][0].lower()
        if letter not in _ALPHABET:
            return False, (
                f"the first word {quote(words[0])} does not start with a letter a-z "
                f"({_where(response, 0)})"
            )
        for index, word in enumerate(words[1:], start=1):
            expected = _ALPHABET[(_ALPHABET.index(letter) + 1) % 26]
            if word.lower()[0] != expected:
                return False, (
                    f"word {index + 1} {quote(word)} should start with {expected!r}, the letter "
                    f"after {letter!r} ({_where(response, index)})"
                )
            letter = expected
        first = words[0][0].lower()
        return True, f"all {plural(len(words), 'word')} follow the alphabet from {first!r}"

    def describe(self) -> str:
        return (
            "Start every word with the letter that follows the first letter of the word before "
            "it, going back to 'a' after 'z'."
        )


_CLUSTER = re.compile("[bcdfghjklmnpqrstvwxyz]{2}")
"""Two ASCII consonants in a row (``y`` counts as a consonant; upper case is lowered first)."""


@register
class Consonants(Constraint):
    id = "words:consonants"
    summary = "Every word (split on whitespace) has two ASCII consonants in a row."

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        words = response.lower().split()
        for index, word in enumerate(words):
            if _CLUSTER.search(word) is None:
                return False, (
                    f"word {index + 1} {quote(word)} has no two consonants in a row "
                    f"({_word_at(response, index)})"
                )
        return True, f"all {plural(len(words), 'word')} have a consonant cluster"

    def describe(self) -> str:
        return (
            "Make sure every word of your answer has a consonant cluster: two or more "
            "consonants next to each other."
        )


@register
class NoConsecutive(Constraint):
    id = "words:no_consecutive"
    summary = "No two neighbouring words start with the same character (case-insensitive)."

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        words = response.lower().translate(_NO_PUNCT).split()
        for index in range(len(words) - 1):
            if words[index][0] == words[index + 1][0]:
                first, second = words[index], words[index + 1]
                return False, (
                    f"words {index + 1} and {index + 2} ({quote(first)}, {quote(second)}) both "
                    f"start with {first[0]!r} ({_where(response, index + 1)})"
                )
        return True, f"no two of {plural(len(words), 'word')} in a row share a first letter"

    def describe(self) -> str:
        return "Do not let any two consecutive words begin with the same letter."


@register
class Vowel(Constraint):
    id = "words:vowel"
    summary = "A single line of text using at most three of the vowels a, e, i, o, u."

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        text = response.strip()
        lines = text.count("\n") + 1
        if lines != 1:
            return False, f"the response has {lines} lines; it must be one paragraph on one line"
        used = sorted(set(text.lower()) & set("aeiou"))
        listed = ", ".join(used) if used else "none"
        found = f"uses {plural(len(used), 'different vowel')} ({listed})"
        if len(used) > 3:
            return False, f"{found}; at most 3 allowed"
        return True, f"one line that {found}"

    def describe(self) -> str:
        return (
            "Write a single paragraph whose words use no more than three different vowels "
            "(of a, e, i, o, u)."
        )


# --- word shapes ---------------------------------------------------------------------------


@register
class Palindrome(Constraint):
    id = "words:palindrome"
    summary = "At least 10 words of 5+ characters read the same backwards (repeats count)."

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        words = response.translate(_NO_PUNCT).lower().split()
        found = [word for word in words if len(word) >= 5 and word == word[::-1]]
        examples = ", ".join(quote(word, 20) for word in list(dict.fromkeys(found))[:4])
        shown = f" ({examples})" if found else ""
        return (
            len(found) >= 10,
            f"found {plural(len(found), 'palindrome')} of 5 or more characters{shown}; "
            "needs at least 10",
        )

    def describe(self) -> str:
        return "Use at least 10 one-word palindromes, each at least 5 letters long."


_PRIMES = frozenset((2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43))
_PRIMES |= frozenset((47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97))
"""The primes the reference knows: those below 100."""


@register
class PrimeLengths(Constraint):
    id = "words:prime_lengths"
    summary = "Every word's length (ASCII punctuation removed) is a prime below 100."

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        words = response.translate(_NO_PUNCT).split()
        for index, word in enumerate(words):
            if len(word) not in _PRIMES:
                why = "above 97, the largest prime the check knows" if len(word) > 97 else ""
                note = f", {why}" if why else ", not a prime"
                return False, (
                    f"word {index + 1} {quote(word)} has {plural(len(word), 'character')}"
                    f"{note} ({_where(response, index)})"
                )
        return True, f"all {plural(len(words), 'word')} have prime lengths"

    def describe(self) -> str:
        return "Use only words whose length in letters is a prime number."


@register
class Repeats(Constraint):
    id = "words:repeats"
    summary = "No word (lower-cased, punctuation removed) appears more than N times."
    params = (Param("small_n", "int", "the most times any word may appear", minimum=0),)

    small_n: int

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        counts = Counter(response.lower().translate(_NO_PUNCT).split())
        if not counts:
            return True, "no words, so nothing repeats"
        over = [word for word, n in counts.items() if n > self.small_n]
        word, most = counts.most_common(1)[0]
        found = f"{quote(word)} appears {plural(most, 'time')}"
        if over:
            others = f" ({plural(len(over), 'word')} over the limit)" if len(over) > 1 else ""
            return False, f"{found}{others}; no word may appear more than {self.small_n} times"
        return True, f"the most repeated word {found}; at most {self.small_n} allowed"

    def describe(self) -> str:
        return f"Do not use any word more than {self.small_n} times."


# --- syllables -----------------------------------------------------------------------------


@register
class OddEvenSyllables(Constraint):
    id = "words:odd_even_syllables"
    summary = "Words alternate between odd and even syllable counts (syllapy's counts)."
    cost = 1.0

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        from adhere.text.syllables import SyllableDataError, count

        words = response.translate(_NO_PUNCT).lower().split()
        known: dict[str, int] = {}
        previous = -1
        for index, word in enumerate(words):
            syllables = known.get(word, -1)
            if syllables < 0:
                try:
                    syllables = known[word] = count(word)
                except SyllableDataError as error:
                    return None, str(error)
            if index and syllables % 2 == previous % 2:
                parity = "odd" if syllables % 2 else "even"
                before = words[index - 1]
                return False, (
                    f"words {index} and {index + 1} ({quote(before)}: "
                    f"{plural(previous, 'syllable')}, {quote(word)}: "
                    f"{plural(syllables, 'syllable')}) are both {parity} "
                    f"({_where(response, index)})"
                )
            previous = syllables
        return True, f"{plural(len(words), 'word')} alternate odd and even syllable counts"

    def describe(self) -> str:
        return (
            "Alternate between words with an odd number of syllables and words with an even number."
        )


# --- first and last words ------------------------------------------------------------------


def _punctuation_note(one: str, other: str) -> str:
    """A hint when two words differ only by punctuation that the check keeps."""
    if one.strip(_PUNCT).lower() == other.strip(_PUNCT).lower():
        return " (punctuation next to a word inside the text counts as part of it)"
    return ""


@register
class LastFirst(Constraint):
    id = "words:last_first"
    summary = "Each sentence (Punkt) starts with the word the previous sentence ended with."
    cost = 1.0
    work_group = "sentences"

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        spans = sentence_spans(response)
        strip = PUNCTUATION_AND_SPACE
        for number, ((start, end), (next_start, next_end)) in enumerate(pairwise(spans), start=1):
            last = response[start:end].rstrip(strip).split()
            first = response[next_start:next_end].lstrip(strip).split()
            if not last or not first:
                empty = number if not last else number + 1
                span = spans[empty - 1]
                return False, (
                    f"sentence {empty} has no words once punctuation is stripped "
                    f"({at(response, *span)})"
                )
            if last[-1].lower() != first[0].lower():
                note = _punctuation_note(last[-1], first[0])
                return False, (
                    f"sentence {number} ends with {quote(last[-1])} but sentence {number + 1} "
                    f"starts with {quote(first[0])}{note} (line {line_of(response, next_start)})"
                )
        return True, f"{plural(len(spans), 'sentence')}, each starting with the last word before"

    def describe(self) -> str:
        return "Begin each sentence with the word that ended the sentence before it."


@register
class ParagraphLastFirst(Constraint):
    id = "words:paragraph_last_first"
    summary = "Each non-empty line ends with the word it starts with (case-insensitive)."

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        strip = PUNCTUATION_AND_SPACE
        checked = 0
        for number, line in enumerate(response.split("\n"), start=1):
            words = line.strip().lower().strip(strip).split()
            if not words:
                continue
            checked += 1
            if words[0] != words[-1]:
                note = _punctuation_note(words[0], words[-1])
                return False, (
                    f"line {number} starts with {quote(words[0])} but ends with "
                    f"{quote(words[-1])}{note}"
                )
        return True, f"{plural(checked, 'non-empty line')}, each ending with its first word"

    def describe(self) -> str:
        return (
            "End every paragraph with the same word it begins with, and put each paragraph on "
            "its own line."
        )


@register
class StartVerb(Constraint):
    id = "words:start_verb"
    summary = "The first token (NLTK tokens) gets a verb tag (VB*) from NLTK's POS tagger."
    cost = 20.0
    work_group = "tokens"

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        from adhere.text.postag import first_token_tag

        first = first_token_tag(response)
        if first is None:
            return False, "no tokens, so no first word to tag"
        token, tag = first
        if "VB" in tag:
            return True, f"the first token {quote(token)} is tagged {tag}, a verb tag"
        return False, f"the first token {quote(token)} is tagged {tag}, not a verb tag (VB*)"

    def describe(self) -> str:
        return "Begin your answer with a verb."


# --- words at positions --------------------------------------------------------------------


def _is_word(token: str) -> bool:
    return any(char.isalnum() for char in token)


@register
class KeywordsSpecificPosition(Constraint):
    id = "words:keywords_specific_position"
    summary = "Word m (NLTK tokens, punctuation skipped) of sentence n is the keyword."
    params = (
        _keyword_param(),
        Param("n", "int", "the sentence (1-based)", minimum=1),
        Param("m", "int", "the word within that sentence (1-based)", minimum=1),
    )
    cost = 4.0
    work_group = "tokens"

    keyword: str
    n: int
    m: int

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        spans = sentence_spans(response)
        if len(spans) < self.n:
            return False, (
                f"only {plural(len(spans), 'sentence')}; the keyword belongs in sentence {self.n}"
            )
        start, end = spans[self.n - 1]
        words = [token for token in word_tokenize(response[start:end]) if _is_word(token)]
        where = f"line {line_of(response, start)}"
        if len(words) < self.m:
            return False, (
                f"sentence {self.n} ({where}) has {plural(len(words), 'word')}; the keyword "
                f"belongs at word {self.m}"
            )
        word = words[self.m - 1]
        if word.lower() == self.keyword.lower():
            return True, f"word {self.m} of sentence {self.n} ({where}) is {quote(word)}"
        return False, (
            f"word {self.m} of sentence {self.n} ({where}) is {quote(word)}, not "
            f"{quote(self.keyword)}"
        )

    def describe(self) -> str:
        return f"Use the word {self.keyword!r} as word number {self.m} of sentence number {self.n}."


@register
class WordsPosition(Constraint):
    id = "words:words_position"
    summary = "The second word and the second-to-last word (NLTK tokens) are both the keyword."
    params = (_keyword_param(),)
    cost = 4.0
    work_group = "tokens"

    keyword: str

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        tokens = word_tokenize(response)
        note = ""
        kind = "token"
        late = -2
        if context.compat == "corrected":
            tokens = [token for token in tokens if _is_word(token)]
            kind = "word"
        elif tokens and tokens[-1] in _PUNCT:
            # The reference counts punctuation tokens as words, and steps over one only when
            # it is the last token (and a substring of ASCII punctuation, such as '.' or '()').
            late = -3
            note = f" (not counting the final {quote(tokens[-1])})"
        if len(tokens) < -late:
            return False, f"only {plural(len(tokens), kind)}; needs at least {-late}"
        second, near_end = tokens[1], tokens[late]
        keyword = self.keyword.lower()
        found = (
            f"the second {kind} is {quote(second)} and the second-to-last is "
            f"{quote(near_end)}{note}"
        )
        if second.lower() == near_end.lower() == keyword:
            return True, found
        return False, f"{found}; both must be {quote(self.keyword)}"

    def describe(self) -> str:
        return (
            f"Make {self.keyword!r} both the second word of your answer and the second-to-last "
            "word."
        )
