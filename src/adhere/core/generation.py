"""What is asked of a model and what comes back: generation settings, requests, responses.

All frozen and JSON-serialisable. A request's ``key`` is a hash of everything that determines
its response (see :func:`request_key`), so a stored response is found again on resume.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any, Literal

from adhere.core.frozen import frozen
from adhere.core.types import EMPTY, JSONValue, Message

GenerationMode = Literal["chat", "completion"]


@frozen
class GenerationConfig:
    """How to generate.

    Fields:
        system: a system prompt put before each conversation, or None.
        temperature: sampling temperature (0 = greedy).
        top_p: nucleus sampling mass, or None for the backend's default.
        max_tokens: the most tokens to generate per response.
        stop: strings that end generation.
        seed: the sampling seed passed to backends that take one, or None.
        n: responses sampled per prompt (each is its own request, sample index 0 … n-1).
        mode: ``chat`` (messages through the chat template) or ``completion`` (raw prompt).
    """

    system: str | None = None
    temperature: float = 0.0
    top_p: float | None = None
    max_tokens: int = 1024
    stop: tuple[str, ...] = ()
    seed: int | None = None
    n: int = 1
    mode: GenerationMode = "chat"

    def __post_init__(self) -> None:
        problems = []
        if self.temperature < 0:
            problems.append(f"temperature must be >= 0, found {self.temperature}")
        if self.top_p is not None and not 0 < self.top_p <= 1:
            problems.append(f"top_p must be in (0, 1], found {self.top_p}")
        if self.max_tokens < 1:
            problems.append(f"max_tokens must be >= 1, found {self.max_tokens}")
        if self.n < 1:
            problems.append(f"n must be >= 1, found {self.n}")
        if self.mode not in ("chat", "completion"):
            problems.append(f"mode must be 'chat' or 'completion', found {self.mode!r}")
        if problems:
            raise ValueError("; ".join(problems))
        object.__setattr__(self, "stop", tuple(self.stop))

    def to_dict(self) -> dict[str, JSONValue]:
        return {
            "system": self.system,
            "temperature": self.temperature,
            "top_p": self.top_p,
            "max_tokens": self.max_tokens,
            "stop": list(self.stop),
            "seed": self.seed,
            "n": self.n,
            "mode": self.mode,
        }


@frozen
class Request:
    """One response to be generated.

    Fields:
        sample_id: the id of the sample it answers.
        messages: the conversation to send (the system prompt already included, if any).
        config: the generation settings.
        sample_index: which of the ``config.n`` responses this is (0-based).
        key: the hash of everything that determines the response (see :func:`request_key`).
    """

    sample_id: str
    messages: tuple[Message, ...]
    config: GenerationConfig
    sample_index: int
    key: str


@frozen
class Usage:
    """Token counts reported by the backend (None where it did not say)."""

    prompt_tokens: int | None = None
    completion_tokens: int | None = None

    def to_dict(self) -> dict[str, JSONValue]:
        return {"prompt_tokens": self.prompt_tokens, "completion_tokens": self.completion_tokens}


@frozen
class Response:
    """What came back for one request.

    Fields:
        text: the generated text ("" when there is none).
        finish_reason: ``stop``, ``length``, … as the backend said, or None.
        usage: token counts.
        latency: seconds from sending to the full answer.
        error: None on success; otherwise what went wrong, in words (the record is then kept
            as failed, and a resume asks again).
        metadata: anything else worth keeping (e.g. the endpoint that answered).
    """

    text: str
    finish_reason: str | None = None
    usage: Usage = Usage()
    latency: float = 0.0
    error: str | None = None
    metadata: Mapping[str, JSONValue] = EMPTY

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_dict(self) -> dict[str, JSONValue]:
        return {
            "text": self.text,
            "finish_reason": self.finish_reason,
            "usage": self.usage.to_dict(),
            "latency": self.latency,
            "error": self.error,
            "metadata": dict(self.metadata),
        }


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no whitespace: the same text for equal values."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def request_key(
    model: Mapping[str, JSONValue],
    messages: tuple[Message, ...],
    config: GenerationConfig,
    sample_index: int,
) -> str:
    """A hash of everything that determines a response: the model identity and the backend
    settings that change outputs (never secrets), the messages, the generation settings (``n``
    excluded: asking for more samples later reuses the first ones) and the sample index."""
    settings = config.to_dict()
    settings.pop("n")
    payload = {
        "model": dict(model),
        "messages": [m.to_dict() for m in messages],
        "config": settings,
        "sample_index": sample_index,
    }
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()
