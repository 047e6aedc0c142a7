"""OpenAI-compatible servers over HTTP: vLLM, SGLang, llama.cpp's server, Ollama, TGI, hosted APIs.

``openai:MODEL@URL[,URL…]``: each URL is one endpoint (the facade spreads requests over them).

- Chat mode posts ``{URL}/chat/completions`` with ``model``, ``messages``, ``temperature`` and
  ``max_tokens``, plus ``top_p``, ``stop`` and ``seed`` where they are set (the seed sent is
  ``seed + sample_index``, so that the ``n`` samples of one prompt differ).
- Completion mode posts ``{URL}/completions`` with the same settings and a plain-text
  ``prompt`` made from the messages by :func:`render_prompt`.
- The API key is read from the environment variable named by ``options.api_key_env`` and
  sent as ``Authorization: Bearer …``; ``options.headers`` are added to every request.
- Failures raise :class:`BackendError`: connection errors, timeouts, 408/409/425/429, 5xx and
  malformed answers are transient (``Retry-After`` is read, in seconds or as an HTTP date);
  other statuses (400, 401, 403, 404, 422, …) are not, and their message quotes the server's
  error text, shortened. The key never appears in a message: where a server echoes it, it is
  masked.
- HTTP goes through :mod:`adhere.backends.httpio`: adhere's own keep-alive client for plain
  ``http://`` URLs (fast), httpx for ``https://`` (TLS, proxies).
- :meth:`OpenAIBackend.preflight` sends no generation request: it lists ``{URL}/models`` on
  every URL and checks that the model is there (a server without ``/models`` is accepted), and
  that a key is present where one is needed.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import os
import re
import time
from collections.abc import Mapping, Sequence
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from adhere.backends.base import BackendError, BackendOptions, ModelSpec
from adhere.backends.httpio import (
    Answer,
    Client,
    HTTPFailure,
    HTTPTimeout,
    HttpxClient,
    StreamClient,
    wants_httpx,
)
from adhere.core.errors import InputError
from adhere.core.generation import Request, Response, Usage
from adhere.core.types import JSONValue, Message

TRANSIENT_STATUSES = frozenset({408, 409, 425, 429})
MAX_QUOTED = 300  # characters of a server's error text kept in a message
MASK = "***"
PREFLIGHT_TIMEOUT = 10.0  # seconds for one preflight request
PREFLIGHT_CONNECT_TIMEOUT = 3.0  # seconds to open a connection during the preflight


def render_prompt(messages: Sequence[Message]) -> str:
    """The plain-text prompt of completion mode.

    System messages come first, as they are, each followed by a blank line. One user message
    and nothing else is then sent as it is (so an IFEval prompt reaches a base model
    unchanged); any other conversation is written as a transcript — ``User: …`` and
    ``Assistant: …`` blocks separated by blank lines, ending with ``Assistant:`` for the model
    to continue.
    """
    system = [m.content for m in messages if m.role == "system"]
    turns = [m for m in messages if m.role != "system"]
    head = "".join(text + "\n\n" for text in system)
    if len(turns) == 1 and turns[0].role == "user":
        return head + turns[0].content
    blocks = [f"{m.role.capitalize()}: {m.content}" for m in turns]
    if not turns or turns[-1].role != "assistant":
        blocks.append("Assistant:")
    return head + "\n\n".join(blocks)


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header (a number of seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def display_url(url: str) -> str:
    """The URL as shown in messages and records: any ``user:password@`` removed."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


def is_local(url: str) -> bool:
    """True for loopback, private-network and single-label hosts (servers a user runs, which
    usually need no key); False for public hosts (hosted APIs, which do)."""
    host = urlsplit(url).hostname or ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return (
            host == "localhost"
            or "." not in host
            or host.endswith((".localhost", ".local", ".internal", ".lan", ".home.arpa"))
        )
    return address.is_loopback or address.is_private or address.is_link_local


class OpenAIBackend:
    """A model behind one or more OpenAI-compatible base URLs (see the module docstring)."""

    def __init__(self, spec: ModelSpec, options: BackendOptions) -> None:
        if spec.kind != "openai" or not spec.urls:
            raise InputError(f"expected openai:MODEL@URL, found {spec.text!r}", field="--model")
        self.spec = spec
        self.options = options
        self.model = spec.target
        self._urls = tuple(u.rstrip("/") for u in spec.urls)
        self._stream = StreamClient()
        slots = max(1, options.concurrency) * len(self._urls) + len(self._urls)
        self._httpx = HttpxClient(slots)

    # -- what the run store sees -----------------------------------------------------------

    @property
    def endpoints(self) -> tuple[str, ...]:
        return self._urls

    def identity(self) -> dict[str, JSONValue]:
        """The backend kind and the model name. URLs, headers and the key are left out: the
        same model served elsewhere gives the same responses, and resumes may move."""
        return {"kind": "openai", "model": self.model}

    # -- HTTP ------------------------------------------------------------------------------

    def _key(self) -> str | None:
        name = self.options.api_key_env
        return (os.environ.get(name) or None) if name else None

    def _headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        headers.update(dict(self.options.headers))
        key = self._key()
        if key:
            headers["Authorization"] = f"Bearer {key}"
        return headers

    def _client(self, url: str) -> Client:
        return self._httpx if wants_httpx(url) else self._stream

    def _scrub(self, text: str) -> str:
        """``text`` with secrets masked: the key and the values of extra headers (8 characters
        or more), whole, and any token sharing the first 8 characters of one (servers echo
        keys partly masked)."""
        secrets = [value for _, value in self.options.headers if len(value) >= 8]
        key = self._key()
        if key:
            secrets.append(key)
        for secret in sorted(secrets, key=len, reverse=True):
            text = text.replace(secret, MASK)
            if len(secret) >= 12:
                text = re.sub(rf"\S*{re.escape(secret[:8])}\S*", MASK, text)
        return text

    def _server_text(self, answer: Answer) -> str:
        try:
            body: Any = answer.json()
        except ValueError:
            body = None
        message: Any = None
        if isinstance(body, dict):
            error = body.get("error", body)
            message = error.get("message") if isinstance(error, dict) else error
            message = message or body.get("detail") or body.get("message")
        text = str(message) if message else answer.text
        text = " ".join(self._scrub(text).split())
        return text[:MAX_QUOTED] + ("…" if len(text) > MAX_QUOTED else "")

    def _status_error(self, answer: Answer, where: str) -> BackendError:
        status = answer.status
        said = self._server_text(answer)
        message = f"HTTP {status} from {where}" + (f": {said}" if said else "")
        if status in (401, 403):
            message += f"; {self._key_hint()}"
        elif status == 404:
            message += f" (is the model name {self.model!r} and the URL right?)"
        transient = status in TRANSIENT_STATUSES or status >= 500
        retry_after = retry_after_seconds(answer.headers.get("retry-after"))
        return BackendError(message, transient=transient, status=status, retry_after=retry_after)

    def _key_hint(self) -> str:
        name = self.options.api_key_env
        if not name:
            return "no API key is sent (no key variable is configured)"
        if self._key() is None:
            return f"the environment variable {name} that should hold the API key is not set"
        return f"check the API key in the environment variable {name}"

    # -- generation ------------------------------------------------------------------------

    def payload(self, request: Request) -> tuple[str, dict[str, JSONValue]]:
        """The path (relative to a base URL) and the JSON body for ``request``."""
        config = request.config
        body: dict[str, JSONValue] = {"model": self.model}
        if config.mode == "chat":
            path = "/chat/completions"
            body["messages"] = [m.to_dict() for m in request.messages]
        else:
            path = "/completions"
            body["prompt"] = render_prompt(request.messages)
        body["temperature"] = config.temperature
        if config.top_p is not None:
            body["top_p"] = config.top_p
        body["max_tokens"] = config.max_tokens
        if config.stop:
            body["stop"] = list(config.stop)
        if config.seed is not None:  # each of the n samples gets its own seed
            body["seed"] = config.seed + request.sample_index
        return path, body

    async def generate(self, request: Request, endpoint: str) -> Response:
        path, body = self.payload(request)
        url = endpoint.rstrip("/") + path
        where = display_url(url)
        start = time.perf_counter()
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        try:
            answer = await self._client(url).request(
                "POST", url, self._headers(), data, self.options.timeout
            )
        except HTTPTimeout:
            raise BackendError(
                f"no answer within {self.options.timeout} s from {where}", transient=True
            ) from None
        except HTTPFailure as error:
            reason = self._scrub(str(error))
            raise BackendError(f"request to {where} failed: {reason}", transient=True) from None
        latency = time.perf_counter() - start
        if answer.status != 200:
            raise self._status_error(answer, where)
        return self._parse(answer, where, endpoint, request.config.mode == "chat", latency)

    def _parse(
        self, answer: Answer, where: str, endpoint: str, chat: bool, latency: float
    ) -> Response:
        def malformed(what: str) -> BackendError:
            return BackendError(f"malformed answer from {where}: {what}", transient=True)

        try:
            data = answer.json()
        except ValueError:
            raise malformed(f"not JSON ({len(answer.body)} bytes)") from None
        if not isinstance(data, dict):
            raise malformed("not a JSON object")
        choices = data.get("choices")
        if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
            raise malformed("no choices")
        choice = choices[0]
        if chat:
            message = choice.get("message")
            if not isinstance(message, dict):
                raise malformed("the choice has no message")
            text = message.get("content")
        else:
            text = choice.get("text")
        if text is not None and not isinstance(text, str):
            raise malformed(f"the text is a {type(text).__name__}, not a string")
        finish = choice.get("finish_reason")
        return Response(
            text=text or "",
            finish_reason=finish if isinstance(finish, str) else None,
            usage=_usage(data.get("usage")),
            latency=latency,
            metadata={"endpoint": display_url(endpoint), "served_model": data.get("model")},
        )

    # -- preflight -------------------------------------------------------------------------

    async def preflight(self) -> None:
        """Reachability, the model's presence and the key, on every URL; no generation."""
        name = self.options.api_key_env
        if name and self._key() is None:
            remote = [display_url(u) for u in self._urls if not is_local(u)]
            if remote:
                raise BackendError(
                    f"the environment variable {name} is not set, and {remote[0]} is a hosted "
                    f"API that needs a key: set {name}, or name another variable with "
                    "--api-key-env (an empty name sends no key)",
                    transient=False,
                )
        problems = await asyncio.gather(*(self._check(url) for url in self._urls))
        found = [p for p in problems if p is not None]
        if len(found) == 1:
            raise found[0]
        if found:
            statuses = {p.status for p in found}
            raise BackendError(
                "; ".join(str(p) for p in found),
                transient=all(p.transient for p in found),
                status=statuses.pop() if len(statuses) == 1 else None,
            )

    async def _get(self, url: str) -> Answer:
        # Short limits: a wrong address (a host that drops packets) must fail within seconds.
        limit = min(self.options.timeout, PREFLIGHT_TIMEOUT)
        connect = min(limit, PREFLIGHT_CONNECT_TIMEOUT)
        return await self._client(url).request("GET", url, self._headers(), b"", limit, connect)

    async def _check(self, base: str) -> BackendError | None:
        shown = display_url(base)
        try:
            answer = await self._get(base + "/models")
        except (HTTPFailure, HTTPTimeout) as error:
            reason = self._scrub(str(error))
            return BackendError(
                f"cannot reach {shown} ({reason}); is the server running and the URL right?",
                transient=False,
            )
        if answer.status in (404, 405):
            return await self._missing_models_route(base)
        if answer.status in (401, 403):
            return BackendError(
                f"{shown} refused the request (HTTP {answer.status}): {self._key_hint()}",
                transient=False,
                status=answer.status,
            )
        if answer.status != 200:
            return self._status_error(answer, display_url(base + "/models"))
        ids = _model_ids(answer)
        if ids is None:
            return BackendError(
                f"{shown}/models did not answer with a list of models; is {shown} the base URL "
                "of an OpenAI-compatible API (often ending in /v1)?",
                transient=False,
            )
        if not ids or _served(self.model, ids):
            return None
        listed = ", ".join(repr(i) for i in ids[:20]) + (" …" if len(ids) > 20 else "")
        return BackendError(
            f"{shown} does not serve the model {self.model!r}; it serves: {listed}",
            transient=False,
            status=404,
        )

    async def _missing_models_route(self, base: str) -> BackendError | None:
        """No ``/models`` here: accepted, unless ``{base}/v1/models`` exists (a URL missing
        its ``/v1``), which is worth saying before any request is sent."""
        if base.endswith("/v1"):
            return None
        try:
            answer = await self._get(base + "/v1/models")
        except (HTTPFailure, HTTPTimeout):
            return None
        if answer.status == 200 and _model_ids(answer) is not None:
            return BackendError(
                f"{display_url(base)} has no /models but {display_url(base)}/v1 has: "
                f"did you mean {display_url(base)}/v1?",
                transient=False,
                status=404,
            )
        return None

    async def aclose(self) -> None:
        await self._stream.aclose()
        await self._httpx.aclose()


def _usage(raw: Any) -> Usage:
    if not isinstance(raw, Mapping):
        return Usage()
    prompt, completion = raw.get("prompt_tokens"), raw.get("completion_tokens")
    return Usage(
        prompt_tokens=prompt if isinstance(prompt, int) else None,
        completion_tokens=completion if isinstance(completion, int) else None,
    )


def _model_ids(answer: Answer) -> list[str] | None:
    """The ids a ``/models`` answer lists, or None where it is not such a list."""
    try:
        data = answer.json()
    except ValueError:
        return None
    entries = data.get("data", data.get("models")) if isinstance(data, dict) else data
    if not isinstance(entries, list):
        return None
    ids = []
    for entry in entries:
        ident = entry.get("id", entry.get("name")) if isinstance(entry, dict) else entry
        if isinstance(ident, str):
            ids.append(ident)
    return ids


def _served(model: str, ids: Sequence[str]) -> bool:
    """Whether ``model`` is among ``ids`` (Ollama lists ``name:latest`` for ``name``)."""
    return model in ids or f"{model}:latest" in ids
