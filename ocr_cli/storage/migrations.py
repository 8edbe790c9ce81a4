"""The transcript database schema, as an ordered list of small migrations.

`PRAGMA user_version` records how many have been applied; a new schema change is a new entry at the end,
never an edit of an old one.
"""

from __future__ import annotations

import sqlite3

MIGRATIONS: list[str] = [
    # 1: runs, candidates, critiques and the raw event log
    """
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        command TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'running',
        problem_title TEXT,
        problem_source TEXT,
        problem_statement TEXT NOT NULL,
        language TEXT,
        strategy TEXT,
        settings_json TEXT NOT NULL,
        models_json TEXT NOT NULL,
        best_id TEXT,
        code TEXT,
        rounds INTEGER,
        generated_tokens INTEGER NOT NULL DEFAULT 0,
        prompt_tokens INTEGER NOT NULL DEFAULT 0,
        result_json TEXT
    );
    CREATE TABLE candidates (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        candidate_id TEXT NOT NULL,
        round INTEGER NOT NULL,
        kind TEXT NOT NULL,
        parent_id TEXT,
        prompt_json TEXT,
        response TEXT,
        reasoning TEXT,
        code TEXT,
        syntax_error TEXT,
        prompt_tokens INTEGER,
        completion_tokens INTEGER,
        finish_reason TEXT,
        elapsed_s REAL,
        verdict TEXT,
        tests_passed INTEGER,
        tests_total INTEGER,
        report_json TEXT,
        PRIMARY KEY (run_id, candidate_id)
    );
    CREATE TABLE critiques (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        candidate_id TEXT NOT NULL,
        prompt_json TEXT NOT NULL,
        response TEXT NOT NULL,
        verdict TEXT,
        p_right REAL,
        prompt_tokens INTEGER,
        completion_tokens INTEGER,
        elapsed_s REAL
    );
    CREATE TABLE events (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        at REAL NOT NULL,
        type TEXT NOT NULL,
        payload_json TEXT NOT NULL,
        PRIMARY KEY (run_id, seq)
    );
    CREATE INDEX critiques_by_run ON critiques(run_id);
    """,
]


def _statements(script: str) -> list[str]:
    """The SQL statements of a migration script, one by one."""
    statements: list[str] = []
    current = ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    if current.strip():
        statements.append(current.strip())
    return statements


def _version(connection: sqlite3.Connection) -> int:
    return int(connection.execute("PRAGMA user_version").fetchone()[0])


def migrate(connection: sqlite3.Connection) -> int:
    """Apply the migrations this database has not seen; returns the schema version.

    Under the write lock (`BEGIN IMMEDIATE`, waiting up to the connection's busy timeout), the
    version is read again: of two processes opening a fresh database together, one migrates and the
    other then finds the schema in place. The connection must be in autocommit mode
    (`isolation_level=None`).
    """
    if _version(connection) >= len(MIGRATIONS):
        return len(MIGRATIONS)
    connection.execute("BEGIN IMMEDIATE")
    try:
        version = _version(connection)
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            for statement in _statements(script):
                connection.execute(statement)
            connection.execute(f"PRAGMA user_version = {number}")
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    return len(MIGRATIONS)
