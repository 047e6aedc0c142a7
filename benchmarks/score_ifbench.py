"""Whole-process cost of ``adhere score`` on the 300 IFBench reference records.

Runs ``python -m adhere score input_data.jsonl responses_sample.jsonl -o TMP`` (strict and
loose) in a fresh process, once to warm the file cache, then N more times, and prints the median
wall time, user+sys CPU time and peak RSS, with the ratios to the reference CLI measured on this
machine type (../shared/reference/README.md: 1.39 s and 94 MiB). Target: at least 3x faster
(<= 0.46 s), aim 5x (<= 0.28 s), <= 100 MiB.

    python benchmarks/score_ifbench.py [--runs 5] [--jobs N]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile

from score_ifeval import REFERENCE, compile_package, run_once, startup_ms

IFBENCH = REFERENCE.parent / "ifbench"
REFERENCE_WALL_S = 1.39
REFERENCE_RSS_MIB = 94


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=None, help="adhere's --jobs (default: its own)")
    args = parser.parse_args()
    files = (IFBENCH / "input_data.jsonl", IFBENCH / "responses_sample.jsonl")
    if not files[0].is_file():
        raise SystemExit(f"reference data not found at {IFBENCH}")
    compile_package()
    before = startup_ms()
    with tempfile.TemporaryDirectory() as tmp:
        run_once(tmp, args.jobs, files)  # warm-up: file cache
        runs = [run_once(tmp, args.jobs, files) for _ in range(args.runs)]
    after = startup_ms()
    wall = statistics.median(r[0] for r in runs)
    cpu = statistics.median(r[1] for r in runs)
    rss = statistics.median(r[2] for r in runs)
    jobs = "default (one per core)" if args.jobs is None else str(args.jobs)
    print(
        f"adhere score, 300 IFBench records, strict + loose, median of {args.runs} runs, "
        f"--jobs {jobs}"
    )
    print(f"  wall      {wall:.3f} s   (runs: {', '.join(f'{r[0]:.3f}' for r in runs)})")
    print(f"  cpu       {cpu:.3f} s   (user + sys of adhere and its workers)")
    print(f"  peak RSS  {rss:.1f} MiB (largest single process)")
    print(
        f"  vs reference CLI ({REFERENCE_WALL_S} s, {REFERENCE_RSS_MIB} MiB): "
        f"{REFERENCE_WALL_S / wall:.1f}x faster, {rss / REFERENCE_RSS_MIB:.2f}x the memory"
    )
    print("  target: <= 0.46 s (3x the reference; aim 0.28 s, 5x) and <= 100 MiB")
    print(
        f"  machine load check: bare `python -c pass` took {before:.0f} ms before and "
        f"{after:.0f} ms after (about 13 ms when the machine is quiet)"
    )


if __name__ == "__main__":
    main()
