"""`ocr test` with oj's habits: default test folders, inputs without answers, every failure listed
with a side-by-side view, the wall-clock limit, `-c CMD` for any program, --python/--cxx/--cxxflags,
interactors; and error hints that name flags which exist."""

from __future__ import annotations

import json
import re
import shutil
import stat
import sys
from pathlib import Path
from typing import Any

import pytest
import typer

from ocr_cli.cli.app import app, main
from ocr_cli.judge.sandbox import SAFE_PATH

ROOT = Path(__file__).resolve().parents[2]
SUM = "a, b = map(int, input().split())\nprint(a + b)\n"


def ocr(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
        raise SystemExit(0)
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


def write_tests(folder: Path, pairs: dict[str, tuple[str, str | None]]) -> Path:
    folder.mkdir(parents=True)
    for name, (given, answer) in pairs.items():
        (folder / f"{name}.in").write_text(given)
        if answer is not None:
            (folder / f"{name}.out").write_text(answer)
    return folder


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sol.py").write_text(SUM)
    return tmp_path


def test_default_folders_test_then_tests(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = ocr(["test", "sol.py"], capsys)
    assert code == 2 and "./test/ or ./tests/" in err
    write_tests(here / "tests", {"1": ("1 2\n", "3\n")})
    code, out, _ = ocr(["test", "sol.py", "--json"], capsys)
    assert code == 0 and [c["name"] for c in json.loads(out)["cases"]] == ["1"]
    write_tests(here / "test", {"sample-1": ("2 2\n", "4\n"), "sample-2": ("3 3\n", "6\n")})
    code, out, _ = ocr(["test", "sol.py", "--json"], capsys)  # oj's folder wins
    assert code == 0 and [c["name"] for c in json.loads(out)["cases"]] == ["sample-1", "sample-2"]


def test_inputs_without_answers_are_run_and_shown(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_tests(here / "test", {"sample-1": ("1 2\n", "3\n"), "mine": ("40 2\n", None)})
    code, out, _ = ocr(["test", "sol.py"], capsys)
    assert code == 0
    assert re.search(r"mine\W+RAN", out) and "output of mine" in out and "42" in out
    assert "AC: 1/1 passed, 1 ran without an answer" in out
    code, out, _ = ocr(["test", "sol.py", "--json"], capsys)
    data = json.loads(out)
    assert data["verdict"] == "AC" and data["total"] == 1
    assert data["ran"] == [{"name": "mine", "verdict": "RAN", "time_s": data["ran"][0]["time_s"],
                            "wall_s": data["ran"][0]["wall_s"], "memory_mb": data["ran"][0]["memory_mb"],
                            "message": "", "output": "42\n"}]
    (here / "test" / "broken.in").write_text("not numbers\n")
    code, out, _ = ocr(["test", "sol.py", "--json"], capsys)
    data = json.loads(out)
    assert code == 1 and data["verdict"] == "RE"
    assert {r["name"]: r["verdict"] for r in data["ran"]} == {"broken": "RE", "mine": "RAN"}


def test_every_failure_is_listed_and_the_first_side_by_side(here: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    (here / "lines.py").write_text("n = int(input())\nfor i in range(1, n + 1):\n"
                                   "    print(i if i != 3 else 0)\n")
    write_tests(here / "test", {"1": ("2\n", "1\n2\n"), "2": ("4\n", "1\n2\n3\n4\n"),
                                "3": ("5\n", "1\n2\n3\n4\n5\n")})
    code, out, _ = ocr(["test", "lines.py"], capsys)
    assert code == 1
    assert "failing (2): 2 (WA), 3 (WA)" in out
    assert "first failure: 2 (WA)" in out and "first difference on line 3" in out
    marked = [line for line in out.splitlines() if "≠" in line]
    assert len(marked) == 1 and re.search(r"3\s+≠\s+3\s+0", marked[0])


def test_wall_clock_and_cpu_limits_are_named(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_tests(here / "test", {"1": ("1\n", "1\n")})
    (here / "sleepy.py").write_text("import time\ntime.sleep(30)\n")
    (here / "busy.py").write_text("while True:\n    pass\n")
    code, out, _ = ocr(["test", "sleepy.py", "--wall-time-limit", "1", "--json"], capsys)
    case = json.loads(out)["cases"][0]
    assert code == 1 and case["verdict"] == "TLE" and "wall-clock deadline of 1 s" in case["message"]
    code, out, _ = ocr(["test", "busy.py", "--time-limit", "1", "--json"], capsys)
    case = json.loads(out)["cases"][0]
    assert code == 1 and case["verdict"] == "TLE" and "CPU" in case["message"]
    code, out, _ = ocr(["test", "sol.py", "--wall-time-limit", "7"], capsys)
    assert "7 s wall clock" in out
    code, _, err = ocr(["test", "sol.py", "--wall-time-limit", "0"], capsys)
    assert code == 2 and "wall_time_limit must be positive" in err


def test_wall_time_limit_is_a_config_key(here: Path, capsys: pytest.CaptureFixture[str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    write_tests(here / "test", {"1": ("1 2\n", "3\n")})
    monkeypatch.setenv("OCR_WALL_TIME_LIMIT", "9")
    code, out, _ = ocr(["test", "sol.py"], capsys)
    assert code == 0 and "9 s wall clock" in out


@pytest.mark.skipif(shutil.which("python3", path=SAFE_PATH) is None, reason="needs python3 in /usr/bin")
def test_command_runs_any_program_in_the_sandbox(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_tests(here / "test", {"1": ("1 2\n", "3\n"), "2": ("5 5\n", "10\n")})
    code, out, _ = ocr(["test", "-c", "python3 sol.py", "--json"], capsys)  # a file in this (private) folder
    assert code == 0 and json.loads(out)["passed"] == 2, out
    script = here / "run.sh"
    script.write_text("#!/bin/sh\nread a b\necho $((a + b))\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    code, out, _ = ocr(["test", "-c", "./run.sh", "--json"], capsys)
    assert code == 0 and json.loads(out)["passed"] == 2, out
    # the sandbox holds for commands too: the program cannot write outside its folder
    (here / "escape.py").write_text(f"open({str(here / 'escaped')!r}, 'w').write('x')\n" + SUM)
    code, out, _ = ocr(["test", "-c", "python3 escape.py", "--json"], capsys)
    assert code == 1 and json.loads(out)["cases"][0]["verdict"] == "RE"
    assert not (here / "escaped").exists()


def test_command_errors(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_tests(here / "test", {"1": ("1 2\n", "3\n")})
    for args, words in ((["test"], "give a SOLUTION file or -c CMD"),
                        (["test", "sol.py", "-c", "x"], "give a SOLUTION file or -c CMD"),
                        (["test", "-c", ""], "the command is empty"),
                        (["test", "-c", "no-such-program-here"], "not found")):
        code, _, err = ocr(args, capsys)
        assert code == 2 and words in err and "Traceback" not in err, (args, err)


def test_python_cxx_and_cxxflags(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_tests(here / "test", {"1": ("1 2\n", "3\n")})
    code, _, _ = ocr(["test", "sol.py", "--python", Path(sys.executable).name], capsys)
    assert code == 0
    code, _, err = ocr(["test", "sol.py", "--python", "no-such-python"], capsys)
    assert code == 2 and "--python" in err
    (here / "sol.cpp").write_text("#include <cstdio>\nint main(){long long a,b;scanf(\"%lld %lld\",&a,&b);"
                                  "printf(\"%lld\\n\",a+b+EXTRA);}\n")
    code, _, err = ocr(["test", "sol.cpp", "--cxx", "no-such-compiler"], capsys)
    assert code == 2 and "--cxx" in err
    if shutil.which("g++") is None:
        return
    code, out, _ = ocr(["test", "sol.cpp", "--cxxflags", "-O0 -DEXTRA=0", "--json"], capsys)
    assert code == 0, out
    code, out, _ = ocr(["test", "sol.cpp", "--cxxflags", "-O0 -DEXTRA=1", "--json"], capsys)
    assert code == 1 and json.loads(out)["verdict"] == "WA"


def test_interactor_on_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    guess = ROOT / "examples" / "guess"
    args = ["test", str(guess / "solutions" / "ref.py"), "--interactor", str(guess / "interactor.py"),
            "--tests", str(guess / "tests")]
    code, out, _ = ocr(args, capsys)
    assert code == 0 and "AC: 6/6 passed" in out
    code, out, _ = ocr([*args, "--interactor-style", "kattis", "--json"], capsys)  # wrong style: exit 0 is IE
    assert code == 1 and json.loads(out)["verdict"] == "IE"
    code, _, err = ocr([*args, "--exact"], capsys)
    assert code == 2 and "--interactor decides" in err
    code, _, err = ocr(["test", str(guess / "solutions" / "ref.py"), "--problem",
                        str(guess / "statement.txt")], capsys)
    assert code == 2 and "dialogues" in err and "--interactor" in err


def _options() -> set[str]:
    names: set[str] = set()
    root = typer.main.get_command(app)

    def walk(command: Any) -> None:  # typer's own click types
        for param in command.params:
            names.update(o for o in [*param.opts, *param.secondary_opts] if o.startswith("-"))
        for sub in getattr(command, "commands", {}).values():
            walk(sub)

    walk(root)
    return names


def test_error_hints_name_flags_that_exist() -> None:
    options = _options()
    named: set[str] = set()
    for path in (ROOT / "ocr_cli").rglob("*.py"):
        for hint in re.findall(r"hint=(?:f?\"[^\"]*\"\s*)+", path.read_text(encoding="utf-8")):
            named.update(re.findall(r"(?<![\w-])(--?[a-z][a-z-]*)", hint))
    assert named, "no hint names a flag: the scan is broken"
    assert named <= options, f"hints name flags no command has: {sorted(named - options)}"


@pytest.mark.parametrize("expected, actual, line", [
    ("1\n2\n3\n", "1\n2\n3\n", None),
    ("1 2\n3\n", "1  2\n3\n\n", None),  # whitespace amounts and trailing blank lines do not count
    ("1\n2\n3\n", "1\n2\n", 2),  # a missing line
    ("1\n2\n", "1\n2\n3\n", 2),  # an extra line
    ("1\n2\n3\n", "1\n5\n3\n", 1),
])
def test_first_difference(expected: str, actual: str, line: int | None) -> None:
    from ocr_cli.cli.render_test import first_difference

    assert first_difference(expected, actual) == line
