"""Export a stored run: IFEval's responses format, adhere's full records, or Parquet.

- ``ifeval``: ``{"prompt", "response"}`` per successful response, in run order — the file
  IFEval's and IFBench's own scorers (and ``adhere score``) read.
- ``adhere``: one line per planned response with everything stored: key, sample id and index,
  messages, generation settings, the response (text, finish reason, usage, latency, error) and
  its verdicts; a record with no response yet has ``response: null``.
- ``parquet``: the ``adhere`` records as a table (needs ``pyarrow``: ``pip install
  'adhere[parquet]'``); nested fields are JSON strings.

Files are written through a temporary file and renamed, so an interrupted export leaves no
half file. No secret is in the store, so none can reach an export.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any, Literal

from adhere.core.errors import InputError
from adhere.core.types import StrPath
from adhere.runner.store import RunStore, messages_from_dict

ExportFormat = Literal["ifeval", "adhere", "parquet"]
FORMATS: tuple[ExportFormat, ...] = ("ifeval", "adhere", "parquet")


def _records(store: RunStore, run_id: str) -> Iterator[dict[str, Any]]:
    verdicts = store.verdicts(run_id)
    for record in store.records(run_id):
        request = record.request or {}
        response = record.response
        yield {
            "key": record.key,
            "sample_id": record.sample_id,
            "sample_index": record.sample_index,
            "messages": request.get("messages"),
            "config": request.get("config"),
            "response": None if response is None else response.to_dict(),
            "verdicts": verdicts.get(record.key),
        }


def _prompt(record: dict[str, Any]) -> str:
    messages = messages_from_dict({"messages": record["messages"] or []})
    return next((m.content for m in reversed(messages) if m.role == "user"), "")


def _write_lines(path: str, lines: Iterator[str]) -> int:
    tmp = f"{path}.{os.getpid()}.tmp"
    count = 0
    try:
        # a lone surrogate becomes its JSON escape (the same string once parsed), not a crash
        with open(tmp, "w", encoding="utf-8", errors="backslashreplace", newline="\n") as handle:
            for line in lines:
                handle.write(line)
                count += 1
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return count


def export_run(store: RunStore, run_id: str, fmt: ExportFormat, path: StrPath) -> int:
    """Write run ``run_id`` to ``path`` in format ``fmt``; the number of records written."""
    out = os.fspath(path)
    if fmt == "ifeval":
        return _write_lines(
            out,
            (
                json.dumps(
                    {"prompt": _prompt(r), "response": r["response"]["text"]}, ensure_ascii=False
                )
                + "\n"
                for r in _records(store, run_id)
                if r["response"] is not None and r["response"]["error"] is None
            ),
        )
    if fmt == "adhere":
        return _write_lines(
            out, (json.dumps(r, ensure_ascii=False) + "\n" for r in _records(store, run_id))
        )
    if fmt == "parquet":
        return _parquet(store, run_id, out)
    raise InputError(f"expected a format among {', '.join(FORMATS)}, found {fmt!r}")


def _parquet(store: RunStore, run_id: str, path: str) -> int:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise InputError(
            "Parquet export needs pyarrow: pip install 'adhere[parquet]' (or export JSONL)"
        ) from None
    rows = list(_records(store, run_id))
    columns: dict[str, list[Any]] = {
        "key": [r["key"] for r in rows],
        "sample_id": [r["sample_id"] for r in rows],
        "sample_index": [r["sample_index"] for r in rows],
        "prompt": [_prompt(r) for r in rows],
        "response": [None if r["response"] is None else r["response"]["text"] for r in rows],
        "error": [None if r["response"] is None else r["response"]["error"] for r in rows],
        "messages": [json.dumps(r["messages"], ensure_ascii=False) for r in rows],
        "config": [json.dumps(r["config"], ensure_ascii=False) for r in rows],
        "verdicts": [json.dumps(r["verdicts"], ensure_ascii=False) for r in rows],
    }
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        pq.write_table(pa.table(columns), tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return len(rows)
