"""``startend:*``: how the response ends, and quotation marks around it."""

from __future__ import annotations

from adhere.constraints.base import CheckContext, Constraint, Outcome, Param, register
from adhere.text.locate import quote


@register
class EndChecker(Constraint):
    id = "startend:end_checker"
    summary = 'Ends with the phrase (case-insensitive; outer whitespace and " ignored).'
    params = (Param("end_phrase", "str", "the phrase the response must end with", strip=True),)

    end_phrase: str

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        text = response.strip().strip('"').lower()
        phrase = self.end_phrase.strip().lower()
        if text.endswith(phrase):
            return True, f"ends with {quote(phrase)}"
        return False, f"ends with {quote(text[-max(len(phrase), 20) :])}; needs {quote(phrase)}"

    def describe(self) -> str:
        return f"End your answer with exactly this phrase: {self.end_phrase} Nothing may follow it."


@register
class Quotation(Constraint):
    id = "startend:quotation"
    summary = "The whole response is wrapped in ASCII double quotes (curly quotes fail)."

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        text = response.strip()
        if len(text) > 1 and text[0] == '"' and text[-1] == '"':
            return True, "starts and ends with a double quote"
        first, last = (quote(text[0]), quote(text[-1])) if text else ("nothing", "nothing")
        return False, f"starts with {first} and ends with {last}; needs '\"' at both ends"

    def describe(self) -> str:
        return "Wrap your entire answer in double quotation marks."
