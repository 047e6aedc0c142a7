"""A minimal real OpenAI-compatible server on 127.0.0.1: zero latency, deterministic answers.

It speaks HTTP (it is not a mock): ``GET /v1/models``, ``POST /v1/chat/completions`` and
``POST /v1/completions``. The answer to a request is derived from it alone: ``"Answer to: "``
followed by the last user message (chat) or the prompt (completion), cut to ``max_tokens``
whitespace-separated words (``finish_reason`` ``length``) and at the first ``stop`` string.

It records what it saw (per-path counts, request bodies and headers, most requests in flight
at once) and can be told to require an API key, to fail every generation with a status, to
wait before answering, or to have no ``/models`` route.

From a script::

    from tests.support.openai_responder import serve
    url, stop = serve()            # e.g. "http://127.0.0.1:40123/v1"
    ...
    stop()

From a shell: ``python -m tests.support.openai_responder --port 8000 --model test-model``
(prints the base URL as its first line, then serves until killed).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from tests.support.httpserver import HTTPRequest, ServerThread, reply, serve_forever

DEFAULT_MODEL = "test-model"


@dataclass
class Recorded:
    """One request as the responder saw it (the body parsed as JSON where it was JSON)."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any
    time: float


@dataclass
class Responder:
    """The server's settings (change them at any time) and what it recorded.

    Settings:
        models: the model ids listed and accepted (another model gets 404).
        api_key: when set, requests without ``Authorization: Bearer <api_key>`` get 401.
        echo_key_in_errors: put the key that was sent into the 401 text (as some hosted APIs
            do, partly masked) so tests can check that adhere never repeats it.
        fail_status: when set, every generation request gets this status (and an error body).
        delay: seconds to wait before answering a generation request.
        models_route: False makes ``/models`` answer 404 (servers without it).
    """

    models: tuple[str, ...] = (DEFAULT_MODEL,)
    api_key: str | None = None
    echo_key_in_errors: bool = False
    fail_status: int | None = None
    delay: float = 0.0
    models_route: bool = True
    counts: Counter[str] = field(default_factory=Counter)
    requests: list[Recorded] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0

    def generation_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.path.endswith("completions")]

    async def handle(self, request: HTTPRequest) -> bytes:
        path = request.path.split("?", 1)[0]
        self.counts[path] += 1
        body: Any = None
        if request.body:
            try:
                body = request.json()
            except ValueError:
                body = request.body
        self.requests.append(
            Recorded(request.method, path, request.headers, body, time.monotonic())
        )
        if self.api_key is not None:
            sent = request.headers.get("authorization", "")
            if sent != f"Bearer {self.api_key}":
                shown = f": {sent!r}" if self.echo_key_in_errors and sent else ""
                return _error(401, f"Incorrect API key provided{shown}", "invalid_api_key")
        if request.method == "GET" and path == "/v1/models":
            if not self.models_route:
                return _error(404, f"no route {path}", "not_found")
            data = [{"id": m, "object": "model", "owned_by": "responder"} for m in self.models]
            return reply(200, {"object": "list", "data": data})
        if request.method != "POST" or path not in ("/v1/chat/completions", "/v1/completions"):
            return _error(404, f"no route {request.method} {path}", "not_found")
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.delay:
                await asyncio.sleep(self.delay)
            return self._generate(path, body)
        finally:
            self.in_flight -= 1

    def _generate(self, path: str, body: Any) -> bytes:
        if self.fail_status is not None:
            return _error(self.fail_status, f"failing on purpose with {self.fail_status}", "test")
        if not isinstance(body, dict):
            return _error(400, "the body must be a JSON object", "invalid_request_error")
        model = body.get("model")
        if model not in self.models:
            return _error(404, f"The model '{model}' does not exist", "model_not_found")
        chat = path.endswith("/chat/completions")
        if chat:
            users = [
                m.get("content", "") for m in body.get("messages", []) if m.get("role") == "user"
            ]
            prompt = users[-1] if users else ""
        else:
            prompt = str(body.get("prompt", ""))
        text, finish = answer_for(prompt, int(body.get("max_tokens", 16)), body.get("stop"))
        choice: dict[str, Any] = {"index": 0, "finish_reason": finish}
        if chat:
            choice["message"] = {"role": "assistant", "content": text}
        else:
            choice["text"] = text
        return reply(
            200,
            {
                "id": f"resp-{self.counts[path]}",
                "object": "chat.completion" if chat else "text_completion",
                "model": model,
                "choices": [choice],
                "usage": {
                    "prompt_tokens": len(prompt.split()),
                    "completion_tokens": len(text.split()),
                    "total_tokens": len(prompt.split()) + len(text.split()),
                },
            },
        )


def answer_for(prompt: str, max_tokens: int, stop: Any = None) -> tuple[str, str]:
    """The responder's answer to ``prompt`` and its finish reason."""
    words = ("Answer to: " + prompt).split(" ")
    finish = "stop"
    if len(words) > max_tokens:
        words, finish = words[:max_tokens], "length"
    text = " ".join(words)
    for s in [stop] if isinstance(stop, str) else stop or []:
        if s and s in text:
            text, finish = text[: text.index(s)], "stop"
    return text, finish


def _error(status: int, message: str, code: str) -> bytes:
    body = {"error": {"message": message, "type": code, "code": status}}
    return reply(status, body)


def start(responder: Responder | None = None, port: int = 0) -> tuple[Responder, str, ServerThread]:
    """Start a responder in a background thread: (its state, base URL ending in /v1, server)."""
    state = responder or Responder()
    server = ServerThread(state.handle, port=port)
    bound = server.start()
    return state, f"http://127.0.0.1:{bound}/v1", server


def serve(port: int = 0, **settings: Any) -> tuple[str, Callable[[], None]]:
    """Start a responder in a background thread; returns (base URL, stop function)."""
    _, url, server = start(Responder(**settings), port)
    return url, server.stop


@contextmanager
def running(**settings: Any) -> Iterator[tuple[Responder, str]]:
    """``with running(models=("m",)) as (responder, url): ...``"""
    state, url, server = start(Responder(**settings))
    try:
        yield state, url
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--model", action="append", help="a model id to serve (repeatable)")
    parser.add_argument("--api-key", help="require this key (Authorization: Bearer ...)")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds before each answer")
    args = parser.parse_args(argv)
    models = tuple(args.model or [DEFAULT_MODEL])
    state = Responder(models=models, api_key=args.api_key, delay=args.delay)
    _, url, server = start(state, args.port)
    serve_forever(server, url)


if __name__ == "__main__":
    main()
