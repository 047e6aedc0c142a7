"""The vLLM backend: the request and sampling mapping (pure, no engine), the errors where vLLM
cannot run, and the engine itself where vLLM and a CUDA GPU exist."""

from __future__ import annotations

import asyncio
import importlib.util
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from adhere.backends.base import BackendOptions, make_backend, parse_model
from adhere.backends.local import request_seed
from adhere.backends.openai_http import render_prompt
from adhere.backends.vllm_offline import (
    VLLMBackend,
    chat_messages,
    completion_prompt,
    response_from_output,
    sampling_kwargs,
)
from adhere.core.errors import InputError
from adhere.core.generation import GenerationConfig, Request, request_key
from adhere.core.types import Message

MESSAGES = (Message("system", "Be brief."), Message("user", "Name two rivers."))


def request(
    config: GenerationConfig, index: int = 0, messages: tuple[Message, ...] = MESSAGES
) -> Request:
    return Request("s1", messages, config, index, request_key({}, messages, config, index))


def test_greedy_maps_to_temperature_zero_without_seed() -> None:
    kwargs = sampling_kwargs(request(GenerationConfig(max_tokens=64, seed=5)))
    assert kwargs == {"n": 1, "temperature": 0.0, "max_tokens": 64}


def test_sampling_settings_map_one_to_one() -> None:
    config = GenerationConfig(temperature=0.7, top_p=0.9, max_tokens=32, stop=("\n\n", "END"))
    kwargs = sampling_kwargs(request(config))
    assert kwargs["temperature"] == 0.7 and kwargs["top_p"] == 0.9
    assert kwargs["max_tokens"] == 32 and kwargs["stop"] == ["\n\n", "END"]
    assert kwargs["n"] == 1  # n samples are n requests, each with its own sample index
    assert set(kwargs) == {"n", "temperature", "top_p", "max_tokens", "stop", "seed"}


def test_sampled_requests_carry_their_own_reproducible_seed() -> None:
    config = GenerationConfig(temperature=1.0, seed=3)
    first, again, second = request(config, 0), request(config, 0), request(config, 1)
    assert sampling_kwargs(first)["seed"] == sampling_kwargs(again)["seed"] == request_seed(first)
    assert sampling_kwargs(first)["seed"] != sampling_kwargs(second)["seed"]
    reseeded = request(GenerationConfig(temperature=1.0, seed=4), 0)
    assert sampling_kwargs(reseeded)["seed"] != sampling_kwargs(first)["seed"]
    assert 0 <= request_seed(first) < 2**63


def test_messages_and_prompts() -> None:
    chat = request(GenerationConfig())
    assert chat_messages(chat) == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Name two rivers."},
    ]
    plain = request(GenerationConfig(mode="completion"), messages=(Message("user", "Go on:"),))
    assert completion_prompt(plain) == "Go on:" == render_prompt(plain.messages)
    assert completion_prompt(chat) == render_prompt(MESSAGES)


def test_response_from_output() -> None:
    output = SimpleNamespace(
        prompt_token_ids=[1, 2, 3, 4],
        outputs=[SimpleNamespace(text="Nile, Amazon", token_ids=[7, 8, 9], finish_reason="stop")],
    )
    response = response_from_output(output, latency=0.5, batch=3)
    assert response.ok and response.text == "Nile, Amazon" and response.finish_reason == "stop"
    assert response.usage.prompt_tokens == 4 and response.usage.completion_tokens == 3
    assert response.latency == 0.5 and response.metadata["batch"] == 3

    cut = SimpleNamespace(
        prompt_token_ids=None,
        outputs=[SimpleNamespace(text="x", token_ids=[1], finish_reason="length")],
    )
    assert response_from_output(cut, 0.0, 1).finish_reason == "length"
    aborted = SimpleNamespace(
        prompt_token_ids=[1],
        outputs=[SimpleNamespace(text="", token_ids=[], finish_reason="abort")],
    )
    assert not response_from_output(aborted, 0.0, 1).ok
    empty = SimpleNamespace(prompt_token_ids=[1], outputs=[])
    assert response_from_output(empty, 0.0, 1).error == "vLLM returned no completion"


def test_missing_vllm_says_which_install_fixes_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "vllm", None)  # as if vllm were not installed
    with pytest.raises(InputError, match=r"pip install 'adhere\[vllm\]'") as raised:
        make_backend(parse_model("vllm:org/model"), BackendOptions())
    assert "CUDA" in str(raised.value)


def test_cpu_device_is_refused_before_anything_loads() -> None:
    with pytest.raises(InputError, match="CUDA GPUs only"):
        VLLMBackend(parse_model("vllm:org/model"), BackendOptions(device="cpu"))
    with pytest.raises(InputError, match="dtype"):
        VLLMBackend(parse_model("vllm:org/model"), BackendOptions(dtype="float8"))


def _why_no_engine() -> str | None:
    if importlib.util.find_spec("vllm") is None:
        return "vllm is not installed (its PyPI wheel is CUDA-only)"
    import torch

    if not torch.cuda.is_available():
        return "no CUDA GPU visible"
    return None


NO_ENGINE = _why_no_engine()


@pytest.mark.skipif(NO_ENGINE is not None, reason=f"vLLM engine test: {NO_ENGINE}")
def test_engine_greedy_matches_transformers(tmp_path_factory: pytest.TempPathFactory) -> None:
    """vLLM and transformers, greedy on the same tiny model: the same text; vLLM's batch
    gives what it gives one by one."""
    from adhere.backends.transformers_local import TransformersBackend
    from tests.support.tiny_models import built

    tiny = built(tmp_path_factory.getbasetemp())
    prompts = ["Write a short poem.", "List three rules.", "hi", "Explain bridges."]
    config = GenerationConfig(max_tokens=16)
    batch = [request(config, 0, (Message("user", p),)) for p in prompts]

    async def go(folder: Path) -> tuple[list[str], list[str], list[str]]:
        engine = VLLMBackend(parse_model(f"vllm:{folder}"), BackendOptions(dtype="float32"))
        reference = TransformersBackend(parse_model(f"hf:{folder}"), BackendOptions(device="cpu"))
        try:
            await engine.preflight()
            together = await asyncio.gather(*(engine.generate(r, "local") for r in batch))
            alone = [await engine.generate(r, "local") for r in batch]
            expected = [await reference.generate(r, "local") for r in batch]
        finally:
            await engine.aclose()
            await reference.aclose()
        return [r.text for r in together], [r.text for r in alone], [r.text for r in expected]

    together, alone, expected = asyncio.run(go(tiny.folder))
    assert together == alone
    assert together == expected
