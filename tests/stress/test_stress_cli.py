"""`ocr stress` end to end with real Python and C++ programs in the sandbox: exit codes, shrinking,
--save, --json."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from ocr_cli.cli.app import main

from .programs import (
    BRUTE,
    BRUTE_SILENT,
    CPP_BROKEN,
    CPP_GEN,
    CPP_RIGHT,
    CPP_WRONG,
    GEN,
    GEN_CRASHES_ON_7,
    RIGHT,
    WRONG_FROM_4,
    write,
)

needs_gxx = pytest.mark.skipif(shutil.which("g++") is None, reason="needs g++")


def ocr(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    out, err = capsys.readouterr()
    code = exit_info.value.code
    return (code if isinstance(code, int) else 0), out, err


def files(p: dict[str, Path], solution: str, brute: str, gen: str) -> list[str]:
    return [str(p[solution]), "--brute", str(p[brute]), "--gen", str(p[gen])]


def test_no_difference_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = write(tmp_path, sol_py=RIGHT, brute_py=BRUTE, gen_py=GEN)
    code, out, _ = ocr(["stress", *files(p, "sol_py", "brute_py", "gen_py"),
                        "--count", "12", "-j", "2", "--json"], capsys)
    data = json.loads(out)
    assert code == 0
    assert data["status"] == "passed" and data["runs"] == 12 and data["failure"] is None
    assert data["failures"] == [] and data["seconds"] > 0


def test_sized_generator_finds_the_smallest_failure_first_and_saves_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = write(tmp_path, sol_py=WRONG_FROM_4, brute_py=BRUTE, gen_py=GEN)
    saved = tmp_path / "saved"
    code, out, _ = ocr(["stress", str(p["sol_py"]), "--brute", str(p["brute_py"]),
                        "--gen", f"python3 {p['gen_py']} {{seed}} {{size}}", "--count", "100",
                        "--shrink-runs", "6", "--save", str(saved), "--json"], capsys)
    assert code == 1
    data = json.loads(out)
    failure = data["failure"]
    # sizes 1, 2, 3 pass (three runs each); the first failure is at size 4, and nothing smaller fails
    # (seeds 10, 11, 12 are size 4; the run queued beside the first failure may fail too)
    assert data["status"] == "failed" and failure["size"] == 4 and failure["seed"] in (10, 11)
    assert failure["verdict"] == "WA" and len(failure["input"].split()) == 5
    assert int(failure["got"]) == int(failure["expected"]) + 1
    assert data["runs"] <= 11 + 6  # stopped at the first failure, then the shrink runs
    # saved as NAME.in + NAME.out (the brute's answer), which `ocr test --tests` reads
    stem = f"stress-seed{failure['seed']}-size4"
    assert sorted(f.name for f in saved.iterdir()) == [f"{stem}.in", f"{stem}.out"]
    assert (saved / f"{stem}.out").read_text() == failure["expected"]
    code, _, _ = ocr(["test", str(p["sol_py"]), "--tests", str(saved)], capsys)
    assert code == 1
    code, _, _ = ocr(["test", str(p["brute_py"]), "--tests", str(saved)], capsys)
    assert code == 0


def test_unsized_generator_keeps_the_shortest_failing_input(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    p = write(tmp_path, sol_py=WRONG_FROM_4, brute_py=BRUTE, gen_py=GEN)
    code, out, _ = ocr(["stress", *files(p, "sol_py", "brute_py", "gen_py"),
                        "--shrink-runs", "30", "--json", "-j", "2"], capsys)
    data = json.loads(out)
    assert code == 1 and data["status"] == "failed"
    lengths = [len(f["input"]) for f in data["failures"]]
    assert len(lengths) > 1 and len(data["failure"]["input"]) == min(lengths)
    assert data["failure"] == data["failures"][0] and data["failure"]["size"] is None


def test_plain_report_shows_input_expected_received_and_how_to_reproduce(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = write(tmp_path, sol_py=WRONG_FROM_4, brute_py=BRUTE, gen_py=GEN)
    code, out, _ = ocr(["stress", str(p["sol_py"]), "--brute", str(p["brute_py"]),
                        "--gen", f"python3 {p['gen_py']} {{seed}} {{size}}", "--shrink-runs", "0"], capsys)
    assert code == 1
    match = re.search(r"smallest failing case: seed (\d+), size 4: WA", out)
    assert match is not None
    for part in ("input", "expected (brute)", "received",
                 f"reproduce: python3 {p['gen_py']} {match.group(1)} 4", "failing input"):
        assert part in out


def test_keep_going_collects_several_failures_and_saves_them_all(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = write(tmp_path, sol_py=WRONG_FROM_4, brute_py=BRUTE, gen_py=GEN)
    saved = tmp_path / "saved"
    code, out, _ = ocr(["stress", str(p["sol_py"]), "--brute", str(p["brute_py"]),
                        "--gen", f"python3 {p['gen_py']} {{seed}} {{size}}", "--count", "15", "--keep-going",
                        "--save", str(saved), "--json"], capsys)
    data = json.loads(out)
    assert code == 1 and data["runs"] == 15
    assert [f["size"] for f in data["failures"]] == [4, 4, 4, 5, 5, 5]
    assert len(list(saved.glob("*.in"))) == 6


def test_a_crashing_generator_is_a_usage_error_naming_the_seed(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    p = write(tmp_path, sol_py=RIGHT, brute_py=BRUTE, gen_py=GEN_CRASHES_ON_7)
    code, out, err = ocr(["stress", *files(p, "sol_py", "brute_py", "gen_py"),
                          "--count", "20", "--json"], capsys)
    assert code == 2
    assert "ocr: error: the generator failed on seed 7: crashed" in err
    data = json.loads(out)
    assert data["status"] == "broken"
    assert data["broken"]["tool"] == "generator" and data["broken"]["seed"] == 7


def test_a_brute_that_prints_nothing_is_a_usage_error_not_a_failure(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = write(tmp_path, sol_py=RIGHT, brute_py=BRUTE_SILENT, gen_py=GEN)
    code, _, err = ocr(["stress", *files(p, "sol_py", "brute_py", "gen_py"), "--count", "5"], capsys)
    assert code == 2 and "the brute failed on seed 1: printed nothing" in err


def test_bad_usage_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = write(tmp_path, sol_py=RIGHT, brute_py=BRUTE, gen_txt=GEN)
    code, _, err = ocr(["stress", *files(p, "sol_py", "brute_py", "gen_txt")], capsys)
    assert code == 2 and "pass --lang" in err
    code, _, err = ocr(["stress", str(tmp_path / "missing.py"), "--brute", str(p["brute_py"]),
                        "--gen", "python3 gen.py {seed}"], capsys)
    assert code == 2 and "the solution file does not exist" in err
    code, _, err = ocr(["stress", str(p["sol_py"]), "--brute", str(p["brute_py"]), "--gen", "{seed}"], capsys)
    assert code == 2 and "must start with a program" in err


@needs_gxx
def test_cpp_solution_and_generator(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = write(tmp_path, wrong_cpp=CPP_WRONG, right_cpp=CPP_RIGHT, brute_py=BRUTE, gen_cpp=CPP_GEN,
              broken_cpp=CPP_BROKEN)
    code, out, _ = ocr(["stress", *files(p, "wrong_cpp", "brute_py", "gen_cpp"),
                        "--count", "60", "--shrink-runs", "10", "--json"], capsys)
    data = json.loads(out)
    assert code == 1 and data["failure"]["verdict"] == "WA"
    assert all(int(x) < 0 for x in data["failure"]["input"].split()[1:])  # every number negative
    code, out, _ = ocr(["stress", *files(p, "right_cpp", "brute_py", "gen_cpp"),
                        "--count", "10", "--json"], capsys)
    assert code == 0 and json.loads(out)["runs"] == 10
    code, _, err = ocr(["stress", *files(p, "broken_cpp", "brute_py", "gen_cpp"), "--count", "3"], capsys)
    assert code == 2 and "the solution does not compile" in err


def test_ctrl_c_keeps_the_failures_found_and_exits_130(tmp_path: Path) -> None:
    p = write(tmp_path, sol_py=WRONG_FROM_4, brute_py=BRUTE, gen_py=GEN)
    saved = tmp_path / "saved"
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "OCR_HOME": str(tmp_path / "home")}
    command = [sys.executable, "-m", "ocr_cli", "stress", *files(p, "sol_py", "brute_py", "gen_py"),
               "--count", "100000", "--keep-going", "--save", str(saved), "-q"]
    child = subprocess.Popen(command,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    assert child.stdout is not None
    seen = []
    for line in child.stdout:  # wait for an event (a failure found), not for time
        seen.append(line)
        if line.startswith("WA on seed"):
            break
    child.send_signal(signal.SIGINT)
    rest, _ = child.communicate(timeout=120)
    assert child.returncode == 130, "".join(seen) + rest
    assert "interrupted after" in rest and "smallest failing case" in rest
    assert list(saved.glob("*.in")) and list(saved.glob("*.out"))
