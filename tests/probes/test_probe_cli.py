"""`adhere list probes` and `adhere probe`'s errors (before anything is sent)."""

from __future__ import annotations

from pathlib import Path

import pytest

from adhere.cli.main import main
from adhere.probes import MODULES, get_probe


def test_list_probes_describes_each_probe_its_params_and_metric(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["list", "probes"]) == 0
    out = capsys.readouterr().out
    for name in MODULES:
        cls = get_probe(name)
        assert f"{name}: {cls.summary}" in out
        assert f"metric: {cls.metric_help}" in out
        for param in cls.params:
            assert f"--param {param.name}=" in out
    assert len(MODULES) == 8


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["probe", "parafrase"], "unknown probe 'parafrase'; did you mean 'paraphrase'?"),
        (["probe", "load", "--param", "levels=many"], "levels: expected int, found 'many'"),
        (["probe", "load", "--param", "depth=3"], "has no parameter 'depth'"),
        (["probe", "load", "--param", "levels"], "expected NAME=VALUE"),
    ],
)
def test_probe_errors_name_the_problem(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    command = [*args, "--model", "replay:none.jsonl", "--workspace", str(tmp_path / "ws")]
    assert main(command) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "ws").exists()  # nothing was run or stored
