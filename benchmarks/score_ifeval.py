"""Whole-process cost of ``adhere score`` on the 541 IFEval reference responses.

Runs ``python -m adhere score input_data.jsonl responses_gpt4.jsonl -o TMP`` (strict and loose)
in a fresh process, once to warm the file cache and bytecode, then N more times, and prints the
median wall time, user+sys CPU time and peak RSS, with the ratios to the reference figures
measured on this machine type (../shared/reference/README.md: 1.56 s and 110 MiB for Google's
IFEval CLI; 5.14 s and 330 MiB for lm-evaluation-harness's scorer).

    python benchmarks/score_ifeval.py [--runs 5]
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

REFERENCE = Path(__file__).resolve().parents[1].parent / "shared" / "reference" / "ifeval"
REFERENCE_WALL_S = 1.56
REFERENCE_RSS_MIB = 110
HARNESS_WALL_S = 5.14
HARNESS_RSS_MIB = 330


def run_once(outdir: str) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak RSS (MiB) of one scoring process."""
    command = [
        sys.executable,
        "-m",
        "adhere",
        "score",
        str(REFERENCE / "input_data.jsonl"),
        str(REFERENCE / "responses_gpt4.jsonl"),
        "-o",
        outdir,
    ]
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        assert process.stderr is not None
        raise SystemExit(f"adhere score failed: {process.stderr.read().decode()}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def compile_package() -> None:
    """Write adhere's bytecode, as ``pip install`` does; editable installs under
    ``PYTHONDONTWRITEBYTECODE=1`` would otherwise recompile every module in every run."""
    import compileall

    import adhere

    compileall.compile_dir(Path(adhere.__file__).parent, quiet=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if not (REFERENCE / "input_data.jsonl").is_file():
        raise SystemExit(f"reference data not found at {REFERENCE}")
    compile_package()
    with tempfile.TemporaryDirectory() as tmp:
        run_once(tmp)  # warm-up: file cache
        runs = [run_once(tmp) for _ in range(args.runs)]
    wall = statistics.median(r[0] for r in runs)
    cpu = statistics.median(r[1] for r in runs)
    rss = statistics.median(r[2] for r in runs)
    print(f"adhere score, 541 IFEval responses, strict + loose, median of {args.runs} runs")
    print(f"  wall      {wall:.3f} s   (runs: {', '.join(f'{r[0]:.3f}' for r in runs)})")
    print(f"  cpu       {cpu:.3f} s")
    print(f"  peak RSS  {rss:.1f} MiB")
    print(
        f"  vs reference CLI ({REFERENCE_WALL_S} s, {REFERENCE_RSS_MIB} MiB): "
        f"{REFERENCE_WALL_S / wall:.1f}x faster, {rss / REFERENCE_RSS_MIB:.2f}x the memory"
    )
    print(
        f"  vs lm-evaluation-harness ({HARNESS_WALL_S} s, {HARNESS_RSS_MIB} MiB): "
        f"{HARNESS_WALL_S / wall:.1f}x faster"
    )
    print("  target: <= 0.31 s (5x the reference) and <= 80 MiB")


if __name__ == "__main__":
    main()
