"""``punctuation:no_comma``: no ASCII commas."""

from __future__ import annotations

from adhere.constraints.base import CheckContext, Constraint, Outcome, register
from adhere.text.locate import around, plural


@register
class NoComma(Constraint):
    id = "punctuation:no_comma"
    summary = "No ASCII comma ',' anywhere (the full-width '，' is allowed)."

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        first = response.find(",")
        if first < 0:
            return True, "no commas"
        count = response.count(",")
        return False, f"found {plural(count, 'comma')}, the first at {around(response, first)}"

    def describe(self) -> str:
        return "Do not use any commas anywhere in your answer."
