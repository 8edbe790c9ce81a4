"""One problem at a time in the REPL (issue 17): a new problem drops the previous one's tests,
results and best code, and the user is told; weak evidence and missing statements are said."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from repl_helpers import (  # type: ignore[import-not-found]
    SUM_STATEMENT,
    Driven,
    paste,
    scripted_session,
    string_console,
    sum_replies,
)

from ocr_cli.errors import ProblemError
from ocr_cli.repl.commands import Dispatcher

DOUBLE_STATEMENT = "Double\n\nPrint 2N.\n\nSample Input 1\n4\n\nSample Output 1\n8\n"


def _tests_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "sum-tests"
    folder.mkdir()
    (folder / "big.in").write_text("10 20\n", encoding="utf-8")
    (folder / "big.out").write_text("30\n", encoding="utf-8")
    return folder


def test_a_new_problem_drops_the_old_tests_and_best_code(driven: Driven, tmp_path: Path) -> None:
    out = driven.run(paste(SUM_STATEMENT) + "\r" + f"/tests {_tests_dir(tmp_path)}\r/quit\r")
    assert "loaded 1 tests" in out and driven.session.best_code() is not None
    assert len(driven.session.tests()) == 3
    dropped = driven.session.set_problem_text(DOUBLE_STATEMENT)[1]
    assert dropped == [f"1 tests from {tmp_path / 'sum-tests'}", "the best code"]
    assert [t.input for t in driven.session.tests()] == ["4\n"]  # only the new problem's sample
    assert driven.session.best_code() is None  # the old problem's code is no answer to this one
    assert len(driven.session.runs) == 1  # the history stays


def test_the_user_is_told_what_a_new_paste_dropped(driven: Driven, tmp_path: Path) -> None:
    out = driven.run(paste(SUM_STATEMENT) + "\r" + f"/tests {_tests_dir(tmp_path)}\r"
                     + paste(SUM_STATEMENT.replace("A + B", "A plus B")) + "\r/quit\r")
    assert "new problem: dropped the previous problem's 1 tests from" in out and "the best code" in out


def test_tests_loaded_before_any_problem_belong_to_the_next(tmp_path: Path) -> None:
    session = scripted_session(sum_replies())
    console, out = string_console()
    dispatcher = Dispatcher(session, console, ask=lambda _prompt: "", solve=lambda: None)
    dispatcher.run(f"/tests {_tests_dir(tmp_path)}")
    assert "they belong to the next problem you paste" in " ".join(out.getvalue().split())
    _, dropped = session.set_problem_text(SUM_STATEMENT)
    assert dropped == [] and [t.name for t in session.tests()] == ["sample-1", "sample-2", "big"]


def test_statement_command_gives_a_companion_problem_its_text(tmp_path: Path) -> None:
    session = scripted_session(sum_replies())
    console, out = string_console()
    answers = ["Double\n\nPrint twice the number N."]
    dispatcher = Dispatcher(session, console, ask=lambda _prompt: answers.pop(0), solve=lambda: None)
    with pytest.raises(ProblemError, match="no current problem"):
        dispatcher.run("/statement")
    payload = {"name": "Double", "url": "https://example.invalid/d",
               "tests": [{"input": "4\n", "output": "8\n"}]}
    problem, _ = session.set_problem_text(json.dumps(payload))
    assert problem.statement_missing
    assert any("no statement text" in w for w in session.solve_warnings())
    dispatcher.run("/statement")
    assert session.problem is not None and "twice the number" in session.problem.statement
    assert not session.problem.statement_missing and len(session.problem.samples) == 1
    assert "statement set" in out.getvalue()
    assert session.solve_warnings() == []


def test_a_solve_without_tests_warns_that_only_the_critic_decides(driven: Driven) -> None:
    out = driven.run(paste("Say hi\n\nPrint hi.") + "\r/quit\r")
    assert "warning: no tests: only the critic decides" in out
    assert "accepted by the critic only (no tests)" in out


def test_require_tests_refuses_in_the_repl() -> None:
    session = scripted_session(sum_replies(), require_tests=True)
    session.set_problem_text("Say hi\n\nPrint hi.")
    with pytest.raises(ProblemError, match="require_tests"):
        session.solve_warnings()


def test_a_checker_that_cannot_run_is_one_error_line(driven: Driven, monkeypatch: pytest.MonkeyPatch) -> None:
    from ocr_cli.errors import JudgeError
    from ocr_cli.judge.runner import Judge

    def cannot_run(*args: object, **kwargs: object) -> None:
        raise JudgeError("the checker cannot run: /no/such/checker: not found")

    monkeypatch.setattr(Judge, "run", cannot_run)
    out = driven.run(paste(SUM_STATEMENT) + "\r/quit\r")
    assert "error: the checker cannot run: /no/such/checker: not found" in out
    assert "Traceback" not in out and " WA " not in out
    result = driven.session.runs[0].result
    assert result is not None and result.status == "cancelled"  # in /history, not "running"


def test_show_after_a_new_problem_has_nothing_of_the_old_one(driven: Driven) -> None:
    driven.run(paste(SUM_STATEMENT) + "\r/quit\r")
    assert driven.session.last_run is not None and driven.session.last_run.best is not None
    driven.session.set_problem_text(DOUBLE_STATEMENT)
    assert driven.session.last_run is None
    console, _ = string_console()
    dispatcher = Dispatcher(driven.session, console, ask=lambda _prompt: "", solve=lambda: None)
    with pytest.raises(ProblemError, match="no critique yet"):
        dispatcher.run("/show critique")
    with pytest.raises(ProblemError, match="no code yet"):
        dispatcher.run("/test")
