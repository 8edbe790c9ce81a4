"""The rich view of a solve: live on a terminal, plain lines otherwise, and the JSON object."""

from __future__ import annotations

import io

from rich.console import Console

from ocr_cli.engines.scripted import ScriptedEngine
from ocr_cli.frontend.render_solve import SolveView, result_to_json, summary_line
from ocr_cli.solve.solver import Solver
from ocr_cli.solve.types import SolveSettings

from .helpers import PROBLEM, RIGHT, TESTS, WRONG, critique, draft, judge, revision


def solve_events() -> list:
    engine = ScriptedEngine([draft(WRONG), revision(RIGHT), critique("right")], scores=[[0.8, 0.2]])
    return list(Solver(engine, engine, judge(), SolveSettings(n=1, seed=3)).solve(PROBLEM, TESTS))


def test_terminal_view_shows_table_code_and_summary() -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, width=120)
    view = SolveView(console, show_reasoning=True)
    result = view.consume(solve_events())
    assert result is not None and result.status == "accepted"
    text = buffer.getvalue()
    assert "I add them." in text  # reasoning shown on request
    assert "accepted" in text and "print" in text


def test_plain_view_is_stable_lines() -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=False, no_color=True, width=200)
    SolveView(console).consume(solve_events())
    lines = buffer.getvalue().splitlines()
    assert any(line.startswith("c1 tested: WA 0/2") for line in lines)
    assert any(line.startswith("c2 critique: right p=0.80") for line in lines)
    assert "round 1: revising c1" in lines
    assert lines[-1].startswith("accepted · best c2, 2/2 tests, critic right · 1 revision round")
    assert "\x1b[" not in buffer.getvalue()


def test_result_json_and_summary_of_a_failed_solve() -> None:
    engine = ScriptedEngine([draft(WRONG)])
    events = list(Solver(engine, None, judge(), SolveSettings(n=1, rounds=0, use_critic=False))
                  .solve(PROBLEM, TESTS))
    result = events[-1].result
    data = result_to_json(result, tests_total=2, warnings=[])
    assert data["status"] == "budget_exhausted" and data["code"] == WRONG
    assert data["candidates"] == [{"id": "c1", "round": 0, "verdict": "WA", "tests_passed": 0,
                                   "tests_total": 2, "critic": None, "critic_p_right": None}]
    assert summary_line(result).startswith("budget exhausted (rounds) · best c1, 0/2 tests")
