"""A small real HTTP/1.1 server on asyncio, run in a background thread.

It reads requests (``Content-Length`` or chunked bodies, keep-alive) and hands each to an async
handler that returns the raw bytes of the answer, or None to close the connection without
answering (a dropped connection). :func:`reply` builds the bytes of an ordinary answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any


@dataclass
class HTTPRequest:
    """One request as received: method, path (with any query), lower-cased headers, body."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


Handler = Callable[[HTTPRequest], Awaitable[bytes | None]]


def reply(
    status: int,
    body: bytes | str | Any = b"",
    headers: dict[str, str] | None = None,
    content_type: str = "application/json",
) -> bytes:
    """The raw bytes of an answer; ``body`` that is not bytes or str is encoded as JSON."""
    if isinstance(body, str):
        data = body.encode("utf-8")
    elif isinstance(body, bytes):
        data = body
    else:
        data = json.dumps(body).encode("utf-8")
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Status"
    lines = [f"HTTP/1.1 {status} {reason}", f"Content-Type: {content_type}"]
    lines.append(f"Content-Length: {len(data)}")
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + data


async def _read_request(reader: asyncio.StreamReader) -> HTTPRequest | None:
    line = await reader.readline()
    if not line.strip():
        return None
    method, path, _ = line.decode("latin-1").split(" ", 2)
    headers: dict[str, str] = {}
    while True:
        raw = await reader.readline()
        if raw in (b"\r\n", b"\n", b""):
            break
        name, _, value = raw.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        chunks = []
        while True:
            size = int((await reader.readline()).split(b";")[0], 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                break
            chunks.append(chunk[:-2])
        body = b"".join(chunks)
    else:
        body = await reader.readexactly(int(headers.get("content-length", "0")))
    return HTTPRequest(method, path, headers, body)


class ServerThread:
    """Serves ``handler`` on ``host:port`` (0 = a free port) from a daemon thread.

    ``start()`` returns the port once the server listens; ``stop()`` closes the listener and
    every open connection, cancelling handlers still running (stalls included).
    """

    def __init__(self, handler: Handler, host: str = "127.0.0.1", port: int = 0) -> None:
        self.handler = handler
        self.host = host
        self.port = port
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopped: asyncio.Event | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._error: BaseException | None = None
        self.connections = 0  # connections accepted so far

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self.connections += 1
        try:
            while True:
                request = await _read_request(reader)
                if request is None:
                    break
                answer = await self.handler(request)
                if answer is None:
                    break
                writer.write(answer)
                await writer.drain()
                if request.headers.get("connection", "").lower() == "close":
                    break
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            pass
        except asyncio.CancelledError:  # stop(): end quietly (asyncio logs cancelled handlers)
            pass
        finally:
            self._tasks.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _main(self) -> None:
        self._stopped = asyncio.Event()
        try:
            server = await asyncio.start_server(
                self._connection, self.host, self.port, reuse_address=True, backlog=1024
            )
        except BaseException as error:
            self._error = error
            self._ready.set()
            raise
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        async with server:
            await self._stopped.wait()
            server.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        with contextlib.suppress(BaseException):
            loop.run_until_complete(self._main())
        loop.close()

    def start(self) -> int:
        self._thread = threading.Thread(target=self._run, daemon=True, name="test-http-server")
        self._thread.start()
        self._ready.wait()
        if self._error is not None:
            raise self._error
        return self.port

    def stop(self) -> None:
        if self._loop is None or self._stopped is None or self._thread is None:
            return
        with contextlib.suppress(RuntimeError):  # the loop has already ended
            self._loop.call_soon_threadsafe(self._stopped.set)
        self._thread.join(timeout=10)


def serve_forever(server: ServerThread, url: str) -> None:
    """For ``python -m``: print the URL as the first line of output, then serve until killed."""
    print(url, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
