"""Make the report screenshot the README shows (docs/report.png).

Two synthetic checkpoints' runs (the seeded generator of benchmarks/report_scale.py: text
written for adhere, scored for real by ``adhere score``) are compared in one report, which is
opened in headless Chromium; the top of the page is captured.

Usage: python tools/readme_screenshot.py [--samples 600] [-o docs/report.png]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.report_scale import write_run_input  # noqa: E402
from tests.support.browser import open_report  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=600)
    parser.add_argument("-o", "--output", default=str(REPO / "docs" / "report.png"))
    args = parser.parse_args()
    adhere = str(Path(sys.executable).with_name("adhere"))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        runs = []
        for name, seed, follow in (("checkpoint-1000", 1, 0.75), ("checkpoint-2000", 2, 0.85)):
            source = folder / f"{name}.jsonl"
            write_run_input(source, args.samples, seed, follow)
            subprocess.run(
                [adhere, "score", str(source), "-o", str(folder / name)],
                check=True,
                stdout=subprocess.DEVNULL,
            )
            runs.append(str(folder / name))
        report = folder / "report.html"
        subprocess.run(
            [adhere, "report", *runs, "-o", str(report)], check=True, stdout=subprocess.DEVNULL
        )
        with open_report(report, viewport=(1100, 1250)) as session:
            session.page.wait_for_selector("body[data-ready='1']")
            if session.problems():
                raise SystemExit(f"the report has problems: {session.problems()}")
            session.screenshot(Path(args.output))
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
