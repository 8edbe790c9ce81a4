"""A transcript write that fails never costs the solve; two processes share a fresh data folder."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ocr_cli import paths
from ocr_cli.cli.app import main
from ocr_cli.config import load_settings
from ocr_cli.errors import StorageError
from ocr_cli.storage import transcripts
from ocr_cli.storage.migrations import MIGRATIONS
from ocr_cli.storage.transcripts import TranscriptStore

from .test_transcripts import PROBLEM, _events

REPO = Path(__file__).resolve().parents[2]
SUM = REPO / "examples" / "sum" / "statement.txt"
SCRIPT = f"scripted:{REPO / 'examples' / 'scripted' / 'sum.json'}"


def _solve(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(["solve", str(SUM), "-m", SCRIPT, "-n", "1", *args])
    out, err = capsys.readouterr()
    code = info.value.code
    return (code if isinstance(code, int) else 0), out, err


def _after_start(monkeypatch: pytest.MonkeyPatch, then: Any) -> None:
    """Run `then(store)` right after a run is opened, so later writes meet the trouble."""
    original = TranscriptStore.start_run

    def start_run(self: TranscriptStore, *args: Any, **kwargs: Any) -> Any:
        recorder = original(self, *args, **kwargs)
        then(self)
        return recorder

    monkeypatch.setattr(TranscriptStore, "start_run", start_run)


def test_a_database_locked_past_the_timeout_warns_once_and_the_solve_goes_on(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(transcripts, "BUSY_TIMEOUT_S", 0.2)
    holders: list[sqlite3.Connection] = []

    def lock(store: TranscriptStore) -> None:  # another connection takes the write lock and keeps it
        other = sqlite3.connect(store.path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        holders.append(other)

    _after_start(monkeypatch, lock)
    code, out, err = _solve([], capsys)
    holders[0].rollback()
    assert code == 0
    assert "print(" in out  # the code is printed
    assert err.count("warning: transcript incomplete") == 1
    assert "locked" in err


def test_a_full_disk_warns_once_and_the_code_is_still_written(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    def fill(store: TranscriptStore) -> None:  # SQLite's own "database or disk is full"
        pages = store._db.execute("PRAGMA page_count").fetchone()[0]
        store._db.execute(f"PRAGMA max_page_count = {pages}")

    _after_start(monkeypatch, fill)
    target = tmp_path / "sol.py"
    code, _, err = _solve(["-o", str(target)], capsys)
    assert code == 0
    assert "print(" in target.read_text(encoding="utf-8")  # the code is written
    assert err.count("warning: transcript incomplete") == 1
    assert "full" in err


def test_the_recorder_reports_the_first_failure_only_and_tries_the_result_last(
        monkeypatch: pytest.MonkeyPatch) -> None:
    store = TranscriptStore()
    failures: list[StorageError] = []
    recorder = store.start_run("solve", PROBLEM, load_settings(), {"generator": "x"}, failures.append)
    events = _events()
    recorder.record(events[0])
    real = store.transaction
    monkeypatch.setattr(store, "transaction", lambda: (_ for _ in ()).throw(StorageError("disk full")))
    for event in events[1:-1]:
        recorder.record(event)  # never raises
    assert [str(f) for f in failures] == ["disk full"]
    monkeypatch.setattr(store, "transaction", real)
    assert recorder.finish(events[-1].result)  # type: ignore[attr-defined]
    run = store.get_run(recorder.run_id)
    assert run["status"] == "accepted" and run["code"]
    assert len(failures) == 1


CHILD = """
import sys
from ocr_cli.storage.transcripts import TranscriptStore
from ocr_cli.config import load_settings
from ocr_cli.problem.types import Problem
settings, problem = load_settings(), Problem(statement="p")
print("ready", flush=True)
sys.stdin.readline()  # all open the database together
store = TranscriptStore()
store.start_run("solve", problem, settings, {"generator": "g"})
print("ok", flush=True)
"""
PROCESSES = 4


@pytest.mark.parametrize("attempt", range(3))
def test_processes_started_together_on_a_fresh_data_folder_all_work(tmp_path: Path, attempt: int) -> None:
    home = tmp_path / f"fresh-{attempt}"
    env = {**os.environ, "OCR_HOME": str(home)}
    children = [subprocess.Popen([sys.executable, "-c", CHILD], env=env, stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for _ in range(PROCESSES)]
    for child in children:  # every one has imported ocr and waits
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
    for child in children:
        assert child.stdin is not None
        child.stdin.write("go\n")
        child.stdin.flush()
    results = [child.communicate(timeout=120) for child in children]
    for child, (out, err) in zip(children, results, strict=True):
        assert child.returncode == 0, err
        assert out.strip() == "ok"
    db = sqlite3.connect(_db_under(home))
    assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert db.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == PROCESSES


def _db_under(home: Path) -> Path:
    found = list(home.rglob(paths.transcripts_db().name))
    assert len(found) == 1, found
    return found[0]
