"""Verdicts for (sample, response) pairs in strict and loose mode, as the references score them.

- Strict: an instruction fails without calling its check when ``response.strip()`` is empty.
- Loose: an instruction passes if it passes on any non-empty loose variant of the response
  (:func:`adhere.text.variants.loose_variants`); each instruction is tried on its own.
- A check that raises never takes the other verdicts down: that one verdict is undecided
  (``passed=None``) with the reason, and the rest of the prompt is scored.
- A missing response (``None``) fails every instruction with the evidence ``no response``.
"""

from __future__ import annotations

from collections.abc import Sequence

from adhere.constraints.base import CONSTRAINTS, CheckContext, Compat, Constraint
from adhere.core.frozen import frozen
from adhere.core.types import ConstraintSpec, Mode, Sample, Verdict
from adhere.text.variants import Variant, loose_variants

NO_RESPONSE = "no response"
EMPTY_RESPONSE = "empty response"


@frozen
class PromptResult:
    """One sample's verdicts in one mode.

    Fields:
        sample: the sample that was scored.
        response: the response text, or None where no response was found.
        mode: ``strict`` or ``loose``.
        verdicts: one verdict per constraint of the sample, in order.
    """

    sample: Sample
    response: str | None
    mode: Mode
    verdicts: tuple[Verdict, ...]

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


def score_sample(
    sample: Sample,
    constraints: Sequence[Constraint],
    response: str | None,
    compat: Compat = "reference",
) -> tuple[PromptResult, PromptResult]:
    """The strict and the loose result for one sample."""
    if response is None:
        strict_v = tuple(Verdict(c.id, False, NO_RESPONSE, "strict") for c in constraints)
        loose_v = tuple(Verdict(c.id, False, NO_RESPONSE, "loose") for c in constraints)
    else:
        strict_v = tuple(check_strict(c, response, compat) for c in constraints)
        variants = loose_variants(response)
        loose_v = tuple(
            check_loose(c, variants, compat, strict=s)
            for c, s in zip(constraints, strict_v, strict=True)
        )
    return (
        PromptResult(sample, response, "strict", strict_v),
        PromptResult(sample, response, "loose", loose_v),
    )
