"""Hugging Face transformers, local: ``hf:PATH_OR_ID`` (the optional extra ``adhere[hf]``).

- The model and tokenizer load from a local folder, or from the Hugging Face hub by id (the
  files are fetched into the hub's cache first). Importing this module needs ``torch`` and
  ``transformers``; where one is missing the import fails naming it, and
  :func:`adhere.backends.base.make_backend` says which ``pip install`` fixes it.
- Chat mode renders the messages with the model's own chat template (and fails, before any
  generation, for a model that has none); completion mode sends the raw prompt of
  :func:`adhere.backends.openai_http.render_prompt`, with the tokenizer's special tokens.
- Requests are batched (:class:`adhere.backends.local.Batcher`, up to ``options.batch_size``,
  left-padded) and run in one worker thread. The facade's ``concurrency`` bounds how many
  requests can be waiting to share a batch, so keep it at least ``batch_size``.
- Generation follows adhere's settings only (the model's ``generation_config.json`` sampling
  defaults and penalties are ignored, as a server would for an explicit request):
  temperature 0 is greedy; otherwise tokens are drawn with the temperature and ``top_p``, from
  a random generator per request seeded by :func:`adhere.backends.local.request_seed`, so a
  draw does not depend on which batch the request joined. ``stop`` strings end generation
  and are cut from the text (as OpenAI-compatible servers do); ``max_tokens`` bounds it.
- ``options.device``: ``cpu``, ``cuda``, ``cuda:N``, ``mps`` or ``auto`` (CUDA when there is
  a GPU). ``options.dtype``: ``auto`` (float32 on the CPU, the checkpoint's dtype on a GPU),
  ``float32``, ``float16`` or ``bfloat16``.
- :meth:`TransformersBackend.identity` names the folder and a fingerprint of its files (or the
  hub id and commit) and the dtype; :meth:`TransformersBackend.preflight` loads the model.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Sequence
from typing import Any

import torch
import transformers

from adhere.backends.base import BackendError, BackendOptions, ModelSpec
from adhere.backends.local import Batcher, request_seed, resolve_model
from adhere.backends.openai_http import render_prompt
from adhere.core.errors import InputError
from adhere.core.generation import GenerationConfig, Request, Response, Usage
from adhere.core.types import JSONValue

# transformers' GenerationConfig takes untyped keyword arguments; one Any-typed name keeps mypy
# --strict content whether or not it follows transformers' own annotations.
GenerationSettings: Any = transformers.GenerationConfig
DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}


class _Loaded:
    """A model ready to generate, with what generation needs to know about its tokens."""

    def __init__(self, model: Any, tokenizer: Any, device: torch.device) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.device = device
        eos = model.generation_config.eos_token_id
        eos_ids = [eos] if isinstance(eos, int) else list(eos or [])
        if tokenizer.eos_token_id is not None and tokenizer.eos_token_id not in eos_ids:
            eos_ids.append(tokenizer.eos_token_id)
        self.eos_ids: list[int] = eos_ids
        pad = tokenizer.pad_token_id
        self.pad_id: int = pad if pad is not None else (eos_ids[0] if eos_ids else 0)
        self.has_template = bool(getattr(tokenizer, "chat_template", None))
        tokenizer.padding_side = "left"
        if tokenizer.pad_token_id is None:
            tokenizer.pad_token_id = self.pad_id
        # Only adhere's settings steer generation: drop the checkpoint's sampling defaults.
        model.generation_config = GenerationSettings(
            eos_token_id=eos_ids or None,
            pad_token_id=self.pad_id,
            bos_token_id=model.generation_config.bos_token_id,
        )


class _Sampler:
    """A logits processor that draws the next token itself (temperature, top_p), with one
    generator per batch row, and leaves only that token open for greedy decoding to pick."""

    def __init__(self, temperature: float, top_p: float | None, seeds: Sequence[int]) -> None:
        self.temperature = temperature
        self.top_p = top_p
        self.generators = [torch.Generator().manual_seed(seed) for seed in seeds]

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        probs = torch.softmax(scores.float().cpu() / self.temperature, dim=-1)
        if self.top_p is not None and self.top_p < 1:
            ordered, order = probs.sort(dim=-1, descending=True)
            outside = ordered.cumsum(dim=-1) - ordered > self.top_p
            ordered[outside] = 0.0
            probs = torch.zeros_like(probs).scatter(-1, order, ordered)
        picks = [
            int(torch.multinomial(probs[row], 1, generator=generator).item())
            for row, generator in enumerate(self.generators)
        ]
        chosen = torch.full_like(scores, float("-inf"))
        chosen[torch.arange(len(picks)), torch.tensor(picks)] = 0.0
        return chosen


class TransformersBackend:
    """A causal language model run locally with transformers (see the module docstring)."""

    def __init__(self, spec: ModelSpec, options: BackendOptions) -> None:
        if options.dtype != "auto" and options.dtype not in DTYPES:
            raise InputError(
                f"expected a dtype among auto, {', '.join(DTYPES)}; found {options.dtype!r}",
                field="--dtype",
            )
        try:
            self._device = None if options.device == "auto" else torch.device(options.device)
        except RuntimeError:
            raise InputError(
                f"expected a device such as cpu, cuda, cuda:1 or auto; found {options.device!r}",
                field="--device",
            ) from None
        self.spec = spec
        self.options = options
        self._folder: str | None = None
        self._source: dict[str, JSONValue] = {}
        self._loaded: _Loaded | None = None
        self._load_lock: asyncio.Lock | None = None
        self._batcher = Batcher(self._run_batch, options.batch_size, "transformers")

    @property
    def endpoints(self) -> tuple[str, ...]:
        return ("local",)

    # -- where the model is, and what it is ------------------------------------------------

    def _resolve(self) -> str:
        """The local folder of the model (fetching a hub id into the hub's cache)."""
        if self._folder is None:
            self._folder, self._source = resolve_model("hf", self.spec.target)
        return self._folder

    def _device_now(self) -> torch.device:
        if self._device is not None:
            return self._device
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")

    def _dtype_name(self) -> str:
        if self.options.dtype != "auto":
            return self.options.dtype
        if self._device_now().type == "cpu":
            return "float32"
        try:
            with open(os.path.join(self._resolve(), "config.json"), encoding="utf-8") as handle:
                config = json.load(handle)
        except (OSError, ValueError):
            return "float32"
        named = (
            config.get("dtype") or config.get("torch_dtype") if isinstance(config, dict) else None
        )
        return named if named in DTYPES else "float32"

    def identity(self) -> dict[str, JSONValue]:
        self._resolve()
        return {"kind": "hf", **self._source, "dtype": self._dtype_name()}

    # -- loading ---------------------------------------------------------------------------

    def _load(self) -> _Loaded:
        folder = self._resolve()
        where = f"hf:{self.spec.target}"
        device = self._device_now()
        if device.type == "cuda" and not torch.cuda.is_available():
            raise BackendError(
                f"{where}: device {device} asked for, but torch {torch.__version__} sees no "
                "CUDA GPU; use --device cpu",
                transient=False,
            )
        try:
            tokenizer: Any = transformers.AutoTokenizer.from_pretrained(folder)
        except Exception as error:
            raise BackendError(
                f"{where}: cannot load the tokenizer: {_said(error)}", transient=False
            ) from None
        try:
            model: Any = transformers.AutoModelForCausalLM.from_pretrained(
                folder, dtype=DTYPES[self._dtype_name()]
            )
            model = model.to(device).eval()
        except Exception as error:
            raise BackendError(
                f"{where}: cannot load the model: {_said(error)}", transient=False
            ) from None
        return _Loaded(model, tokenizer, device)

    async def _ensure_loaded(self) -> _Loaded:
        if self._load_lock is None:
            self._load_lock = asyncio.Lock()
        async with self._load_lock:
            if self._loaded is None:
                loaded = await self._batcher.call(self._load)
                assert isinstance(loaded, _Loaded)
                self._loaded = loaded
        return self._loaded

    async def preflight(self) -> None:
        """The folder (or hub id) resolves, and the tokenizer and model load on the device."""
        await self._ensure_loaded()

    # -- generation ------------------------------------------------------------------------

    async def generate(self, request: Request, endpoint: str) -> Response:
        loaded = await self._ensure_loaded()
        if request.config.mode == "chat" and not loaded.has_template:
            raise BackendError(
                f"hf:{self.spec.target}: the tokenizer has no chat template, so chat mode "
                "cannot render messages; use completion mode (--mode completion) for a base "
                "model",
                transient=False,
            )
        return await self._batcher.submit(request)

    def _prompt(self, loaded: _Loaded, request: Request) -> str:
        if request.config.mode == "completion":
            return render_prompt(request.messages)
        messages = [m.to_dict() for m in request.messages]
        text = loaded.tokenizer.apply_chat_template(
            messages, tokenize=False, add_generation_prompt=True
        )
        return str(text)

    def _run_batch(self, requests: Sequence[Request]) -> list[Response]:
        """Generate for requests sharing their settings (runs in the batcher's thread)."""
        loaded = self._loaded if self._loaded is not None else self._load()
        config = requests[0].config
        tokenizer = loaded.tokenizer
        encoded = tokenizer(
            [self._prompt(loaded, r) for r in requests],
            return_tensors="pt",
            padding=True,
            add_special_tokens=config.mode == "completion",
        ).to(loaded.device)
        settings = GenerationSettings(
            max_new_tokens=config.max_tokens,
            do_sample=False,
            num_beams=1,
            repetition_penalty=1.0,
            eos_token_id=loaded.eos_ids or None,
            pad_token_id=loaded.pad_id,
            stop_strings=list(config.stop) or None,
        )
        extra: dict[str, Any] = {}
        if config.temperature > 0:
            seeds = [request_seed(r) for r in requests]
            sampler = _Sampler(config.temperature, config.top_p, seeds)
            extra["logits_processor"] = transformers.LogitsProcessorList([sampler])
        if config.stop:
            extra["tokenizer"] = tokenizer
        start = time.perf_counter()
        with torch.inference_mode():
            output = loaded.model.generate(**encoded, generation_config=settings, **extra)
        elapsed = time.perf_counter() - start
        width = encoded["input_ids"].shape[1]
        prompt_lengths = encoded["attention_mask"].sum(dim=1).tolist()
        return [
            self._response(loaded, row[width:].tolist(), config, int(length), elapsed, requests)
            for row, length in zip(output, prompt_lengths, strict=True)
        ]

    def _response(
        self,
        loaded: _Loaded,
        tokens: list[int],
        config: GenerationConfig,
        prompt_tokens: int,
        elapsed: float,
        batch: Sequence[Request],
    ) -> Response:
        finish = "length"
        for index, token in enumerate(tokens):
            if token in loaded.eos_ids:
                tokens, finish = tokens[:index], "stop"
                break
        while tokens and tokens[-1] == loaded.pad_id:  # a row ended early by a stop string
            tokens.pop()
        text = str(loaded.tokenizer.decode(tokens, skip_special_tokens=True))
        cuts = [text.find(s) for s in config.stop if s in text]
        if cuts:
            text, finish = text[: min(cuts)], "stop"
        return Response(
            text=text,
            finish_reason=finish,
            usage=Usage(prompt_tokens=prompt_tokens, completion_tokens=len(tokens)),
            latency=elapsed,
            metadata={"batch": len(batch), "device": str(loaded.device)},
        )

    async def aclose(self) -> None:
        await self._batcher.aclose()
        loaded, self._loaded = self._loaded, None
        if loaded is not None and loaded.device.type == "cuda":
            del loaded
            torch.cuda.empty_cache()


def _said(error: Exception) -> str:
    first = (str(error).strip().splitlines() or [""])[0]
    return f"{type(error).__name__}: {first}" if first else type(error).__name__
