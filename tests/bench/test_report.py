"""The bench's results: critic precision/recall, summaries, the JSON file and resume checks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ocr_cli.bench.report import (
    FORMAT,
    BenchReport,
    CriticCounts,
    RunRecord,
    RunStatus,
    check_resumable,
    summarize,
)
from ocr_cli.errors import ConfigError


def test_critic_counts_precision_and_recall() -> None:
    counts = CriticCounts()
    for said_right, passes in [(True, True), (True, True), (True, False), (False, True), (False, False),
                               (None, True)]:
        counts.add(said_right, passes)
    assert (counts.true_positive, counts.false_positive, counts.false_negative, counts.true_negative,
            counts.no_verdict) == (2, 1, 1, 1, 1)
    assert counts.precision == pytest.approx(2 / 3)
    assert counts.recall == pytest.approx(2 / 3)
    assert counts.judged == 5


def test_critic_counts_undefined_without_cases() -> None:
    counts = CriticCounts()
    counts.add(False, False)
    assert counts.precision is None  # nothing was called right
    assert counts.recall is None  # nothing passes


def _record(problem: str, strategy: str, status: RunStatus, tokens: int = 10, **kw: Any) -> RunRecord:
    return RunRecord(problem=problem, strategy=strategy, language="python", status=status,
                     generated_tokens=tokens, elapsed_s=1.5, rounds=1, **kw)


def test_summary_counts_only_attempted_runs() -> None:
    critic = CriticCounts(true_positive=1, false_positive=1)
    records = [
        _record("a", "loop", "solved", tokens=100, critic=critic),
        _record("b", "loop", "failed", tokens=300),
        _record("c", "loop", "skipped", tokens=0, reason="interactive"),
        _record("d", "loop", "error", tokens=0, reason="boom"),
        _record("a", "single", "failed", tokens=50),
    ]
    loop = summarize(records, "loop", "python")
    assert (loop.attempted, loop.solved, loop.skipped, loop.errors) == (2, 1, 1, 1)
    assert loop.pass_rate == 0.5
    assert loop.tokens_per_problem == 200
    assert loop.critic.precision == 0.5
    overall = summarize(records)
    assert (overall.attempted, overall.solved) == (3, 1)


def test_json_round_trip_and_atomic_write(tmp_path: Path) -> None:
    report = BenchReport(config={"strategies": ["single", "loop"], "languages": ["python"], "n": 2})
    report.add(_record("set/a", "single", "solved", critic=CriticCounts(true_negative=2)))
    report.add(_record("set/a", "loop", "error", reason="engine died"))
    path = tmp_path / "out" / "r.json"
    report.write(path)
    data = json.loads(path.read_text())
    assert data["format"] == FORMAT
    assert data["summary"]["overall"]["solved"] == 1
    assert [g["strategy"] for g in data["summary"]["groups"]] == ["single", "loop"]
    assert data["runs"][0]["solved"] is True
    assert list(path.parent.iterdir()) == [path]  # no temporary file left behind
    again = BenchReport.read(path)
    assert again.records == report.records
    assert again.done_keys() == {("set/a", "single", "python")}  # errors are retried


def test_add_replaces_a_retried_run() -> None:
    report = BenchReport(config={})
    report.add(_record("a", "loop", "error"))
    report.add(_record("a", "loop", "failed"))
    assert [r.status for r in report.records] == ["failed"]


@pytest.mark.parametrize("content", ["not json", '{"format": "other"}', "[1, 2]"])
def test_reading_a_foreign_file_is_a_config_error(tmp_path: Path, content: str) -> None:
    path = tmp_path / "r.json"
    path.write_text(content)
    with pytest.raises(ConfigError, match=r"r\.json"):
        BenchReport.read(path)


def test_resume_refuses_other_budgets(tmp_path: Path) -> None:
    check_resumable({"n": 2, "model": None}, {"n": 2, "model": None, "strategies": ["loop"]}, tmp_path)
    with pytest.raises(ConfigError, match="n: 2 then, 4 now"):
        check_resumable({"n": 2}, {"n": 4}, tmp_path / "r.json")
