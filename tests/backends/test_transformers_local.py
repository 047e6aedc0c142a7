"""The transformers backend, run for real on the CPU with a tiny random Llama built here."""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

try:
    import torch  # noqa: F401 - the backend needs it; fail clearly where it is missing
    import transformers
except ImportError as missing:
    pytest.fail(
        f"{missing.name} is not installed: these tests need the hf extra "
        "(pip install torch==2.13.0 -e '.[hf,test]')",
        pytrace=False,
    )

from adhere.backends.base import BackendError, BackendOptions, make_backend, parse_model
from adhere.backends.transformers_local import TransformersBackend
from adhere.cli.main import main
from adhere.core.errors import InputError
from adhere.core.generation import GenerationConfig, Request, Response, request_key
from adhere.core.types import Message
from adhere.runner.facade import Facade
from adhere.runner.store import RunStore
from tests.support.tiny_models import TinyModel, built

PROMPTS = [
    "Write a short poem about the sea.",
    "List three reasons to read, in all capital letters.",
    "hi",
    "Explain the history of bridges in two paragraphs. Use at least 300 words.",
    "Résumé — naïve café ✓, 東京",
    "Answer in JSON.",
]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> TinyModel:
    return built(tmp_path_factory.getbasetemp())


def backend(folder: Path, **options: object) -> TransformersBackend:
    settings = BackendOptions(**{"device": "cpu", **options})  # type: ignore[arg-type]
    made = make_backend(parse_model(f"hf:{folder}"), settings)
    assert isinstance(made, TransformersBackend)
    return made


def requests(config: GenerationConfig, prompts: list[str] = PROMPTS) -> list[Request]:
    model = {"kind": "hf", "test": True}
    out = []
    for i, prompt in enumerate(prompts):
        messages = (Message("user", prompt),)
        key = request_key(model, messages, config, 0)
        out.append(Request(f"s{i}", messages, config, 0, key))
    return out


async def one_by_one(model: TransformersBackend, batch: list[Request]) -> list[Response]:
    return [await model.generate(r, "local") for r in batch]


async def concurrently(model: TransformersBackend, batch: list[Request]) -> list[Response]:
    return list(await asyncio.gather(*(model.generate(r, "local") for r in batch)))


def test_greedy_batch_equals_one_by_one(tiny: TinyModel) -> None:
    config = GenerationConfig(max_tokens=24)

    async def go() -> tuple[list[Response], list[Response], list[int]]:
        model = backend(tiny.folder, batch_size=8)
        try:
            batched = await concurrently(model, requests(config))
            sizes = list(model._batcher.batches)
            single = await one_by_one(model, requests(config))
        finally:
            await model.aclose()
        return batched, single, sizes

    batched, single, sizes = asyncio.run(go())
    assert sizes == [len(PROMPTS)]  # the concurrent requests ran as one left-padded batch
    assert [r.text for r in batched] == [r.text for r in single]
    assert all(r.ok and r.finish_reason == "length" for r in batched + single)
    assert all(r.usage.completion_tokens == 24 for r in batched)
    assert len({r.text for r in batched}) == len(PROMPTS)  # different prompts, different texts
    assert all(r.metadata["batch"] == len(PROMPTS) for r in batched)


def test_batches_through_the_facade(tiny: TinyModel) -> None:
    config = GenerationConfig(max_tokens=6)
    prompts = [f"Describe item number {i}." for i in range(10)]
    options = BackendOptions(device="cpu", batch_size=4, concurrency=8)

    batch = requests(config, prompts)

    async def go() -> tuple[dict[str, str], list[int], list[Response]]:
        model = backend(tiny.folder, batch_size=4, concurrency=8)
        got: dict[str, str] = {}

        def done(request: Request, response: Response) -> None:
            assert response.ok, response.error
            got[request.sample_id] = response.text

        try:
            stats = await Facade(model, options).run(batch, done)
            assert stats.done == len(prompts) and stats.failed == 0
            sizes = list(model._batcher.batches)
            alone = await one_by_one(model, batch)
        finally:
            await model.aclose()
        return got, sizes, alone

    got, sizes, alone = asyncio.run(go())
    assert max(sizes) > 1 and all(size <= 4 for size in sizes) and sum(sizes) == len(prompts)
    assert got == {r.sample_id: response.text for r, response in zip(batch, alone, strict=True)}


def test_sampling_is_seeded_per_request(tiny: TinyModel) -> None:
    config = GenerationConfig(max_tokens=12, temperature=3.0, top_p=0.95, seed=7)
    base = requests(config, PROMPTS[:3])
    other_index = [
        Request(r.sample_id, r.messages, config, 1, request_key({}, r.messages, config, 1))
        for r in base
    ]

    async def go() -> tuple[list[Response], list[Response], list[Response]]:
        model = backend(tiny.folder, batch_size=8)
        try:
            together = await concurrently(model, base)
            alone = await one_by_one(model, base)
            others = await concurrently(model, other_index)
        finally:
            await model.aclose()
        return together, alone, others

    together, alone, others = asyncio.run(go())
    assert [r.text for r in together] == [r.text for r in alone]  # whatever batch it joined
    assert [r.text for r in together] != [r.text for r in others]  # another draw per index


def test_stop_strings_and_max_tokens(tiny: TinyModel) -> None:
    async def go() -> tuple[Response, Response, Response]:
        model = backend(tiny.folder)
        try:
            free = await model.generate(requests(GenerationConfig(max_tokens=24))[0], "local")
            # Stop at a piece of the free-running text: it must end there, without the stop.
            stop = free.text[8:12]
            cut = await model.generate(
                requests(GenerationConfig(max_tokens=24, stop=(stop,)))[0], "local"
            )
            short = await model.generate(requests(GenerationConfig(max_tokens=3))[0], "local")
        finally:
            await model.aclose()
        return free, cut, short

    free, cut, short = asyncio.run(go())
    stop = free.text[8:12]
    assert cut.finish_reason == "stop"
    assert cut.text == free.text[: free.text.find(stop)]
    assert short.finish_reason == "length" and short.usage.completion_tokens == 3
    assert free.text.startswith(short.text)


def test_chat_template_and_completion_mode(tiny: TinyModel) -> None:
    tokenizer = transformers.AutoTokenizer.from_pretrained(tiny.folder)
    prompt = PROMPTS[0]
    chat_text = tokenizer.apply_chat_template(
        [{"role": "user", "content": prompt}], tokenize=False, add_generation_prompt=True
    )
    assert chat_text.startswith("<|im_start|>user\n")

    async def go() -> tuple[Response, Response]:
        model = backend(tiny.folder)
        try:
            chat = await model.generate(requests(GenerationConfig(max_tokens=4))[0], "local")
            raw = await model.generate(
                requests(GenerationConfig(max_tokens=4, mode="completion"))[0], "local"
            )
        finally:
            await model.aclose()
        return chat, raw

    chat, raw = asyncio.run(go())
    assert chat.usage.prompt_tokens == len(tokenizer(chat_text, add_special_tokens=False).input_ids)
    assert raw.usage.prompt_tokens == len(tokenizer(prompt).input_ids)
    assert chat.text != raw.text


def test_identity_follows_the_weights(tiny: TinyModel, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(tiny.folder, copy)
    first = backend(copy).identity()
    assert first["kind"] == "hf" and first["path"] == str(copy) and first["dtype"] == "float32"
    assert backend(copy).identity() == first
    weights = copy / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0xFF  # one weight changed in place
    weights.write_bytes(bytes(data))
    assert backend(copy).identity()["fingerprint"] != first["fingerprint"]
    assert backend(copy, dtype="bfloat16").identity()["dtype"] == "bfloat16"


def test_preflight_and_request_errors(tiny: TinyModel, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-model"
    with pytest.raises(BackendError, match="no such folder") as raised:
        asyncio.run(backend(missing).preflight())
    assert not raised.value.transient and str(missing) in str(raised.value)

    broken = tmp_path / "broken"
    shutil.copytree(tiny.folder, broken)
    (broken / "model.safetensors").write_bytes(b"not weights")
    with pytest.raises(BackendError, match="cannot load the model"):
        asyncio.run(backend(broken).preflight())

    base = tmp_path / "base-model"
    shutil.copytree(tiny.folder, base)
    (base / "chat_template.jinja").unlink()

    async def chat_without_template() -> Response:
        model = backend(base)
        try:
            await model.preflight()  # a base model loads: completion mode is fine
            ok = await model.generate(
                requests(GenerationConfig(max_tokens=2, mode="completion"))[0], "local"
            )
            assert ok.ok
            return await model.generate(requests(GenerationConfig(max_tokens=2))[0], "local")
        finally:
            await model.aclose()

    with pytest.raises(BackendError, match="no chat template") as raised:
        asyncio.run(chat_without_template())
    assert not raised.value.transient


def test_bad_options_are_input_errors(tiny: TinyModel) -> None:
    with pytest.raises(InputError, match="dtype"):
        backend(tiny.folder, dtype="float8")
    with pytest.raises(InputError, match="device"):
        backend(tiny.folder, device="gpu-please")


def test_missing_torch_says_which_install_fixes_it() -> None:
    program = textwrap.dedent(
        """
        import sys
        sys.modules["torch"] = None  # as if torch were not installed
        from adhere.backends.base import BackendOptions, make_backend, parse_model
        from adhere.core.errors import InputError
        try:
            make_backend(parse_model("hf:some/model"), BackendOptions())
        except InputError as error:
            print(error)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "torch" in done.stdout and "pip install 'adhere[hf]'" in done.stdout


def test_adhere_eval_runs_the_tiny_model_on_the_cpu(
    tiny: TinyModel, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    workspace = tmp_path / "runs"
    command = [
        "eval",
        "--model", f"hf:{tiny.folder}",
        "--suite", "adhere-core",
        "--limit", "6",
        "--device", "cpu",
        "--batch-size", "4",
        "--max-tokens", "16",
        "--workspace", str(workspace),
        "--quiet",
    ]  # fmt: skip
    assert main(command) == 0
    first = capsys.readouterr().out
    run_id = re.search(r"^run (\S+):", first, re.MULTILINE)
    assert run_id is not None, first
    assert "6 response(s) generated now (0 failed" in first
    with RunStore(workspace, create=False) as store:
        records = list(store.records(run_id.group(1)))
    assert len(records) == 6
    assert all(r.response is not None and r.response.ok for r in records)
    assert all(r.response and r.response.finish_reason in ("length", "stop") for r in records)

    assert main(command) == 0  # the same command again resumes: nothing is generated
    again = capsys.readouterr().out
    assert "0 response(s) generated now" in again and "6 reused from the store" in again
