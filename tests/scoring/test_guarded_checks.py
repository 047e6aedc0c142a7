"""A check that raises never takes the prompt's other verdicts down with it."""

from __future__ import annotations

import json
from pathlib import Path

import adhere
from adhere.constraints.base import CheckContext, Constraint, Outcome
from adhere.core.types import ConstraintSpec, Message, Sample
from adhere.scoring.evaluate import build, check_strict, score_sample


class Boom(Constraint):
    """A deliberately broken check (not registered)."""

    id = "test:boom"
    summary = "raises on every text"

    def evaluate(self, response: str, context: CheckContext) -> Outcome:
        return (1 / len(response.split("x")[5]) > 0), "never reached"

    def describe(self) -> str:
        return "nothing"


def test_a_raising_check_is_undecided_with_the_reason() -> None:
    verdict = check_strict(Boom(), "plain text")
    assert verdict.passed is None
    assert verdict.evidence.startswith("check failed: IndexError")
    assert verdict.followed is False


def test_the_other_verdicts_of_the_prompt_stand() -> None:
    sample = Sample("s", "test", (Message("user", "p"),), ())
    no_comma = build(ConstraintSpec("punctuation:no_comma"))
    strict, loose = score_sample(sample, [Boom(), no_comma], "No commas at all")
    assert [v.passed for v in strict.verdicts] == [None, True]
    assert [v.passed for v in loose.verdicts] == [None, True]
    assert strict.follow_instruction_list == [False, True]


def test_an_undecided_verdict_is_listed_in_the_summary(tmp_path: Path) -> None:
    # custom:csv_quotes on a row with a blank field: the reference raises an IndexError
    record = {
        "key": 1,
        "prompt": "p",
        "response": '"StudentID"\t"Subject"\t"Grade"\t"Semester"\t"Score"\n'
        + '"1"\t"Art, History"\t"B"\t  \t"81"\n'
        + "\n".join(f'"{n}"\t"Art"\t"B"\t"Fall"\t"8{n}"' for n in (2, 3)),
        "instruction_id_list": ["custom:csv_quotes", "punctuation:no_comma"],
        "kwargs": [{}, {}],
    }
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    result = adhere.score(path, outdir=tmp_path / "out")
    assert result.strict[0].verdicts[0].passed is None
    assert result.strict[0].verdicts[1].passed is False  # commas: scored all the same
    undecided = result.summary["undecided"]
    assert undecided["count"] >= 1
    assert undecided["verdicts"][0]["constraint_id"] == "custom:csv_quotes"
