"""``change_case:*``: all capitals, all lowercase, or a count of all-capital words."""

from __future__ import annotations

from adhere.constraints.base import (
    CheckContext,
    Constraint,
    Outcome,
    bound,
    counted,
    register,
    threshold_params,
)
from adhere.constraints.ifeval.language import undetectable
from adhere.text.langid import detect_language
from adhere.text.locate import around, plural
from adhere.text.treebank import word_tokenize


def _first_cased_offender(text: str, upper: bool) -> int:
    """The index of the first character that breaks all-upper (or all-lower) case, or -1."""
    for index, char in enumerate(text):
        titlecase = char.istitle() and not char.isupper()
        if titlecase or (char.islower() if upper else char.isupper()):
            return index
    return -1


def _case_and_english(response: str, context: CheckContext, upper: bool) -> Outcome:
    ok_case = response.isupper() if upper else response.islower()
    case_word = "upper" if upper else "lower"
    if not ok_case:
        index = _first_cased_offender(response, upper)
        if index < 0:
            return False, f"has no cased letters, so it is not all {case_word}case"
        return False, f"not all {case_word}case: {around(response, index)}"
    detected = detect_language(response)
    if detected is None:
        return undetectable(context)
    return detected == "en", f"all {case_word}case; language detected {detected!r}, needs 'en'"


@register
class EnglishCapital(Constraint):
    id = "change_case:english_capital"
    summary = "The response is all capital letters (str.isupper) and detected as English."
    cost = 20.0
    work_group = "language"

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        return _case_and_english(response, context, upper=True)

    def describe(self) -> str:
        return "Answer in English, using only capital letters."


@register
class EnglishLowercase(Constraint):
    id = "change_case:english_lowercase"
    summary = "The response is all lowercase (str.islower) and detected as English."
    cost = 20.0
    work_group = "language"

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        return _case_and_english(response, context, upper=False)

    def describe(self) -> str:
        return "Answer in English, using only lowercase letters; no capitals at all."


@register
class CapitalWordFrequency(Constraint):
    id = "change_case:capital_word_frequency"
    summary = "All-capital words (NLTK word tokens with isupper) number fewer than / at least N."
    params = threshold_params("capital_frequency", "capital_relation")
    cost = 4.0
    work_group = "sentences"

    capital_frequency: int
    capital_relation: str

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        capitals = [token for token in word_tokenize(response) if token.isupper()]
        shown = ", ".join(repr(t) for t in capitals[:5]) + (", …" if len(capitals) > 5 else "")
        found = plural(len(capitals), "all-capital word") + (f" ({shown})" if capitals else "")
        return counted(len(capitals), self.capital_relation, self.capital_frequency, found)

    def describe(self) -> str:
        how = bound(self.capital_relation)
        return (
            f"Use words written entirely in capital letters {how} {self.capital_frequency} times."
        )
