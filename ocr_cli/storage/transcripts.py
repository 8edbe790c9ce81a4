"""Write and read transcripts of runs.

A `RunRecorder` writes each event as it happens, in its own transaction, so a run interrupted by
Ctrl-C or a crash keeps everything up to that moment (its status stays "running" when it never
finished). Token-by-token deltas are not stored: the full responses are.

A transcript is worth less than the solve it records: a write that fails (the database locked by
another process past the busy timeout, a full disk) never raises out of the recorder. Its first
failure is reported once through `on_failure`; later events are not written (each would wait out the
timeout again), but the final result is still tried, since it holds the code.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, timezone
from enum import Enum
from pathlib import Path
from typing import Any

from ocr_cli import paths
from ocr_cli.config import Settings, setting_names
from ocr_cli.errors import StorageError
from ocr_cli.problem.types import Problem
from ocr_cli.solve import events as ev
from ocr_cli.solve.types import SolveResult
from ocr_cli.storage.migrations import migrate

#: Seconds a write waits for another process's lock on the database before it fails.
BUSY_TIMEOUT_S = 5.0


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _plain(value: Any) -> Any:
    """A JSON-ready copy of dataclasses, enums and tuples."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def to_json(value: Any) -> str:
    """Serialise an event, result or setting for the database."""
    return json.dumps(_plain(value), ensure_ascii=False, default=str)


@dataclass(frozen=True)
class RunSummary:
    """One line of `ocr logs`."""

    id: int
    started_at: str
    command: str
    status: str
    problem_title: str | None
    language: str | None
    strategy: str | None
    rounds: int | None
    generated_tokens: int
    has_code: bool


class RunRecorder:
    """Records the events of one run as they come; never raises (see the module docstring)."""

    def __init__(self, store: TranscriptStore, run_id: int,
                 on_failure: Callable[[StorageError], None] | None = None) -> None:
        self._store = store
        self.run_id = run_id
        self._seq = 0
        self._on_failure = on_failure
        self.failure: StorageError | None = None  # the first write that failed

    def record(self, event: ev.SolveEvent) -> None:
        """Store one event (token deltas are skipped: the full response comes with the next event)."""
        if isinstance(event, ev.TokensGenerated) or self.failure is not None:
            return
        self._seq += 1
        seq = self._seq

        def write(db: sqlite3.Connection) -> None:
            db.execute(
                "INSERT INTO events (run_id, seq, at, type, payload_json) VALUES (?, ?, ?, ?, ?)",
                (self.run_id, seq, time.time(), type(event).__name__, to_json(event)),
            )
            self._apply(db, event)

        self._write(write)

    def _write(self, work: Callable[[sqlite3.Connection], None]) -> bool:
        try:
            with self._store.transaction() as db:
                work(db)
            return True
        except StorageError as exc:
            if self.failure is None:
                self.failure = exc
                if self._on_failure is not None:
                    self._on_failure(exc)
            return False

    def _apply(self, db: sqlite3.Connection, event: ev.SolveEvent) -> None:
        if isinstance(event, ev.SolveStarted):
            db.execute("UPDATE runs SET language = ?, strategy = ? WHERE id = ?",
                       (event.language, event.strategy, self.run_id))
        elif isinstance(event, ev.CandidateStarted):
            db.execute(
                "INSERT OR REPLACE INTO candidates (run_id, candidate_id, round, kind, parent_id)"
                " VALUES (?, ?, ?, ?, ?)",
                (self.run_id, event.candidate_id, event.round, event.kind, event.parent_id),
            )
        elif isinstance(event, ev.CandidateDrafted):
            db.execute(
                "UPDATE candidates SET prompt_json = ?, response = ?, reasoning = ?, code = ?,"
                " syntax_error = ?, prompt_tokens = ?, completion_tokens = ?, finish_reason = ?,"
                " elapsed_s = ? WHERE run_id = ? AND candidate_id = ?",
                (to_json(event.prompt), event.response, event.reasoning, event.code, event.syntax_error,
                 event.prompt_tokens, event.completion_tokens, event.finish_reason, event.elapsed_s,
                 self.run_id, event.candidate_id),
            )
        elif isinstance(event, ev.CandidateTested):
            report = event.report
            db.execute(
                "UPDATE candidates SET verdict = ?, tests_passed = ?, tests_total = ?, report_json = ?"
                " WHERE run_id = ? AND candidate_id = ?",
                (report.verdict.value, report.passed, report.total, to_json(report),
                 self.run_id, event.candidate_id),
            )
        elif isinstance(event, ev.CritiqueFinished):
            db.execute(
                "INSERT INTO critiques (run_id, candidate_id, prompt_json, response, verdict, p_right,"
                " prompt_tokens, completion_tokens, elapsed_s) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (self.run_id, event.candidate_id, to_json(event.prompt), event.response, event.verdict,
                 event.p_right, event.prompt_tokens, event.completion_tokens, event.elapsed_s),
            )
        elif isinstance(event, ev.SolveFinished):
            self._write_result(db, event.result)

    def _write_result(self, db: sqlite3.Connection, result: SolveResult) -> None:
        db.execute(
            "UPDATE runs SET finished_at = ?, status = ?, best_id = ?, code = ?, rounds = ?,"
            " generated_tokens = ?, prompt_tokens = ?, result_json = ? WHERE id = ?",
            (_now(), result.status, result.best_id, result.code, result.rounds, result.generated_tokens,
             result.prompt_tokens, to_json(result), self.run_id),
        )

    def finish(self, result: SolveResult) -> bool:
        """Store the final result (also after Ctrl-C, with the best candidate so far), even after an
        earlier write failed; whether it was stored."""
        return self._write(lambda db: self._write_result(db, result))


def _enable_wal(db: sqlite3.Connection, timeout_s: float) -> None:
    """Switch to WAL, retrying: on a fresh file another process may hold the lock for the switch, and
    SQLite does not always call the busy handler for it (two ocr processes started together)."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            db.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(0.05)


class TranscriptStore:
    """The SQLite database of runs (`paths.transcripts_db()` by default)."""

    def __init__(self, path: Path | None = None, *, timeout_s: float | None = None) -> None:
        self.path = path or paths.transcripts_db()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            timeout = BUSY_TIMEOUT_S if timeout_s is None else timeout_s
            self._db = sqlite3.connect(self.path, timeout=timeout, check_same_thread=False,
                                       isolation_level=None)
            self._db.row_factory = sqlite3.Row
            _enable_wal(self._db, timeout)
            self._db.execute("PRAGMA foreign_keys = ON")
            migrate(self._db)
        except (sqlite3.Error, OSError) as exc:
            raise StorageError(f"cannot open the transcript database: {exc}", path=self.path) from None

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One committed write transaction (it takes the write lock at once, waiting up to the busy
        timeout for another process); a database error becomes a StorageError."""
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            if self._db.in_transaction:  # a failed COMMIT (disk full) can leave it open
                with suppress(sqlite3.Error):
                    self._db.execute("ROLLBACK")
            raise StorageError(f"cannot write the transcript: {exc}", path=self.path) from None

    def close(self) -> None:
        self._db.close()

    def start_run(self, command: str, problem: Problem, settings: Settings, models: Mapping[str, str],
                  on_failure: Callable[[StorageError], None] | None = None) -> RunRecorder:
        """Open a new run and return its recorder (StorageError when even that cannot be written)."""
        settings_data = {name: getattr(settings, name) for name in setting_names()}
        with self.transaction() as db:
            cursor = db.execute(
                "INSERT INTO runs (started_at, command, problem_title, problem_source, problem_statement,"
                " language, strategy, settings_json, models_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (_now(), command, problem.title, problem.source, problem.statement, settings.lang,
                 settings.strategy, to_json(settings_data), to_json(dict(models))),
            )
            run_id = int(cursor.lastrowid or 0)
        return RunRecorder(self, run_id, on_failure)

    def list_runs(self, limit: int = 20) -> list[RunSummary]:
        """The most recent runs, newest first."""
        rows = self._db.execute(
            "SELECT id, started_at, command, status, problem_title, language, strategy, rounds,"
            " generated_tokens, code IS NOT NULL AS has_code FROM runs ORDER BY id DESC LIMIT ?",
            (limit,),
        ).fetchall()
        return [RunSummary(**{**dict(row), "has_code": bool(row["has_code"])}) for row in rows]

    def get_run(self, run_id: int) -> dict[str, Any]:
        """One run with its candidates and critiques; StorageError when there is none."""
        row = self._db.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise StorageError(f"there is no run {run_id}", hint="ocr logs lists them")
        run = dict(row)
        run["settings"] = json.loads(run.pop("settings_json"))
        run["models"] = json.loads(run.pop("models_json"))
        result_json = run.pop("result_json")
        run["result"] = json.loads(result_json) if result_json else None
        run["candidates"] = [
            {**dict(c), "prompt": json.loads(c["prompt_json"]) if c["prompt_json"] else None,
             "report": json.loads(c["report_json"]) if c["report_json"] else None}
            for c in self._db.execute(
                "SELECT * FROM candidates WHERE run_id = ? ORDER BY round, candidate_id", (run_id,))
        ]
        for candidate in run["candidates"]:
            candidate.pop("prompt_json")
            candidate.pop("report_json")
        run["critiques"] = []
        for row in self._db.execute("SELECT * FROM critiques WHERE run_id = ? ORDER BY id", (run_id,)):
            critique = dict(row)
            critique["prompt"] = json.loads(critique.pop("prompt_json"))
            run["critiques"].append(critique)
        return run

    def latest_run_id(self) -> int | None:
        row = self._db.execute("SELECT MAX(id) FROM runs").fetchone()
        return int(row[0]) if row and row[0] is not None else None

    def critique_records(self) -> Iterator[sqlite3.Row]:
        """Every critique joined with its candidate and run, oldest first (for exports)."""
        yield from self._db.execute(
            "SELECT r.id AS run_id, r.problem_statement, r.problem_title, c.candidate_id, c.response,"
            " c.reasoning, c.code, c.verdict, c.tests_passed, c.tests_total, r.language,"
            " k.response AS critique, k.verdict AS judgement, k.p_right, r.models_json"
            " FROM critiques k JOIN candidates c ON c.run_id = k.run_id AND c.candidate_id = k.candidate_id"
            " JOIN runs r ON r.id = k.run_id ORDER BY k.id"
        )
