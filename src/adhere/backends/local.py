"""What the local backends (transformers, vLLM offline) share, with no heavy imports.

- :class:`Batcher`: ``generate`` is called once per request, concurrently (the facade keeps
  up to ``concurrency`` requests in flight); a local model is fastest on batches. The batcher
  queues requests, groups those that arrive together and share their generation settings
  (up to ``batch_size``), and runs each group as one call in a single worker thread, so the
  event loop stays free and the model is used by one batch at a time.
- :func:`request_seed`: the sampling seed of one request, derived from its key (so each
  sample index gets its own draw, reproducibly, whatever batch it lands in).
- :func:`resolve_model`: the local folder of ``PATH_OR_ID`` (a hub id is fetched into the
  Hugging Face cache) and what identifies it: the folder and :func:`folder_fingerprint`, a
  cheap content hash (a checkpoint rewritten in place gets a new identity), or the hub id
  and its commit.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import ThreadPoolExecutor

from adhere.backends.base import BackendError
from adhere.core.generation import GenerationConfig, Request, Response
from adhere.core.types import JSONValue

GATHER_SECONDS = 0.02  # how long an idle batcher waits for requests arriving together
SLICES = 16  # evenly spaced slices read from each weights file by folder_fingerprint
SLICE_BYTES = 1 << 16
WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".gguf", ".msgpack", ".h5")

RunBatch = Callable[[Sequence[Request]], Sequence[Response]]


def batch_group(config: GenerationConfig) -> Hashable:
    """Requests with the same group may share a batch: everything that shapes generation as a
    whole (the seed is applied per request, and ``n`` is handled by the runner)."""
    return (config.mode, config.temperature, config.top_p, config.max_tokens, config.stop)


def request_seed(request: Request) -> int:
    """A 63-bit sampling seed for one request, from its key (which covers the model, the
    messages, the generation settings including ``seed``, and the sample index)."""
    basis = request.key or f"{request.sample_id}\x00{request.sample_index}\x00{request.config}"
    return int.from_bytes(hashlib.sha256(basis.encode("utf-8")).digest()[:8], "big") >> 1


class _Job:
    __slots__ = ("future", "request")

    def __init__(self, request: Request, future: asyncio.Future[Response]) -> None:
        self.request = request
        self.future = future


class Batcher:
    """Groups concurrent requests into batches run by ``run_batch`` in one worker thread.

    ``run_batch`` gets requests that share :func:`batch_group` and returns one response per
    request, in order. A :class:`BackendError` it raises fails every request of the batch with
    that error; any other exception fails them with a non-transient ``BackendError`` naming it.
    A request whose caller stopped waiting (a timeout) before its batch began is dropped.
    """

    def __init__(self, run_batch: RunBatch, batch_size: int, name: str) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, found {batch_size}")
        self._run_batch = run_batch
        self.batch_size = batch_size
        self.name = name
        self._pending: list[_Job] = []
        self._arrived: asyncio.Event | None = None
        self._pump: asyncio.Task[None] | None = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"adhere-{name}")
        self.batches: list[int] = []  # the size of each batch run, for tests and figures

    async def submit(self, request: Request) -> Response:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Response] = loop.create_future()
        self._pending.append(_Job(request, future))
        if self._arrived is None or self._pump is None or self._pump.done():
            self._arrived = asyncio.Event()
            self._pump = loop.create_task(self._drain(self._arrived))
        self._arrived.set()
        return await future

    async def call(self, function: Callable[[], object]) -> object:
        """Run ``function`` in the worker thread (between batches), e.g. to load the model."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, function)

    def _take(self) -> list[_Job]:
        self._pending = [job for job in self._pending if not job.future.done()]
        if not self._pending:
            return []
        group = batch_group(self._pending[0].request.config)
        batch: list[_Job] = []
        rest: list[_Job] = []
        for job in self._pending:
            fits = len(batch) < self.batch_size and batch_group(job.request.config) == group
            (batch if fits else rest).append(job)
        self._pending = rest
        return batch

    def _ready(self) -> int:
        if not self._pending:
            return 0
        group = batch_group(self._pending[0].request.config)
        return sum(
            1
            for job in self._pending
            if not job.future.done() and batch_group(job.request.config) == group
        )

    async def _gather(self, arrived: asyncio.Event) -> None:
        """Wait briefly while fewer than a full batch of like requests is queued."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + GATHER_SECONDS
        while self._ready() < self.batch_size:
            left = deadline - loop.time()
            if left <= 0:
                return
            arrived.clear()
            try:
                await asyncio.wait_for(arrived.wait(), left)
            except TimeoutError:
                return

    async def _drain(self, arrived: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()
        while self._pending:
            await self._gather(arrived)
            batch = self._take()
            if not batch:
                continue
            requests = [job.request for job in batch]
            self.batches.append(len(batch))
            try:
                responses = await loop.run_in_executor(self._executor, self._run_batch, requests)
            except BackendError as error:
                for job in batch:
                    if not job.future.done():
                        job.future.set_exception(error)
                continue
            except Exception as error:  # a bug or a library failure: stop the run, say what
                failure = BackendError(
                    f"the {self.name} backend failed: {type(error).__name__}: {error}",
                    transient=False,
                )
                for job in batch:
                    if not job.future.done():
                        job.future.set_exception(failure)
                continue
            for job, response in zip(batch, responses, strict=True):
                if not job.future.done():
                    job.future.set_result(response)

    async def aclose(self) -> None:
        pump, self._pump = self._pump, None
        if pump is not None and not pump.done():
            pump.cancel()
        for job in self._pending:
            if not job.future.done():
                job.future.cancel()
        self._pending = []
        self._executor.shutdown(wait=False, cancel_futures=True)


def folder_fingerprint(folder: str) -> str:
    """SHA-256 over a model folder: small files (configs, tokenizer) in full; weights files by
    name, size and ``SLICES`` evenly spaced slices (reading a few MiB, not the whole model)."""
    digest = hashlib.sha256()
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith("."):
                continue
            path = os.path.join(root, name)
            size = os.path.getsize(path)
            digest.update(f"{os.path.relpath(path, folder)}\x00{size}\x00".encode())
            with open(path, "rb") as handle:
                if not name.endswith(WEIGHT_SUFFIXES) or size <= SLICES * SLICE_BYTES:
                    digest.update(handle.read())
                    continue
                step = (size - SLICE_BYTES) // (SLICES - 1)
                for i in range(SLICES):
                    handle.seek(i * step)
                    digest.update(handle.read(SLICE_BYTES))
    return digest.hexdigest()


def resolve_model(kind: str, target: str) -> tuple[str, dict[str, JSONValue]]:
    """The local folder of ``target`` (a folder, or a Hugging Face hub id fetched into the
    hub's cache) and its identity; :class:`BackendError` where neither works."""
    path = os.path.expanduser(target)
    if os.path.isdir(path):
        folder = os.path.abspath(path)
        return folder, {"path": folder, "fingerprint": folder_fingerprint(folder)}
    if os.path.exists(path) or target.startswith((".", "/", "~")) or target.count("/") > 1:
        raise BackendError(
            f"{kind}:{target}: expected a folder holding config.json and the weights (or a "
            "Hugging Face hub id such as org/name), found no such folder",
            transient=False,
        )
    try:
        from huggingface_hub import snapshot_download

        folder = snapshot_download(target)
    except Exception as error:
        reason = (str(error).strip().splitlines() or [""])[0]
        said = f"{type(error).__name__}: {reason}" if reason else type(error).__name__
        raise BackendError(
            f"{kind}:{target}: no folder of that name here, and the Hugging Face hub could "
            f"not provide it ({said}); pass the path of a folder holding config.json and "
            "the weights",
            transient=False,
        ) from None
    return folder, {"hub_id": target, "revision": os.path.basename(folder)}
