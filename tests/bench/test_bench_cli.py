"""`ocr bench` from the command line, with a scripted model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ocr_cli.cli.app import main

from .problemsets import ANY_DIVISOR, RIGHT_ADD, WRONG_DOUBLE, write_problem_set

ROOT = Path(__file__).resolve().parents[2]


def _script(tmp_path: Path) -> str:
    def code(text: str) -> str:
        return f"```python\n{text}```"

    script = {"replies": [
        {"when": "reviewing a solution", "text": "<judgement>right</judgement>", "repeat": True},
        {"when": "Add Two Numbers", "text": code(RIGHT_ADD), "repeat": True},
        {"when": "Double It", "text": code(WRONG_DOUBLE), "repeat": True},
        {"text": code(ANY_DIVISOR), "repeat": True},
    ]}
    path = tmp_path / "model.json"
    path.write_text(json.dumps(script))
    return f"scripted:{path}"


def _run(args: list[str]) -> int:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
        raise SystemExit(0)
    return int(exit_info.value.code or 0)


def test_bench_writes_results_table_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_problem_set(tmp_path / "set")
    out = tmp_path / "r.json"
    code = _run(["bench", str(root), "--model", _script(tmp_path), "--strategy", "single,select",
                 "-n", "1", "-o", str(out)])
    captured = capsys.readouterr()
    assert code == 0
    assert "set/double" in captured.out and "WA 1/4" in captured.out
    assert "[8/8 · done]" in captured.err and "[1/8 · ETA " in captured.err
    data = json.loads(out.read_text())
    assert data["summary"]["overall"]["solved"] == 4
    assert data["summary"]["overall"]["skipped"] == 2
    assert data["config"]["strategies"] == ["single", "select"]


def test_existing_results_need_resume(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_problem_set(tmp_path / "set")
    out = tmp_path / "r.json"
    model = _script(tmp_path)
    assert _run(["bench", str(root), "--model", model, "--strategy", "single", "--limit", "2",
                 "-o", str(out), "-q"]) == 0
    capsys.readouterr()
    assert _run(["bench", str(root), "--model", model, "--strategy", "single", "-o", str(out)]) == 2
    assert "--resume" in capsys.readouterr().err
    assert _run(["bench", str(root), "--model", model, "--strategy", "single", "-o", str(out),
                 "--resume", "--json"]) == 0
    captured = capsys.readouterr()
    assert "2 runs already done" in captured.err
    assert json.loads(captured.out)["overall"]["skipped"] == 1
    assert len(json.loads(out.read_text())["runs"]) == 4
    # other budgets cannot be mixed into the same file
    assert _run(["bench", str(root), "--model", model, "--strategy", "single", "-o", str(out),
                 "--resume", "-n", "3"]) == 2
    assert "settings differ" in capsys.readouterr().err


@pytest.mark.parametrize("args", [["--strategy", "best"], ["--lang", "rust"], ["--limit", "0"]])
def test_bad_flags_exit_2(tmp_path: Path, args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    root = write_problem_set(tmp_path / "set")
    assert _run(["bench", str(root), "--model", _script(tmp_path), *args]) == 2


def test_missing_folder_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["bench", str(tmp_path / "nope"), "--model", _script(tmp_path)]) == 2
    assert "problem set folder not found" in capsys.readouterr().err


def test_plot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("matplotlib")
    root = write_problem_set(tmp_path / "set")
    png = tmp_path / "plot.png"
    assert _run(["bench", str(root / "add"), "--model", _script(tmp_path), "--strategy", "single,select",
                 "-n", "1", "-o", str(tmp_path / "r.json"), "--plot", str(png), "-q"]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.model
def test_bench_examples_with_the_embedded_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "r.json"
    code = _run(["bench", str(ROOT / "examples"), "--strategy", "single,loop", "--limit", "2",
                 "-n", "1", "--rounds", "0", "--max-tokens", "32", "-o", str(out), "-q"])
    assert code == 0
    data = json.loads(out.read_text())
    assert {(r["problem"], r["strategy"]) for r in data["runs"]} == {
        (f"examples/{p}", s) for p in ("divisor", "guess") for s in ("single", "loop")}
    assert all(r["status"] in ("solved", "failed", "skipped") for r in data["runs"])
    loop = next(g for g in data["summary"]["groups"] if g["strategy"] == "loop")
    assert loop["attempted"] == 2 and loop["skipped"] == 0  # guess is judged through its interactor
    assert loop["generated_tokens"] > 0
