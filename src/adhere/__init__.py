"""adhere: measure and improve how well large language models follow instructions.

The library is the product; the ``adhere`` command is a thin layer over it::

    import adhere
    result = adhere.score("input_data.jsonl", "responses.jsonl", outdir="out")
    result.summary["strict"]["prompt_level"]["accuracy"]

Importing ``adhere`` is cheap and touches no network: heavy parts load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from adhere.core.version import __version__

if TYPE_CHECKING:
    from adhere.report import build_report, write_report
    from adhere.runner.eval_run import evaluate
    from adhere.runner.scorefiles import ScoreResult, score

__all__ = ["ScoreResult", "__version__", "build_report", "evaluate", "score", "write_report"]


def __getattr__(name: str) -> Any:
    if name in ("score", "ScoreResult"):
        from adhere.runner import scorefiles

        return getattr(scorefiles, name)
    if name == "evaluate":
        from adhere.runner import eval_run

        return eval_run.evaluate
    if name in ("write_report", "build_report"):
        from adhere import report

        return getattr(report, name)
    raise AttributeError(f"module 'adhere' has no attribute {name!r}")
