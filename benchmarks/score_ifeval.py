"""Whole-process cost of ``adhere score`` on the 541 IFEval reference responses.

Runs ``adhere score input_data.jsonl responses_gpt4.jsonl -o TMP`` (strict and loose) in a fresh
process, through the installed ``adhere`` console script as a user types it (with this
interpreter; ``python -m adhere`` where no script is installed, which adds ``runpy``'s ~3 ms),
once to warm the file cache and bytecode, then N more times, and prints the
median wall time, user+sys CPU time and peak RSS, with the ratios to the reference figures
measured on this machine type (../shared/reference/README.md: 1.56 s and 110 MiB for Google's
IFEval CLI; 5.14 s and 330 MiB for lm-evaluation-harness's scorer).

    python benchmarks/score_ifeval.py [--runs 5] [--jobs N] [--baseline-src DIR]

With ``--baseline-src`` (the ``src`` folder of another checkout, say the last commit's), the
runs of that tree alternate with this one's and both are reported: on these noisy shared
machines only figures taken side by side compare.
"""

from __future__ import annotations

import argparse
import os
import shutil
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


def run_once(
    outdir: str,
    jobs: int | None = None,
    files: tuple[Path, Path] | None = None,
    src: Path | None = None,
    pure: bool = False,
) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak RSS (MiB) of one scoring process (of the package
    under ``src`` if given; with ``pure``, without the compiled language detector)."""
    inputs = files or (REFERENCE / "input_data.jsonl", REFERENCE / "responses_gpt4.jsonl")
    command = [
        sys.executable,
        *entry_point(),
        "score",
        *map(str, inputs),
        "-o",
        outdir,
        *([] if jobs is None else ["--jobs", str(jobs)]),
    ]
    env = _env(src, pure)
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        assert process.stderr is not None
        raise SystemExit(f"adhere score failed: {process.stderr.read().decode()}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def _env(src: Path | None, pure: bool) -> dict[str, str]:
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = str(src)
    if pure:
        env["ADHERE_PURE_PYTHON"] = "1"
    return env


def detector_path(src: Path | None, pure: bool) -> str:
    """Which language detector the timed package runs: compiled or pure Python."""
    code = "import adhere.text.langid as m; print(getattr(m, '_speedups', None) is not None)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=_env(src, pure)
    ).stdout.strip()
    return {"True": "compiled fast path", "False": "pure Python"}.get(out, "unknown")


def entry_point() -> list[str]:
    """How to start ``adhere`` with this interpreter: its console script (the file pip writes
    beside this interpreter, or the one on PATH), else ``-m adhere``."""
    beside = Path(sys.executable).with_name("adhere")
    found = beside if beside.is_file() else shutil.which("adhere")
    return [str(found)] if found else ["-m", "adhere"]


QUIET_STARTUP_MS = 13.0  # `python -c pass` on a quiet machine of this type


def startup_ms(runs: int = 9) -> float:
    """Median wall time of a bare interpreter start, to show how busy the machine is now."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def compile_package(src: Path | None = None) -> None:
    """Write adhere's bytecode (of the package under ``src`` if given), as ``pip install``
    does; editable installs under ``PYTHONDONTWRITEBYTECODE=1`` would otherwise recompile
    every changed module in every run."""
    import compileall

    if src is None:
        import adhere

        compileall.compile_dir(Path(adhere.__file__).parent, quiet=1)
    else:
        compileall.compile_dir(src / "adhere", quiet=1)


def report(
    label: str, runs: list[tuple[float, float, float]], jobs: int | None, detector: str
) -> None:
    wall = statistics.median(r[0] for r in runs)
    cpu = statistics.median(r[1] for r in runs)
    rss = statistics.median(r[2] for r in runs)
    shown = "default (one per core)" if jobs is None else str(jobs)
    print(
        f"{label}adhere score, 541 IFEval responses, strict + loose, median of {len(runs)} "
        f"runs, --jobs {shown}, started as `{' '.join(['python', *entry_point()])}`"
    )
    print(f"  language detector: {detector}")
    print(f"  wall      {wall:.3f} s   (runs: {', '.join(f'{r[0]:.3f}' for r in runs)})")
    print(f"  cpu       {cpu:.3f} s   (user + sys of adhere and its workers)")
    print(f"  peak RSS  {rss:.1f} MiB (largest single process)")
    print(
        f"  vs reference CLI ({REFERENCE_WALL_S} s, {REFERENCE_RSS_MIB} MiB): "
        f"{REFERENCE_WALL_S / wall:.1f}x faster, {rss / REFERENCE_RSS_MIB:.2f}x the memory"
    )
    print(
        f"  vs lm-evaluation-harness ({HARNESS_WALL_S} s, {HARNESS_RSS_MIB} MiB): "
        f"{HARNESS_WALL_S / wall:.1f}x faster"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=None, help="adhere's --jobs (default: its own)")
    parser.add_argument(
        "--baseline-src",
        type=Path,
        default=None,
        help="the src folder of another checkout, timed in alternation with this one",
    )
    parser.add_argument(
        "--pure-python",
        action="store_true",
        help="time this checkout without the language detector's compiled module "
        "(ADHERE_PURE_PYTHON=1)",
    )
    args = parser.parse_args()
    if not (REFERENCE / "input_data.jsonl").is_file():
        raise SystemExit(f"reference data not found at {REFERENCE}")
    compile_package()
    baseline: Path | None = args.baseline_src
    if baseline is not None:
        baseline = baseline.resolve()
        compile_package(baseline)
    before = startup_ms()
    runs: list[tuple[float, float, float]] = []
    base_runs: list[tuple[float, float, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        run_once(tmp, args.jobs, pure=args.pure_python)  # warm-up: file cache
        if baseline is not None:
            run_once(tmp, args.jobs, src=baseline)
        for _ in range(args.runs):
            if baseline is not None:
                base_runs.append(run_once(tmp, args.jobs, src=baseline))
            runs.append(run_once(tmp, args.jobs, pure=args.pure_python))
    after = startup_ms()
    if baseline is not None:
        report(f"baseline ({baseline}): ", base_runs, args.jobs, detector_path(baseline, False))
    report(
        "this checkout: " if baseline else "",
        runs,
        args.jobs,
        detector_path(None, args.pure_python),
    )
    print("  target: <= 0.31 s (5x the reference) and <= 80 MiB")
    print(
        f"  machine load check: bare `python -c pass` took {before:.0f} ms before and "
        f"{after:.0f} ms after (about {QUIET_STARTUP_MS:.0f} ms when the machine is quiet); "
        "figures taken while it is busy overstate adhere's time"
    )


if __name__ == "__main__":
    main()
