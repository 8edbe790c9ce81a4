"""`ocr samples`: output, JSON, --write, stdin and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ocr_cli.cli.app import app, main

FIXTURES = Path(__file__).parent / "fixtures"


def test_json_has_exactly_the_agreed_keys() -> None:
    result = CliRunner().invoke(app, ["samples", "--json", str(FIXTURES / "numbered.txt")])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {
        "samples": [{"input": "2\n1 2\n3 4\n", "output": "3\n7\n"}, {"input": "1\n-5 5\n", "output": "0\n"}],
        "time_limit_s": 2.0,
        "memory_limit_mb": 256,
        "doubtful": [],
    }


def test_doubtful_samples_are_named_and_left_out() -> None:
    result = CliRunner().invoke(app, ["samples", "--json", str(FIXTURES / "squeezed_ambiguous.txt")])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert len(data["samples"]) == 2 and len(data["doubtful"]) == 1
    assert "ocr: warning: sample 2: printed beside the statement's text in two columns" in result.stderr


def test_plain_output_lists_each_sample() -> None:
    result = CliRunner().invoke(app, ["samples", str(FIXTURES / "codeforces.txt")])
    assert result.exit_code == 0
    out = result.stdout
    assert "sample 2: output" in out and "XYZ" in out and "\x1b[" not in out
    assert "time limit 1 s" in out and "memory limit 256 MB" in out


def test_write_saves_numbered_files(tmp_path: Path) -> None:
    target = tmp_path / "out"
    result = CliRunner().invoke(app, ["samples", str(FIXTURES / "atcoder.txt"), "--write", str(target)])
    assert result.exit_code == 0
    assert sorted(p.name for p in target.iterdir()) == ["sample-1.in", "sample-1.out",
                                                          "sample-2.in", "sample-2.out"]
    assert (target / "sample-2.in").read_text(encoding="utf-8") == "100 200\n"
    assert (target / "sample-2.out").read_text(encoding="utf-8") == "300\n"


def test_stdin_statement() -> None:
    statement = "Sample Input\n4\n\nSample Output\n16\n"
    result = CliRunner().invoke(app, ["samples", "-", "--json"], input=statement)
    assert result.exit_code == 0
    assert json.loads(result.stdout)["samples"] == [{"input": "4\n", "output": "16\n"}]


def test_no_samples_exits_1_and_json_says_so() -> None:
    result = CliRunner().invoke(app, ["samples", "--json", str(FIXTURES / "no_samples.txt")])
    assert result.exit_code == 1
    assert json.loads(result.stdout) == {"samples": [], "time_limit_s": None, "memory_limit_mb": None,
                                         "doubtful": []}
    assert "no samples found" in result.stderr


@pytest.mark.parametrize("make", ["missing", "folder", "binary", "empty"])
def test_input_errors_exit_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                           make: str) -> None:
    target = {"missing": tmp_path / "nope.txt", "folder": tmp_path}.get(make, tmp_path / "bad.txt")
    if make == "binary":
        target.write_bytes(b"PK\x03\x04\x00\x00")
    elif make == "empty":
        target.write_bytes(b"")
    with pytest.raises(SystemExit) as exited:
        main(["samples", str(target)])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("ocr: error: ") and err.count("\n") == 1 and "Traceback" not in err


def test_samples_command_loads_no_model_or_parser_libraries() -> None:
    code = (
        "import sys\n"
        "from ocr_cli.cli.app import main\n"
        "try:\n"
        f"    main(['samples', '--json', {str(FIXTURES / 'numbered.txt')!r}])\n"
        "except SystemExit as e:\n"
        "    assert not e.code, e.code\n"
        "heavy = [m for m in ('llama_cpp', 'transformers', 'tree_sitter', 'torch') if m in sys.modules]\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "HEAVY []" in done.stderr
    assert json.loads(done.stdout)["samples"][0]["output"] == "3\n7\n"
