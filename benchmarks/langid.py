"""Time adhere's language identification against langdetect 1.0.9.

Over the IFEval reference responses (``responses_gpt4.jsonl``, field ``response``) it prints:

* the cost of importing ``adhere.text.langid`` and of loading its table, measured in a fresh
  process (the table loads on first use; the first detection also decompresses the n-gram
  buckets of the scripts it meets);
* the mean time per ``detect_language`` call over all responses: "cold" in that fresh process
  (every per-word, per-n-gram and per-result cache empty) and "warm" (result memo cleared,
  other caches filled), best and median of several passes;
* the same for ``langdetect.detect`` (seed 0), with its one-off ``init_factory`` cost, and the
  ratios;
* the peak RSS of a fresh process that loads the table and detects every response
  (``resource.getrusage``), beside that of a bare interpreter that only reads the responses.

With ``--ifeval-workload`` it instead times exactly the detections ``adhere score`` makes on
the IFEval reference pair (``input_data.jsonl`` + ``responses_gpt4.jsonl``): the texts the
``language:response_language`` and ``change_case:english_*`` checks pass to
``detect_language`` (strict and loose variants) are recorded by scoring every sample with the
detector patched, and the distinct ones are then detected in fresh processes (cold caches, as a
whole ``adhere score`` run sees them), median of ``--repeat`` processes.  It reports the table
load (``language_codes()``, which the constraints call when they are built), the detections,
and their sum.  ``--src DIR`` times the package of another checkout on the same texts.

Usage::

    PYTHONPATH=src python benchmarks/langid.py [RESPONSES_JSONL] [--repeat N]
    PYTHONPATH=src python benchmarks/langid.py --ifeval-workload [--repeat N] [--src DIR]

Needs langdetect (the test extra) for the first mode.  The responses file is read in place.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

DEFAULT_RESPONSES = (
    Path(__file__).resolve().parents[1].parent
    / "shared"
    / "reference"
    / "ifeval"
    / "responses_gpt4.jsonl"
)
DEFAULT_INPUTS = DEFAULT_RESPONSES.with_name("input_data.jsonl")
SRC = Path(__file__).resolve().parents[1] / "src"

# Runs in a fresh interpreter; prints one JSON object.
_FRESH = r"""
import json, resource, sys, time
path, detect = sys.argv[1], sys.argv[2] == "1"
with open(path, encoding="utf-8") as handle:
    texts = [json.loads(line)["response"] for line in handle if line.strip()]
out = {}
if detect:
    import adhere.text  # the package (the lead's __init__ files), not timed
    t0 = time.perf_counter()
    import adhere.text.langid as langid
    t1 = time.perf_counter()
    langid.language_codes()
    t2 = time.perf_counter()
    langid.detect_language(texts[0])
    t3 = time.perf_counter()
    for text in texts[1:]:
        langid.detect_language(text)
    t4 = time.perf_counter()
    out.update(import_ms=(t1 - t0) * 1e3, load_ms=(t2 - t1) * 1e3,
               first_ms=(t3 - t2) * 1e3, cold_ms=(t4 - t2) * 1e3)
out["rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""


# Runs in a fresh interpreter on the recorded workload; prints one JSON object.
_FRESH_WORKLOAD = r"""
import json, sys, time
with open(sys.argv[1], encoding="utf-8") as handle:
    texts = json.load(handle)
import adhere.text  # the package, not timed
t0 = time.perf_counter()
import adhere.text.langid as langid
langid.language_codes()
t1 = time.perf_counter()
for text in texts:
    langid.detect_language(text)
t2 = time.perf_counter()
print(json.dumps({"load_ms": (t1 - t0) * 1e3, "detect_ms": (t2 - t1) * 1e3,
                  "total_ms": (t2 - t0) * 1e3}))
"""


def record_ifeval_workload(inputs: Path, responses: Path) -> list[str]:
    """The distinct texts, in first-use order, that scoring the IFEval pair sends to
    ``detect_language``."""
    sys.path.insert(0, str(SRC))
    import adhere.constraints.ifeval.change_case as change_case
    import adhere.constraints.ifeval.language as language
    from adhere.scoring.evaluate import score_sample
    from adhere.suites.ifeval_files import load_pair

    recorded: list[str] = []
    original = language.detect_language

    def record(text: str) -> str | None:
        recorded.append(text)
        return original(text)

    saved = language.detect_language, change_case.detect_language
    language.detect_language = change_case.detect_language = record
    try:
        for item in load_pair(inputs, responses):
            score_sample(item.sample, item.constraints, item.response)
    finally:
        language.detect_language, change_case.detect_language = saved
    return list(dict.fromkeys(recorded))


def ifeval_workload(inputs: Path, responses: Path, repeat: int, src: Path = SRC) -> int:
    """Record the workload with this checkout, then time it on the package under ``src``."""
    import tempfile

    texts = record_ifeval_workload(inputs, responses)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "texts.json"
        path.write_text(json.dumps(texts), encoding="utf-8")
        env = dict(os.environ, PYTHONPATH=str(src))
        runs = []
        for _ in range(repeat):
            done = subprocess.run(
                [sys.executable, "-c", _FRESH_WORKLOAD, str(path)],
                capture_output=True,
                text=True,
                check=True,
                env=env,
            )
            runs.append(json.loads(done.stdout))
    print(
        f"{len(texts)} distinct texts ({sum(map(len, texts)):,} chars) sent to detect_language"
        f" when scoring {responses.name}"
    )
    print(f"fresh process ({src}), median / best of {repeat}")
    for key, label in (
        ("load_ms", "import + language_codes()"),
        ("detect_ms", "detect every text"),
        ("total_ms", "total"),
    ):
        values = [run[key] for run in runs]
        print(f"  {label:28s} {statistics.median(values):8.1f} / {min(values):8.1f} ms")
    return 0


def _load_responses(path: Path) -> list[str]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line)["response"] for line in handle if line.strip()]


def _fresh(path: Path, detect: bool) -> dict[str, float]:
    env = dict(os.environ, PYTHONPATH=str(SRC))
    done = subprocess.run(
        [sys.executable, "-c", _FRESH, str(path), "1" if detect else "0"],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    result: dict[str, float] = json.loads(done.stdout)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("responses", nargs="?", type=Path, default=DEFAULT_RESPONSES)
    parser.add_argument("--repeat", type=int, default=5, help="passes per measurement")
    parser.add_argument(
        "--ifeval-workload",
        action="store_true",
        help="time the detections `adhere score` makes on the IFEval reference pair",
    )
    parser.add_argument("--inputs", type=Path, default=DEFAULT_INPUTS, help="IFEval input_data")
    parser.add_argument(
        "--src",
        type=Path,
        default=SRC,
        help="with --ifeval-workload: the src folder whose adhere to time (e.g. another checkout)",
    )
    args = parser.parse_args(argv)
    if args.ifeval_workload:
        return ifeval_workload(args.inputs, args.responses, args.repeat, args.src)
    texts = _load_responses(args.responses)
    n = len(texts)

    fresh = [_fresh(args.responses, detect=True) for _ in range(args.repeat)]
    bare = min(_fresh(args.responses, detect=False)["rss_mib"] for _ in range(3))

    def best_median(key: str) -> tuple[float, float]:
        values = [run[key] for run in fresh]
        return min(values), statistics.median(values)

    sys.path.insert(0, str(SRC))
    from adhere.text import langid

    langid.detect_language(texts[0])
    for text in texts:
        langid.detect_language(text)
    warm = []
    for _ in range(args.repeat):
        langid._detect_cached.cache_clear()
        start = time.perf_counter()
        for text in texts:
            langid.detect_language(text)
        warm.append((time.perf_counter() - start) * 1e3)

    from langdetect import (  # type: ignore[import-untyped]
        DetectorFactory,
        detect,
        detector_factory,
    )
    from langdetect.lang_detect_exception import (  # type: ignore[import-untyped]
        LangDetectException,
    )

    DetectorFactory.seed = 0
    start = time.perf_counter()
    detector_factory.init_factory()
    init_ms = (time.perf_counter() - start) * 1e3
    theirs = []
    for _ in range(max(1, args.repeat // 2)):
        start = time.perf_counter()
        for text in texts:
            with contextlib.suppress(LangDetectException):
                detect(text)
        theirs.append((time.perf_counter() - start) * 1e3)

    imp, load, first, cold = (
        best_median(k) for k in ("import_ms", "load_ms", "first_ms", "cold_ms")
    )
    rss = best_median("rss_mib")
    ld_call = min(theirs) / n
    print(f"{n} responses from {args.responses}")
    print(f"adhere.text.langid (fresh process, best / median of {args.repeat})")
    print(f"  import the module      {imp[0]:8.2f} / {imp[1]:8.2f} ms   (package already imported)")
    print(f"  load table (header)    {load[0]:8.2f} / {load[1]:8.2f} ms")
    print(f"  first call (+buckets)  {first[0]:8.2f} / {first[1]:8.2f} ms")
    print(
        f"  all {n} calls, cold    {cold[0]:8.1f} / {cold[1]:8.1f} ms"
        f"   = {cold[0] / n:.3f} ms per call"
    )
    print(f"  per call, warm caches  {min(warm) / n:8.3f} / {statistics.median(warm) / n:8.3f} ms")
    print(
        f"  peak RSS               {rss[0]:8.1f} / {rss[1]:8.1f} MiB"
        f"   (bare interpreter reading the responses: {bare:.1f} MiB)"
    )
    print("langdetect 1.0.9")
    print(f"  init_factory           {init_ms:8.1f} ms")
    print(f"  per call               {ld_call:8.3f} ms")
    print("ratios (langdetect / adhere)")
    print(f"  load                   {init_ms / (imp[0] + load[0] + first[0]):8.1f}x")
    print(f"  per call, cold         {ld_call / (cold[0] / n):8.1f}x")
    print(f"  per call, warm         {ld_call / (min(warm) / n):8.1f}x")
    print(
        f"  load + all {n} calls   {(init_ms + min(theirs)) / (imp[0] + load[0] + cold[0]):8.1f}x"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
