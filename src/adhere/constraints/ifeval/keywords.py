"""``keywords:*``: keywords that must or must not appear, and how often."""

from __future__ import annotations

from adhere.constraints.base import (
    CheckContext,
    Constraint,
    Outcome,
    Param,
    bound,
    counted,
    register,
    threshold_params,
)
from adhere.constraints.userregex import Searcher, keyword_pattern, literal_word, word_pattern
from adhere.core.errors import ParamError
from adhere.text.locate import at, plural


def _keyword_pattern(keyword: str, context: CheckContext) -> tuple[Searcher, str]:
    """The pattern the reference would search with, and a note when it differs."""
    if context.compat == "corrected":
        return literal_word(keyword), ""
    pattern, valid = keyword_pattern(keyword)
    return pattern, "" if valid else " (not a valid regex; matched literally)"


@register
class Existence(Constraint):
    id = "keywords:existence"
    summary = "Every listed keyword appears (case-insensitive; as a regex, inside words too)."
    params = (Param("keywords", "str_list", "the keywords that must all appear"),)

    keywords: tuple[str, ...]

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        found = []
        for keyword in sorted(self.keywords):
            pattern, note = _keyword_pattern(keyword, context)
            match = pattern.search(response)
            if match is None:
                return False, f"keyword {keyword!r} not found{note}"
            found.append(f"{keyword!r} at {at(response, match.start(), match.end())}")
        return True, "found " + "; ".join(found)

    def describe(self) -> str:
        listed = ", ".join(repr(k) for k in sorted(self.keywords))
        return f"Make sure your answer uses each of these keywords: {listed}."


@register
class Frequency(Constraint):
    id = "keywords:frequency"
    summary = "A keyword appears fewer than / at least N times (case-insensitive regex)."
    params = (
        Param("keyword", "str", "the keyword to count", strip=True),
        *threshold_params("frequency", "relation"),
    )

    keyword: str
    frequency: int
    relation: str

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        pattern, note = _keyword_pattern(self.keyword, context)
        first = None
        count = 0
        for match in pattern.finditer(response):
            if first is None:
                first = match
            count += 1
        where = "" if first is None else f", first at {at(response, first.start(), first.end())}"
        found = f"{self.keyword!r} appears {plural(count, 'time')}{where}{note}"
        return counted(count, self.relation, self.frequency, found)

    def describe(self) -> str:
        return f"Use the word {self.keyword!r} {bound(self.relation)} {self.frequency} times."


@register
class ForbiddenWords(Constraint):
    id = "keywords:forbidden_words"
    summary = "None of the listed words appears as a whole word (case-insensitive)."
    params = (Param("forbidden_words", "str_list", "the words that must not appear"),)

    forbidden_words: tuple[str, ...]

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        for word in sorted(set(self.forbidden_words)):
            pattern: Searcher
            if context.compat == "corrected":
                pattern, note = literal_word(word), ""
            else:
                pattern, valid = word_pattern(word)
                note = "" if valid else " (not a valid regex; matched literally)"
            match = pattern.search(response)
            if match is not None:
                where = at(response, match.start(), match.end())
                return False, f"forbidden word {word!r} at {where}{note}"
        return True, f"none of {len(set(self.forbidden_words))} forbidden words appears"

    def describe(self) -> str:
        listed = ", ".join(repr(w) for w in sorted(set(self.forbidden_words)))
        return f"Do not use any of these words: {listed}."


@register
class LetterFrequency(Constraint):
    id = "keywords:letter_frequency"
    summary = "A letter (case-insensitive) appears fewer than / at least N times."
    params = (
        Param("letter", "str", "a single character, counted case-insensitively"),
        *threshold_params("let_frequency", "let_relation"),
    )

    letter: str
    let_frequency: int
    let_relation: str

    def __post_init__(self) -> None:
        if len(self.letter) != 1:
            raise ParamError(
                f"{self.id}: param 'letter' expects a single character; found {self.letter!r}"
            )

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        # The reference lower-cases both sides and counts characters. (One reference version
        # swaps a non a-z letter for a random one; adhere counts the literal character, which is
        # what the newest reference does and what the published verdicts say.)
        letter = self.letter.strip().lower()
        count = response.lower().count(letter) if len(letter) == 1 else 0
        found = f"{letter!r} occurs {plural(count, 'time')}"
        return counted(count, self.let_relation, self.let_frequency, found)

    def describe(self) -> str:
        how = bound(self.let_relation)
        return f"The letter {self.letter!r} should appear {how} {self.let_frequency} times."
