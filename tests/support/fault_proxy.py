"""A real reverse proxy on 127.0.0.1 that injects faults between a client and an upstream
OpenAI-compatible server.

On each request to a generation path (``…/completions``) it draws from a seeded RNG: with
probability ``fraction`` it injects one of ``kinds`` instead of (or on top of) forwarding:

- ``"500"``, ``"502"``, ``"503"`` (or any other status written as digits): that status with a
  JSON error body, not forwarded; ``"429"`` also carries ``Retry-After: <retry_after>``;
- ``"drop"``: the connection is closed with no answer, not forwarded;
- ``"stall"``: no answer for ``stall`` seconds (longer than the client's timeout), then the
  connection is closed, not forwarded;
- ``"malformed"``: forwarded, but the upstream's 200 answer is cut in half (a broken JSON body
  with a correct ``Content-Length``), so the client never gets a usable response.

``script`` lists faults to inject on the first requests, in order (``None`` = no fault),
before the random draws begin. Other paths (``/models``) are forwarded untouched.

It counts requests received and forwarded per path, faults per kind, and records every
request body whose upstream 200 answer was relayed intact (``delivered``): a test checks that
no finished request was sent again. ``events`` holds (time, path, outcome, body digest) for
each request, e.g. to check the gap a ``Retry-After`` asked for. ``GET /_proxy/stats`` answers
all of that as JSON, and ``log`` (a path) gets one JSON line per event, for subprocess tests.

From a shell: ``python -m tests.support.fault_proxy --upstream http://127.0.0.1:8000/v1
--fraction 0.2 --seed 0 [--port N] [--log FILE]`` prints the proxy's base URL first.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import random
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from tests.support.httpserver import HTTPRequest, ServerThread, reply, serve_forever

ALL_KINDS = ("500", "502", "503", "429", "drop", "stall", "malformed")
HOP_BY_HOP = {"host", "content-length", "connection", "transfer-encoding", "keep-alive"}


def digest(body: bytes) -> str:
    """The digest that identifies a request body in the proxy's records."""
    return hashlib.sha256(body).hexdigest()


@dataclass
class Event:
    time: float
    path: str
    outcome: str  # "delivered", a fault kind, "upstream-<status>", "upstream-error"
    body: str  # digest of the request body

    def to_dict(self) -> dict[str, Any]:
        return {"time": self.time, "path": self.path, "outcome": self.outcome, "body": self.body}


@dataclass
class FaultProxy:
    """The proxy's settings and records; :meth:`start` runs it in a background thread."""

    upstream: str
    fraction: float = 0.2
    seed: int = 0
    kinds: Sequence[str] = ALL_KINDS
    retry_after: str = "1"
    stall: float = 30.0
    script: Sequence[str | None] = ()
    log: str | None = None
    received: Counter[str] = field(default_factory=Counter)
    forwarded: Counter[str] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)
    delivered: Counter[str] = field(default_factory=Counter)
    delivered_bodies: list[bytes] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)

    def __post_init__(self) -> None:
        parts = urlsplit(self.upstream)
        self._origin = f"{parts.scheme}://{parts.netloc}"
        self._prefix = parts.path.rstrip("/")
        self._rng = random.Random(self.seed)
        self._script = list(self.script)
        self._client: httpx.AsyncClient | None = None
        self._server: ServerThread | None = None
        self.url = ""

    # -- running ---------------------------------------------------------------------------

    def start(self, port: int = 0) -> str:
        """Listen on 127.0.0.1 (``port`` 0 = a free one); returns the base URL to give clients
        (the upstream's path prefix kept, e.g. ``http://127.0.0.1:PORT/v1``)."""
        self._server = ServerThread(self.handle, port=port)
        bound = self._server.start()
        self.url = f"http://127.0.0.1:{bound}{self._prefix}"
        return self.url

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()

    def stats(self) -> dict[str, Any]:
        return {
            "received": dict(self.received),
            "forwarded": dict(self.forwarded),
            "faults": dict(self.faults),
            "delivered": dict(self.delivered),
            "events": [e.to_dict() for e in self.events],
        }

    # -- handling --------------------------------------------------------------------------

    def _choose(self) -> str | None:
        if self._script:
            return self._script.pop(0)
        if self._rng.random() < self.fraction:
            return self._rng.choice(list(self.kinds))
        return None

    def _record(self, path: str, outcome: str, body: bytes) -> None:
        event = Event(time.monotonic(), path, outcome, digest(body))
        self.events.append(event)
        if self.log:
            with open(self.log, "a", encoding="utf-8") as handle:
                handle.write(json.dumps(event.to_dict()) + "\n")

    async def handle(self, request: HTTPRequest) -> bytes | None:
        path = request.path.split("?", 1)[0]
        if path == "/_proxy/stats":
            return reply(200, self.stats())
        self.received[path] += 1
        fault = self._choose() if path.endswith("completions") else None
        if fault is not None:
            self.faults[fault] += 1
            if fault != "malformed":
                self._record(path, fault, request.body)
                return await self._inject(fault)
        self.forwarded[path] += 1
        try:
            status, headers, body = await self._forward(request)
        except httpx.HTTPError as error:
            self._record(path, "upstream-error", request.body)
            return reply(502, {"error": {"message": f"proxy: upstream failed: {error!r}"}})
        if fault == "malformed":
            self._record(path, fault, request.body)
            return reply(200, body[: len(body) // 2])
        if status == 200 and path.endswith("completions"):
            self.delivered[digest(request.body)] += 1
            self.delivered_bodies.append(request.body)
            self._record(path, "delivered", request.body)
        elif path.endswith("completions"):
            self._record(path, f"upstream-{status}", request.body)
        content_type = headers.pop("content-type", "application/json")
        return reply(status, body, headers, content_type)

    async def _inject(self, fault: str) -> bytes | None:
        if fault == "drop":
            return None
        if fault == "stall":
            await asyncio.sleep(self.stall)
            return None
        status = int(fault)
        headers = {"Retry-After": self.retry_after} if status == 429 else {}
        body = {"error": {"message": f"injected fault {status}", "type": "fault_proxy"}}
        return reply(status, body, headers)

    async def _forward(self, request: HTTPRequest) -> tuple[int, dict[str, str], bytes]:
        if self._client is None:
            limits = httpx.Limits(max_connections=256, max_keepalive_connections=256)
            self._client = httpx.AsyncClient(timeout=60.0, limits=limits)
        headers = {k: v for k, v in request.headers.items() if k not in HOP_BY_HOP}
        answer = await self._client.request(
            request.method, self._origin + request.path, headers=headers, content=request.body
        )
        kept = {
            k.lower(): v
            for k, v in answer.headers.items()
            if k.lower() not in HOP_BY_HOP and k.lower() != "content-encoding"
        }
        return answer.status_code, kept, answer.content


@contextmanager
def running(upstream: str, **settings: Any) -> Iterator[FaultProxy]:
    """``with running(url, fraction=0.2, seed=1) as proxy: backend at proxy.url``"""
    proxy = FaultProxy(upstream, **settings)
    proxy.start()
    try:
        yield proxy
    finally:
        proxy.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="a fault-injecting reverse proxy")
    parser.add_argument("--upstream", required=True, help="e.g. http://127.0.0.1:8000/v1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--fraction", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--kinds", default=",".join(ALL_KINDS), help="comma-separated")
    parser.add_argument("--retry-after", default="1")
    parser.add_argument("--stall", type=float, default=30.0)
    parser.add_argument("--log", help="append one JSON line per event to this file")
    args = parser.parse_args(argv)
    proxy = FaultProxy(
        args.upstream,
        fraction=args.fraction,
        seed=args.seed,
        kinds=tuple(k for k in args.kinds.split(",") if k),
        retry_after=args.retry_after,
        stall=args.stall,
        log=args.log,
    )
    url = proxy.start(args.port)
    assert proxy._server is not None
    serve_forever(proxy._server, url)


if __name__ == "__main__":
    main()
