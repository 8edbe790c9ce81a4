"""The REPL loop driven through prompt-toolkit's pipe input: paste a problem and see it solved by a
scripted engine with the real solver and judge, run slash commands, cancel a solve, exit."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from repl_helpers import (  # type: ignore[import-not-found]
    SUM_DRAFT,
    SUM_STATEMENT,
    WRONG_DRAFT,
    Driven,
    drive,
    paste,
    scripted_session,
    sum_replies,
)

from ocr_cli import paths
from ocr_cli.engines.base import GenerationRequest
from ocr_cli.engines.scripted import ScriptedReply


def test_pasted_statement_is_solved(driven: Driven) -> None:
    out = driven.run(paste(SUM_STATEMENT) + "\r" + "/quit\r")
    assert "A + B: 2 samples found · time limit 1 s · memory limit 256 MB" in out
    assert "print(a + b)" in out
    assert "accepted · best c1, 2/2 tests, critic right" in out
    result = driven.session.runs[0].result
    assert result is not None and result.status == "accepted" and "a + b" in (result.code or "")


def test_solve_is_recorded_in_the_transcript(driven: Driven) -> None:
    driven.run(paste(SUM_STATEMENT) + "\r/quit\r")
    run_id = driven.session.runs[0].run_id
    assert run_id is not None
    with sqlite3.connect(paths.transcripts_db()) as db:
        status, command, code = db.execute("SELECT status, command, code FROM runs WHERE id = ?",
                                           (run_id,)).fetchone()
    assert (status, command) == ("accepted", "repl") and "a + b" in code


def test_commands_after_a_solve(driven: Driven, tmp_path: Path) -> None:
    target = tmp_path / "out" / "sum.py"
    out = driven.run(paste(SUM_STATEMENT) + "\r" + f"/save {target}\r/history\r/test\r/show critique\r"
                     "/samples\r/help\r/quit\r")
    assert "/show [code|reasoning [on|off]|critique]" in out
    assert target.read_text(encoding="utf-8") == "a, b = map(int, input().split())\nprint(a + b)\n"
    assert "│ 1 │ A + B   │ accepted │ c1" in out
    assert "AC: 2/2 tests passed" in out
    assert "<judgement>right</judgement>" in out
    assert "│ sample-2 │ -5 12 │ 7 " in out


def test_test_file_and_added_test(driven: Driven, tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.py"
    wrong.write_text("a, b = map(int, input().split())\nprint(a * b)\n", encoding="utf-8")
    # the added pair 2 2 -> 4 passes even a*b: the other two tests fail it
    out = driven.run(f"/test {wrong}\r" + paste(SUM_STATEMENT) + "\r" + "/add-test\r" + paste("2 2\n")
                     + "\r4\r" + f"/test {wrong}\r/quit\r")
    assert "error: no tests" in out
    assert "added test added-1 (3 tests now)" in out
    assert "WA: 1/3 tests passed" in out


def test_solve_again_uses_new_settings(tmp_path: Path) -> None:
    with drive(scripted_session(sum_replies(WRONG_DRAFT))) as d:
        out = d.run(paste(SUM_STATEMENT) + "\r/n 2\r/no-critic\r/critic off\r/solve\r/history\r/quit\r")
    assert "error: unknown command /no-critic" in out
    assert "critic: off" in out
    assert len(d.session.runs) == 2
    second = d.session.runs[1].result
    assert second is not None and len(second.candidates) == 2 and second.status != "accepted"
    assert all(c.critic is None for c in second.candidates)


def test_ctrl_c_during_a_solve_cancels_it_and_keeps_the_best_code() -> None:
    def interrupt(request: GenerationRequest) -> str:
        raise KeyboardInterrupt  # what SIGINT does to the REPL's thread while the critic runs

    replies = [ScriptedReply(interrupt, when="reviewing a solution"), *sum_replies()]
    with drive(scripted_session(replies)) as d:
        out = d.run(paste(SUM_STATEMENT) + "\r/n 3\r/quit\r")
    assert "cancelled: kept the best code so far (transcript #" in out
    result = d.session.runs[0].result
    assert result is not None and result.status == "cancelled" and "a + b" in (result.code or "")
    assert d.session.settings.n == 3  # the REPL went on after the cancel
    with sqlite3.connect(paths.transcripts_db()) as db:
        (status,) = db.execute("SELECT status FROM runs WHERE id = ?", (d.session.runs[0].run_id,)).fetchone()
    assert status == "cancelled"


def test_ctrl_c_at_an_empty_prompt_asks_before_quitting(driven: Driven) -> None:
    driven.run("\x03n\r/n 3\r\x03y\r/n 5\r")
    assert driven.session.settings.n == 3


def test_ctrl_d_quits(driven: Driven) -> None:
    driven.run("/rounds 2\r\x04/rounds 4\r")
    assert driven.session.settings.rounds == 2


def test_unknown_commands_and_bad_values_get_one_line(driven: Driven) -> None:
    out = driven.run("/frobnicate\r/n 0\r/lang rust\r/budget tokens lots\r/show code\rquit\r/quit\r")
    assert "did you mean /quit? (commands start with /; other text is a statement)" in out
    assert driven.session.runs == []  # "quit" alone was not taken for a statement
    lines = [line for line in out.splitlines() if line.startswith("error:")]
    assert lines == [
        "error: unknown command /frobnicate: /help lists them",
        "error: /n wants a number of at least 1, got 0",
        "error: unknown language 'rust': python or cpp",
        "error: /budget tokens wants a number, got 'lots'",
        "error: no code yet: solve a problem first",
    ]
    assert "Traceback" not in out


def test_ctrl_c_during_a_command_returns_to_the_prompt(driven: Driven,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    def slow_load(folder: Path) -> list[object]:
        raise KeyboardInterrupt

    monkeypatch.setattr(driven.session, "load_tests_dir", slow_load)
    out = driven.run("/tests somewhere\r/n 2\r/quit\r")
    assert "interrupted" in out and driven.session.settings.n == 2


def test_reasoning_is_hidden_unless_asked_for() -> None:
    draft = "<think>secret plan: add them</think>\n" + SUM_DRAFT
    with drive(scripted_session(sum_replies(draft))) as d:
        hidden = d.run(paste(SUM_STATEMENT) + "\r/quit\r")
    with drive(scripted_session(sum_replies(draft))) as d:
        shown = d.run("/show reasoning on\r" + paste(SUM_STATEMENT) + "\r/quit\r")
    with drive(scripted_session(sum_replies(draft), show_reasoning=True)) as d:
        flagged = d.run(paste(SUM_STATEMENT) + "\r/quit\r")
    with drive(scripted_session(sum_replies(draft))) as d:
        asked = d.run(paste(SUM_STATEMENT) + "\r/show reasoning\r/quit\r")
    assert "secret plan" not in hidden
    assert "secret plan" in shown and "secret plan" in flagged
    assert asked.count("secret plan") == 1  # shown once, by /show reasoning


def test_a_solve_goes_on_when_the_transcript_cannot_be_written(driven: Driven) -> None:
    paths.transcripts_db().mkdir(parents=True)  # a folder where the database file should be
    out = driven.run(paste(SUM_STATEMENT) + "\r/quit\r")
    assert "warning: no transcript:" in out
    assert "accepted · best c1" in out and driven.session.runs[0].run_id is None
