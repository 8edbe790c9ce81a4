"""`ocr test [SOLUTION]`: judge a solution file or any command (`-c`) on a problem's samples and test
folders (by default ./test/ or ./tests/), with oj's habits: inputs without answers are run and shown,
every failing case is listed, the first one side by side. Rendering lives in `cli/render_test.py`."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from ocr_cli.cli.console import make_console
from ocr_cli.cli.render_test import TestOutcome, report_to_json, show_outcome
from ocr_cli.config import load_settings
from ocr_cli.errors import EXIT_INTERRUPTED, ConfigError, ProblemError
from ocr_cli.judge.types import CaseResult, Verdict
from ocr_cli.language import Language
from ocr_cli.problem.types import Problem, TestCase

if TYPE_CHECKING:
    from ocr_cli.judge.program import Program
    from ocr_cli.judge.runner import Judge

#: Where oj (`test/`) and ocr's examples (`tests/`) keep tests, looked for when none are given.
DEFAULT_TEST_DIRS = ("test", "tests")


# ----- options and loading -------------------------------------------------------------------------

def default_test_dirs(cwd: Path | None = None) -> list[Path]:
    """./test/ (oj's) or else ./tests/, when present."""
    folder = cwd or Path(".")
    return next(([folder / name] for name in DEFAULT_TEST_DIRS if (folder / name).is_dir()), [])


def _read_source(solution: Path) -> str:
    try:
        return solution.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProblemError(f"cannot read the solution: {exc}", path=solution) from None


def load_cases(problem: Problem, tests_dirs: Sequence[Path]) -> tuple[list[TestCase], list[TestCase]]:
    """(tests with an answer: the samples and the folders' pairs, inputs without one), names unique.

    An interactive problem's samples are dialogues and are left out (`collect_tests`); its inputs
    all go to the interactor."""
    from ocr_cli.problem.testdirs import load_test_files
    from ocr_cli.solve.setup import collect_tests

    answered = collect_tests(problem, [])
    unanswered: list[TestCase] = []
    seen = {case.name for case in answered}
    for folder in tests_dirs:
        with_answers, without = load_test_files(folder)
        for case, into in [*((c, answered) for c in with_answers), *((c, unanswered) for c in without)]:
            name = case.name if case.name not in seen else f"{folder.name}/{case.name}"
            seen.add(name)
            into.append(dataclasses.replace(case, name=name))
    return answered, unanswered


# ----- running -------------------------------------------------------------------------------------

def run_inputs(program: Program, inputs: Sequence[TestCase]) -> tuple[CaseResult, ...]:
    """Run `program` on inputs without answers: AC when it ran cleanly (its output kept), else the
    failure's verdict (TLE, MLE, RE, ...)."""
    results = []
    for case in inputs:
        execution = program.execute(case.input)
        outcome = execution.outcome
        failure = execution.failure()
        verdict, message = failure if failure is not None else (Verdict.AC, "")
        results.append(CaseResult(case.name, verdict, round(outcome.cpu_s, 4), round(outcome.wall_s, 4),
                                  round(outcome.maxrss_mb, 2), message, case.input, "",
                                  execution.text()[:64 * 1024],
                                  outcome.stderr.decode(errors="replace")[:64 * 1024]))
    return tuple(results)


def judge_all(judge: Judge, program: Program, answered: list[TestCase],
              unanswered: list[TestCase]) -> TestOutcome:
    """Judge the answered tests and run the others (an interactor takes them all)."""
    if judge.options.interactor is not None:
        return TestOutcome(judge.run_program(program, answered + unanswered), (), program.limits)
    report = judge.run_program(program, answered)
    ran = run_inputs(program, unanswered) if program.ok and report.verdict is not Verdict.CE else ()
    return TestOutcome(report, ran, program.limits)


def _open_program(judge: Judge, solution: Path | None, command: str | None,
                  lang: str | None) -> tuple[Program, contextlib.ExitStack]:
    """The program under test, built once, and what to close after it."""
    stack = contextlib.ExitStack()
    if command is not None:
        from ocr_cli.judge.user_command import prepare_command

        prepared = stack.enter_context(prepare_command(command, judge.sandbox.info))
        program = stack.enter_context(judge.command(prepared.argv, binds=prepared.binds))
        return program, stack
    assert solution is not None
    language = Language.parse(lang) if lang else Language.from_path(solution)
    program = stack.enter_context(judge.program(_read_source(solution), language))
    return program, stack


# ----- the command ---------------------------------------------------------------------------------

def test(
    solution: Path | None = typer.Argument(None, help="The solution file (.py or .cpp); or use -c CMD."),
    command: str | None = typer.Option(None, "-c", "--command", metavar="CMD",
                                       help='Test any program, e.g. -c "java -cp . Main", -c ./a.out, '
                                            '-c "pypy3 sol.py" (run in the sandbox; paths made absolute).'),
    problem_file: str | None = typer.Option(None, "--problem", metavar="FILE|DIR",
                                            help="Statement, Competitive Companion / oj-api JSON or a "
                                                 "problem folder: its samples, tests/, limits and checker "
                                                 "are used."),
    tests_dirs: list[Path] = typer.Option([], "--tests", metavar="DIR",
                                          help="Folder of NAME.in [+ NAME.out/.ans] tests (repeatable; "
                                               "default ./test/ or ./tests/)."),
    lang: str | None = typer.Option(None, "--lang", help="python (py, python3) or cpp (c++) "
                                    "(default: from the extension)."),
    time_limit: float | None = typer.Option(None, "--time-limit", metavar="S", help="CPU seconds per case."),
    wall_time_limit: float | None = typer.Option(None, "--wall-time-limit", metavar="S",
                                                 help="Wall-clock seconds per case (default 2 × CPU + 1)."),
    memory_limit: int | None = typer.Option(None, "--memory-limit", metavar="MB", help="Memory per case."),
    exact: bool = typer.Option(False, "--exact", help="Compare bytes exactly (CRLF-insensitive)."),
    float_tol: float | None = typer.Option(None, "--float-tol", metavar="EPS",
                                           help="Numbers may differ by EPS, absolute or relative."),
    checker: str | None = typer.Option(None, "--checker", metavar="CMD", help="An external checker."),
    checker_style: str = typer.Option("testlib", "--checker-style", metavar="S",
                                      help="testlib (CMD in out ans), judgels (CMD in ans out, prints "
                                           "AC/WA) or kattis (CMD in ans dir < out, 42/43)."),
    interactor: str | None = typer.Option(None, "--interactor", metavar="PROGRAM",
                                          help="Interactive problems: a .py/.cpp file or a command, run as "
                                               "PROGRAM INPUT OUTPUT, talking with the solution."),
    interactor_style: str = typer.Option("testlib", "--interactor-style", metavar="S",
                                         help="testlib (exit 0 AC, 1 WA, 2 PE, 3 FAIL) or kattis "
                                              "(PROGRAM in ans feedback_dir, exit 42/43)."),
    python: str | None = typer.Option(None, "--python", metavar="CMD",
                                      help="Interpreter for Python solutions (e.g. pypy3)."),
    cxx: str | None = typer.Option(None, "--cxx", metavar="CMD", help="C++ compiler (e.g. clang++)."),
    cxx_flags: str | None = typer.Option(None, "--cxxflags", metavar="FLAGS",
                                         help='C++ compiler flags (default "-O2 -std=gnu++17").'),
    jobs: int | None = typer.Option(None, "-j", "--jobs", metavar="N", help="Cases run in parallel."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    sandbox: str | None = typer.Option(None, "--sandbox", metavar="MODE",
                                       help="auto, strict (refuse to run without namespaces) or rlimits."),
) -> None:
    """Judge SOLUTION (or -c CMD) on tests; exit code 0 when every case passes, 1 otherwise."""
    from ocr_cli.judge.interactive import STYLES as INTERACTOR_STYLES
    from ocr_cli.judge.runner import Judge
    from ocr_cli.problem.folder import extra_tests_dir
    from ocr_cli.solve.setup import Checking, judge_options_from, load_problem_source

    if (solution is None) == (command is None):
        raise ConfigError("give a SOLUTION file or -c CMD (one of them)",
                          hint='e.g. ocr test sol.py, or ocr test -c "java -cp . Main"')
    checking = Checking(exact=exact, float_tol=float_tol, checker=checker, checker_style=checker_style)
    if interactor_style not in INTERACTOR_STYLES:
        raise ConfigError(f"unknown --interactor-style {interactor_style!r} "
                          f"(choose {', '.join(INTERACTOR_STYLES)})")
    if interactor is not None and (exact or float_tol is not None or checker is not None):
        raise ConfigError("--interactor decides the verdict itself: drop --exact, --float-tol or --checker")
    if jobs is not None and jobs < 1:
        raise ConfigError("-j must be at least 1")
    settings = load_settings({k: v for k, v in {
        "time_limit": time_limit, "wall_time_limit": wall_time_limit, "memory_limit": memory_limit,
        "jobs": jobs, "python": python, "cxx": cxx, "cxx_flags": cxx_flags, "sandbox": sandbox}.items()
        if v is not None})
    if problem_file is not None:
        problem = load_problem_source(problem_file)
        folder_tests = extra_tests_dir(Path(problem_file)) if Path(problem_file).is_dir() else None
        if folder_tests is not None and folder_tests not in tests_dirs:
            tests_dirs = [*tests_dirs, folder_tests]
    else:
        problem = Problem(statement="")
    if problem_file is None and not tests_dirs:
        tests_dirs = default_test_dirs()
        if not tests_dirs:
            raise ConfigError("no tests: give --tests DIR or --problem FILE, or run where ./test/ or "
                              "./tests/ is")
    answered, unanswered = load_cases(problem, tests_dirs)
    if not answered and not unanswered:
        hint = ("its samples are dialogues: give --interactor PROGRAM and --tests DIR" if problem.interactive
                else None)
        raise ProblemError("no tests found (the statement has no samples and no --tests were given)",
                           path=problem_file, hint=hint)
    options = judge_options_from(settings, problem, checking)
    if interactor is not None:
        options = dataclasses.replace(options, interactor=interactor, interactor_style=interactor_style)
    judge = Judge(options)
    warning = judge.sandbox.info.warning  # JudgeError here with --sandbox strict and no namespaces
    if warning:
        print(f"ocr: warning: {warning}", file=sys.stderr)
    console = make_console(quiet=as_json, stderr=as_json)
    try:
        program, stack = _open_program(judge, solution, command, lang)
        with stack, (console.status("judging…") if not as_json and console.is_terminal
                     else contextlib.nullcontext()):
            outcome = judge_all(judge, program, answered, unanswered)
    except KeyboardInterrupt:
        raise typer.Exit(EXIT_INTERRUPTED) from None
    if as_json:
        print(json.dumps(report_to_json(outcome.report, outcome.ran), indent=2))
    else:
        show_outcome(make_console(), outcome)
    if not outcome.ok:
        raise typer.Exit(1)
