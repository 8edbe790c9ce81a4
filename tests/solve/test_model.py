"""The whole loop with the real embedded model (tiny, CPU): it ends within its budget with valid JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .test_cli import ocr

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sum"


@pytest.mark.model
@pytest.mark.parametrize(("strategy", "args"), [
    ("loop", ["--max-tokens", "64", "-n", "2", "--rounds", "1", "--token-budget", "400"]),
    ("select", ["--max-tokens", "32", "-n", "2"]),
    ("single", ["--max-tokens", "32"]),
])
def test_embedded_model_solve_ends_within_budget(strategy: str, args: list[str],
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    if not EXAMPLE.is_dir():
        pytest.skip("examples/sum is not there")
    code, out, err = ocr(["solve", str(EXAMPLE), "--json", "--strategy", strategy, "--seed", "1",
                          "--no-log", "--threads", "1", *args], capsys)
    assert code in (0, 1), err
    data = json.loads(out)
    assert data["status"] in ("accepted", "budget_exhausted", "no_candidate")
    assert (code == 0) == (data["status"] == "accepted")
    if strategy == "loop":
        assert data["tokens"]["generated"] <= 400
        assert data["rounds"] <= 1
        assert len(data["candidates"]) <= 4
    else:
        assert data["rounds"] == 0
        assert len(data["candidates"]) == (1 if strategy == "single" else 2)
    assert all(c["tests_total"] == 2 for c in data["candidates"])
    assert "embedded demo model" in err
