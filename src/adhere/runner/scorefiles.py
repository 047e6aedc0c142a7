"""The ``score`` verb: responses that already exist in files -> verdict files and a summary."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from json.encoder import encode_basestring
from typing import Any, NamedTuple

from adhere.constraints.base import Compat
from adhere.core.frozen import frozen
from adhere.core.types import Mode, Sample, StrPath, Verdict
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
        "key": _key(sample),
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
    no_response: list[Any] = []
    empty_response: list[Any] = []
    for item in items:
        response = item.response
        if response is None:
            no_response.append(_key(item.sample))
        elif not response.strip():
            empty_response.append(_key(item.sample))
    undecided = [
        {
            "key": _key(r.sample),
            "mode": r.mode,
            "constraint_id": v.constraint_id,
            "evidence": v.evidence,
        }
        for results in (strict, loose)
        for r in results
        for v in r.verdicts
        if v.passed is None
    ]
    unterminated = []
    cut = 0
    for r in strict:
        reasoning = r.reasoning
        if reasoning == "closed":
            cut += 1
        elif reasoning == "unterminated":
            unterminated.append(_key(r.sample))
    return {
        "adhere_version": __version__,
        "compat": compat,
        "inputs": inputs,
        "records": len(items),
        "instructions": sum([len(i.constraints) for i in items]),
        "no_response": {
            "count": len(no_response),
            "keys": no_response,
            "note": f"scored as failed with the evidence {NO_RESPONSE!r}",
        },
        "empty_response": {"count": len(empty_response), "keys": empty_response},
        "unterminated_reasoning": {
            "count": len(unterminated),
            "keys": unterminated,
            "note": "a reasoning trace that never closes: no answer, every instruction failed",
        },
        "reasoning_traces_cut": cut,
        "undecided": {"count": len(undecided), "verdicts": undecided},
        "strict": summarize(strict).to_dict(),
        "loose": summarize(loose).to_dict(),
    }


def _key(sample: Any) -> Any:
    """A sample's key in the output: the input's ``key``, else the sample id."""
    return sample.metadata.get("key", sample.id)


def _verdicts_as_data(result: PromptResult) -> tuple[tuple[bool | None, str, bytes], ...]:
    """A result's verdicts as plain values for the trip between processes: passed, evidence
    and the verdict's entry in the output line, encoded where it was computed."""
    return tuple(
        (v.passed, v.evidence, _verdict_json(v.constraint_id, v.passed, v.evidence))
        for v in result.verdicts
    )


class _Scored(NamedTuple):
    """Every item's strict and loose result, in item order, and the contents of the two
    verdict files as pieces of UTF-8 to join."""

    strict: tuple[PromptResult, ...]
    loose: tuple[PromptResult, ...]
    strict_file: list[bytes]
    loose_file: list[bytes]


def _score_all(
    items: Sequence[Item], compat: Compat, jobs: int | None, reasoning: ReasoningTags | None
) -> _Scored:
    """Strict and loose results and their output lines for every item, spread over ``jobs``
    processes (None: one per core). The results are the same whatever ``jobs`` is.

    The unit of work is one item's constraints of one work group (checks that share caches,
    such as the language-detector ones), so that a group's caches are built in one process.
    An item's tasks are consecutive; its first one also encodes the ends of its output lines.
    """
    tasks: list[tuple[int, tuple[int, ...], bool]] = []
    groups: list[str] = []
    costs: list[float] = []
    counts: list[int] = []  # the number of tasks of each item
    for index, item in enumerate(items):
        constraints = item.constraints
        size = len(item.response or "") + 200
        if len(constraints) == 1:  # most items: one task
            tasks.append((index, (0,), True))
            groups.append(constraints[0].work_group)
            costs.append(size * constraints[0].cost)
            counts.append(1)
            continue
        by_group: dict[str, list[int]] = {}
        for k, constraint in enumerate(constraints):
            by_group.setdefault(constraint.work_group, []).append(k)
        first = True
        for group, ks in sorted(by_group.items()):
            tasks.append((index, tuple(ks), first))
            groups.append(group)
            costs.append(size * sum([constraints[k].cost for k in ks]))
            first = False
        counts.append(len(by_group))

    def work(task: tuple[int, tuple[int, ...], bool]) -> tuple[Any, ...]:
        index, positions, ends = task
        item = items[index]
        subset = [item.constraints[k] for k in positions]
        strict, loose = score_sample(item.sample, subset, item.response, compat, reasoning)
        verdicts = (_verdicts_as_data(strict), _verdicts_as_data(loose))
        return (*verdicts, *_ends(item, reasoning)) if ends else verdicts

    done = map_forked(work, tasks, jobs, costs, groups)

    strict_results: list[PromptResult] = []
    loose_results: list[PromptResult] = []
    strict_file: list[bytes] = []
    loose_file: list[bytes] = []
    at = 0  # the item's first task
    for item, count in zip(items, counts, strict=True):
        s_data: Sequence[_VerdictData]
        l_data: Sequence[_VerdictData]
        if count == 1:  # the task's verdicts are the item's, in order
            s_data, l_data, head, tail, status = done[at]
        elif count == 0:  # no constraints: nothing was sent to score
            s_data = l_data = ()
            head, tail, status = _ends(item, reasoning)
        else:  # the verdicts of several tasks, put back in the constraints' order
            s_data = [_NO_DATA] * len(item.constraints)
            l_data = [_NO_DATA] * len(item.constraints)
            head, tail, status = done[at][2:]
            for (_, positions, _), (s_part, l_part, *_) in zip(
                tasks[at : at + count], done[at : at + count], strict=True
            ):
                for k, s_verdict, l_verdict in zip(positions, s_part, l_part, strict=True):
                    s_data[k] = s_verdict
                    l_data[k] = l_verdict
        at += count
        sample = item.sample
        response = item.response
        ids = [c.id for c in item.constraints]
        strict_results.append(_mode_result(sample, response, "strict", ids, s_data, status))
        loose_results.append(_mode_result(sample, response, "loose", ids, l_data, status))
        strict_file += (head, *_middle(s_data), tail)
        loose_file += (head, *_middle(l_data), tail)
    return _Scored(tuple(strict_results), tuple(loose_results), strict_file, loose_file)


# A verdict as it comes from the scoring processes: passed, evidence, its output-line entry.
_VerdictData = tuple[bool | None, str, bytes]
# A placeholder in an item's verdict data until every task's part is put in.
_NO_DATA: _VerdictData = (None, "", b"")


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
    """The parts of an output line before and after its mode's verdicts (the tail starts by
    closing their list)."""
    metadata = sample.metadata
    head = "".join(
        [
            '{"key": ',
            _dumps(_key(sample)),
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
    tail = ["]"]
    tail += [
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


def _mode_result(
    sample: Sample,
    response: str | None,
    mode: Mode,
    ids: list[str],
    data: Sequence[_VerdictData],
    status: ReasoningStatus,
) -> PromptResult:
    """An item's result in one mode, from its verdicts' data."""
    return PromptResult(
        sample,
        response,
        mode,
        tuple(
            [
                Verdict(cid, passed, evidence, mode)
                for cid, (passed, evidence, _) in zip(ids, data, strict=True)
            ]
        ),
        status,
    )


def _middle(data: Sequence[_VerdictData]) -> tuple[bytes, bytes]:
    """The part of an output line between its head and its tail: the
    ``follow_instruction_list``, ``follow_all_instructions`` and ``verdicts`` entries of
    ``data`` (``(passed, evidence, verdict JSON)`` per constraint), in two pieces."""
    if len(data) == 1:  # most items: one constraint
        passed, _, entry = data[0]
        return _ONE_FOLLOWED if passed is True else _ONE_FAILED, entry
    followed = [b"true" if passed is True else b"false" for passed, _, _ in data]
    return (
        b"".join(
            [
                b', "follow_instruction_list": [',
                b", ".join(followed),
                b'], "follow_all_instructions": ',
                b"false" if b"false" in followed else b"true",
                b', "verdicts": [',
            ]
        ),
        b", ".join([entry for _, _, entry in data]),
    )


# What stands between an output line's head and its one verdict's entry, by that verdict.
_ONE_FOLLOWED, _ONE_FAILED = (
    b"".join(
        [
            b', "follow_instruction_list": [',
            followed,
            b'], "follow_all_instructions": ',
            followed,
            b', "verdicts": [',
        ]
    )
    for followed in (b"true", b"false")
)


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
    strict, loose, strict_file, loose_file = _score_all(items, compat, jobs, reasoning)
    summary = _summary(items, strict, loose, inputs or {}, compat)
    if any("turn" in item.sample.metadata for item in items):
        from adhere.scoring.multiturn import multi_turn_summary

        summary["multi_turn"] = multi_turn_summary(strict, loose)
    out: str | None = None
    if outdir is not None:
        out = os.fspath(outdir)
        os.makedirs(out, exist_ok=True)
        write_atomic(out, STRICT_FILE, b"".join(strict_file))
        write_atomic(out, LOOSE_FILE, b"".join(loose_file))
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
