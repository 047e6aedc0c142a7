"""``combination:*``: two different responses, or the prompt repeated before the answer."""

from __future__ import annotations

from adhere.constraints.base import CheckContext, Constraint, Outcome, Param, register
from adhere.text.locate import quote


@register
class TwoResponses(Constraint):
    id = "combination:two_responses"
    summary = "Exactly two different non-empty responses separated by ******."

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        pieces = response.split("******")
        answers = []
        for index, piece in enumerate(pieces):
            if piece.strip():
                answers.append(piece)
            elif index not in (0, len(pieces) - 1):
                return False, f"piece {index + 1} between two ****** separators is empty"
        if len(answers) != 2:
            return False, f"{len(answers)} non-empty pieces separated by ******; needs exactly 2"
        if answers[0].strip() == answers[1].strip():
            return False, "the two responses are identical"
        return True, "two different responses separated by ******"

    def describe(self) -> str:
        return "Give two different answers, separated by six asterisks (******) and nothing else."


@register
class RepeatPrompt(Constraint):
    id = "combination:repeat_prompt"
    summary = "Starts by repeating the given request word for word (case-insensitive)."
    params = (Param("prompt_to_repeat", "str", "the request to repeat before answering"),)

    prompt_to_repeat: str

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        text = response.strip().lower()
        wanted = self.prompt_to_repeat.strip().lower()
        if text.startswith(wanted):
            return True, "begins with the request, repeated word for word"
        differ = next(
            (i for i, (a, b) in enumerate(zip(text, wanted, strict=False)) if a != b),
            min(len(text), len(wanted)),
        )
        return False, (
            f"differs from the request at character {differ + 1}: "
            f"{quote(text[differ : differ + 20])} vs {quote(wanted[differ : differ + 20])}"
        )

    def describe(self) -> str:
        return (
            "First repeat the request below word for word without any change, then give your "
            f"answer (say nothing before it; do not repeat this sentence): {self.prompt_to_repeat}"
        )
