"""Scored runs as the report reads them.

A report reads what scoring wrote, so that its numbers are the numbers ``adhere score``,
``adhere eval`` and ``adhere rescore`` printed: the folder's ``summary.json`` and the two
verdict files (``eval_results_strict.jsonl``, ``eval_results_loose.jsonl``, one line per record,
in the same order). A run is named on the command line in one of two ways:

- a **folder** holding those files (``adhere score -o OUTDIR`` writes one; so does every
  ``adhere eval`` run, as ``WORKSPACE/RUN_ID``);
- a **run id** in the workspace's run store. Its folder is used when it is up to date; when it
  is missing or older than the store (a run that was stopped before it finished scoring, or
  resumed since), the run is rescored from its stored responses first, so no stored response is
  ever left out of a report.

When the run is in a store, its settings (suite, model, backend, generation config, adhere
version) and its responses' finish reasons come from there too.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import Any

from adhere.core.errors import InputError
from adhere.core.frozen import frozen
from adhere.probes.run import PROBE_FILE
from adhere.runner.scorefiles import LOOSE_FILE, STRICT_FILE, SUMMARY_FILE
from adhere.runner.store import DATABASE_NAME, RunStore


@frozen
class Record:
    """One scored response as the report shows it.

    Fields:
        uid: what pairs it with the same item of another run: the key, plus the turn and the
            sample index where there are several per key.
        key: the record's key (IFEval's ``key``, or the sample id).
        prompt: the (last) user prompt.
        response: the scored response ("" when there was none).
        no_response: True when the model gave no response (failed or never asked).
        ids: the constraint ids, in order.
        strict, loose: per constraint, ``(passed, evidence)``; ``passed`` is None when the
            check could not decide (counted as not followed).
        finish_reason: why generation stopped, where the run store knows it.
    """

    uid: str
    key: str
    prompt: str
    response: str
    no_response: bool
    ids: tuple[str, ...]
    strict: tuple[tuple[bool | None, str], ...]
    loose: tuple[tuple[bool | None, str], ...]
    finish_reason: str | None

    def followed(self, mode: str) -> tuple[bool, ...]:
        return tuple(p is True for p, _ in (self.strict if mode == "strict" else self.loose))

    def all_followed(self, mode: str) -> bool:
        return all(self.followed(mode))


@frozen
class ScoredRun:
    """A scored run.

    Fields:
        name: how the report labels it (the model, made unique among the runs shown).
        run_id: the run id, or the folder's name for a folder from ``adhere score``.
        folder: the folder the verdict files were read from.
        summary: ``summary.json`` as scoring wrote it (the report's numbers come from here).
        spec: the run's settings from the store ({} for a folder outside a store).
        records: one per scored response, in the run's order.
        probe: the probe's result (``probe.json``, written by ``adhere probe``), or None.
    """

    name: str
    run_id: str
    folder: str
    summary: dict[str, Any]
    spec: dict[str, Any]
    records: tuple[Record, ...]
    probe: dict[str, Any] | None = None

    @property
    def model(self) -> str:
        return str(self.spec.get("model") or self.summary.get("inputs", {}).get("model") or "")

    @property
    def suite(self) -> str:
        inputs = self.summary.get("inputs", {})
        found = self.spec.get("suite") or inputs.get("suite")
        if found:
            return str(found)
        return " + ".join(str(v) for v in inputs.values()) or "?"


def _is_scored_folder(path: str) -> bool:
    return all(os.path.isfile(os.path.join(path, n)) for n in (SUMMARY_FILE, STRICT_FILE))


def _uid(line: dict[str, Any]) -> str:
    uid = str(line.get("key"))
    if "conversation" in line:
        uid = f"{line['conversation']}#turn{line.get('turn')}"
    if "sample" in line:
        uid += f"#sample{line['sample']}"
    return uid


def _read_lines(path: str) -> list[dict[str, Any]]:
    out = []
    with open(path, encoding="utf-8") as handle:
        for number, text in enumerate(handle, 1):
            if not text.strip():
                continue
            try:
                out.append(json.loads(text))
            except json.JSONDecodeError as error:
                raise InputError(
                    f"not a verdict line: {error.msg}", path=path, line=number
                ) from None
    return out


def _verdicts(line: dict[str, Any], path: str) -> tuple[tuple[bool | None, str], ...]:
    found = line.get("verdicts")
    if not isinstance(found, list):
        raise InputError(
            "expected a list of verdicts (written by adhere score/eval)",
            path=path,
            field="verdicts",
        )
    return tuple((v.get("passed"), str(v.get("evidence", ""))) for v in found)


def _records(folder: str, finish: dict[str, str | None]) -> tuple[Record, ...]:
    strict_path = os.path.join(folder, STRICT_FILE)
    loose_path = os.path.join(folder, LOOSE_FILE)
    strict = _read_lines(strict_path)
    loose = _read_lines(loose_path) if os.path.isfile(loose_path) else strict
    if len(loose) != len(strict):
        raise InputError(
            f"{LOOSE_FILE} has {len(loose)} lines but {STRICT_FILE} has {len(strict)}; "
            "score the run again",
            path=loose_path,
        )
    records = []
    seen: dict[str, int] = {}
    for number, (s_line, l_line) in enumerate(zip(strict, loose, strict=True), 1):
        uid = _uid(s_line)
        if uid in seen:  # duplicate keys (a combined file joined by line): keep both
            seen[uid] += 1
            uid = f"{uid}#{seen[uid]}"
        else:
            seen[uid] = 1
        ids = tuple(str(i) for i in s_line.get("instruction_id_list", []))
        strict_v = _verdicts(s_line, strict_path)
        if len(strict_v) != len(ids):
            raise InputError(
                f"{len(ids)} instruction ids but {len(strict_v)} verdicts",
                path=strict_path,
                line=number,
                field="verdicts",
            )
        records.append(
            Record(
                uid=uid,
                key=str(s_line.get("key")),
                prompt=str(s_line.get("prompt", "")),
                response=str(s_line.get("response", "")),
                no_response=bool(s_line.get("no_response", False)),
                ids=ids,
                strict=strict_v,
                loose=_verdicts(l_line, loose_path),
                finish_reason=finish.get(str(s_line.get("key"))),
            )
        )
    return tuple(records)


def _store_facts(store: RunStore, run_id: str) -> tuple[dict[str, Any], dict[str, str | None], int]:
    """The run's spec, each sample's finish reason (first sample index), and how many of its
    planned responses are stored successfully."""
    spec = store.run_spec(run_id)
    finish: dict[str, str | None] = {}
    ok = 0
    for record in store.records(run_id):
        response = record.response
        if response is not None and response.ok:
            ok += 1
            finish.setdefault(record.sample_id, response.finish_reason)
    return spec, finish, ok


def _stale(summary: dict[str, Any], stored_ok: int) -> bool:
    scored_ok = int(summary.get("records", 0)) - int(summary.get("no_response", {}).get("count", 0))
    return scored_ok != stored_ok


def load_run(name: str, workspace: str) -> ScoredRun:
    """The scored run that ``name`` (a folder, or a run id in ``workspace``) refers to."""
    spec: dict[str, Any] = {}
    finish: dict[str, str | None] = {}
    if os.path.isdir(name) and _is_scored_folder(name):
        folder = os.path.normpath(name)
        run_id = os.path.basename(os.path.abspath(folder))
        parent = os.path.dirname(os.path.abspath(folder))
        if os.path.isfile(os.path.join(parent, DATABASE_NAME)):
            with RunStore(parent, create=False) as store:
                if run_id in {r for r, _ in store.runs()}:
                    spec, finish, _ = _store_facts(store, run_id)
        summary = _read_json(os.path.join(folder, SUMMARY_FILE))
    else:
        run_id = name
        folder = os.path.join(workspace, run_id)
        if not os.path.isfile(os.path.join(workspace, DATABASE_NAME)):
            raise InputError(
                "not a scored folder (one with summary.json and eval_results_strict.jsonl, "
                f"written by adhere score or eval), and no run store in {workspace!r} to look "
                "the name up as a run id (pass --workspace)",
                path=name,
            )
        with RunStore(workspace, create=False) as store:
            spec, finish, stored_ok = _store_facts(store, run_id)
        summary = _read_json(os.path.join(folder, SUMMARY_FILE))
        if not _is_scored_folder(folder) or _stale(summary, stored_ok):
            from adhere.runner.eval_run import rescore

            # keep the verdict rules the run was scored with, where it was scored before
            corrected = summary.get("compat") == "corrected"
            summary = rescore(run_id, workspace, "corrected" if corrected else "reference").summary
    probe = _read_json(os.path.join(folder, PROBE_FILE)) or None
    return ScoredRun(run_id, run_id, folder, summary, spec, _records(folder, finish), probe)


def _read_json(path: str) -> dict[str, Any]:
    if not os.path.isfile(path):
        return {}
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except json.JSONDecodeError as error:
        raise InputError(f"not JSON: {error.msg}", path=path, line=error.lineno) from None
    if not isinstance(data, dict):
        raise InputError("expected a JSON object", path=path)
    return data


def short_label(model: str) -> str:
    """A model string as a label: without its URLs, and with a file path cut to its name
    (``openai:qwen@http://…`` -> ``openai:qwen``, ``hf:/models/tiny`` -> ``hf:tiny``)."""
    kind, sep, target = model.partition(":")
    if not sep:
        return model
    target = target.split("@", 1)[0] if kind == "openai" else target
    if "/" in target and (kind in ("replay", "hf", "vllm") or target.startswith("/")):
        target = os.path.basename(target.rstrip("/")) or target
    return f"{kind}:{target}"


def load_runs(names: Sequence[str], workspace: str) -> list[ScoredRun]:
    """Every run named, labelled by model (with the run id where two would look the same)."""
    if not names:
        raise InputError("name at least one run (a scored folder or a run id)")
    runs = [load_run(name, workspace) for name in names]
    labels = [short_label(run.model) or run.run_id for run in runs]
    out = []
    for run, label in zip(runs, labels, strict=True):
        if labels.count(label) > 1 and label != run.run_id:
            label = f"{label} ({run.run_id})"
        out.append(
            ScoredRun(label, run.run_id, run.folder, run.summary, run.spec, run.records, run.probe)
        )
    return out
