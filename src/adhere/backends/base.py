"""The backend interface, model specs a user can type, and the lazy registry of backend kinds.

A model is named by one string: ``KIND:TARGET`` —

- ``openai:MODEL@URL[,URL…]``: an OpenAI-compatible server (vLLM, SGLang, llama.cpp's server,
  Ollama, TGI, hosted APIs); several URLs spread the load;
- ``hf:PATH_OR_ID``: Hugging Face transformers, local (extra ``adhere[hf]``);
- ``vllm:PATH_OR_ID``: vLLM's offline engine (extra ``adhere[vllm]``; CUDA only);
- ``replay:FILE``: responses read from a file (re-scoring runs made elsewhere).

Secrets never appear in a spec: API keys are read from an environment variable named in the
options, and :meth:`Backend.identity` (what the run store hashes and records) never holds them.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Mapping
from typing import Protocol

from adhere.core.errors import AdhereError, InputError
from adhere.core.frozen import frozen
from adhere.core.generation import Request, Response
from adhere.core.types import JSONValue


class BackendError(AdhereError):
    """A request (or the preflight) failed.

    Attributes:
        transient: True when asking again may succeed (connection errors, timeouts, 429,
            5xx, malformed answers); False when it will not (400, 401, 404, unknown model).
        status: the HTTP status, where there was one.
        retry_after: seconds the server asked to wait (``Retry-After``), or None.
    """

    def __init__(
        self,
        message: str,
        *,
        transient: bool,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.transient = transient
        self.status = status
        self.retry_after = retry_after


@frozen
class BackendOptions:
    """Settings of a backend that are not part of the model's name.

    Fields:
        api_key_env: the environment variable holding the API key (OpenAI-compatible servers);
            None for no key.
        headers: extra HTTP headers as (name, value) pairs.
        timeout: seconds before one request is given up (and retried).
        concurrency: requests in flight at once, per endpoint.
        device: ``cpu``, ``cuda``, ``auto`` (local backends).
        batch_size: prompts per batch (local backends).
        dtype: weights dtype for local backends (``auto``, ``float32``, ``bfloat16``, …).
    """

    api_key_env: str | None = "OPENAI_API_KEY"
    headers: tuple[tuple[str, str], ...] = ()
    timeout: float = 120.0
    concurrency: int = 8
    device: str = "auto"
    batch_size: int = 8
    dtype: str = "auto"


@frozen
class ModelSpec:
    """A parsed model string. Fields: kind, target (model name, path or file), urls, text."""

    kind: str
    target: str
    urls: tuple[str, ...]
    text: str


BACKEND_FORMS: Mapping[str, tuple[str, str, str]] = {
    # kind: (form, module:class, pip extra or "")
    "openai": ("openai:MODEL@URL[,URL...]", "adhere.backends.openai_http:OpenAIBackend", ""),
    "hf": ("hf:PATH_OR_ID", "adhere.backends.transformers_local:TransformersBackend", "hf"),
    "vllm": ("vllm:PATH_OR_ID", "adhere.backends.vllm_offline:VLLMBackend", "vllm"),
    "replay": ("replay:FILE", "adhere.backends.replay:ReplayBackend", ""),
}


def parse_model(text: str) -> ModelSpec:
    """Parse a model string; a clear error names the forms that exist."""
    forms = "; ".join(form for form, _, _ in BACKEND_FORMS.values())
    kind, sep, rest = text.partition(":")
    if not sep or kind not in BACKEND_FORMS or not rest:
        raise InputError(f"expected a model as one of: {forms}; found {text!r}", field="--model")
    if kind != "openai":
        return ModelSpec(kind, rest, (), text)
    # the model name ends at the first "@" that starts a URL (URLs may hold "user:pw@host")
    found = re.match(r"^(.+?)@(https?://.*)$", rest)
    model, urls = (found.group(1), found.group(2)) if found else ("", "")
    if not model or not urls:
        raise InputError(
            f"expected openai:MODEL@URL (e.g. openai:qwen2.5@http://127.0.0.1:8000/v1); "
            f"found {text!r}",
            field="--model",
        )
    parsed = tuple(u.strip().rstrip("/") for u in urls.split(",") if u.strip())
    bad = [u for u in parsed if not u.startswith(("http://", "https://"))]
    if bad or not parsed:
        raise InputError(
            f"expected http:// or https:// URLs after '@', found {urls!r}", field="--model"
        )
    return ModelSpec(kind, model, parsed, text)


class Backend(Protocol):
    """What every backend provides. ``generate`` raises :class:`BackendError` on failure."""

    @property
    def endpoints(self) -> tuple[str, ...]:
        """Where requests can go (URLs for servers; one name for a local model)."""
        ...

    def identity(self) -> dict[str, JSONValue]:
        """The model and the backend settings that change outputs; never a secret."""
        ...

    async def preflight(self) -> None:
        """Check that requests can succeed (reachable, model exists, credentials present)
        without generating anything; raise :class:`BackendError` naming the problem."""
        ...

    async def generate(self, request: Request, endpoint: str) -> Response:
        """One response for ``request``, from ``endpoint`` (one of :attr:`endpoints`)."""
        ...

    async def aclose(self) -> None:
        """Release connections, models and threads."""
        ...


def make_backend(spec: ModelSpec, options: BackendOptions) -> Backend:
    """The backend for ``spec``, importing its module only now; a missing optional package
    gives an error saying which ``pip install`` fixes it."""
    _, target, extra = BACKEND_FORMS[spec.kind]
    module_name, _, class_name = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        fix = f"pip install 'adhere[{extra}]'" if extra else "reinstall adhere"
        raise InputError(
            f"the {spec.kind} backend needs a package that is not installed "
            f"({error.name or error}); {fix}",
            field="--model",
        ) from None
    factory = getattr(module, class_name)
    backend: Backend = factory(spec, options)
    return backend
