"""Transcripts: events are written as they come, read back whole, and exported in the OCR-2 layout."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ocr_cli.cli.app import app
from ocr_cli.config import load_settings
from ocr_cli.engines.base import Message
from ocr_cli.errors import StorageError
from ocr_cli.judge.types import CaseResult, JudgeReport, Verdict
from ocr_cli.language import Language
from ocr_cli.problem.types import Problem, TestCase
from ocr_cli.solve import events as ev
from ocr_cli.solve.types import CandidateSummary, SolveResult
from ocr_cli.storage.export import export_jsonl
from ocr_cli.storage.migrations import MIGRATIONS
from ocr_cli.storage.transcripts import TranscriptStore

PROBLEM = Problem(statement="Print the sum of two integers.", title="Sum",
                  samples=(TestCase("sample-1", "1 2\n", "3\n"),), source="sum.txt")
CODE = "a, b = map(int, input().split())\nprint(a + b)\n"


def _events() -> list[ev.SolveEvent]:
    prompt = (Message("user", "solve it"),)
    case = CaseResult("sample-1", Verdict.AC, 0.01, 0.02, 9.0)
    report = JudgeReport(Verdict.AC, (case,), isolation="rlimits")
    result = SolveResult(
        status="accepted", language=Language.PYTHON, code=CODE, best_id="c0", rounds=0,
        candidates=(CandidateSummary("c0", 0, "AC", 1, 1, "right", 0.9),), generated_tokens=42,
        prompt_tokens=10,
    )
    return [
        ev.SolveStarted("Sum", "python", "loop", 1, 1, True, "scripted", None),
        ev.CandidateStarted("c0", 0, "draft"),
        ev.TokensGenerated("c0", "```python", 1),
        ev.CandidateDrafted("c0", 0, prompt, f"<think>easy</think>```python\n{CODE}```", "easy", CODE,
                            None, 10, 30, "stop", 0.5),
        ev.CandidateTested("c0", report, 0.05),
        ev.CritiqueStarted("c0"),
        ev.CritiqueFinished("c0", prompt, "Looks fine. <judgement>right</judgement>", "right", 0.9,
                            12, 12, 0.3),
        ev.SolveFinished(result),
    ]


def _record(store: TranscriptStore, events: list[ev.SolveEvent]) -> int:
    recorder = store.start_run("solve", PROBLEM, load_settings(), {"generator": "scripted"})
    for event in events:
        recorder.record(event)
    return recorder.run_id


def test_a_run_reads_back_with_candidates_critiques_and_code() -> None:
    store = TranscriptStore()
    run_id = _record(store, _events())
    run = store.get_run(run_id)
    assert run["status"] == "accepted"
    assert run["code"] == CODE
    assert run["problem_statement"] == PROBLEM.statement
    assert run["settings"]["n"] == 4
    [candidate] = run["candidates"]
    assert candidate["verdict"] == "AC" and candidate["tests_passed"] == 1
    assert candidate["reasoning"] == "easy"
    assert candidate["prompt"] == [{"role": "user", "content": "solve it"}]
    [critique] = run["critiques"]
    assert critique["verdict"] == "right" and critique["p_right"] == pytest.approx(0.9)
    assert run["result"]["candidates"][0]["critic"] == "right"


def test_token_deltas_are_not_stored_but_every_other_event_is() -> None:
    store = TranscriptStore()
    run_id = _record(store, _events())
    db = sqlite3.connect(store.path)
    types = [row[0] for row in db.execute("SELECT type FROM events WHERE run_id = ? ORDER BY seq", (run_id,))]
    assert "TokensGenerated" not in types
    assert types[0] == "SolveStarted" and types[-1] == "SolveFinished"
    assert len(types) == len(_events()) - 1


def test_an_interrupted_run_keeps_what_it_had(tmp_path: Path) -> None:
    path = tmp_path / "t.sqlite3"
    store = TranscriptStore(path)
    run_id = _record(store, _events()[:4])  # drafted, never finished: like a crash
    store.close()
    reopened = TranscriptStore(path)
    run = reopened.get_run(run_id)
    assert run["status"] == "running"
    assert run["candidates"][0]["code"] == CODE


def test_schema_is_migrated_once_and_versioned(tmp_path: Path) -> None:
    path = tmp_path / "t.sqlite3"
    TranscriptStore(path).close()
    TranscriptStore(path).close()
    version = sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0]
    assert version == len(MIGRATIONS)


def test_a_database_that_is_not_sqlite_is_one_storage_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.sqlite3"
    path.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(StorageError) as info:
        TranscriptStore(path)
    assert str(path) in str(info.value)


def test_unknown_run_is_a_storage_error() -> None:
    with pytest.raises(StorageError, match="no run 99"):
        TranscriptStore().get_run(99)


def test_export_names_fields_for_what_they_hold_and_can_use_the_datasets_names(tmp_path: Path) -> None:
    store = TranscriptStore()
    _record(store, _events())
    target = tmp_path / "out.jsonl"
    assert export_jsonl(store, target) == 1
    [record] = [json.loads(line) for line in target.read_text().splitlines()]
    assert record["question"] == PROBLEM.statement
    assert record["solution"] == CODE
    assert record["judgement"] == "right"
    assert "<think>easy</think>" in record["generation"]
    assert record["critique"].endswith("<judgement>right</judgement>")
    assert record["generator"] == record["critic"] == "scripted"
    assert record["pass_rate"] == 1.0 and record["test_verdict"] == "AC"
    assert not any(key.startswith(("r1_", "qwq_")) for key in record)
    assert export_jsonl(store, target, "ocr2") == 1
    [dataset] = [json.loads(line) for line in target.read_text().splitlines()]
    assert dataset["r1_generation"] == record["generation"]
    assert dataset["qwq_critique"] == record["critique"]
    assert "generation" not in dataset and "critique" not in dataset
    with pytest.raises(StorageError, match="unknown export format"):
        export_jsonl(store, target, "csv")


def test_logs_commands_list_show_code_and_export(tmp_path: Path) -> None:
    run_id = _record(TranscriptStore(), _events())
    runner = CliRunner()
    listed = runner.invoke(app, ["logs", "--json"])
    assert listed.exit_code == 0, listed.output
    assert json.loads(listed.output)[0]["id"] == run_id
    shown = runner.invoke(app, ["logs", "show", str(run_id)])
    assert shown.exit_code == 0 and "Sum" in shown.output and "right" in shown.output
    code = runner.invoke(app, ["logs", "code", "last"])
    assert code.exit_code == 0 and code.output == CODE
    target = tmp_path / "x.jsonl"
    exported = runner.invoke(app, ["logs", "export", str(target), "--format", "ocr2"])
    assert exported.exit_code == 0 and target.read_text().count("\n") == 1


def test_logs_show_of_a_missing_run_is_exit_2_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    from ocr_cli.cli.app import main

    with pytest.raises(SystemExit) as info:
        main(["logs", "show", "7"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.strip().splitlines() == ["ocr: error: there is no run 7 (ocr logs lists them)"]
