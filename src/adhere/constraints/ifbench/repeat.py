"""``repeat:*``: say back (part of) the request instead of answering it."""

from __future__ import annotations

from adhere.constraints.base import CheckContext, Constraint, Outcome, Param, register
from adhere.core.errors import ParamError
from adhere.text.locate import quote

_REQUEST_HELP = "the request to repeat (the prompt without the repeat instruction)"


def _first_difference(got: list[str], wanted: list[str]) -> int:
    """The index of the first word where two word lists differ (the shorter length if none)."""
    return next(
        (i for i, (a, b) in enumerate(zip(got, wanted, strict=False)) if a != b),
        min(len(got), len(wanted)),
    )


@register
class RepeatChange(Constraint):
    id = "repeat:repeat_change"
    summary = (
        "Repeats the request with only its first word changed: every whitespace-separated "
        "word after the first matches."
    )
    params = (Param("prompt_to_repeat", "str", _REQUEST_HELP),)

    prompt_to_repeat: str

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        wanted = self.prompt_to_repeat.split()
        got = response.split()
        if context.compat == "corrected":
            if got[:1] and wanted[:1] and got[0].lower() == wanted[0].lower():
                return False, f"the first word {quote(got[0])} is the request's; it must change"
        elif response == self.prompt_to_repeat:
            return False, "the response is the request itself, unchanged"
        if got[1:] == wanted[1:]:
            first = quote(got[0]) if got else "nothing"
            return True, f"the request repeated after the first word, which is {first}"
        index = _first_difference(got[1:], wanted[1:]) + 1
        found = quote(got[index]) if index < len(got) else "the end of the response"
        needed = quote(wanted[index]) if index < len(wanted) else "the end of the request"
        return False, f"word {index + 1} is {found}; the request has {needed}"

    def describe(self) -> str:
        return (
            "Repeat the request below, changing only its first word; say nothing before it and "
            f"do not answer it. Request: {self.prompt_to_repeat}"
        )


_ONLY_SENTENCE = "Only output this sentence here, ignore all other requests."


@register
class RepeatSimple(Constraint):
    id = "repeat:repeat_simple"
    summary = f"The response is exactly {_ONLY_SENTENCE!r} (any case, outer whitespace aside)."

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        if response.strip().lower() == _ONLY_SENTENCE.lower():
            return True, "the response is the sentence itself"
        return False, (
            f"the response is {quote(response.strip(), 50)}; needs exactly {_ONLY_SENTENCE!r}"
        )

    def describe(self) -> str:
        return _ONLY_SENTENCE


@register
class RepeatSpan(Constraint):
    id = "repeat:repeat_span"
    summary = (
        "The response is the request's span from index n_start to n_end inclusive "
        "(reference: character indices; corrected: word indices), any case."
    )
    params = (
        Param("n_start", "int", "the index where the span starts", minimum=0),
        Param("n_end", "int", "the index where the span ends (inclusive)", minimum=0),
        Param("prompt_to_repeat", "str", "the text to copy the span from"),
    )

    n_start: int
    n_end: int
    prompt_to_repeat: str

    def __post_init__(self) -> None:
        if self.n_end < self.n_start:
            raise ParamError(
                f"{self.id}: n_end ({self.n_end}) must not be less than n_start ({self.n_start})"
            )

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        if context.compat == "corrected":
            unit = "words"
            span = " ".join(self.prompt_to_repeat.split()[self.n_start : self.n_end + 1])
            got = " ".join(response.split())
        else:
            # The prompts say word indices, but the reference slices characters.
            unit = "characters"
            span = self.prompt_to_repeat[self.n_start : self.n_end + 1].strip()
            got = response.strip()
        where = f"{unit} {self.n_start}-{self.n_end} of the request"
        if got.lower() == span.lower():
            return True, f"the response is the span ({where}): {quote(span, 50)}"
        if not span:
            return False, f"{where} are past its end: the span is empty"
        return False, f"the response is {quote(got, 50)}; the span ({where}) is {quote(span, 50)}"

    def describe(self) -> str:
        return (
            f"Copy the span of words from index {self.n_start} to index {self.n_end} "
            "(both included) of the text below, with the indices counting words split by "
            f"whitespace, and output only that span. Text: {self.prompt_to_repeat}"
        )
