"""HTTP for the OpenAI-compatible backend: one small interface, two transports.

- :class:`StreamClient`, adhere's own HTTP/1.1 client on asyncio streams, for plain ``http://``
  URLs (the servers a user runs: vLLM, llama.cpp's server, Ollama, …). Keep-alive connections,
  ``Content-Length``, chunked and read-to-close bodies. It costs about a tenth of a millisecond
  of CPU per request where httpx costs a few milliseconds, which is most of adhere's overhead
  against a fast local server.
- :class:`HttpxClient`, httpx, for ``https://`` URLs (hosted APIs: TLS, proxies from the
  environment), for URLs carrying credentials, and for any URL where a proxy variable is set
  (loopback hosts excepted). httpx is imported only then.

Both raise :class:`HTTPTimeout` when no full answer came within the timeout and
:class:`HTTPFailure` when the connection failed; both answer an :class:`Answer`.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import os
import time
import zlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from adhere.core.frozen import frozen

if TYPE_CHECKING:
    import httpx

KEEPALIVE_EXPIRY = 5.0  # seconds an idle connection is kept (servers close theirs after ~5 s)
PROXY_VARIABLES = ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY")
LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")


class HTTPTimeout(Exception):
    """No full answer within the timeout."""


class HTTPFailure(Exception):
    """The connection could not be made, or broke before a full answer came."""


@frozen
class Answer:
    """A full HTTP answer. Fields: status, headers (lower-case names), body."""

    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        """The body parsed as JSON (``ValueError`` where it is not JSON)."""
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class Client(Protocol):
    async def request(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes,
        timeout: float,
        connect_timeout: float | None = None,
    ) -> Answer:
        """The full answer; ``timeout`` bounds the whole exchange, ``connect_timeout`` (where
        given) the opening of a new connection."""
        ...

    async def aclose(self) -> None: ...


def wants_httpx(url: str) -> bool:
    """Whether ``url`` goes through httpx rather than :class:`StreamClient`."""
    parts = urlsplit(url)
    if parts.scheme != "http" or "@" in parts.netloc:
        return True
    if parts.hostname in LOOPBACK:
        return False
    return any(os.environ.get(name) for name in PROXY_VARIABLES)


# -- adhere's own client ------------------------------------------------------------------------


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.idle_since = time.monotonic()

    def usable(self) -> bool:
        fresh = time.monotonic() - self.idle_since < KEEPALIVE_EXPIRY
        return fresh and not self.reader.at_eof() and not self.writer.is_closing()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.writer.close()


class StreamClient:
    """HTTP/1.1 over plain TCP with keep-alive (see the module docstring)."""

    def __init__(self) -> None:
        self._idle: dict[tuple[str, int], list[_Connection]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None

    async def _connect(self, host: str, port: int, timeout: float | None) -> _Connection:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # connections from another event loop cannot be used
            self._idle, self._loop = {}, loop
        idle = self._idle.get((host, port), [])
        while idle:
            connection = idle.pop()
            if connection.usable():
                return connection
            connection.close()
        opening = asyncio.open_connection(host, port, limit=2**20)
        try:
            reader, writer = await asyncio.wait_for(opening, timeout)
        except TimeoutError:
            raise OSError(f"no connection within {timeout} s") from None
        return _Connection(reader, writer)

    async def request(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes,
        timeout: float,
        connect_timeout: float | None = None,
    ) -> Answer:
        parts = urlsplit(url)
        host, port = parts.hostname or "", parts.port or 80
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        lines = [f"{method} {target} HTTP/1.1", f"Host: {parts.netloc.rsplit('@', 1)[-1]}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        lines += [f"Content-Length: {len(body)}", "Accept-Encoding: gzip, deflate"]
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        connection: _Connection | None = None
        try:
            async with asyncio.timeout(timeout):
                connection = await self._connect(host, port, connect_timeout)
                connection.writer.write(head + body)
                answer, keep = await _read_answer(connection.reader, method)
        except TimeoutError:
            if connection is not None:
                connection.close()
            raise HTTPTimeout(f"no answer within {timeout} s") from None
        except (OSError, EOFError, ValueError, asyncio.LimitOverrunError) as error:
            if connection is not None:
                connection.close()
            raise HTTPFailure(_describe(error)) from None
        except BaseException:  # cancelled: the connection is in an unknown state
            if connection is not None:
                connection.close()
            raise
        if keep:
            connection.idle_since = time.monotonic()
            self._idle.setdefault((host, port), []).append(connection)
        else:
            connection.close()
        return answer

    async def aclose(self) -> None:
        idle, self._idle = self._idle, {}
        for connections in idle.values():
            for connection in connections:
                connection.close()


def _describe(error: BaseException) -> str:
    if isinstance(error, asyncio.IncompleteReadError):
        return "the server closed the connection in the middle of its answer"
    if isinstance(error, EOFError):
        return str(error)
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error) or type(error).__name__


async def _read_answer(reader: asyncio.StreamReader, method: str) -> tuple[Answer, bool]:
    """The next full answer on ``reader``, and whether the connection can be used again."""
    while True:
        line = await reader.readline()
        if not line:
            raise EOFError("the server closed the connection without answering")
        version, status_text = line.split(b" ", 2)[:2]
        status = int(status_text)
        headers: dict[str, str] = {}
        while True:
            raw = await reader.readline()
            if raw in (b"\r\n", b"\n"):
                break
            if not raw:
                raise EOFError("the server closed the connection in the middle of its headers")
            name, _, value = raw.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        if status >= 200 or status == 101:
            break  # 1xx answers (100 Continue) come before the real one
    keep = version == b"HTTP/1.1" and headers.get("connection", "").lower() != "close"
    if method == "HEAD" or status in (204, 304):
        data = b""
    elif "chunked" in headers.get("transfer-encoding", "").lower():
        data = await _read_chunks(reader)
    elif "content-length" in headers:
        data = await reader.readexactly(int(headers["content-length"]))
    else:
        data, keep = await reader.read(), False
    encoding = headers.get("content-encoding", "").lower()
    if encoding == "gzip":
        data = gzip.decompress(data)
    elif encoding == "deflate":
        data = zlib.decompress(data)
    return Answer(status, headers, data), keep


async def _read_chunks(reader: asyncio.StreamReader) -> bytes:
    chunks: list[bytes] = []
    while True:
        size = int((await reader.readline()).split(b";")[0].strip() or b"x", 16)
        if size == 0:
            while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                pass  # trailers
            return b"".join(chunks)
        chunks.append(await reader.readexactly(size))
        await reader.readexactly(2)


# -- httpx ------------------------------------------------------------------------------------


class HttpxClient:
    """httpx, for what :class:`StreamClient` does not do (TLS, proxies, credentials in URLs)."""

    def __init__(self, connections: int) -> None:
        self._connections = connections
        self._client: httpx.AsyncClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _http(self) -> httpx.AsyncClient:
        import httpx

        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            limits = httpx.Limits(
                max_connections=self._connections, max_keepalive_connections=self._connections
            )
            self._client = httpx.AsyncClient(limits=limits)
            self._loop = loop
        return self._client

    async def request(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes,
        timeout: float,
        connect_timeout: float | None = None,
    ) -> Answer:
        import httpx

        client = self._http()
        limits = httpx.Timeout(timeout, connect=connect_timeout or timeout)
        try:
            answer = await client.request(
                method, url, headers=dict(headers), content=body or None, timeout=limits
            )
        except httpx.TimeoutException:
            raise HTTPTimeout(f"no answer within {timeout} s") from None
        except httpx.HTTPError as error:
            raise HTTPFailure(str(error) or type(error).__name__) from None
        kept = {name.lower(): value for name, value in answer.headers.items()}
        return Answer(answer.status_code, kept, answer.content)

    async def aclose(self) -> None:
        client, self._client = self._client, None
        if client is not None and self._loop is asyncio.get_running_loop():
            await client.aclose()
