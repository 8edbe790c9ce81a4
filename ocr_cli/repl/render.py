"""What the REPL prints besides a solve's progress: the banner, samples, tests, settings, history, help.

A solve's progress and result are rendered by `ocr_cli.frontend.render_solve`, exactly as `ocr solve`
renders them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ocr_cli.config import Settings, setting_names
from ocr_cli.engines.base import EngineInfo
from ocr_cli.judge.types import JudgeReport
from ocr_cli.problem.types import Problem
from ocr_cli.repl.session import ReplSession, RunEntry


def banner_line(generator: EngineInfo, critic: EngineInfo | None, critic_off: bool) -> str:
    """The one-line banner: generator, backend and offload; the critic when it is another model."""
    line = f"ocr · {generator.describe()}"
    if critic_off:
        line += " · critic off"
    elif critic is not None and critic != generator:
        line += f" · critic {critic.describe()}"
    return line


def problem_summary(problem: Problem) -> str:
    """`3 samples · time limit 2 s · memory limit 256 MB` for a freshly pasted problem."""
    count = len(problem.samples)
    parts = [f"{count} sample{'s' if count != 1 else ''} found" if count
             else "no samples found (/add-test or /tests DIR adds tests)"]
    if problem.time_limit_s is not None:
        parts.append(f"time limit {problem.time_limit_s:g} s")
    if problem.memory_limit_mb is not None:
        parts.append(f"memory limit {problem.memory_limit_mb} MB")
    if problem.interactive:
        parts.append("interactive")
    if problem.statement_missing:
        parts.append("no statement text (/statement adds it)")
    if problem.doubtful_samples:
        parts.append(f"{len(problem.doubtful_samples)} doubtful sample(s) left out")
    title = f"{problem.title}: " if problem.title else ""
    return title + " · ".join(parts)


def _clip(text: str, limit: int = 400) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def print_samples(console: Console, session: ReplSession) -> None:
    """The current problem's summary and each test (samples, loaded folder, added pairs)."""
    assert session.problem is not None
    console.print(problem_summary(session.problem), markup=False, highlight=False)
    tests = session.tests()
    if not tests:
        return
    table = Table(show_lines=True)
    table.add_column("test")
    table.add_column("input")
    table.add_column("expected output")
    for case in tests:
        table.add_row(Text(case.name), Text(_clip(case.input.rstrip("\n"))),
                      Text(_clip(case.output.rstrip("\n"))))
    console.print(table)


def print_report(console: Console, report: JudgeReport) -> None:
    """A table of test verdicts and a one-line summary."""
    table = Table()
    for column in ("test", "verdict", "time", "memory", "note"):
        table.add_column(column)
    for case in report.cases:
        table.add_row(case.name, case.verdict.value, f"{case.time_s:.2f}s", f"{case.memory_mb:.0f}MB",
                      Text(_clip(case.message, 80)))
    if report.cases:
        console.print(table)
    if report.compile_output:
        console.print(_clip(report.compile_output, 2000), markup=False, highlight=False)
    console.print(f"{report.verdict.value}: {report.passed}/{report.total} tests passed",
                  markup=False, highlight=False)


def _value(value: Any) -> str:
    return "-" if value is None else str(value)


def print_settings(console: Console, settings: Settings) -> None:
    """Every setting with its value and where it came from."""
    table = Table()
    table.add_column("setting")
    table.add_column("value")
    table.add_column("from")
    for name in setting_names():
        table.add_row(name, Text(_value(getattr(settings, name))), settings.sources.get(name, "default"))
    console.print(table)


def print_history(console: Console, runs: Iterable[RunEntry]) -> None:
    """The runs of this session, one row each."""
    rows = list(runs)
    if not rows:
        console.print("no runs yet in this session", markup=False, highlight=False)
        return
    table = Table()
    for column in ("#", "problem", "status", "best", "tests", "tokens", "time", "transcript"):
        table.add_column(column)
    for entry in rows:
        result = entry.result
        if result is None:
            table.add_row(str(entry.number), Text(entry.title), "running", "-", "-", "-", "-",
                          _value(entry.run_id))
            continue
        best = next((c for c in result.candidates if c.id == result.best_id), None)
        tests = f"{best.tests_passed}/{best.tests_total}" if best is not None else "-"
        table.add_row(str(entry.number), Text(entry.title), result.status, _value(result.best_id), tests,
                      str(result.generated_tokens), f"{result.timings.total_s:.1f}s", _value(entry.run_id))
    console.print(table)


def print_help(console: Console, specs: Iterable[Any]) -> None:
    """The commands and the keys."""
    table = Table.grid(padding=(0, 2))
    for spec in specs:
        table.add_row(Text(spec.usage), Text(spec.help))
    console.print("Paste or type a problem statement and press Enter to solve it. Commands:",
                  markup=False, highlight=False)
    console.print(table)
    console.print("Keys: Enter submits · Alt+Enter or Ctrl+J: new line · Ctrl+R: search history · "
                  "Tab: complete · Ctrl+C: cancel a solve · Ctrl+D: quit", markup=False, highlight=False)
