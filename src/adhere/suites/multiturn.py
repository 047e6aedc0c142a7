"""Multi-turn conversations: each turn a sample whose constraints are those in force at it.

Three file shapes are read, each a JSON Lines file (Multi-IF also as CSV), one conversation per
line; a conversation becomes one :class:`~adhere.suites.ifeval_files.Item` per turn and per
sampled response, with ``metadata`` ``conversation``, ``turn`` (1-based) and ``sample``
(0-based), so that the per-turn metrics of :mod:`adhere.scoring.multiturn` can group them.

- **Multi-IF** (``turn_k_prompt``, ``turn_k_instruction_id_list``, ``turn_k_kwargs`` for k = 1, 2,
  …, ``key``, ``language``). Its lists are cumulative: turn k already lists every instruction in
  force. Fields may be JSON-encoded strings (as in the published CSV); a prompt may be a
  ``{"role", "content"}`` object. Responses: ``turn_k_response`` (one) or ``turn_k_responses``
  (a list, N samples).
- **adhere turns** (``key``, ``turns``: a list of ``{prompt, instruction_id_list, kwargs,
  response | responses}``). Each turn lists only the instructions it adds; they stay in force for
  later turns (MMMT-IF's dispersed instructions). A later instruction with the same id replaces
  the earlier one. ``"instructions": "cumulative"`` on the line makes each turn's list complete,
  as in Multi-IF.
- IFBench's multi-turn set needs no loader of its own: its lines (``messages`` with the request,
  the model's answer and the constraint turn; ``instruction_id_list``, ``kwargs``) are single-turn
  samples with a longer conversation, read by :mod:`adhere.suites.ifeval_files`.

A turn with no response is scored as failed with the evidence ``no response``, never skipped.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from typing import Any

from adhere.constraints.base import Constraint
from adhere.core.errors import InputError, ParamError
from adhere.core.types import ConstraintSpec, Message, Sample, StrPath
from adhere.scoring.evaluate import build
from adhere.suites.ifeval_files import ErrorCollector, Item
from adhere.suites.jsonl import read_jsonl

_TURN_FIELD = re.compile(r"^turn_(\d+)_prompt$")


def is_multi_if(record: dict[str, Any]) -> bool:
    """Whether a record has Multi-IF's per-turn columns."""
    return "turn_1_prompt" in record


def is_turns(record: dict[str, Any]) -> bool:
    """Whether a record is in adhere's ``turns`` shape."""
    return isinstance(record.get("turns"), list)


def _decoded(value: Any) -> Any:
    """A value that may arrive JSON-encoded in a string (Multi-IF's CSV does that)."""
    if isinstance(value, str) and value[:1] in ("[", "{"):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def _prompt_text(value: Any) -> Any:
    value = _decoded(value)
    if isinstance(value, dict) and isinstance(value.get("content"), str):
        return value["content"]
    return value


def _rows(path: str) -> Iterator[tuple[int, dict[str, Any]]]:
    if path.lower().endswith(".csv"):
        try:
            handle = open(path, encoding="utf-8", newline="")  # noqa: SIM115 - closed below
        except OSError as error:
            raise InputError(
                f"cannot read the file: {error.strerror or error}", path=path
            ) from None
        with handle:
            reader = csv.DictReader(handle)
            for row in reader:
                yield reader.line_num, {k: v for k, v in row.items() if v not in (None, "")}
    else:
        yield from read_jsonl(path)


class _Problems(ErrorCollector):
    """The problems found in one file, each at a line and field."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path

    def note(self, line: int, field: str, message: str) -> None:
        self.add(InputError(message), self.path, line, field)


def _specs(
    ids: Any, kwargs: Any, where: tuple[_Problems, int, str], prompt: str
) -> list[tuple[ConstraintSpec, Constraint]] | None:
    problems, line, prefix = where
    ids, kwargs = _decoded(ids), _decoded(kwargs)
    if ids is None:
        ids = []
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        problems.note(
            line, f"{prefix}instruction_id_list", f"expected a list of ids, found {ids!r}"
        )
        return None
    if kwargs is None:
        kwargs = [{} for _ in ids]
    if not isinstance(kwargs, list) or len(kwargs) != len(ids):
        problems.note(
            line,
            f"{prefix}kwargs",
            f"expected a list of {len(ids)} objects (one per id), found {str(kwargs)[:80]!r}",
        )
        return None
    out = []
    for index, (cid, params) in enumerate(zip(ids, kwargs, strict=True)):
        params = _decoded(params)
        if not isinstance(params, dict):
            problems.note(line, f"{prefix}kwargs[{index}]", f"expected an object, found {params!r}")
            return None
        spec = ConstraintSpec(cid, {k: v for k, v in params.items() if v is not None})
        try:
            out.append((spec, build(spec, prompt)))
        except InputError as error:
            name = "kwargs" if isinstance(error, ParamError) else "instruction_id_list"
            problems.note(line, f"{prefix}{name}[{index}]", error.detail)
            return None
    return out


def _responses(turn: dict[str, Any], where: tuple[_Problems, int, str]) -> list[str | None]:
    problems, line, prefix = where
    many = _decoded(turn.get("responses"))
    if many is not None:
        if not isinstance(many, list) or not many:
            problems.note(line, f"{prefix}responses", f"expected a list of strings, found {many!r}")
            return [None]
        bad = [r for r in many if r is not None and not isinstance(r, str)]
        if bad:
            problems.note(line, f"{prefix}responses", f"expected strings, found {bad[0]!r}")
        return [r if isinstance(r, str) else None for r in many]
    one = turn.get("response")
    if one is not None and not isinstance(one, str):
        problems.note(line, f"{prefix}response", f"expected a string, found {one!r}")
        return [None]
    return [one]


def _items(
    key: Any,
    suite: str,
    turns: list[dict[str, Any]],
    extra: dict[str, Any],
    line: int,
) -> list[Item]:
    """Items for one conversation whose turns carry ``prompt``, ``active`` (spec, constraint)
    pairs and ``responses``."""
    items: list[Item] = []
    history: list[Message] = []
    samples = max(len(t["responses"]) for t in turns)
    for number, turn in enumerate(turns, start=1):
        history.append(Message("user", turn["prompt"]))
        active = turn["active"]
        for n in range(samples):
            responses = turn["responses"]
            response = responses[n] if n < len(responses) else None
            sample = Sample(
                id=f"{key}:{number}:{n}",
                suite=suite,
                messages=tuple(history),
                constraints=tuple(spec for spec, _ in active),
                metadata={
                    "key": key,
                    "line": line,
                    "conversation": str(key),
                    "turn": number,
                    "sample": n,
                    **extra,
                },
            )
            items.append(Item(sample, tuple(c for _, c in active), response))
        first = turn["responses"][0]
        history.append(Message("assistant", first if first is not None else ""))
    return items


def _multi_if(record: dict[str, Any], line: int, problems: _Problems) -> list[Item]:
    numbers = sorted(int(m.group(1)) for f in record if (m := _TURN_FIELD.match(f)))
    if numbers != list(range(1, len(numbers) + 1)):
        problems.note(line, "turn_k_prompt", f"expected turns 1, 2, … in order, found {numbers}")
        return []
    turns = []
    for k in numbers:
        prefix = f"turn_{k}_"
        prompt = _prompt_text(record[f"{prefix}prompt"])
        if not isinstance(prompt, str):
            problems.note(line, f"{prefix}prompt", f"expected a string, found {prompt!r}")
            return []
        where = (problems, line, prefix)
        active = _specs(
            record.get(f"{prefix}instruction_id_list"), record.get(f"{prefix}kwargs"), where, prompt
        )
        if active is None:
            return []
        responses = _responses(
            {
                "response": record.get(f"{prefix}response"),
                "responses": record.get(f"{prefix}responses"),
            },
            where,
        )
        turns.append({"prompt": prompt, "active": active, "responses": responses})
    extra = {"language": record["language"]} if isinstance(record.get("language"), str) else {}
    return _items(record.get("key", line), "multi-if", turns, extra, line)


def _turns(record: dict[str, Any], line: int, problems: _Problems) -> list[Item]:
    mode = record.get("instructions", "new")
    if mode not in ("new", "cumulative"):
        problems.note(line, "instructions", f"expected 'new' or 'cumulative', found {mode!r}")
        return []
    if not record["turns"]:
        problems.note(line, "turns", "expected at least one turn, found an empty list")
        return []
    in_force: dict[str, tuple[ConstraintSpec, Constraint]] = {}
    turns = []
    for k, turn in enumerate(record["turns"], start=1):
        prefix = f"turns[{k - 1}]."
        if not isinstance(turn, dict) or not isinstance(turn.get("prompt"), str):
            problems.note(line, f"{prefix}prompt", "expected an object with a string prompt")
            return []
        where = (problems, line, prefix)
        added = _specs(turn.get("instruction_id_list"), turn.get("kwargs"), where, turn["prompt"])
        if added is None:
            return []
        if mode == "cumulative":
            in_force = {}
        for spec, constraint in added:
            in_force.pop(spec.id, None)  # a later instruction with the same id replaces it
            in_force[spec.id] = (spec, constraint)
        turns.append(
            {
                "prompt": turn["prompt"],
                "active": list(in_force.values()),
                "responses": _responses(turn, where),
            }
        )
    return _items(record.get("key", line), "turns", turns, {}, line)


def load_conversations(path: StrPath) -> list[Item]:
    """Every turn (and sampled response) of every conversation in ``path``, validated first:
    all problems are reported together, each with its file, line and field."""
    name = str(path)
    problems = _Problems(name)
    items: list[Item] = []
    for line, record in _rows(name):
        if is_multi_if(record):
            items.extend(_multi_if(record, line, problems))
        elif is_turns(record):
            items.extend(_turns(record, line, problems))
        else:
            present = ", ".join(sorted(record)) or "none"
            problems.note(
                line,
                "turns",
                "expected a multi-turn record: Multi-IF's turn_1_prompt … columns or adhere's "
                f"'turns' list (fields present: {present})",
            )
    problems.raise_if_any()
    return items
