"""adhere's own overhead in ``adhere eval``: 541 IFEval prompts against a zero-latency
OpenAI-compatible responder on 127.0.0.1, end to end (suite loading, preflight, 541 HTTP
requests, storing every response, scoring strict and loose, writing the verdict files).

It measures adhere, not a model: the responder (tests/support/openai_responder.py, a real HTTP
server) answers at once. Each run uses a fresh workspace, so nothing is resumed. Prints the
median wall time of N runs, requests per second and peak RSS, against lm-evaluation-harness's
16.65 s for the same work on this machine type. Target: <= 2 s (aim <= 1 s).

    python benchmarks/eval_overhead.py [--runs 5] [--concurrency 32]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
IFEVAL = REPO.parent / "shared" / "reference" / "ifeval" / "input_data.jsonl"
HARNESS_WALL_S = 16.65
PROMPTS = 541


def run_once(url: str, concurrency: int) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one ``adhere eval`` process."""
    with tempfile.TemporaryDirectory() as workspace:
        command = [
            sys.executable, "-m", "adhere", "eval",
            "--model", f"openai:test-model@{url}",
            "--suite", f"ifeval:{IFEVAL}",
            "--workspace", workspace,
            "--api-key-env", "",
            "--concurrency", str(concurrency),
            "--max-tokens", "64",
            "--quiet",
        ]  # fmt: skip
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        if os.waitstatus_to_exitcode(status) != 0:
            assert process.stderr is not None
            raise SystemExit(f"adhere eval failed: {process.stderr.read().decode()}")
        return wall, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    if not IFEVAL.is_file():
        raise SystemExit(f"reference data not found at {IFEVAL}")
    sys.path.insert(0, str(REPO))
    from tests.support.openai_responder import serve

    url, stop = serve()
    try:
        run_once(url, args.concurrency)  # warm-up: bytecode and file cache
        runs = [run_once(url, args.concurrency) for _ in range(args.runs)]
    finally:
        stop()
    wall = statistics.median(r[0] for r in runs)
    rss = statistics.median(r[1] for r in runs)
    print(f"adhere eval, {PROMPTS} IFEval prompts, zero-latency responder, median of {args.runs}")
    print(f"  wall      {wall:.3f} s   (runs: {', '.join(f'{r[0]:.3f}' for r in runs)})")
    print(f"  rate      {PROMPTS / wall:.0f} requests/s end to end")
    print(f"  peak RSS  {rss:.1f} MiB")
    print(f"  vs lm-evaluation-harness ({HARNESS_WALL_S} s): {HARNESS_WALL_S / wall:.1f}x faster")
    print("  target: <= 2 s (aim <= 1 s)")


if __name__ == "__main__":
    main()
