"""Shared test helpers: where the reference data lives."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
REFERENCE = REPO.parent / "shared" / "reference"
IFEVAL = REFERENCE / "ifeval"


@pytest.fixture
def ifeval_dir() -> Path:
    """The IFEval reference folder; tests that need it skip, with the reason, where it is absent."""
    if not (IFEVAL / "input_data.jsonl").is_file():
        pytest.skip(f"reference data not found at {IFEVAL} (needs ../shared beside the repo)")
    return IFEVAL
