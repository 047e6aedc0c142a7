"""Two backends, one model: llama.cpp's real OpenAI-compatible server serving the tiny GGUF,
reached through adhere's OpenAI backend, and transformers running the same weights locally,
give the same greedy tokens."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

try:
    import transformers
except ImportError as missing:
    pytest.fail(
        f"{missing.name} is not installed: these tests need the hf extra "
        "(pip install torch==2.13.0 -e '.[hf,test]')",
        pytrace=False,
    )

from adhere.backends.base import BackendOptions, parse_model
from adhere.backends.openai_http import OpenAIBackend
from adhere.backends.transformers_local import TransformersBackend
from adhere.cli.main import main
from adhere.core.generation import GenerationConfig, Request, Response, request_key
from adhere.core.types import Message
from adhere.runner.store import RunStore
from tests.support.llamacpp_server import llamacpp_server, require_llamacpp
from tests.support.tiny_models import TinyModel, built

ALIAS = "tiny"
PROMPTS = [
    "Write a short poem about the sea.",
    "List three reasons to read, in all capital letters.",
    "Explain the history of bridges in two paragraphs.",
    "Respond in lowercase only: what is the main idea?",
    "Résumé — naïve café ✓, 東京 {json: [1, 2]}",
    "hi",
]
TEXTS = [
    *PROMPTS,
    "<|im_start|>user\nhello<|im_end|>\n<|im_start|>assistant\n",
    "  two  spaces\tand a tab\n\n\nnewlines",
    "numbers 1234567 and 3.14159, emoji 🙂, accents éàü",
    "it's they're we've I'm you'll he'd",
]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> TinyModel:
    return built(tmp_path_factory.getbasetemp())


@pytest.fixture(scope="module")
def server(tiny: TinyModel) -> Iterator[str]:
    require_llamacpp()
    with llamacpp_server(tiny.gguf, alias=ALIAS) as url:
        yield url


def test_llamacpp_tokenizes_like_transformers(tiny: TinyModel) -> None:
    require_llamacpp()
    import llama_cpp

    vocab = llama_cpp.Llama(model_path=str(tiny.gguf), vocab_only=True, verbose=False)
    tokenizer = transformers.AutoTokenizer.from_pretrained(tiny.folder)
    for text in TEXTS:
        theirs = vocab.tokenize(text.encode("utf-8"), add_bos=False, special=True)
        ours = tokenizer(text, add_special_tokens=False).input_ids
        assert theirs == ours, text


def test_the_server_serves_the_tiny_model(server: str) -> None:
    listed = httpx.get(server + "/models", timeout=10).json()
    assert ALIAS in [entry["id"] for entry in listed["data"]]


def _requests(config: GenerationConfig) -> list[Request]:
    out = []
    for i, prompt in enumerate(PROMPTS):
        messages = (Message("user", prompt),)
        out.append(Request(f"p{i}", messages, config, 0, request_key({}, messages, config, 0)))
    return out


def test_two_backends_give_the_same_greedy_tokens(tiny: TinyModel, server: str) -> None:
    config = GenerationConfig(max_tokens=24, temperature=0.0)
    batch = _requests(config)

    async def go() -> tuple[list[Response], list[Response]]:
        remote = OpenAIBackend(
            parse_model(f"openai:{ALIAS}@{server}"), BackendOptions(api_key_env=None)
        )
        local = TransformersBackend(parse_model(f"hf:{tiny.folder}"), BackendOptions(device="cpu"))
        try:
            await remote.preflight()
            await local.preflight()
            served = [await remote.generate(r, server) for r in batch]
            ran = list(await asyncio.gather(*(local.generate(r, "local") for r in batch)))
        finally:
            await remote.aclose()
            await local.aclose()
        return served, ran

    served, ran = asyncio.run(go())
    for prompt, a, b in zip(PROMPTS, served, ran, strict=True):
        assert a.ok and b.ok, (a.error, b.error)
        # The same prompt tokens (chat template and tokenizer agree) ...
        assert a.usage.prompt_tokens == b.usage.prompt_tokens, prompt
        # ... and the same 24 generated tokens, hence the same text.
        assert a.usage.completion_tokens == b.usage.completion_tokens == 24, prompt
        assert a.finish_reason == b.finish_reason == "length", prompt
        assert a.text == b.text, prompt
    assert len({r.text for r in ran}) == len(PROMPTS)


def test_adhere_eval_against_the_llamacpp_server(
    server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    workspace = tmp_path / "runs"
    command = [
        "eval",
        "--model", f"openai:{ALIAS}@{server}",
        "--api-key-env", "",
        "--suite", "adhere-core",
        "--limit", "8",
        "--max-tokens", "16",
        "--concurrency", "2",
        "--workspace", str(workspace),
        "--quiet",
    ]  # fmt: skip
    assert main(command) == 0
    out = capsys.readouterr().out
    found = re.search(r"^run (\S+):", out, re.MULTILINE)
    assert found is not None, out
    assert "8 response(s) generated now (0 failed" in out
    with RunStore(workspace, create=False) as store:
        records = list(store.records(found.group(1)))
    assert len(records) == 8
    for record in records:
        assert record.response is not None and record.response.ok
        tokens, finish = record.response.usage.completion_tokens, record.response.finish_reason
        assert (tokens, finish) == (16, "length") or (finish == "stop" and tokens < 16)
