"""IFEval's file formats, and adhere's combined one, as validated samples joined to responses.

- input file: one object per line with ``key, prompt, instruction_id_list, kwargs``;
- responses file: ``prompt, response``; joined to inputs by exact prompt and then, as IFBench
  does, by the prompt with outer whitespace stripped (a later line with the same prompt wins);
  IFEval's reference knows only the exact match, so this only adds matches it would miss;
- combined file: ``prompt, response, instruction_id_list, kwargs`` and optional ``key`` on each
  line, joined by line, so duplicate prompts are fine.

Every constraint id and param is validated before anything is scored; all problems found are
reported together, each with its file, line and field.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from adhere.constraints.base import Constraint
from adhere.core.errors import InputError, ParamError
from adhere.core.frozen import frozen
from adhere.core.types import ConstraintSpec, Message, Sample, StrPath
from adhere.scoring.evaluate import build
from adhere.suites.jsonl import read_jsonl

MAX_REPORTED_ERRORS = 20


@frozen
class Item:
    """A sample ready to score. Fields: sample, its built constraints, the response or None."""

    sample: Sample
    constraints: tuple[Constraint, ...]
    response: str | None


class InputErrors(InputError):
    """Several input problems, reported together."""

    def __init__(self, errors: list[InputError]) -> None:
        self.errors = errors
        shown = "\n".join(f"  - {e}" for e in errors[:MAX_REPORTED_ERRORS])
        more = len(errors) - MAX_REPORTED_ERRORS
        tail = f"\n  … and {more} more" if more > 0 else ""
        super().__init__(f"{len(errors)} problem(s) in the input:\n{shown}{tail}")


class ErrorCollector:
    """Input problems gathered while validating a file, raised together at the end."""

    def __init__(self) -> None:
        self.errors: list[InputError] = []

    def add(self, error: InputError, path: str, line: int, field: str | None = None) -> None:
        if error.path is None:
            error = InputError(error.detail, path=path, line=line, field=field or error.field)
        self.errors.append(error)

    def raise_if_any(self) -> None:
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            raise InputErrors(self.errors)


def _field(
    record: dict[str, Any], name: str, kinds: tuple[type, ...], what: str, where: tuple[str, int]
) -> Any:
    path, line = where
    if name not in record:
        present = ", ".join(sorted(record)) or "none"
        raise InputError(
            f"missing; expected {what} (fields present: {present})",
            path=path,
            line=line,
            field=name,
        )
    value = record[name]
    if not isinstance(value, kinds) or isinstance(value, bool):
        found = f"{type(value).__name__} {str(value)[:60]!r}"
        raise InputError(f"expected {what}, found {found}", path=path, line=line, field=name)
    return value


def _sample(
    record: dict[str, Any], where: tuple[str, int], suite: str, errors: ErrorCollector
) -> tuple[Sample, tuple[Constraint, ...]] | None:
    path, line = where
    try:
        prompt = _field(record, "prompt", (str,), "a string", where)
        ids = _field(record, "instruction_id_list", (list,), "a list of constraint ids", where)
        if not ids:
            raise InputError(
                "expected at least one constraint id, found an empty list",
                path=path,
                line=line,
                field="instruction_id_list",
            )
        if "kwargs" in record:
            kwargs = _field(record, "kwargs", (list,), "a list of objects", where)
        else:
            kwargs = [{} for _ in ids]
        if len(kwargs) != len(ids):
            raise InputError(
                f"expected one kwargs object per constraint id ({len(ids)}), found {len(kwargs)}",
                path=path,
                line=line,
                field="kwargs",
            )
        key = record.get("key", line)
        if not isinstance(key, int | str) or isinstance(key, bool):
            raise InputError(
                f"expected an integer or a string, found {key!r}", path=path, line=line, field="key"
            )
    except InputError as error:
        errors.add(error, path, line)
        return None
    specs: list[ConstraintSpec] = []
    built: list[Constraint] = []
    for index, (cid, params) in enumerate(zip(ids, kwargs, strict=True)):
        if not isinstance(cid, str):
            errors.add(
                InputError(f"expected a constraint id string, found {cid!r}"),
                path,
                line,
                f"instruction_id_list[{index}]",
            )
            continue
        if not isinstance(params, dict):
            errors.add(
                InputError(f"expected an object, found {params!r}"), path, line, f"kwargs[{index}]"
            )
            continue
        try:
            # None counts as absent; ConstraintSpec keeps a copy of what it is given, so the
            # record's own dict serves as it is when it holds no None (nearly always).
            if None in params.values():
                params = {k: v for k, v in params.items() if v is not None}
            spec = ConstraintSpec(cid, params)
            built.append(build(spec, prompt))
            specs.append(spec)
        except InputError as error:
            is_param = isinstance(error, ParamError)
            where_field = f"kwargs[{index}]" if is_param else f"instruction_id_list[{index}]"
            errors.add(error, path, line, where_field)
    if len(built) != len(ids):
        return None
    messages = _messages(record, prompt, where, errors)
    if messages is None:
        return None
    sample = Sample(
        id=str(key),
        suite=suite,
        messages=messages,
        constraints=tuple(specs),
        metadata={"key": key, "line": line},
    )
    return sample, tuple(built)


def _messages(
    record: dict[str, Any], prompt: str, where: tuple[str, int], errors: ErrorCollector
) -> tuple[Message, ...] | None:
    """The conversation: ``messages`` when the record has them (IFBench's multi-turn set: the
    request, the model's answer and the constraint turn), else the prompt as one user turn."""
    raw = record.get("messages")
    if raw is None:
        return (Message("user", prompt),)
    if (
        not isinstance(raw, list)
        or not raw
        or not all(
            isinstance(m, dict)
            and isinstance(m.get("role"), str)
            and isinstance(m.get("content"), str)
            for m in raw
        )
    ):
        errors.add(
            InputError(
                "expected a non-empty list of {role, content} objects with string values, "
                f"found {str(raw)[:80]!r}"
            ),
            *where,
            "messages",
        )
        return None
    return tuple(Message(m["role"], m["content"]) for m in raw)


def _responses(path: str) -> dict[str, str | None]:
    by_prompt: dict[str, str | None] = {}
    errors = ErrorCollector()
    for line, record in read_jsonl(path):
        try:
            prompt = _field(record, "prompt", (str,), "a string", (path, line))
            if record.get("response") is None and "response" in record:
                response = None
            else:
                response = _field(record, "response", (str,), "a string", (path, line))
            by_prompt[prompt] = response
            stripped = prompt.strip()
            if stripped != prompt:
                by_prompt[stripped] = response
        except InputError as error:
            errors.add(error, path, line)
    errors.raise_if_any()
    return by_prompt


def _samples(
    path: str, suite: str, records: Iterable[tuple[int, dict[str, Any]]]
) -> tuple[list[tuple[Sample, tuple[Constraint, ...], dict[str, Any]]], ErrorCollector]:
    errors = ErrorCollector()
    out = []
    for line, record in records:
        built = _sample(record, (path, line), suite, errors)
        if built is not None:
            out.append((built[0], built[1], record))
    return out, errors


def load_inputs(path: StrPath, suite: str) -> list[tuple[Sample, tuple[Constraint, ...]]]:
    """An input file (IFEval's or IFBench's format, no responses): each sample with its built
    constraints. Every line is validated first; all problems are reported together."""
    name = str(path)
    samples, errors = _samples(name, suite, read_jsonl(name))
    errors.raise_if_any()
    return [(sample, constraints) for sample, constraints, _ in samples]


def load_pair(input_path: StrPath, responses_path: StrPath, suite: str = "ifeval") -> list[Item]:
    """An input file (IFEval's or IFBench's) joined to its responses file by prompt: the exact
    prompt first, then the prompt with outer whitespace stripped."""
    inp = str(input_path)
    samples, errors = _samples(inp, suite, read_jsonl(inp))
    errors.raise_if_any()
    responses = _responses(str(responses_path))
    return [Item(s, c, _lookup(responses, s.prompt)) for s, c, _ in samples]


def _lookup(responses: dict[str, str | None], prompt: str) -> str | None:
    if prompt in responses:
        return responses[prompt]
    return responses.get(prompt.strip())


def load_combined(path: StrPath, suite: str = "combined") -> list[Item]:
    """A combined file: every line carries its prompt, response and constraints."""
    name = str(path)
    records = list(read_jsonl(name))
    samples, errors = _samples(name, suite, records)
    for sample, _, record in samples:
        line = int(sample.metadata["line"])
        if "response" not in record:
            errors.add(
                InputError(
                    "missing; a combined file needs a response on every line (for IFEval's "
                    "separate input and responses files, pass both: adhere score INPUT RESPONSES)"
                ),
                name,
                line,
                "response",
            )
        elif record["response"] is not None and not isinstance(record["response"], str):
            errors.add(
                InputError(f"expected a string or null, found {record['response']!r}"),
                name,
                line,
                "response",
            )
    errors.raise_if_any()
    return [Item(s, c, r.get("response")) for s, c, r in samples]
