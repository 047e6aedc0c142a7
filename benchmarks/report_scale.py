"""How ``adhere report`` scales: a 10,000-sample run, and two such runs compared.

Builds two synthetic scored runs (seeded: prompts with 1–3 IFEval constraints, responses of
80–400 words that follow each constraint about 80 % of the time; scored for real with ``adhere
score``), then measures, whole process, median of ``--repeat`` runs:

- ``adhere report RUN -o one.html`` and ``adhere report RUN_A RUN_B -o two.html``: wall time
  and file size (targets: under 10 s and under 20 MB);
- how long each file takes to open in headless Chromium (navigation start to the load event
  and first paint, and until the report's script has built the page; target: under 3 s).

Usage: python benchmarks/report_scale.py [--samples 10000] [--repeat 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

VOCABULARY = tuple(
    [
        "river",
        "harbour",
        "lantern",
        "market",
        "window",
        "garden",
        "morning",
        "evening",
        "winter",
        "summer",
        "village",
        "engine",
        "signal",
        "bridge",
        "letter",
        "station",
        "island",
        "forest",
        "mountain",
        "valley",
        "kitchen",
        "library",
        "teacher",
        "student",
        "doctor",
        "painter",
        "sailor",
        "farmer",
        "writer",
        "baker",
        "quietly",
        "slowly",
        "brightly",
        "carefully",
        "suddenly",
        "always",
        "never",
        "often",
        "rarely",
        "builds",
        "carries",
        "follows",
        "opens",
        "closes",
        "finds",
        "keeps",
        "brings",
        "shows",
        "tells",
        "the",
        "a",
        "of",
        "and",
        "to",
        "in",
        "on",
        "with",
        "for",
        "under",
        "over",
        "near",
        "after",
        "before",
        "small",
        "large",
        "bright",
        "dark",
        "warm",
        "cold",
        "early",
        "late",
        "simple",
        "clear",
        "old",
        "new",
    ]
)
END = "Is there anything else I can help with?"
CONSTRAINTS = (
    ("punctuation:no_comma", {}),
    ("change_case:english_lowercase", {}),
    ("length_constraints:number_words", {"relation": "at least", "num_words": 150}),
    ("detectable_content:postscript", {"postscript_marker": "P.S."}),
    ("keywords:existence", {"keywords": ["lantern", "harbour"]}),
    ("detectable_format:number_bullet_lists", {"num_bullets": 3}),
    ("startend:end_checker", {"end_phrase": END}),
    ("detectable_format:title", {}),
)


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(VOCABULARY) for _ in range(rng.randint(6, 16))]
    if rng.random() < 0.3:
        words[rng.randint(1, len(words) - 2)] += ","
    return " ".join(words).capitalize() + "."


def _response(rng: random.Random, ids: list[str], follow: float) -> str:
    words = rng.randint(80, 400)
    sentences = []
    while sum(len(s.split()) for s in sentences) < words:
        sentences.append(_sentence(rng))
    text = "\n\n".join(" ".join(sentences[i : i + 4]) for i in range(0, len(sentences), 4))
    for cid in ids:
        ok = rng.random() < follow
        if cid == "punctuation:no_comma" and ok:
            text = text.replace(",", "")
        elif cid == "keywords:existence" and ok:
            text += " The lantern lit the harbour."
        elif cid == "detectable_format:number_bullet_lists" and ok:
            text += "\n\n* one point\n* another point\n* a last point"
        elif cid == "detectable_format:title" and ok:
            text = "<<A day by the water>>\n\n" + text
        elif cid == "detectable_content:postscript" and ok:
            text += "\n\nP.S. See you at the market."
    if "change_case:english_lowercase" in ids and rng.random() < follow:
        text = text.lower()
    if "startend:end_checker" in ids and rng.random() < follow:
        text += "\n\n" + END
    return text


def write_run_input(path: Path, samples: int, seed: int, follow: float) -> None:
    """A combined file (prompt, response, constraints) of ``samples`` synthetic records; the
    prompts depend on the index only, so two files pair up sample by sample."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as handle:
        for i in range(samples):
            layout = random.Random(i)
            chosen = layout.sample(range(len(CONSTRAINTS)), layout.randint(1, 3))
            ids = [CONSTRAINTS[k][0] for k in chosen]
            kwargs = [CONSTRAINTS[k][1] for k in chosen]
            topic = " ".join(layout.choice(VOCABULARY) for _ in range(40))
            prompt = f"Write about {topic}. Follow these rules: {', '.join(ids)}."
            line = {
                "key": i,
                "prompt": prompt,
                "response": _response(rng, ids, follow),
                "instruction_id_list": ids,
                "kwargs": kwargs,
            }
            handle.write(json.dumps(line) + "\n")


def _adhere(*args: str) -> float:
    started = time.perf_counter()
    adhere = Path(sys.executable).with_name("adhere")
    subprocess.run([str(adhere), *args], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def _open_times(path: Path, repeat: int) -> tuple[float, float]:
    """Median seconds to loaded-and-painted, and to the report's script having built the page."""
    from tests.support.browser import launch_chromium

    ready, built = [], []
    with launch_chromium() as chromium:
        for _ in range(repeat):
            with chromium.open(path) as session:
                ready.append(session.ready_seconds)
                session.page.wait_for_selector("body[data-ready='1']")
                built.append(session.page.evaluate("() => performance.now()") / 1000)
                if session.problems():
                    raise SystemExit(f"{path}: {session.problems()}")
    return statistics.median(ready), statistics.median(built)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", help="keep the runs and reports in this folder")
    args = parser.parse_args()
    folder = Path(args.keep or tempfile.mkdtemp(prefix="adhere-report-scale-"))
    folder.mkdir(parents=True, exist_ok=True)
    runs = []
    for name, seed, follow in (("a", 1, 0.8), ("b", 2, 0.85)):
        source = folder / f"run_{name}.jsonl"
        write_run_input(source, args.samples, seed, follow)
        took = _adhere("score", str(source), "-o", str(folder / f"run_{name}"))
        runs.append(str(folder / f"run_{name}"))
        print(f"set-up: scored run {name} ({args.samples} samples) in {took:.1f} s")
    print(f"machine: {os.cpu_count()} cores; median of {args.repeat}")
    for label, chosen in (("one run", runs[:1]), ("two runs compared", runs)):
        out = folder / f"report_{len(chosen)}.html"
        times = [_adhere("report", *chosen, "-o", str(out)) for _ in range(args.repeat)]
        size = out.stat().st_size / 1e6
        ready, built = _open_times(out, args.repeat)
        print(
            f"{label:18s} write {statistics.median(times):5.2f} s (target < 10)  "
            f"size {size:5.1f} MB (target < 20)  open: loaded+painted {ready:4.2f} s, "
            f"page built {built:4.2f} s (target < 3)"
        )
    if not args.keep:
        print(f"(files in {folder}; pass --keep DIR to choose where)")


if __name__ == "__main__":
    main()
