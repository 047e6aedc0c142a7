"""Verdicts for (sample, response) pairs in strict and loose mode, as the references score them.

- Strict: an instruction fails without calling its check when ``response.strip()`` is empty.
- Loose: an instruction passes if it passes on any non-empty loose variant of the response
  (:func:`adhere.text.variants.loose_variants`); each instruction is tried on its own.
- A check that raises never takes the other verdicts down: that one verdict is undecided
  (``passed=None``) with the reason, and the rest of the prompt is scored.
- A missing response (``None``) fails every instruction with the evidence ``no response``.
- A reasoning model's trace (``<think>`` … ``</think>`` by default) is cut off and only the final
  answer is scored; a trace that never closes fails every instruction with the evidence
  ``unterminated reasoning`` (:mod:`adhere.text.reasoning`).
"""

from __future__ import annotations

from collections.abc import Sequence

from adhere.constraints.base import CONSTRAINTS, CheckContext, Compat, Constraint
from adhere.core.frozen import frozen
from adhere.core.types import ConstraintSpec, Mode, Sample, Verdict
from adhere.text.reasoning import DEFAULT_TAGS, ReasoningStatus, ReasoningTags, final_answer
from adhere.text.variants import Variant, loose_variants

NO_RESPONSE = "no response"
EMPTY_RESPONSE = "empty response"
UNTERMINATED = "unterminated reasoning: the reasoning trace never closes, so there is no answer"


@frozen
class PromptResult:
    """One sample's verdicts in one mode.

    Fields:
        sample: the sample that was scored.
        response: the response text as given, or None where no response was found.
        mode: ``strict`` or ``loose``.
        verdicts: one verdict per constraint of the sample, in order.
        reasoning: whether the response carried a reasoning trace (``none``, ``closed``,
            ``unterminated``); with a closed trace only the answer after it was scored.
    """

    sample: Sample
    response: str | None
    mode: Mode
    verdicts: tuple[Verdict, ...]
    reasoning: ReasoningStatus = "none"

    @property
    def follow_instruction_list(self) -> list[bool]:
        """The references' booleans: an undecided verdict counts as not followed."""
        return [v.followed for v in self.verdicts]

    @property
    def follow_all_instructions(self) -> bool:
        return all(v.followed for v in self.verdicts)


def build(spec: ConstraintSpec, prompt: str | None = None) -> Constraint:
    """The constraint object for ``spec``; raises a clear error for bad ids and params.

    ``prompt`` is the text of the sample's prompt, for constraints that need it.
    """
    return CONSTRAINTS.get(spec.id).from_params(spec.params, prompt)


def _guarded(constraint: Constraint, text: str, context: CheckContext) -> Verdict:
    try:
        return constraint.check(text, context)
    except Exception as error:  # a checker bug must not wipe the other verdicts
        reason = f"check failed: {type(error).__name__}: {error}"
        return Verdict(constraint.id, None, reason[:500], context.mode)


def check_strict(constraint: Constraint, response: str, compat: Compat = "reference") -> Verdict:
    """The strict verdict: an empty response fails without running the check."""
    if not response.strip():
        return Verdict(constraint.id, False, EMPTY_RESPONSE, "strict")
    return _guarded(constraint, response, CheckContext("strict", compat))


def check_loose(
    constraint: Constraint,
    variants: Sequence[Variant],
    compat: Compat = "reference",
    strict: Verdict | None = None,
) -> Verdict:
    """The loose verdict over ``variants`` (the first is the response as given).

    ``strict``, when given, is the strict verdict on the response as given, reused instead of
    checking that variant again.
    """
    context = CheckContext("loose", compat)
    first: Verdict | None = None
    for index, variant in enumerate(variants):
        if not variant.text.strip():
            continue
        if index == 0 and strict is not None:
            verdict = Verdict(strict.constraint_id, strict.passed, strict.evidence, "loose")
        else:
            verdict = _guarded(constraint, variant.text, context)
        if verdict.passed:
            if index == 0:
                return verdict
            evidence = f"{verdict.evidence} (with {variant.name})"
            return Verdict(verdict.constraint_id, True, evidence, "loose")
        if first is None:
            first = verdict
    if first is None:
        return Verdict(constraint.id, False, EMPTY_RESPONSE, "loose")
    return first


def scored_text(
    response: str | None, reasoning: ReasoningTags | None = DEFAULT_TAGS
) -> tuple[str | None, ReasoningStatus]:
    """The text that is checked for ``response`` (None: nothing to check) and its trace status.

    ``reasoning`` None scores the whole response, tags and all.
    """
    if response is None or reasoning is None:
        return response, "none"
    answer = final_answer(response, reasoning)
    return answer.text, answer.status


def _failed(constraints: Sequence[Constraint], evidence: str, mode: Mode) -> tuple[Verdict, ...]:
    return tuple(Verdict(c.id, False, evidence, mode) for c in constraints)


def score_sample(
    sample: Sample,
    constraints: Sequence[Constraint],
    response: str | None,
    compat: Compat = "reference",
    reasoning: ReasoningTags | None = DEFAULT_TAGS,
) -> tuple[PromptResult, PromptResult]:
    """The strict and the loose result for one sample.

    ``reasoning``: the tags of a reasoning trace to cut off before checking (None: check the
    whole response).
    """
    text, status = scored_text(response, reasoning)
    if response is None:
        strict_v = _failed(constraints, NO_RESPONSE, "strict")
        loose_v = _failed(constraints, NO_RESPONSE, "loose")
    elif text is None:
        strict_v = _failed(constraints, UNTERMINATED, "strict")
        loose_v = _failed(constraints, UNTERMINATED, "loose")
    else:
        strict_v = tuple(check_strict(c, text, compat) for c in constraints)
        variants = loose_variants(text)
        loose_v = tuple(
            check_loose(c, variants, compat, strict=s)
            for c, s in zip(constraints, strict_v, strict=True)
        )
    return (
        PromptResult(sample, response, "strict", strict_v, status),
        PromptResult(sample, response, "loose", loose_v, status),
    )
