"""`/stress` in the REPL: the best code against the brute force and generator of the last solve, or
against files."""

from __future__ import annotations

from pathlib import Path

import pytest
from repl_helpers import (  # type: ignore[import-not-found]
    SUM_STATEMENT,
    WRONG_DRAFT,
    scripted_session,
    string_console,
    sum_replies,
)

from ocr_cli.engines.scripted import ScriptedReply
from ocr_cli.errors import ProblemError
from ocr_cli.repl.commands import Dispatcher
from ocr_cli.repl.session import ReplSession

BRUTE = "a, b = map(int, input().split())\nprint(sum([a, b]))\n"
GEN = ("import random, sys\nrandom.seed(int(sys.argv[1]))\n"
       "print(random.randint(-9, 9), random.randint(-9, 9))\n")


def fenced(code: str) -> str:
    return f"Here.\n\n```python\n{code}```"


def dispatcher(session: ReplSession) -> tuple[Dispatcher, object]:
    console, out = string_console()
    return Dispatcher(session, console, ask=lambda _p: "", solve=lambda: None), out


def solved(session: ReplSession) -> ReplSession:
    session.set_problem_text(SUM_STATEMENT)
    session.solve()
    return session


def test_stress_reuses_the_brute_force_and_generator_of_the_last_solve() -> None:
    session = solved(scripted_session([ScriptedReply(fenced(BRUTE), when="brute force", repeat=True),
                                       ScriptedReply(fenced(GEN), when="input generator", repeat=True),
                                       *sum_replies()]))
    engine, _ = session.engines()
    asked = len(engine.requests)  # type: ignore[attr-defined]
    run, out = dispatcher(session)
    run.run("/stress 6")
    assert "passed: no difference in 6 runs" in out.getvalue()  # type: ignore[attr-defined]
    assert len(engine.requests) == asked  # type: ignore[attr-defined]  # the model was not asked again


def test_stress_with_files_shows_the_smallest_failing_case(tmp_path: Path) -> None:
    session = solved(scripted_session(sum_replies(WRONG_DRAFT), stress=False))
    (tmp_path / "brute.py").write_text(BRUTE, encoding="utf-8")
    (tmp_path / "gen.py").write_text(GEN, encoding="utf-8")
    run, out = dispatcher(session)
    run.run(f"/stress {tmp_path / 'brute.py'} {tmp_path / 'gen.py'} 5")
    text = out.getvalue()  # type: ignore[attr-defined]
    assert "smallest failing case: seed" in text and "expected (brute)" in text


def test_stress_needs_code_first() -> None:
    session = scripted_session(sum_replies())
    session.set_problem_text(SUM_STATEMENT)
    run, _ = dispatcher(session)
    with pytest.raises(ProblemError, match="no code yet"):
        run.run("/stress")
