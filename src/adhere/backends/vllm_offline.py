"""vLLM's offline engine: ``vllm:PATH_OR_ID`` (the optional extra ``adhere[vllm]``).

vLLM's PyPI wheel runs on CUDA GPUs only. ``vllm`` is imported when a backend is made (a
missing package says which ``pip install`` fixes it), and the engine starts in
:meth:`VLLMBackend.preflight`; where it cannot run (no GPU, no CUDA) the error says so before
any request.

The mapping from adhere's requests to vLLM's is pure and tested without the engine:
:func:`sampling_kwargs` (the keyword arguments of ``vllm.SamplingParams``),
:func:`chat_messages` and :func:`completion_prompt` (what ``LLM.chat`` and ``LLM.generate``
get), and :func:`response_from_output` (a ``RequestOutput`` back to a :class:`Response`).
Only adhere's settings steer generation (vLLM's defaults otherwise: no penalties, no top-k):
temperature 0 is greedy; sampled requests carry their own seed
(:func:`adhere.backends.local.request_seed`). Requests arriving together share one
``LLM.chat`` / ``LLM.generate`` call (up to ``options.batch_size``; vLLM batches within it).
"""

from __future__ import annotations

import asyncio
import importlib
import time
from collections.abc import Sequence
from types import ModuleType
from typing import Any

from adhere.backends.base import BackendError, BackendOptions, ModelSpec
from adhere.backends.local import Batcher, request_seed, resolve_model
from adhere.backends.openai_http import render_prompt
from adhere.core.errors import InputError
from adhere.core.generation import Request, Response, Usage
from adhere.core.types import JSONValue

DTYPES = ("auto", "float32", "float16", "bfloat16")
NO_GPU = "vLLM's PyPI wheel runs on CUDA GPUs only; on this machine use hf:PATH_OR_ID instead"


def sampling_kwargs(request: Request) -> dict[str, JSONValue]:
    """The keyword arguments of ``vllm.SamplingParams`` for one request."""
    config = request.config
    kwargs: dict[str, JSONValue] = {
        "n": 1,
        "temperature": config.temperature,
        "max_tokens": config.max_tokens,
    }
    if config.top_p is not None:
        kwargs["top_p"] = config.top_p
    if config.stop:
        kwargs["stop"] = list(config.stop)
    if config.temperature > 0:
        kwargs["seed"] = request_seed(request)
    return kwargs


def chat_messages(request: Request) -> list[dict[str, str]]:
    """The conversation as ``LLM.chat`` takes it."""
    return [{"role": m.role, "content": m.content} for m in request.messages]


def completion_prompt(request: Request) -> str:
    """The raw prompt of completion mode (the same text every adhere backend sends)."""
    return render_prompt(request.messages)


def response_from_output(output: Any, latency: float, batch: int) -> Response:
    """A :class:`Response` from one of vLLM's ``RequestOutput`` objects."""
    completions = getattr(output, "outputs", None) or []
    if not completions:
        return Response("", latency=latency, error="vLLM returned no completion")
    first = completions[0]
    finish = getattr(first, "finish_reason", None)
    prompt_ids = getattr(output, "prompt_token_ids", None)
    token_ids = getattr(first, "token_ids", None)
    text = getattr(first, "text", "")
    return Response(
        text=text if isinstance(text, str) else "",
        finish_reason=finish if isinstance(finish, str) else None,
        usage=Usage(
            prompt_tokens=len(prompt_ids) if prompt_ids is not None else None,
            completion_tokens=len(token_ids) if token_ids is not None else None,
        ),
        latency=latency,
        error="vLLM aborted the request" if finish == "abort" else None,
        metadata={"batch": batch},
    )


def import_vllm() -> ModuleType:
    """``vllm``, or an :class:`InputError` saying how to get it."""
    try:
        return importlib.import_module("vllm")
    except ImportError as error:
        raise InputError(
            f"the vllm backend needs the vllm package, which cannot be imported here "
            f"({error}); pip install 'adhere[vllm]' on a machine with a CUDA GPU ({NO_GPU})",
            field="--model",
        ) from None


class VLLMBackend:
    """A model run by vLLM's offline engine in this process (see the module docstring)."""

    def __init__(self, spec: ModelSpec, options: BackendOptions) -> None:
        if options.dtype not in DTYPES:
            raise InputError(
                f"expected a dtype among {', '.join(DTYPES)}; found {options.dtype!r}",
                field="--dtype",
            )
        if options.device not in ("auto", "cuda"):
            raise InputError(f"expected device auto or cuda; found {options.device!r}: {NO_GPU}")
        self.spec = spec
        self.options = options
        self._vllm = import_vllm()
        self._folder: str | None = None
        self._source: dict[str, JSONValue] = {}
        self._llm: Any = None
        self._start_lock: asyncio.Lock | None = None
        self._batcher = Batcher(self._run_batch, options.batch_size, "vllm")

    @property
    def endpoints(self) -> tuple[str, ...]:
        return ("local",)

    def _resolve(self) -> str:
        if self._folder is None:
            self._folder, self._source = resolve_model("vllm", self.spec.target)
        return self._folder

    def identity(self) -> dict[str, JSONValue]:
        self._resolve()
        return {"kind": "vllm", **self._source, "dtype": self.options.dtype}

    def _start(self) -> object:
        where = f"vllm:{self.spec.target}"
        torch = importlib.import_module("torch")
        if not torch.cuda.is_available():
            raise BackendError(f"{where}: no CUDA GPU is visible; {NO_GPU}", transient=False)
        try:
            return self._vllm.LLM(model=self._resolve(), dtype=self.options.dtype, seed=0)
        except BackendError:
            raise
        except Exception as error:
            first = (str(error).strip().splitlines() or [""])[0]
            raise BackendError(
                f"{where}: vLLM could not start its engine: {type(error).__name__}: {first}",
                transient=False,
            ) from None

    async def preflight(self) -> None:
        """The model resolves and vLLM's engine starts on the GPU."""
        if self._start_lock is None:
            self._start_lock = asyncio.Lock()
        async with self._start_lock:
            if self._llm is None:
                self._llm = await self._batcher.call(self._start)

    async def generate(self, request: Request, endpoint: str) -> Response:
        await self.preflight()
        return await self._batcher.submit(request)

    def _run_batch(self, requests: Sequence[Request]) -> list[Response]:
        params = [self._vllm.SamplingParams(**sampling_kwargs(r)) for r in requests]
        start = time.perf_counter()
        if requests[0].config.mode == "chat":
            outputs = self._llm.chat(
                [chat_messages(r) for r in requests],
                params,
                use_tqdm=False,
                add_generation_prompt=True,
            )
        else:
            outputs = self._llm.generate(
                [completion_prompt(r) for r in requests], params, use_tqdm=False
            )
        elapsed = time.perf_counter() - start
        return [response_from_output(o, elapsed, len(requests)) for o in outputs]

    async def aclose(self) -> None:
        await self._batcher.aclose()
        self._llm = None
