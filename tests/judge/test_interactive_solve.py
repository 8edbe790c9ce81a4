"""An interactive problem end to end with a scripted model: `ocr solve` judges candidates through
examples/guess's interactor, `ocr bench` runs it, and without an interactor the critic alone decides."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ocr_cli.cli.app import main

GUESS = Path(__file__).resolve().parents[2] / "examples" / "guess"
LINEAR = ("y = 1\nwhile True:\n    print('?', y, flush=True)\n    if input().strip() == '=':\n        break\n"
          "    y += 1\n")


def script(tmp_path: Path, *codes: str) -> str:
    """A model that drafts `codes` in turn (the last one repeats) and approves every solution."""
    critique = "Binary search.\n<judgement>right</judgement>"
    replies: list[dict[str, object]] = [{"when": "reviewing a solution", "text": critique, "repeat": True}]
    replies += [{"text": f"```python\n{code}```", "repeat": n == len(codes) - 1}
                for n, code in enumerate(codes)]
    path = tmp_path / "script.json"
    path.write_text(json.dumps({"replies": replies}), encoding="utf-8")
    return f"scripted:{path}"


def ocr(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
        raise SystemExit(0)
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


def test_solve_judges_candidates_through_the_interactor(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    reference = (GUESS / "solutions" / "ref.py").read_text()
    # the first draft asks too many questions; the revision is the binary search
    code, out, err = ocr(["solve", str(GUESS), "--tests", str(GUESS / "tests"), "--no-log",
                          "--model", script(tmp_path, LINEAR, reference), "-n", "1", "--rounds", "2"], capsys)
    assert "judged through interactor.py on 6 tests" in err
    assert code == 0 and "accepted" in err and "6/6 tests" in err
    assert "(lo + hi) // 2" in out
    code, out, _ = ocr(["solve", str(GUESS), "--tests", str(GUESS / "tests"), "--no-log", "--json",
                        "--model", script(tmp_path, LINEAR, reference), "-n", "1", "--rounds", "2"], capsys)
    result = json.loads(out)
    tested = [c for c in result["candidates"] if c.get("tests_total")]
    assert tested[0]["tests_passed"] < tested[0]["tests_total"] == 6  # the linear draft fails some
    assert result["status"] == "accepted" and "(lo + hi) // 2" in result["code"]


def test_with_an_interactor_but_no_inputs_the_critic_decides(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = ocr(["solve", str(GUESS), "--no-log", "-n", "1", "--rounds", "0",
                        "--model", script(tmp_path, LINEAR)], capsys)
    assert "no inputs for interactor.py (--tests DIR gives them)" in err
    assert code == 0 and "accepted" in err


def test_without_an_interactor_the_samples_are_not_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    folder = tmp_path / "guess"
    folder.mkdir()
    shutil.copy(GUESS / "statement.txt", folder / "statement.txt")
    code, out, _ = ocr(["solve", str(folder), "--json", "--no-log", "-n", "1", "--rounds", "0",
                        "--model", script(tmp_path, LINEAR)], capsys)
    result = json.loads(out)
    assert any("interactive problem without an interactor" in w and "the critic alone decides" in w
               for w in result["warnings"]), result["warnings"]
    assert result["status"] == "accepted" and code == 0
    assert all(not c.get("tests_total") for c in result["candidates"])


def test_bench_runs_an_interactive_problem_with_an_interactor(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    reference = (GUESS / "solutions" / "ref.py").read_text()
    report = tmp_path / "r.json"
    code, _, _ = ocr(["bench", str(GUESS), "--model", script(tmp_path, reference), "--strategy", "loop",
                      "-n", "1", "-o", str(report), "-q"], capsys)
    runs = json.loads(report.read_text())["runs"]
    assert code == 0
    assert [(r["status"], r["final_verdict"], r["tests_passed"], r["tests_total"]) for r in runs] == [
        ("solved", "AC", 6, 6)]


def test_the_repl_judges_an_interactive_problem_through_its_interactor() -> None:
    from ocr_cli.config import load_settings
    from ocr_cli.judge.types import Verdict
    from ocr_cli.language import Language
    from ocr_cli.problem.loader import load_problem
    from ocr_cli.repl.session import ReplSession

    session = ReplSession(load_settings({"model": "scripted:none.json"}), engines={})
    session.problem = load_problem(GUESS / "statement.txt")
    assert session.problem.interactive and session.tests() == []  # the transcript is no test
    session.load_tests_dir(GUESS / "tests")  # inputs only
    assert len(session.tests()) == 6
    report = session.run_tests((GUESS / "solutions" / "ref.py").read_text(), Language.PYTHON)
    assert report.verdict is Verdict.AC and report.passed == 6
