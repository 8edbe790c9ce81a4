"""`Judge.program` and `Judge.command`: build once, run many times in the sandbox."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ocr_cli.errors import JudgeError
from ocr_cli.judge.runner import Judge
from ocr_cli.judge.types import JudgeOptions, Verdict
from ocr_cli.language import Language
from ocr_cli.problem.types import TestCase

ECHO_ARGS = "import sys\nprint(' '.join(sys.argv[1:]), sys.stdin.read().strip())\n"
CPP_DOUBLE = ("#include <cstdio>\n"
              "int main(){ long long x; std::scanf(\"%lld\", &x); std::printf(\"%lld\\n\", 2 * x); }\n")


def judge() -> Judge:
    return Judge(JudgeOptions(time_limit_s=1, memory_limit_mb=128))


def test_a_python_program_runs_many_times_with_arguments_and_input() -> None:
    with judge().program(ECHO_ARGS, Language.PYTHON) as program:
        assert program.ok and program.build_error == ""
        runs = [program.execute(f"in{seed}\n", args=[str(seed), "7"]) for seed in range(3)]
    assert [run.text() for run in runs] == ["0 7 in0\n", "1 7 in1\n", "2 7 in2\n"]
    assert all(run.ok and run.failure() is None for run in runs)


@pytest.mark.skipif(shutil.which("g++") is None, reason="g++ is not installed")
def test_a_cpp_program_is_judged_case_by_case() -> None:
    with judge().program(CPP_DOUBLE, Language.CPP) as program:
        good = program.judge(TestCase("good", "21\n", "42\n"))
        bad = program.judge(TestCase("bad", "1\n", "3\n"))
    assert good is not None and good.verdict is Verdict.AC
    assert bad is not None and bad.verdict is Verdict.WA and bad.actual == "2\n"


def test_a_failed_build_reports_the_error_and_cannot_run() -> None:
    with judge().program("def broken(:\n", Language.PYTHON) as program:
        assert not program.ok and "SyntaxError" in program.build_error
        with pytest.raises(JudgeError):
            program.execute("")


def test_failures_are_verdicts_not_exceptions() -> None:
    with judge().program("import sys\nsys.exit(3)\n", Language.PYTHON) as program:
        run = program.execute("")
    assert not run.ok
    assert run.failure() == (Verdict.RE, "exit code 3")


def test_a_command_runs_in_the_sandbox() -> None:
    program = judge().command(["sh", "-c", 'read x; echo $((x * 2))'])
    try:
        case = program.judge(TestCase("t", "5\n", "10\n"))
    finally:
        program.close()
    assert case is not None and case.verdict is Verdict.AC, case


def test_an_unknown_command_is_a_judge_error() -> None:
    with pytest.raises(JudgeError, match="not found"):
        judge().command(["no-such-program-ocr"])


def test_a_command_with_a_script_path_sees_the_script(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)  # as root, programs run as nobody: the script must be readable by others
    script = folder / "triple.py"
    script.write_text("print(int(input()) * 3)\n")
    with judge().command(["python3", str(script)]) as program:
        run = program.execute("4\n")
    assert run.ok and run.text() == "12\n", run.outcome
