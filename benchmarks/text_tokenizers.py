"""Time adhere's Punkt sentence splitter and word tokenizer against NLTK's.

Runs both over the IFEval reference responses (``responses_gpt4.jsonl``, field
``response``) and prints milliseconds per pass over all of them, best and median
of several passes, and the speed-up.  "cold" passes start with adhere's caches
emptied (as in a fresh process, apart from the one-off model load, which is
timed separately); "warm" passes reuse them.

Usage::

    PYTHONPATH=src python benchmarks/text_tokenizers.py [RESPONSES_JSONL] [--repeat N]

Needs nltk (the test extra).  The responses file is read in place.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

DEFAULT_RESPONSES = (
    Path(__file__).resolve().parents[1].parent
    / "shared"
    / "reference"
    / "ifeval"
    / "responses_gpt4.jsonl"
)


def _load_responses(path: Path) -> list[str]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line)["response"] for line in handle if line.strip()]


def _time_passes(
    run: Callable[[], object], repeat: int, before: Callable[[], None] | None = None
) -> list[float]:
    times = []
    for _ in range(repeat):
        if before is not None:
            before()
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000.0)
    return times


def _report(label: str, nltk_ms: list[float], ours: dict[str, list[float]]) -> None:
    nltk_best = min(nltk_ms)
    print(f"{label}")
    print(f"  nltk          best {nltk_best:8.1f} ms   median {statistics.median(nltk_ms):8.1f} ms")
    for name, times in ours.items():
        best = min(times)
        print(
            f"  adhere {name:<6} best {best:8.1f} ms   median {statistics.median(times):8.1f} ms"
            f"   x{nltk_best / best:5.1f} faster"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("responses", nargs="?", type=Path, default=DEFAULT_RESPONSES)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)
    if not args.responses.is_file():
        print(f"responses file not found: {args.responses}", file=sys.stderr)
        return 2

    start = time.perf_counter()
    from adhere.text import punkt, treebank

    import_ms = (time.perf_counter() - start) * 1000.0
    start = time.perf_counter()
    model = punkt.load_model()
    load_ms = (time.perf_counter() - start) * 1000.0

    from nltk.tokenize.destructive import NLTKWordTokenizer
    from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

    params = PunktParameters()
    params.abbrev_types = set(model.abbrev_types)
    params.collocations = set(model.collocations)
    params.sent_starters = set(model.sent_starters)
    params.ortho_context = defaultdict(int)
    params.ortho_context.update(model.ortho_context)
    nltk_sentences = PunktSentenceTokenizer(params)
    nltk_words = NLTKWordTokenizer()

    def nltk_word_tokenize(text: str) -> list[str]:
        return [
            token
            for sentence in nltk_sentences.tokenize(text)
            for token in nltk_words.tokenize(sentence)
        ]

    responses = _load_responses(args.responses)
    print(
        f"{len(responses)} responses, {sum(map(len, responses)):,} characters; "
        f"import adhere.text.punkt+treebank {import_ms:.1f} ms, model load {load_ms:.1f} ms"
    )

    # Same results, or the timings mean nothing.
    for text in responses:
        if punkt.split_sentences(text) != nltk_sentences.tokenize(text):
            print("MISMATCH in split_sentences", file=sys.stderr)
            return 1
        if treebank.word_tokenize(text) != nltk_word_tokenize(text):
            print("MISMATCH in word_tokenize", file=sys.stderr)
            return 1

    repeat = args.repeat
    reset = punkt.clear_caches
    _report(
        "split_sentences (sent_tokenize)",
        _time_passes(lambda: [nltk_sentences.tokenize(t) for t in responses], repeat),
        {
            "cold": _time_passes(
                lambda: [punkt.split_sentences(t) for t in responses], repeat, reset
            ),
            "warm": _time_passes(lambda: [punkt.split_sentences(t) for t in responses], repeat),
        },
    )
    _report(
        "word_tokenize (Punkt sentences, then NLTKWordTokenizer)",
        _time_passes(lambda: [nltk_word_tokenize(t) for t in responses], max(1, repeat // 2)),
        {
            "cold": _time_passes(
                lambda: [treebank.word_tokenize(t) for t in responses], repeat, reset
            ),
            "warm": _time_passes(lambda: [treebank.word_tokenize(t) for t in responses], repeat),
        },
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
