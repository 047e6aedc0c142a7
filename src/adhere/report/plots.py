"""The report's plots, drawn with matplotlib as inline SVG.

Every figure is drawn on its own ``Figure`` (no pyplot, no global state); text stays text in the
SVG (``svg.fonttype = none``), so the file is small and its labels are searchable; math parsing
of labels is off (a ``$`` in a model name is just a dollar sign). Each figure gets its own
``svg.hashsalt`` so that the ids inside two inline SVGs never collide, and no date is written,
so the same runs give the same bytes.

Needs the ``report`` extra (``pip install 'adhere[report]'``).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from adhere.core.errors import AdhereError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

COLOURS = ("#3060c0", "#d07020", "#309050", "#b03040", "#7050b0", "#806040", "#c050a0")
METRICS = (
    ("strict", "prompt_level", "prompt\nstrict"),
    ("strict", "instruction_level", "instruction\nstrict"),
    ("loose", "prompt_level", "prompt\nloose"),
    ("loose", "instruction_level", "instruction\nloose"),
)


def _require_matplotlib() -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise AdhereError(
            "HTML reports draw their plots with matplotlib, which is not installed: "
            "pip install 'adhere[report]' (Markdown and JSON reports work without it)"
        ) from None


@contextmanager
def _figure(salt: str, width: float, height: float) -> Iterator[Figure]:
    _require_matplotlib()
    import matplotlib
    from matplotlib.figure import Figure

    settings: Any = {
        "svg.fonttype": "none",
        "svg.hashsalt": f"adhere-{salt}",
        "text.parse_math": False,
        "font.family": "sans-serif",
        "font.size": 9,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.color": "#dddddd",
        "grid.linewidth": 0.6,
        "axes.axisbelow": True,
    }
    with matplotlib.rc_context(settings):
        yield Figure(figsize=(width, height), layout="constrained")


_HEADER = re.compile(r"\A.*?(?=<svg)", re.S)


def _svg(figure: Figure, label: str) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    text = _HEADER.sub("", buffer.getvalue(), count=1)
    # scale with the page: drop the fixed size, keep the viewBox
    text = re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r"<svg\1", text, count=1)
    return text.replace("<svg", f'<svg role="img" aria-label="{_attr(label)}" class="plot"', 1)


def _attr(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")
    )


def _ci(rate: dict[str, Any]) -> tuple[float, float, float]:
    accuracy = float(rate["accuracy"])
    low, high = rate["ci95"]
    return accuracy, max(0.0, accuracy - float(low)), max(0.0, float(high) - accuracy)


def _legend(axes: Axes, names: Sequence[str]) -> None:
    if len(names) > 1:
        axes.legend(fontsize=8, loc="lower right", framealpha=0.9)


def overview(names: Sequence[str], summaries: Sequence[dict[str, Any]]) -> str:
    """The four headline numbers per run, with 95 % intervals."""
    with _figure("overview", 7.0, 2.8) as fig:
        axes = fig.add_subplot()
        width = 0.8 / len(names)
        for r, (name, summary) in enumerate(zip(names, summaries, strict=True)):
            values, lows, highs = [], [], []
            for mode, level, _ in METRICS:
                value, low, high = _ci(summary[mode][level])
                values.append(value)
                lows.append(low)
                highs.append(high)
            xs = [i - 0.4 + width * (r + 0.5) for i in range(len(METRICS))]
            axes.bar(xs, values, width * 0.9, color=COLOURS[r % len(COLOURS)], label=name)
            axes.errorbar(xs, values, yerr=[lows, highs], fmt="none", ecolor="#222", capsize=3)
            for x, v in zip(xs, values, strict=True):
                axes.annotate(
                    f"{v:.3f}",
                    (x, v),
                    xytext=(0, 3),
                    textcoords="offset points",
                    ha="center",
                    va="bottom",
                    fontsize=7,
                )
        axes.set_xticks(range(len(METRICS)), [label for *_, label in METRICS])
        axes.set_ylim(0, 1.1)
        axes.set_ylabel("accuracy")
        _legend(axes, names)
        return _svg(fig, "accuracy overview with 95 % intervals")


def breakdown(
    names: Sequence[str], summaries: Sequence[dict[str, Any]], table: str, mode: str
) -> str:
    """Instruction-level accuracy per family (``table="families"``) or per constraint id
    (``"constraints"``), one bar per run, with 95 % intervals."""
    groups = sorted({g for s in summaries for g in s[mode].get(table, {})})
    per_row = 0.22 * max(1, len(names)) + 0.08
    height = max(1.6, per_row * len(groups) + 0.9)
    with _figure(f"{table}-{mode}", 7.5, height) as fig:
        axes = fig.add_subplot()
        bar = 0.8 / len(names)
        for r, (name, summary) in enumerate(zip(names, summaries, strict=True)):
            ys, values, lows, highs = [], [], [], []
            for i, group in enumerate(groups):
                found = summary[mode].get(table, {}).get(group)
                if found is None:
                    continue
                value, low, high = _ci(found["instruction_level"])
                ys.append(i - 0.4 + bar * (r + 0.5))
                values.append(value)
                lows.append(low)
                highs.append(high)
            colour = COLOURS[r % len(COLOURS)]
            axes.barh(ys, values, bar * 0.9, color=colour, label=name)
            axes.errorbar(
                values, ys, xerr=[lows, highs], fmt="none", ecolor="#222", capsize=2, linewidth=0.8
            )
        axes.set_yticks(range(len(groups)), groups, fontsize=7 if table == "constraints" else 8)
        axes.invert_yaxis()
        axes.set_xlim(0, 1.0)
        axes.set_ylim(len(groups) - 0.5, -0.5)
        axes.set_xlabel(f"instruction-level accuracy ({mode})")
        _legend(axes, names)
        return _svg(fig, f"{mode} accuracy per {table[:-1]} with 95 % intervals")


def turns(names: Sequence[str], multi_turn: Sequence[dict[str, Any] | None]) -> str:
    """Per-turn curves of multi-turn runs: prompt- and instruction-level strict accuracy."""
    with _figure("turns", 7.0, 2.8) as fig:
        axes = fig.add_subplot()
        for r, (name, data) in enumerate(zip(names, multi_turn, strict=True)):
            if not data:
                continue
            turn_numbers = sorted(data["turns"], key=int)
            xs = [int(t) for t in turn_numbers]
            colour = COLOURS[r % len(COLOURS)]
            for level, style in (("prompt_level", "-"), ("instruction_level", "--")):
                points = [_ci(data["turns"][t]["strict"][level]) for t in turn_numbers]
                axes.errorbar(
                    xs,
                    [p[0] for p in points],
                    yerr=[[p[1] for p in points], [p[2] for p in points]],
                    fmt=style,
                    marker="o",
                    color=colour,
                    capsize=3,
                    label=f"{name}: {level.replace('_', ' ')}",
                )
            axes.set_xticks(xs)
        axes.set_ylim(0, 1.05)
        axes.set_xlabel("turn")
        axes.set_ylabel("strict accuracy")
        axes.legend(fontsize=7, loc="lower left")
        return _svg(fig, "strict accuracy per turn with 95 % intervals")


def lengths(names: Sequence[str], word_counts: Sequence[Sequence[int]]) -> str:
    """The distribution of response lengths in words, one outline per run."""
    top = max((max(c) for c in word_counts if c), default=1)
    edges = _edges(top)
    with _figure("lengths", 7.0, 2.6) as fig:
        axes = fig.add_subplot()
        for r, (name, counts) in enumerate(zip(names, word_counts, strict=True)):
            axes.hist(
                counts,
                bins=edges,
                histtype="step" if len(names) > 1 else "stepfilled",
                linewidth=1.5,
                color=COLOURS[r % len(COLOURS)],
                alpha=1.0 if len(names) > 1 else 0.75,
                label=name,
            )
        axes.set_xlabel("response length (words)")
        axes.set_ylabel("responses")
        _legend(axes, names)
        return _svg(fig, "response length distribution")


def _edges(top: int) -> list[float]:
    step = max(1, -(-top // 40))
    return [float(x) for x in range(0, top + step + 1, step)]


def differences(rows: Sequence[tuple[str, float, float, float]], title: str) -> str:
    """A forest plot: each row's difference with its 95 % interval, around zero."""
    height = max(1.5, 0.24 * len(rows) + 0.9)
    with _figure(f"diff-{title}", 7.0, height) as fig:
        axes = fig.add_subplot()
        ys = list(range(len(rows)))
        diffs = [d for _, d, _, _ in rows]
        colours = [
            "#309050" if low > 0 else "#b03040" if high < 0 else "#666666"
            for _, _, low, high in rows
        ]
        axes.errorbar(
            diffs,
            ys,
            xerr=[[d - lo for _, d, lo, _ in rows], [hi - d for _, d, _, hi in rows]],
            fmt="none",
            ecolor="#444",
            capsize=2,
        )
        axes.scatter(diffs, ys, c=colours, zorder=3, s=18)
        axes.axvline(0, color="#000", linewidth=0.8)
        axes.set_yticks(ys, [name for name, *_ in rows], fontsize=8)
        axes.set_ylim(len(rows) - 0.5, -0.5)
        axes.set_xlabel(title)
        return _svg(fig, title)


def probe_chart(
    title: str,
    x: str,
    y: str,
    kind: str,
    groups: Sequence[tuple[str, Sequence[dict[str, Any]]]],
    salt: str = "",
) -> str:
    """One of a probe's series: a value per label with its 95 % interval, as bars (groups side
    by side) or lines (one per group)."""
    labels: list[str] = []
    for _, points in groups:
        for point in points:
            if point["label"] not in labels:
                labels.append(str(point["label"]))
    with _figure(f"probe-{salt}-{title}", 7.0, 2.9) as fig:
        axes = fig.add_subplot()
        width = 0.8 / max(1, len(groups))
        for r, (name, points) in enumerate(groups):
            at = {str(p["label"]): p for p in points}
            xs, values, lows, highs = [], [], [], []
            for i, label in enumerate(labels):
                if label not in at:
                    continue
                point = at[label]
                value = float(point["value"])
                xs.append(i if kind == "line" else i - 0.4 + width * (r + 0.5))
                values.append(value)
                lows.append(max(0.0, value - float(point["low"])))
                highs.append(max(0.0, float(point["high"]) - value))
            colour = COLOURS[r % len(COLOURS)]
            if kind == "line":
                axes.errorbar(
                    xs,
                    values,
                    yerr=[lows, highs],
                    fmt="-o",
                    color=colour,
                    capsize=3,
                    label=name or None,
                )
            else:
                axes.bar(xs, values, width * 0.9, color=colour, label=name or None)
                axes.errorbar(xs, values, yerr=[lows, highs], fmt="none", ecolor="#222", capsize=3)
        axes.set_xticks(
            range(len(labels)), labels, fontsize=8, rotation=20 if len(labels) > 6 else 0
        )
        axes.set_xlabel(x)
        axes.set_ylabel(y)
        if any(name for name, _ in groups):
            axes.legend(fontsize=7)
        return _svg(fig, title)
