"""The run store: one SQLite file per workspace, one committed record per response as it arrives.

- ``responses`` holds every response ever generated, keyed by the hash of everything that
  determines it (:func:`adhere.core.generation.request_key`). A successful response is never
  overwritten; a failed one is replaced by the next try. So a response is never paid for twice,
  whichever run asks for it again.
- ``runs`` holds what each run was (suite, model identity, generation settings; never a
  secret); ``run_items`` lists the requests a run needs, in order, so a run's records can be
  read back, exported and rescored, and a resume knows what is missing.
- ``verdicts`` holds each response's verdicts, recomputed by ``rescore`` (scores come from
  responses, never the other way round).

The database is in WAL mode and every write is its own transaction, so ``kill -9`` at any
instant loses at most the response being written, never a committed one.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from adhere.core.errors import InputError
from adhere.core.frozen import frozen
from adhere.core.generation import Request, Response, Usage, canonical_json
from adhere.core.types import ConstraintSpec, JSONValue, Message, Sample, StrPath

SCHEMA_VERSION = "1"
DATABASE_NAME = "runs.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY, spec TEXT NOT NULL, created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS run_items (
    run_id TEXT NOT NULL, position INTEGER NOT NULL, key TEXT NOT NULL,
    sample_id TEXT NOT NULL, sample_index INTEGER NOT NULL,
    PRIMARY KEY (run_id, position)
);
CREATE INDEX IF NOT EXISTS run_items_key ON run_items (run_id, key);
CREATE TABLE IF NOT EXISTS responses (
    key TEXT PRIMARY KEY, request TEXT NOT NULL, response TEXT NOT NULL,
    ok INTEGER NOT NULL, tries INTEGER NOT NULL, created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS run_samples (
    run_id TEXT NOT NULL, sample_id TEXT NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (run_id, sample_id)
);
CREATE TABLE IF NOT EXISTS verdicts (
    run_id TEXT NOT NULL, key TEXT NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (run_id, key)
);
"""


@frozen
class RunRecord:
    """One planned response of a run and what is stored for it.

    Fields:
        position: its place in the run (sample order, then sample index).
        key: the request key.
        sample_id, sample_index: which sample and which of its n responses.
        request: the request as stored (messages and settings), or None if never sent.
        response: the stored response, or None if there is none yet.
    """

    position: int
    key: str
    sample_id: str
    sample_index: int
    request: dict[str, JSONValue] | None
    response: Response | None


def request_to_dict(request: Request) -> dict[str, JSONValue]:
    return {
        "sample_id": request.sample_id,
        "messages": [m.to_dict() for m in request.messages],
        "config": request.config.to_dict(),
        "sample_index": request.sample_index,
        "key": request.key,
    }


def response_from_dict(data: dict[str, Any]) -> Response:
    usage = data.get("usage") or {}
    return Response(
        text=data.get("text", ""),
        finish_reason=data.get("finish_reason"),
        usage=Usage(usage.get("prompt_tokens"), usage.get("completion_tokens")),
        latency=float(data.get("latency", 0.0)),
        error=data.get("error"),
        metadata=data.get("metadata") or {},
    )


def sample_from_dict(data: dict[str, Any]) -> Sample:
    return Sample(
        id=data["id"],
        suite=data["suite"],
        messages=messages_from_dict(data),
        constraints=tuple(ConstraintSpec(c["id"], c["params"]) for c in data["constraints"]),
        metadata=data.get("metadata") or {},
        parent_id=data.get("parent_id"),
    )


def messages_from_dict(data: dict[str, Any]) -> tuple[Message, ...]:
    return tuple(Message(m["role"], m["content"]) for m in data.get("messages", []))


class RunStore:
    """The SQLite store of one workspace folder (created if missing)."""

    def __init__(self, workspace: StrPath, create: bool = True) -> None:
        self.workspace = os.fspath(workspace)
        self.path = os.path.join(self.workspace, DATABASE_NAME)
        if not create and not os.path.isfile(self.path):
            raise InputError(
                "no run store here (runs are made by `adhere eval`; pass --workspace to point "
                "at another folder)",
                path=self.path,
            )
        os.makedirs(self.workspace, exist_ok=True)
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
            found = self._db.execute("SELECT value FROM meta WHERE name='schema'").fetchone()
        except sqlite3.DatabaseError as error:
            raise InputError(f"not a usable run store: {error}", path=self.path) from None
        if found is None:
            self._db.execute("INSERT INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
        elif found[0] != SCHEMA_VERSION:
            raise InputError(
                f"run store schema {found[0]} is not the {SCHEMA_VERSION} this adhere reads",
                path=self.path,
            )

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> RunStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # runs -------------------------------------------------------------------------------

    def open_run(
        self,
        run_id: str,
        spec: dict[str, JSONValue],
        items: Sequence[Request],
        samples: Sequence[Sample] = (),
    ) -> bool:
        """Record a run, the requests it needs and its samples (so that it can be rescored
        without the suite file); True if it is new, False if it resumes."""
        exists = self._db.execute("SELECT 1 FROM runs WHERE run_id=?", (run_id,)).fetchone()
        if exists:
            return False
        self._db.execute("BEGIN")
        try:
            self._db.execute(
                "INSERT INTO runs VALUES (?, ?, ?)", (run_id, canonical_json(spec), time.time())
            )
            self._db.executemany(
                "INSERT INTO run_items VALUES (?, ?, ?, ?, ?)",
                [(run_id, i, r.key, r.sample_id, r.sample_index) for i, r in enumerate(items)],
            )
            self._db.executemany(
                "INSERT OR REPLACE INTO run_samples VALUES (?, ?, ?)",
                [(run_id, x.id, canonical_json(x.to_dict())) for x in samples],
            )
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        return True

    def run_spec(self, run_id: str) -> dict[str, Any]:
        row = self._db.execute("SELECT spec FROM runs WHERE run_id=?", (run_id,)).fetchone()
        if row is None:
            known = ", ".join(r[0] for r in self.runs()[-5:]) or "none"
            raise InputError(f"no run {run_id!r} in {self.path} (latest runs: {known})")
        spec: dict[str, Any] = json.loads(row[0])
        return spec

    def runs(self) -> list[tuple[str, float]]:
        """Every run id with its creation time, oldest first."""
        rows = self._db.execute("SELECT run_id, created FROM runs ORDER BY created").fetchall()
        return [(r[0], r[1]) for r in rows]

    def samples(self, run_id: str) -> list[Sample]:
        """The samples a run was made of, in suite order."""
        self.run_spec(run_id)
        rows = self._db.execute(
            "SELECT data FROM run_samples WHERE run_id=? ORDER BY rowid", (run_id,)
        )
        return [sample_from_dict(json.loads(r[0])) for r in rows]

    # responses --------------------------------------------------------------------------

    def done_keys(self, keys: Iterable[str] | None = None) -> set[str]:
        """The keys that have a successful response (of ``keys``, or all)."""
        rows = self._db.execute("SELECT key FROM responses WHERE ok=1").fetchall()
        done = {r[0] for r in rows}
        return done if keys is None else done.intersection(keys)

    def put(self, request: Request, response: Response) -> None:
        """Commit one response now. A stored success is kept; a stored failure is replaced."""
        self._db.execute(
            """
            INSERT INTO responses VALUES (?, ?, ?, ?, 1, ?)
            ON CONFLICT(key) DO UPDATE SET
                request=excluded.request, response=excluded.response, ok=excluded.ok,
                tries=responses.tries + 1, created=excluded.created
            WHERE responses.ok = 0
            """,
            (
                request.key,
                canonical_json(request_to_dict(request)),
                canonical_json(response.to_dict()),
                int(response.ok),
                time.time(),
            ),
        )

    def records(self, run_id: str) -> Iterator[RunRecord]:
        """The run's planned responses in order, with whatever is stored for each."""
        self.run_spec(run_id)  # a clear error for an unknown run
        rows = self._db.execute(
            """
            SELECT i.position, i.key, i.sample_id, i.sample_index, r.request, r.response
            FROM run_items i LEFT JOIN responses r ON r.key = i.key
            WHERE i.run_id = ? ORDER BY i.position
            """,
            (run_id,),
        )
        for position, key, sample_id, index, request, response in rows:
            yield RunRecord(
                position,
                key,
                sample_id,
                index,
                json.loads(request) if request else None,
                response_from_dict(json.loads(response)) if response else None,
            )

    # verdicts ---------------------------------------------------------------------------

    def put_verdicts(self, run_id: str, key: str, data: dict[str, JSONValue]) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO verdicts VALUES (?, ?, ?)",
            (run_id, key, canonical_json(data)),
        )

    def verdicts(self, run_id: str) -> dict[str, dict[str, Any]]:
        rows = self._db.execute("SELECT key, data FROM verdicts WHERE run_id=?", (run_id,))
        return {key: json.loads(data) for key, data in rows}
