"""`ocr test SOLUTION`: judge a solution file on a problem's samples and/or test folders."""

from __future__ import annotations

import contextlib
import difflib
import json
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from ocr_cli.cli.console import make_console
from ocr_cli.config import load_settings
from ocr_cli.errors import EXIT_INTERRUPTED, ConfigError, ProblemError
from ocr_cli.judge.types import CaseResult, JudgeReport, Verdict
from ocr_cli.language import Language
from ocr_cli.problem.types import Problem

SCREEN_LINES = 20
_STYLE = {Verdict.AC: "green", Verdict.WA: "red", Verdict.CE: "magenta", Verdict.IE: "magenta"}


def report_to_json(report: JudgeReport) -> dict[str, object]:
    """The `--json` object of a judge report."""
    return {
        "verdict": report.verdict.value, "passed": report.passed, "total": report.total,
        "isolation": report.isolation,
        "cases": [{"name": c.name, "verdict": c.verdict.value, "time_s": c.time_s, "wall_s": c.wall_s,
                   "memory_mb": c.memory_mb, "message": c.message} for c in report.cases],
    }


def _cut(text: str, lines: int = SCREEN_LINES, width: int = 200) -> str:
    rows = text.splitlines()
    shown = [row if len(row) <= width else row[:width] + "…" for row in rows[:lines]]
    if len(rows) > lines:
        shown.append(f"… ({len(rows) - lines} more lines)")
    return "\n".join(shown)


def _show_failure(console: Console, case: CaseResult) -> None:
    console.print(Rule(f"first failure: {case.name} ({case.verdict.value})", align="left", style="red"))
    if case.message:
        console.print(Text(case.message))
    for title, body in (("input", case.input), ("expected", case.expected), ("actual", case.actual)):
        console.print(Text(title, style="bold"))
        console.print(Text(_cut(body) if body else "(empty)"))
    if case.verdict is Verdict.WA:
        diff = list(difflib.unified_diff(case.expected.splitlines(), case.actual.splitlines(),
                                         "expected", "actual", lineterm="", n=1))
        if diff:
            console.print(Text("diff", style="bold"))
            console.print(Text("\n".join(diff[:SCREEN_LINES * 2])))
    if case.stderr.strip() and case.verdict is not Verdict.AC:
        console.print(Text("stderr", style="bold"))
        console.print(Text(_cut(case.stderr, 10)))


def show_report(console: Console, report: JudgeReport) -> None:
    """A table of cases, then the details of the first failure."""
    if report.verdict is Verdict.CE:
        console.print(Text("CE: compilation failed", style="bold magenta"))
        console.print(Text(report.compile_output))
        return
    table = Table(show_edge=False, pad_edge=False)
    for column, justify in (("case", "left"), ("verdict", "left"), ("cpu s", "right"),
                            ("wall s", "right"), ("MB", "right"), ("message", "left")):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for case in report.cases:
        table.add_row(case.name, Text(case.verdict.value, style=_STYLE.get(case.verdict, "yellow")),
                      f"{case.time_s:.3f}", f"{case.wall_s:.3f}", f"{case.memory_mb:.1f}",
                      _cut(case.message, 1, 80))
    console.print(table)
    failure = report.first_failure
    if failure is not None:
        _show_failure(console, failure)
    style = "bold green" if report.verdict is Verdict.AC else "bold red"
    console.print(Text(f"{report.verdict.value}: {report.passed}/{report.total} passed "
                       f"(sandbox: {report.isolation})", style=style))


def test(
    solution: Path = typer.Argument(..., help="The solution file (.py or .cpp)."),
    problem_file: str | None = typer.Option(None, "--problem", metavar="FILE|DIR",
                                            help="Statement, Competitive Companion / oj-api JSON or a "
                                                 "problem folder: its samples, tests/, limits and checker "
                                                 "are used."),
    tests_dirs: list[Path] = typer.Option([], "--tests", metavar="DIR",
                                          help="Folder of NAME.in + NAME.out/.ans tests (repeatable)."),
    lang: str | None = typer.Option(None, "--lang", help="python (py, python3) or cpp (c++) "
                                    "(default: from the extension)."),
    time_limit: float | None = typer.Option(None, "--time-limit", metavar="S", help="CPU seconds per case."),
    memory_limit: int | None = typer.Option(None, "--memory-limit", metavar="MB", help="Memory per case."),
    exact: bool = typer.Option(False, "--exact", help="Compare bytes exactly (CRLF-insensitive)."),
    float_tol: float | None = typer.Option(None, "--float-tol", metavar="EPS",
                                           help="Numbers may differ by EPS, absolute or relative."),
    checker: str | None = typer.Option(None, "--checker", metavar="CMD", help="An external checker."),
    checker_style: str = typer.Option("testlib", "--checker-style", metavar="S",
                                      help="testlib (CMD in out ans), judgels (CMD in ans out, prints "
                                           "AC/WA) or kattis (CMD in ans dir < out, 42/43)."),
    jobs: int | None = typer.Option(None, "-j", "--jobs", metavar="N", help="Cases run in parallel."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    sandbox: str | None = typer.Option(None, "--sandbox", metavar="MODE",
                                       help="auto, strict (refuse to run without namespaces) or rlimits."),
) -> None:
    """Judge SOLUTION on tests; exit code 0 when every case is AC, 1 otherwise."""
    from ocr_cli.judge.runner import Judge
    from ocr_cli.problem.folder import extra_tests_dir
    from ocr_cli.solve.setup import Checking, collect_tests, judge_options_from, load_problem_source

    checking = Checking(exact=exact, float_tol=float_tol, checker=checker, checker_style=checker_style)
    if jobs is not None and jobs < 1:
        raise ConfigError("-j must be at least 1")
    language = Language.parse(lang) if lang else Language.from_path(solution)
    try:
        source = solution.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProblemError(f"cannot read the solution: {exc}", path=solution) from None
    settings = load_settings({"time_limit": time_limit, "memory_limit": memory_limit, "jobs": jobs,
                              "sandbox": sandbox})
    if problem_file is not None:
        problem = load_problem_source(problem_file)
        folder_tests = extra_tests_dir(Path(problem_file)) if Path(problem_file).is_dir() else None
        if folder_tests is not None and folder_tests not in tests_dirs:
            tests_dirs = [*tests_dirs, folder_tests]
    else:
        problem = Problem(statement="")
    if problem_file is None and not tests_dirs:
        raise ConfigError("no tests: give --problem FILE and/or --tests DIR")
    cases = collect_tests(problem, tests_dirs)
    if not cases:
        raise ProblemError("no tests found (the statement has no samples and no --tests were given)",
                           path=problem_file)
    judge = Judge(judge_options_from(settings, problem, checking))
    warning = judge.sandbox.info.warning  # JudgeError here with --sandbox strict and no namespaces
    if warning:
        print(f"ocr: warning: {warning}", file=sys.stderr)
    console = make_console(quiet=as_json, stderr=as_json)
    try:
        with console.status("judging…") if not as_json and console.is_terminal else contextlib.nullcontext():
            report = judge.run(source, language, cases)
    except KeyboardInterrupt:
        raise typer.Exit(EXIT_INTERRUPTED) from None
    if as_json:
        print(json.dumps(report_to_json(report), indent=2))
    else:
        show_report(make_console(), report)
    if report.verdict is not Verdict.AC:
        raise typer.Exit(1)
