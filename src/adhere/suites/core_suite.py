"""``adhere-core``: adhere's own suite, generated from the constraint library and base tasks.

Every sample is one base task (``data/core_tasks.jsonl``, written for adhere) with one to three
constraints; the user message is the task followed by each constraint's instruction text, as
its ``describe()`` renders it. Params come from the table in :mod:`adhere.suites.core_rules`,
filled from the task where they need its words, its text or the request. Constraints whose
instruction is a task of its own (IFBench's ``custom`` family) make samples by themselves.

Generation is deterministic: the same seed gives byte-identical samples on any machine and under
any ``PYTHONHASHSEED``. Constraints are drawn least-used first, so every id is used about equally
often; no two constraints that :mod:`~adhere.suites.core_rules` declares in conflict share a
sample. Bump :data:`VERSION` whenever the output changes (tasks, tables or this code).
"""

from __future__ import annotations

import random
from functools import lru_cache
from pathlib import Path
from typing import Any

from adhere.constraints.base import CONSTRAINTS, Constraint
from adhere.core.errors import InputError
from adhere.core.frozen import frozen
from adhere.core.types import ConstraintSpec, Message, Sample, StrPath
from adhere.suites import core_rules as rules
from adhere.suites.jsonl import read_jsonl

NAME = "adhere-core"
VERSION = "1"
"""The suite's version: part of every run's identity, so bump it when generation changes."""

SEED = 20250704
ROUNDS = 2
"""How many samples each base task makes."""

SIZE_WEIGHTS = {1: 1, 2: 2, 3: 1}
"""How often a sample gets one, two or three constraints."""

MAX_DRAWS = 50

TASKS_FILE = Path(__file__).parent / "data" / "core_tasks.jsonl"

_OVERLAP = "ratio:overlap"
_REPEAT_PROMPT = "combination:repeat_prompt"


@frozen
class Task:
    """One base task.

    Fields:
        id: unique, e.g. ``t001``.
        category: what kind of request it is (``explain``, ``question``, ``summarise``, …);
            ``question`` tasks are yes/no questions.
        text: the request.
        keywords: five topical words a good answer could use.
        avoid: two words a natural answer would use (for forbidden-word instructions).
        passage: the text to work on (summaries, rewrites), or None.
    """

    id: str
    category: str
    text: str
    keywords: tuple[str, ...]
    avoid: tuple[str, ...]
    passage: str | None = None


def _words(
    record: dict[str, Any], name: str, count: int, where: tuple[str, int]
) -> tuple[str, ...]:
    value = record.get(name)
    if (
        not isinstance(value, list)
        or len(value) != count
        or not all(isinstance(w, str) and w.isalpha() and w.islower() for w in value)
    ):
        raise InputError(
            f"expected {count} lowercase words, found {value!r}",
            path=where[0],
            line=where[1],
            field=name,
        )
    return tuple(value)


def load_tasks(path: StrPath = TASKS_FILE) -> tuple[Task, ...]:
    """The base tasks in ``path``, validated (errors name the file, line and field)."""
    name = str(path)
    tasks: list[Task] = []
    seen: set[str] = set()
    for line, record in read_jsonl(name):
        where = (name, line)
        for field in ("id", "category", "task"):
            if not isinstance(record.get(field), str) or not record[field]:
                raise InputError("expected a non-empty string", path=name, line=line, field=field)
        passage = record.get("passage")
        if passage is not None and not isinstance(passage, str):
            raise InputError("expected a string", path=name, line=line, field="passage")
        task = Task(
            record["id"],
            record["category"],
            record["task"],
            _words(record, "keywords", 5, where),
            _words(record, "avoid", 2, where),
            passage,
        )
        if task.id in seen:
            raise InputError(f"duplicate task id {task.id!r}", path=name, line=line, field="id")
        if passage is None and len(task.text.split()) < rules.MIN_TASK_WORDS:
            raise InputError(
                f"expected at least {rules.MIN_TASK_WORDS} words (to quote spans of it), "
                f"found {len(task.text.split())}",
                path=name,
                line=line,
                field="task",
            )
        seen.add(task.id)
        tasks.append(task)
    return tuple(tasks)


def conflict_table(ids: list[str]) -> dict[str, frozenset[str]]:
    """For each id, the ids it must not share a sample with: :func:`core_rules.conflicting`
    expanded once over ``ids`` (checking pairs one by one would cost more than generating)."""
    out: dict[str, set[str]] = {i: {i} for i in ids}

    def expand(pattern: str) -> list[str]:
        return [i for i in ids if rules.matches(pattern, i)]

    def add(a: str, b: str) -> None:
        out[a].add(b)
        out[b].add(a)

    for pattern in rules.EXCLUSIVE:
        for a in expand(pattern):
            for b in ids:
                add(a, b)
    for members in rules.GROUPS.values():
        for a in members:
            for b in members:
                add(a, b)
    for x, y in rules.CONFLICTS:
        for a in expand(x):
            for b in expand(y):
                add(a, b)
    for a, allowed in rules.ONLY_WITH.items():
        for b in ids:
            if b not in allowed:
                add(a, b)
    return {i: frozenset(found) for i, found in out.items()}


def _fits(constraint_id: str, task: Task) -> bool:
    need = rules.REQUIRES.get(constraint_id)
    if need == "question":
        return task.category == "question"
    if need == "passage":
        return task.passage is not None
    if need == "no_passage":
        return task.passage is None
    return True


def _rare_letter(task: Task) -> str:
    used = " ".join((task.text, task.passage or "", *task.keywords, *task.avoid)).lower()
    return next((c for c in rules.RARE_LETTERS if c not in used), rules.RARE_LETTERS[0])


def _fill(value: Any, task: Task) -> Any:
    """``value`` with its placeholders filled from ``task`` (``@request`` is left for later)."""
    if isinstance(value, list):
        return [_fill(v, task) for v in value]
    if not isinstance(value, str) or not value.startswith("@") or value == "@request":
        return value
    if value.startswith("@kw"):
        return task.keywords[int(value[3:])]
    if value.startswith("@avoid"):
        return task.avoid[int(value[6:])]
    if value == "@rare":
        return _rare_letter(task)
    if value == "@passage":
        if task.passage is None:
            raise ValueError(f"task {task.id} has no passage")
        return task.passage
    if value == "@task":
        return task.text
    raise ValueError(f"unknown placeholder {value!r}")


def fits(constraint_id: str, task: Task) -> bool:
    """Whether ``task`` has what the constraint needs (``core_rules.REQUIRES``)."""
    return _fits(constraint_id, task)


def fill_params(params: dict[str, Any], task: Task) -> dict[str, Any]:
    """``params`` (a row of ``core_rules.PARAMS``) with their placeholders filled from ``task``
    (``@request`` is left for the caller)."""
    return {name: _fill(value, task) for name, value in params.items()}


def _build(constraint_id: str, params: dict[str, Any]) -> Constraint:
    return CONSTRAINTS.get(constraint_id).from_params(params)


def _body(task: Task, instructions: list[str]) -> str:
    if task.passage is not None:
        tail = "\n\n" + " ".join(instructions) if instructions else ""
        return f"{task.text}\n\n{task.passage}{tail}"
    return " ".join([task.text, *instructions])


def _compose(
    task: Task, picks: list[tuple[str, dict[str, Any]]]
) -> tuple[str, list[ConstraintSpec]]:
    """The user message and the specs, in the order their instructions appear."""
    plain = [(c, p) for c, p in picks if c not in rules.EMBEDS_REQUEST and c != _OVERLAP]
    last = [(c, p) for c, p in picks if c in rules.EMBEDS_REQUEST or c == _OVERLAP]
    texts = [_build(c, p).describe() for c, p in plain]
    if not last:
        content = _body(task, texts)
    else:
        cid, params = last[0]
        if cid == _OVERLAP:
            # The reference text is quoted by the instruction; it stands in for the passage.
            texts.append(_build(cid, params).describe())
            content = f"{task.text}\n\n" + " ".join(texts)
        else:
            if cid == _REPEAT_PROMPT:
                params = {**params, "prompt_to_repeat": _body(task, texts)}
            content = _build(cid, params).describe()
        last = [(cid, params)]
    return content, [ConstraintSpec(c, p) for c, p in [*plain, *last]]


class _Picker:
    """Draws constraints least-used first, respecting tasks' needs and declared conflicts."""

    def __init__(self, ids: list[str], rng: random.Random) -> None:
        self.ids = ids
        self.rng = rng
        self.conflicts = conflict_table(ids)
        self.exclusive = frozenset(i for i in ids if rules.is_exclusive(i))
        self.used = dict.fromkeys(ids, 0)
        self._fitting: dict[str, list[str]] = {}

    def pick(self, task: Task, size: int, banned: set[str]) -> list[str]:
        if task.id not in self._fitting:
            self._fitting[task.id] = [i for i in self.ids if _fits(i, task)]
        chosen: list[str] = []
        blocked = set(banned)
        for _ in range(size):
            options = [i for i in self._fitting[task.id] if i not in blocked]
            if not options:
                break
            least = min(self.used[i] for i in options)
            choice = self.rng.choice([i for i in options if self.used[i] == least])
            chosen.append(choice)
            if choice in self.exclusive:
                break
            blocked |= self.conflicts[choice] | self.exclusive
        return chosen

    def accept(self, chosen: list[str]) -> None:
        for choice in chosen:
            self.used[choice] += 1


def _draw(
    task: Task, picker: _Picker, rng: random.Random, seen: set[str]
) -> tuple[str, list[ConstraintSpec]]:
    """Constraints for ``task`` and the message they make, drawn again while the message repeats
    an earlier one (two identical requests would be one response in the run store): the first
    constraint of a repeated draw is left out of the next."""
    sizes, weights = list(SIZE_WEIGHTS), list(SIZE_WEIGHTS.values())
    banned: set[str] = set()
    for _ in range(MAX_DRAWS):
        chosen = picker.pick(task, rng.choices(sizes, weights)[0], banned)
        if not chosen:
            break
        picks = [
            (c, {k: _fill(v, task) for k, v in rng.choice(rules.PARAMS[c]).items()}) for c in chosen
        ]
        content, specs = _compose(task, picks)
        if content not in seen:
            picker.accept(chosen)
            return content, specs
        banned.add(chosen[0])
    raise RuntimeError(f"no new sample for task {task.id} in {MAX_DRAWS} draws")


def generate(seed: int = SEED, tasks: tuple[Task, ...] | None = None) -> tuple[Sample, ...]:
    """The samples of ``adhere-core`` for ``seed`` (the suite is ``generate()``)."""
    tasks = load_tasks() if tasks is None else tasks
    every = sorted(CONSTRAINTS)
    missing = sorted(set(every) ^ set(rules.PARAMS))
    if missing:
        raise RuntimeError(f"core_rules.PARAMS and the constraint library differ on {missing}")
    rng = random.Random(seed)
    standalone = [i for i in every if rules.is_standalone(i)]
    picker = _Picker([i for i in every if not rules.is_standalone(i)], rng)
    slots: list[Task | str] = [t for _ in range(ROUNDS) for t in tasks]
    slots += standalone
    rng.shuffle(slots)
    samples: list[Sample] = []
    seen: set[str] = set()
    for number, slot in enumerate(slots, start=1):
        sample_id = f"core-{number:04d}"
        if isinstance(slot, str):
            params = dict(rng.choice(rules.PARAMS[slot]))
            content = _build(slot, params).describe()
            specs = [ConstraintSpec(slot, params)]
            meta: dict[str, Any] = {"task_id": None, "category": "standalone"}
        else:
            content, specs = _draw(slot, picker, rng, seen)
            meta = {"task_id": slot.id, "category": slot.category}
        seen.add(content)
        samples.append(Sample(sample_id, NAME, (Message("user", content),), tuple(specs), meta))
    return tuple(samples)


@lru_cache(maxsize=1)
def core_samples() -> tuple[Sample, ...]:
    """The suite's samples (generated once per process)."""
    return generate()
