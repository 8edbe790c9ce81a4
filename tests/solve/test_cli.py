"""`ocr solve` and `ocr critique` end to end with `--model scripted:FILE.json` and the real judge."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from ocr_cli.cli.app import main

from .helpers import CRITIC, DRAFT, REVISION, RIGHT, WRONG, answer

STATEMENT = """A + B

Read two integers A and B and print A + B.

Sample Input 1
1 2

Sample Output 1
3

Sample Input 2
-5 12

Sample Output 2
7
"""


def write_script(tmp_path: Path, replies: list[dict[str, object]], scores: list[list[float]] | None = None,
                 ) -> str:
    path = tmp_path / "script.json"
    path.write_text(json.dumps({"replies": replies, "scores": scores or []}), encoding="utf-8")
    return f"scripted:{path}"


def problem_file(tmp_path: Path) -> Path:
    path = tmp_path / "sum.txt"
    path.write_text(STATEMENT, encoding="utf-8")
    return path


def ocr(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    out, err = capsys.readouterr()
    code = exit_info.value.code
    return (code if isinstance(code, int) else 0), out, err


def fixing_script(tmp_path: Path) -> str:
    return write_script(tmp_path, [
        {"when": REVISION, "text": answer(RIGHT), "repeat": True},
        {"when": CRITIC, "text": "Checked. <judgement>right</judgement>", "repeat": True},
        {"when": DRAFT, "text": answer(WRONG), "repeat": True},
    ], scores=[[0.8, 0.2]] * 8)


def test_json_output_is_the_documented_object(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = ocr(["solve", str(problem_file(tmp_path)), "-m", fixing_script(tmp_path), "-n", "2",
                        "--json", "--no-log"], capsys)
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"status", "tests_total", "warnings", "language", "code", "rounds", "candidates",
                         "tokens", "timings"}
    assert data["tests_total"] == 2 and data["warnings"] == []
    assert data["status"] == "accepted" and data["language"] == "python" and data["code"] == RIGHT
    assert data["rounds"] == 1
    assert set(data["candidates"][0]) == {"id", "round", "verdict", "tests_passed", "tests_total", "critic",
                                          "critic_p_right"}
    assert [c["verdict"] for c in data["candidates"]] == ["WA", "WA", "AC", "AC"]
    assert data["candidates"][2]["critic_p_right"] == pytest.approx(0.8)
    assert set(data["timings"]) == {"generate_s", "critique_s", "test_s", "total_s"}
    assert data["tokens"]["generated"] > 0


def test_not_accepted_exits_1_and_writes_the_best_code(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    script = write_script(tmp_path, [{"text": answer(WRONG), "repeat": True}])
    target = tmp_path / "out" / "best.py"
    code, out, err = ocr(["solve", str(problem_file(tmp_path)), "-m", script, "-n", "1", "--rounds", "1",
                          "--no-critic", "-o", str(target), "--no-log"], capsys)
    assert code == 1
    assert target.read_text(encoding="utf-8") == WRONG
    assert out == ""  # -o FILE: the code goes there, stdout stays empty
    assert "budget exhausted (rounds)" in err
    assert "c1 tested: WA 0/2" in err  # plain line-oriented progress off a terminal, on stderr


def test_code_only_prints_just_the_code(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = ocr(["solve", str(problem_file(tmp_path)), "-m", fixing_script(tmp_path), "-n", "1",
                        "-x", "--no-log"], capsys)
    assert code == 0
    assert out == RIGHT


def test_problem_from_stdin_and_transcript_logged(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(STATEMENT.encode())))
    code, _, _ = ocr(["solve", "-", "-m", fixing_script(tmp_path), "-n", "1", "--json"], capsys)
    assert code == 0
    from ocr_cli.storage.transcripts import TranscriptStore

    runs = TranscriptStore().list_runs()
    assert len(runs) == 1


def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = ocr(["solve", str(tmp_path / "missing.txt"), "-m", fixing_script(tmp_path)], capsys)
    assert code == 2 and err.startswith("ocr: error:") and "Traceback" not in err
    no_samples = tmp_path / "plain.txt"
    no_samples.write_text("Print hello.\n", encoding="utf-8")
    code, _, err = ocr(["solve", str(no_samples), "-m", fixing_script(tmp_path), "--no-critic"], capsys)
    assert code == 2 and "no tests" in err
    code, _, err = ocr(["solve", str(problem_file(tmp_path)), "-m", fixing_script(tmp_path),
                        "--strategy", "best"], capsys)
    assert code == 2 and "strategy" in err


def test_critique_command_verdict_and_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    solution = tmp_path / "sol.py"
    solution.write_text(RIGHT, encoding="utf-8")
    right = write_script(tmp_path, [{"text": "<think>hm</think>Adds. <judgement>right</judgement>"}],
                         scores=[[0.9, 0.1]])
    code, out, _ = ocr(["critique", str(problem_file(tmp_path)), str(solution), "--critic", right, "--json"],
                       capsys)
    assert code == 0
    data = json.loads(out)
    assert data["verdict"] == "right" and data["p_right"] == pytest.approx(0.9)
    assert data["reasoning"] == "hm"
    unclear = write_script(tmp_path, [{"text": "Hard to say."}])
    code, out, _ = ocr(["critique", str(problem_file(tmp_path)), str(solution), "-m", unclear], capsys)
    assert code == 1 and "verdict: no verdict" in out


def test_ctrl_c_keeps_transcript_and_best_code_and_exits_130(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from ocr_cli.engines import factory
    from ocr_cli.engines.scripted import ScriptedEngine, ScriptedReply
    from ocr_cli.storage.transcripts import TranscriptStore

    def interrupt(_request: object) -> str:
        raise KeyboardInterrupt  # as if Ctrl-C arrived while the revision was generating

    engine = ScriptedEngine([ScriptedReply(answer(WRONG), when=DRAFT),
                             ScriptedReply(interrupt, when=REVISION)])
    monkeypatch.setattr(factory, "open_engine", lambda spec, settings: engine)
    target = tmp_path / "best.py"
    code, out, err = ocr(["solve", str(problem_file(tmp_path)), "-m", "scripted:unused.json", "-n", "1",
                          "--no-critic", "-o", str(target), "--json"], capsys)
    assert code == 130
    assert json.loads(out)["status"] == "cancelled"
    assert target.read_text(encoding="utf-8") == WRONG
    assert "interrupted" in err and str(target) in err
    store = TranscriptStore()
    (run,) = store.list_runs()
    assert run.status == "cancelled"
