"""Replay: responses read from a file, for re-scoring runs made elsewhere (``replay:FILE``).

The file is JSON Lines with ``prompt`` and ``response`` on each line (IFEval's and IFBench's
responses format, and what ``adhere export --format ifeval`` writes). A request is answered by
the lines whose prompt equals its last user message (exactly, else with outer whitespace
stripped, as IFBench joins): sample index i takes the i-th such line. A request with no line
gets a failed response saying so; nothing is invented.
"""

from __future__ import annotations

import json
import os

from adhere.backends.base import BackendError, BackendOptions, ModelSpec
from adhere.core.generation import Request, Response
from adhere.core.types import JSONValue


class ReplayBackend:
    """Answers from a responses file (see the module docstring)."""

    def __init__(self, spec: ModelSpec, options: BackendOptions) -> None:
        self.path = spec.target
        self._by_prompt: dict[str, list[str]] | None = None

    @property
    def endpoints(self) -> tuple[str, ...]:
        return ("replay",)

    def identity(self) -> dict[str, JSONValue]:
        return {"kind": "replay", "file": os.path.abspath(self.path), "sha256": self._digest()}

    def _digest(self) -> str:
        import hashlib

        try:
            with open(self.path, "rb") as handle:
                return hashlib.sha256(handle.read()).hexdigest()
        except OSError:
            return "unreadable"

    def _load(self) -> dict[str, list[str]]:
        if self._by_prompt is not None:
            return self._by_prompt
        by_prompt: dict[str, list[str]] = {}
        try:
            handle = open(self.path, encoding="utf-8")  # noqa: SIM115 - closed below
        except OSError as error:
            raise BackendError(
                f"{self.path}: cannot read the responses file: {error.strerror or error}",
                transient=False,
            ) from None
        with handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as error:
                    raise BackendError(
                        f"{self.path}:{number}: malformed JSON at column {error.colno}: "
                        f"{error.msg}",
                        transient=False,
                    ) from None
                prompt = record.get("prompt") if isinstance(record, dict) else None
                response = record.get("response") if isinstance(record, dict) else None
                if not isinstance(prompt, str) or not isinstance(response, str):
                    raise BackendError(
                        f"{self.path}:{number}: expected string fields 'prompt' and 'response'",
                        transient=False,
                    )
                by_prompt.setdefault(prompt, []).append(response)
                if prompt.strip() != prompt:
                    by_prompt.setdefault(prompt.strip(), []).append(response)
        self._by_prompt = by_prompt
        return by_prompt

    async def preflight(self) -> None:
        self._load()

    async def generate(self, request: Request, endpoint: str) -> Response:
        table = self._load()
        prompt = next((m.content for m in reversed(request.messages) if m.role == "user"), "")
        found = table.get(prompt)
        if found is None:
            found = table.get(prompt.strip(), [])
        if request.sample_index < len(found):
            return Response(found[request.sample_index], finish_reason="stop")
        return Response(
            "",
            error=f"no response for this prompt (sample {request.sample_index}) in {self.path}",
        )

    async def aclose(self) -> None:
        self._by_prompt = None
