"""The ``score`` verb: responses that already exist in files -> verdict files and a summary."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from json.encoder import encode_basestring
from typing import Any

from adhere.constraints.base import Compat
from adhere.core.frozen import frozen
from adhere.core.types import Mode, StrPath, Verdict
from adhere.core.version import __version__
from adhere.runner.parallel import map_forked
from adhere.scoring.evaluate import NO_RESPONSE, PromptResult, score_sample, scored_text
from adhere.scoring.metrics import summarize
from adhere.suites.ifeval_files import Item, load_combined, load_pair
from adhere.text.reasoning import DEFAULT_TAGS, ReasoningStatus, ReasoningTags

STRICT_FILE = "eval_results_strict.jsonl"
LOOSE_FILE = "eval_results_loose.jsonl"
SUMMARY_FILE = "summary.json"


@frozen
class ScoreResult:
    """What ``score`` produced.

    Fields:
        strict, loose: one result per input record, in input order.
        summary: the rates and the lists of records that need a look (also in summary.json).
        outdir: where the files were written, or None.
    """

    strict: tuple[PromptResult, ...]
    loose: tuple[PromptResult, ...]
    summary: dict[str, Any]
    outdir: str | None


def _line(result: PromptResult, answer: str | None) -> dict[str, Any]:
    sample = result.sample
    line = {
        "key": sample.metadata.get("key", sample.id),
        "prompt": sample.prompt,
        "response": result.response if result.response is not None else "",
        "no_response": result.response is None,
        "instruction_id_list": [c.id for c in sample.constraints],
        "follow_instruction_list": result.follow_instruction_list,
        "follow_all_instructions": result.follow_all_instructions,
        "verdicts": [
            {"constraint_id": v.constraint_id, "passed": v.passed, "evidence": v.evidence}
            for v in result.verdicts
        ],
    }
    for name in ("conversation", "turn", "sample"):
        if name in sample.metadata:
            line[name] = sample.metadata[name]
    if result.reasoning != "none":
        line["reasoning"] = result.reasoning
        line["answer"] = answer
    return line


def utf8(text: str) -> bytes:
    """``text`` as UTF-8, with any lone surrogate (``json.loads`` makes one of a ``"\\ud800"``
    escape that has no partner) written as its escape ``\\udXXX`` instead of failing. In JSON
    text, where a surrogate can only stand inside a string, that is the same string again."""
    return text.encode("utf-8", "backslashreplace")


def write_atomic(folder: str, name: str, text: str | bytes) -> None:
    """Write ``text`` (bytes: already encoded) to ``folder/name`` through a temporary file: a
    crash leaves no half file. Text is written as UTF-8, lone surrogates as their escapes
    (see :func:`utf8`)."""
    path = os.path.join(folder, name)
    tmp = os.path.join(folder, f".{name}.{os.getpid()}.tmp")
    try:
        if isinstance(text, bytes):
            with open(tmp, "wb") as binary:
                binary.write(text)
        else:
            with open(
                tmp, "w", encoding="utf-8", errors="backslashreplace", newline="\n"
            ) as handle:
                handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _summary(
    items: Sequence[Item],
    strict: Sequence[PromptResult],
    loose: Sequence[PromptResult],
    inputs: dict[str, str],
    compat: Compat,
) -> dict[str, Any]:
    def keys(predicate: Any) -> list[Any]:
        return [i.sample.metadata.get("key", i.sample.id) for i in items if predicate(i)]

    undecided = [
        {
            "key": r.sample.metadata.get("key", r.sample.id),
            "mode": r.mode,
            "constraint_id": v.constraint_id,
            "evidence": v.evidence,
        }
        for r in (*strict, *loose)
        for v in r.verdicts
        if v.passed is None
    ]
    unterminated = [
        r.sample.metadata.get("key", r.sample.id) for r in strict if r.reasoning == "unterminated"
    ]
    return {
        "adhere_version": __version__,
        "compat": compat,
        "inputs": inputs,
        "records": len(items),
        "instructions": sum(len(i.constraints) for i in items),
        "no_response": {
            "count": len(keys(lambda i: i.response is None)),
            "keys": keys(lambda i: i.response is None),
            "note": f"scored as failed with the evidence {NO_RESPONSE!r}",
        },
        "empty_response": {
            "count": len(keys(lambda i: i.response is not None and not i.response.strip())),
            "keys": keys(lambda i: i.response is not None and not i.response.strip()),
        },
        "unterminated_reasoning": {
            "count": len(unterminated),
            "keys": unterminated,
            "note": "a reasoning trace that never closes: no answer, every instruction failed",
        },
        "reasoning_traces_cut": sum(1 for r in strict if r.reasoning == "closed"),
        "undecided": {"count": len(undecided), "verdicts": undecided},
        "strict": summarize(strict).to_dict(),
        "loose": summarize(loose).to_dict(),
    }


def _verdicts_as_data(result: PromptResult) -> tuple[tuple[bool | None, str, bytes], ...]:
    """A result's verdicts as plain values for the trip between processes: passed, evidence
    and the verdict's entry in the output line, encoded where it was computed."""
    return tuple(
        (v.passed, v.evidence, _verdict_json(v.constraint_id, v.passed, v.evidence))
        for v in result.verdicts
    )


@frozen
class _Scored:
    strict: PromptResult
    loose: PromptResult
    strict_line: bytes  # UTF-8
    loose_line: bytes


def _score_all(
    items: Sequence[Item], compat: Compat, jobs: int | None, reasoning: ReasoningTags | None
) -> list[_Scored]:
    """Strict and loose results and their output lines for every item, spread over ``jobs``
    processes (None: one per core). The results are the same whatever ``jobs`` is.

    The unit of work is one item's constraints of one work group (checks that share caches,
    such as the language-detector ones), so that a group's caches are built in one process.
    """
    tasks: list[tuple[int, tuple[int, ...], bool]] = []
    groups: list[str] = []
    costs: list[float] = []
    for index, item in enumerate(items):
        by_group: dict[str, list[int]] = {}
        for k, constraint in enumerate(item.constraints):
            by_group.setdefault(constraint.work_group, []).append(k)
        size = len(item.response or "") + 200
        first = True  # the item's first task also encodes the ends of its output lines
        for group, ks in sorted(by_group.items()):
            tasks.append((index, tuple(ks), first))
            groups.append(group)
            costs.append(size * sum(item.constraints[k].cost for k in ks))
            first = False

    def work(task: tuple[int, tuple[int, ...], bool]) -> tuple[Any, ...]:
        index, positions, ends = task
        item = items[index]
        subset = [item.constraints[k] for k in positions]
        strict, loose = score_sample(item.sample, subset, item.response, compat, reasoning)
        verdicts = (_verdicts_as_data(strict), _verdicts_as_data(loose))
        return (*verdicts, *_ends(item, reasoning)) if ends else verdicts

    done = map_forked(work, tasks, jobs, costs, groups)

    strict_data: list[list[Any]] = [[None] * len(item.constraints) for item in items]
    loose_data: list[list[Any]] = [[None] * len(item.constraints) for item in items]
    line_ends: list[Any] = [None] * len(items)
    for (index, positions, _), (s_part, l_part, *ends) in zip(tasks, done, strict=True):
        s_row = strict_data[index]
        l_row = loose_data[index]
        for k, s_verdict, l_verdict in zip(positions, s_part, l_part, strict=True):
            s_row[k] = s_verdict
            l_row[k] = l_verdict
        if ends:
            line_ends[index] = ends

    out = []
    for item, s_data, l_data, ends in zip(items, strict_data, loose_data, line_ends, strict=True):
        head, tail, status = _ends(item, reasoning) if ends is None else ends
        sample = item.sample
        response = item.response
        constraints = item.constraints
        results = [
            PromptResult(
                sample,
                response,
                mode,
                tuple(
                    [
                        Verdict(c.id, passed, evidence, mode)
                        for c, (passed, evidence, _) in zip(constraints, data, strict=True)
                    ]
                ),
                status,
            )
            for mode, data in _by_mode(s_data, l_data)
        ]
        out.append(
            _Scored(
                results[0],
                results[1],
                _line_bytes(head, s_data, tail),
                _line_bytes(head, l_data, tail),
            )
        )
    return out


def _ends(item: Item, reasoning: ReasoningTags | None) -> tuple[bytes, bytes, ReasoningStatus]:
    """The UTF-8 parts of an item's output lines before and after its mode's verdicts, and
    its reasoning status."""
    answer, status = scored_text(item.response, reasoning)
    head, tail = _line_ends(item.sample, item.response, answer, status)
    return utf8(head), utf8(tail), status


# The output lines are ``json.dumps(_line(result, answer), ensure_ascii=False) + "\n"``; they
# are assembled from the same encodings (a dict is "{" + ", ".join(f"{key}: {value}") + "}"),
# so that what the strict and the loose line share, the prompt and the response above all,
# is encoded once.
_LITERALS = {True: "true", False: "false", None: "null"}


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _line_ends(
    sample: Any, response: str | None, answer: str | None, status: str
) -> tuple[str, str]:
    """The parts of an output line before and after its mode's verdicts."""
    metadata = sample.metadata
    head = "".join(
        [
            '{"key": ',
            _dumps(metadata.get("key", sample.id)),
            ', "prompt": ',
            encode_basestring(sample.prompt),
            ', "response": ',
            encode_basestring(response if response is not None else ""),
            ', "no_response": ',
            "true" if response is None else "false",
            ', "instruction_id_list": ',
            _dumps([c.id for c in sample.constraints]),
        ]
    )
    tail = [
        f", {encode_basestring(name)}: {_dumps(metadata[name])}"
        for name in ("conversation", "turn", "sample")
        if name in metadata
    ]
    if status != "none":
        tail.append(f', "reasoning": {_dumps(status)}, "answer": {_dumps(answer)}')
    tail.append("}\n")
    return head, "".join(tail)


def _encode(value: Any) -> str:
    return encode_basestring(value) if type(value) is str else _dumps(value)


def _literal(value: Any) -> str:
    if value is True or value is False or value is None:
        return _LITERALS[value]
    return _dumps(value)  # pragma: no cover - verdicts are True, False or None


def _verdict_json(constraint_id: str, passed: bool | None, evidence: str) -> bytes:
    """One entry of an output line's ``verdicts``, as UTF-8 JSON."""
    return utf8(
        f'{{"constraint_id": {_encode(constraint_id)}, "passed": {_literal(passed)}, '
        f'"evidence": {_encode(evidence)}}}'
    )


def _line_bytes(head: bytes, data: Sequence[tuple[Any, Any, bytes]], tail: bytes) -> bytes:
    """An output line: ``head``, the ``follow_instruction_list``, ``follow_all_instructions``
    and ``verdicts`` entries of ``data`` (``(passed, evidence, verdict JSON)`` per
    constraint), ``tail``."""
    followed = [b"true" if passed is True else b"false" for passed, _, _ in data]
    return b"".join(
        [
            head,
            b', "follow_instruction_list": [',
            b", ".join(followed),
            b'], "follow_all_instructions": ',
            b"false" if b"false" in followed else b"true",
            b', "verdicts": [',
            b", ".join([entry for _, _, entry in data]),
            b"]",
            tail,
        ]
    )


def _by_mode(s_data: list[Any], l_data: list[Any]) -> tuple[tuple[Mode, list[Any]], ...]:
    return (("strict", s_data), ("loose", l_data))


def score_items(
    items: Sequence[Item],
    outdir: StrPath | None = None,
    compat: Compat = "reference",
    inputs: dict[str, str] | None = None,
    jobs: int | None = None,
    reasoning: ReasoningTags | None = DEFAULT_TAGS,
) -> ScoreResult:
    """Score loaded items; write the verdict files and summary.json to ``outdir`` if given.

    ``jobs`` is the number of processes to score with (None: one per core). ``reasoning``: the
    tags of a reasoning trace, cut off before scoring (None: score whole responses).
    """
    scored = _score_all(items, compat, jobs, reasoning)
    strict = tuple(x.strict for x in scored)
    loose = tuple(x.loose for x in scored)
    summary = _summary(items, strict, loose, inputs or {}, compat)
    if any("turn" in item.sample.metadata for item in items):
        from adhere.scoring.multiturn import multi_turn_summary

        summary["multi_turn"] = multi_turn_summary(strict, loose)
    out: str | None = None
    if outdir is not None:
        out = os.fspath(outdir)
        os.makedirs(out, exist_ok=True)
        write_atomic(out, STRICT_FILE, b"".join([x.strict_line for x in scored]))
        write_atomic(out, LOOSE_FILE, b"".join([x.loose_line for x in scored]))
        write_atomic(out, SUMMARY_FILE, json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    return ScoreResult(strict, loose, summary, out)


def _is_multi_turn(path: StrPath) -> bool:
    """Whether a single input file holds conversations (Multi-IF's columns, adhere's turns, or
    any CSV, which only Multi-IF uses)."""
    if os.fspath(path).lower().endswith(".csv"):
        return True
    from adhere.suites.jsonl import read_jsonl
    from adhere.suites.multiturn import is_multi_if, is_turns

    for _, record in read_jsonl(path):
        return is_multi_if(record) or is_turns(record)
    return False


def score(
    input_path: StrPath,
    responses_path: StrPath | None = None,
    outdir: StrPath | None = None,
    compat: Compat = "reference",
    jobs: int | None = None,
    reasoning: ReasoningTags | None = DEFAULT_TAGS,
) -> ScoreResult:
    """Score responses in files.

    With ``responses_path``: an input file (IFEval's or IFBench's) and a responses file, joined
    by prompt (exact, then with outer whitespace stripped, as IFBench does).
    Without: a combined file whose every line carries prompt, response and constraints, or a
    file of conversations (Multi-IF's columns, as JSONL or CSV, or adhere's ``turns`` lines; see
    :mod:`adhere.suites.multiturn`), scored turn by turn with the multi-turn metrics added to
    the summary under ``multi_turn``.
    All input is validated before anything is scored.
    """
    if not os.path.exists(input_path):
        from adhere.suites.hub import resolve_input

        input_path = resolve_input(input_path)
    if responses_path is None and _is_multi_turn(input_path):
        from adhere.suites.multiturn import load_conversations

        items = load_conversations(input_path)
        inputs = {"conversations": os.fspath(input_path)}
    elif responses_path is None:
        items = load_combined(input_path)
        inputs = {"combined": os.fspath(input_path)}
    else:
        items = load_pair(input_path, responses_path)
        inputs = {"input": os.fspath(input_path), "responses": os.fspath(responses_path)}
    return score_items(items, outdir, compat, inputs, jobs, reasoning)
