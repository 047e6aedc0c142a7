"""Shared test helpers: where the reference data lives."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adhere.text.variants import loose_variants

REPO = Path(__file__).resolve().parents[1]
REFERENCE = REPO.parent / "shared" / "reference"
IFEVAL = REFERENCE / "ifeval"


@pytest.fixture
def ifeval_dir() -> Path:
    """The IFEval reference folder; tests that need it skip, with the reason, where it is absent."""
    if not (IFEVAL / "input_data.jsonl").is_file():
        pytest.skip(f"reference data not found at {IFEVAL} (needs ../shared beside the repo)")
    return IFEVAL


IFEVAL_RESPONSES = IFEVAL / "responses_gpt4.jsonl"
NO_REFERENCE = f"reference responses not found at {IFEVAL_RESPONSES} (needs ../shared)"


def reference_responses() -> list[str]:
    """The 541 GPT-4 responses of the IFEval reference data (empty if absent)."""
    if not IFEVAL_RESPONSES.is_file():
        return []
    with IFEVAL_RESPONSES.open(encoding="utf-8") as handle:
        return [json.loads(line)["response"] for line in handle if line.strip()]


def responses_and_loose_variants() -> list[str]:
    """Every distinct text loose scoring of the reference responses looks at."""
    texts = (v.text for r in reference_responses() for v in loose_variants(r))
    return list(dict.fromkeys(texts))
