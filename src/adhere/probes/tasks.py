"""Samples taken apart into their task and their instructions, so probes can put them back
together differently (instructions reworded, moved, added level by level, spread over turns).

Only samples whose parts are known can be taken apart: those of ``adhere-core`` made of a base
task and plain constraints (not the ones whose instruction quotes the request, such as
``combination:repeat_prompt``, nor the standalone ``custom`` tasks). Other suites' prompts are
one piece of text; probes that need the parts say how many samples they had to leave out.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from adhere.core.frozen import frozen
from adhere.core.types import ConstraintSpec, Message, Sample
from adhere.scoring.evaluate import build
from adhere.suites import core_rules
from adhere.suites.core_suite import Task, load_tasks

_QUOTES_REQUEST = (*core_rules.EMBEDS_REQUEST, "ratio:overlap")


@frozen
class Parts:
    """A sample taken apart. Fields: sample (the original), task (the request, with its
    passage), specs (the constraints, in the original's order), instructions (each
    constraint's instruction text, as the original says it)."""

    sample: Sample
    task: Task
    specs: tuple[ConstraintSpec, ...]
    instructions: tuple[str, ...]

    @property
    def request(self) -> str:
        """The task's request and passage, without instructions."""
        if self.task.passage is None:
            return self.task.text
        return f"{self.task.text}\n\n{self.task.passage}"


@lru_cache(maxsize=1)
def _tasks() -> dict[str, Task]:
    return {t.id: t for t in load_tasks()}


def take_apart(sample: Sample) -> Parts | None:
    """The sample's parts, or None where they are not known (see the module docstring)."""
    task_id = sample.metadata.get("task_id")
    if not isinstance(task_id, str) or task_id not in _tasks():
        return None
    if any(spec.id in _QUOTES_REQUEST for spec in sample.constraints):
        return None
    texts = tuple(build(spec, sample.prompt).describe() for spec in sample.constraints)
    return Parts(sample, _tasks()[task_id], sample.constraints, texts)


def split_suite(samples: Sequence[Sample]) -> tuple[list[Parts], int]:
    """Every sample that can be taken apart, and how many could not."""
    parts = [p for p in (take_apart(s) for s in samples) if p is not None]
    return parts, len(samples) - len(parts)


def compose(request: str, instructions: Sequence[str], where: str = "after") -> str:
    """A user message: the request with the instructions ``before`` or ``after`` it (the
    original layout is ``after``, joined as adhere-core joins them)."""
    if not instructions:
        return request
    said = " ".join(instructions)
    if where == "before":
        return f"{said}\n\n{request}"
    if "\n\n" in request:  # a passage: instructions go after it, on their own paragraph
        return f"{request}\n\n{said}"
    return f"{request} {said}"


def variant(
    parts: Parts,
    suffix: str,
    messages: Sequence[Message],
    specs: Sequence[ConstraintSpec],
    info: dict[str, object],
) -> Sample:
    """A variant of ``parts.sample``: id ``ORIGINAL~SUFFIX``, the original as parent, and
    ``info`` as its ``metadata["probe"]``."""
    original = parts.sample
    metadata = {**original.metadata, "probe": info}
    return Sample(
        id=f"{original.id}~{suffix}",
        suite=original.suite,
        messages=tuple(messages),
        constraints=tuple(specs),
        metadata=metadata,
        parent_id=original.id,
    )
