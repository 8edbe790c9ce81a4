"""How `ocr test` shows its outcome: a table of every case, the outputs of inputs without answers,
the failing cases by name, and a side-by-side view of the first failure with its first differing
line marked; or one JSON object."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass

from rich.console import Console
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from ocr_cli.judge.sandbox import Limits
from ocr_cli.judge.types import CaseResult, JudgeReport, Verdict

SCREEN_LINES = 20
WIDTH = 200
RAN = "RAN"  # the verdict shown for an input without an answer that ran cleanly
_STYLE = {Verdict.AC: "green", Verdict.WA: "red", Verdict.CE: "magenta", Verdict.IE: "magenta"}


@dataclass(frozen=True)
class TestOutcome:
    """Everything `ocr test` found: the judged cases and the inputs that only ran."""

    __test__ = False  # not a pytest test class

    report: JudgeReport
    ran: tuple[CaseResult, ...] = ()  # inputs without answers; verdict AC means "ran cleanly"
    limits: Limits | None = None

    @property
    def failures(self) -> list[CaseResult]:
        return [case for case in (*self.report.cases, *self.ran) if not case.passed]

    @property
    def ok(self) -> bool:
        return self.report.verdict is Verdict.AC and not self.failures


def _case_json(case: CaseResult, ran: bool = False) -> dict[str, object]:
    verdict = RAN if ran and case.passed else case.verdict.value
    data: dict[str, object] = {"name": case.name, "verdict": verdict, "time_s": case.time_s,
                               "wall_s": case.wall_s, "memory_mb": case.memory_mb, "message": case.message}
    if ran:
        data["output"] = case.actual
    return data


def report_to_json(report: JudgeReport, ran: Sequence[CaseResult] = ()) -> dict[str, object]:
    """The `--json` object of a judge report (`ran`: inputs without answers, under their own key)."""
    verdict = max([report.verdict, *(c.verdict for c in ran)], key=lambda v: v.priority)
    data: dict[str, object] = {
        "verdict": verdict.value, "passed": report.passed, "total": report.total,
        "isolation": report.isolation,
        "cases": [_case_json(c) for c in report.cases],
    }
    if ran:
        data["ran"] = [_case_json(c, ran=True) for c in ran]
    return data


def cut(text: str, lines: int = SCREEN_LINES, width: int = WIDTH) -> str:
    """At most `lines` lines of at most `width` characters, saying how many more there were."""
    rows = text.splitlines()
    shown = [row if len(row) <= width else row[:width] + "…" for row in rows[:lines]]
    if len(rows) > lines:
        shown.append(f"… ({len(rows) - lines} more lines)")
    return "\n".join(shown)


def first_difference(expected: str, actual: str) -> int | None:
    """The index of the first line whose tokens differ (a missing line counts), or None."""
    want, got = expected.splitlines(), actual.splitlines()
    for index in range(max(len(want), len(got))):
        left = want[index].split() if index < len(want) else None
        right = got[index].split() if index < len(got) else None
        if left != right:
            if (left == [] and right is None) or (left is None and right == []):
                continue  # trailing blank lines do not matter
            return index
    return None


def side_by_side(expected: str, actual: str, lines: int = SCREEN_LINES) -> Table:
    """Expected and received output in two columns, starting a little before the first difference,
    which is marked (`≠` and, on a colour terminal, red)."""
    want, got = expected.splitlines(), actual.splitlines()
    differ = first_difference(expected, actual)
    start = max(0, (differ or 0) - 3)
    table = Table(show_edge=False, pad_edge=False, box=None)
    table.add_column("line", justify="right", style="dim")
    table.add_column("", width=1)
    table.add_column("expected", overflow="fold")
    table.add_column("received", overflow="fold")
    end = min(max(len(want), len(got)), start + lines)
    for index in range(start, end):
        marked = index == differ
        style = "bold red" if marked else ""
        left = want[index][:WIDTH] if index < len(want) else ""
        right = got[index][:WIDTH] if index < len(got) else ""
        table.add_row(str(index + 1), Text("≠" if marked else "", style=style),
                      Text(left, style="green" if marked else ""), Text(right, style=style))
    more = max(len(want), len(got)) - end
    if more > 0:
        table.add_row("", "", Text(f"… ({more} more lines)", style="dim"), "")
    return table


def show_failure(console: Console, case: CaseResult) -> None:
    """The details of one failing case: its message, input, both outputs side by side, stderr."""
    console.print(Rule(f"first failure: {case.name} ({case.verdict.value})", align="left", style="red"))
    if case.message:
        console.print(Text(case.message))
    console.print(Text("input", style="bold"))
    console.print(Text(cut(case.input) if case.input else "(empty)"))
    if case.verdict is Verdict.WA and (case.expected or case.actual):
        differ = first_difference(case.expected, case.actual)
        where = f" (first difference on line {differ + 1})" if differ is not None else ""
        console.print(Text(f"expected | received{where}", style="bold"))
        console.print(side_by_side(case.expected, case.actual))
        if differ is None:  # the lines match token by token: show the exact bytes that differ
            diff = list(difflib.unified_diff(case.expected.splitlines(), case.actual.splitlines(),
                                             "expected", "received", lineterm="", n=1))
            if diff:
                console.print(Text("\n".join(diff[:SCREEN_LINES * 2])))
    elif case.actual:
        console.print(Text("received", style="bold"))
        console.print(Text(cut(case.actual)))
    if case.stderr.strip():
        console.print(Text("stderr", style="bold"))
        console.print(Text(cut(case.stderr, 10)))


def _limits_text(limits: Limits | None) -> str:
    if limits is None:
        return ""
    memory = f", {limits.address_space_mb} MB address space" if limits.address_space_mb else ""
    return f"; limits {limits.cpu_s:g} s CPU, {limits.wall_s:g} s wall clock{memory}"


def show_outcome(console: Console, outcome: TestOutcome) -> None:
    """A table of every case, the outputs of inputs without answers, the failing cases, the details
    of the first failure, and a summary line."""
    report = outcome.report
    if report.verdict is Verdict.CE:
        console.print(Text("CE: compilation failed", style="bold magenta"))
        console.print(Text(report.compile_output))
        return
    table = Table(show_edge=False, pad_edge=False)
    for column, justify in (("case", "left"), ("verdict", "left"), ("cpu s", "right"),
                            ("wall s", "right"), ("MB", "right"), ("message", "left")):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for case, ran in [*((c, False) for c in report.cases), *((c, True) for c in outcome.ran)]:
        label = RAN if ran and case.passed else case.verdict.value
        style = "cyan" if label == RAN else _STYLE.get(case.verdict, "yellow")
        message = "no answer file: output shown below" if label == RAN else case.message
        table.add_row(case.name, Text(label, style=style), f"{case.time_s:.3f}", f"{case.wall_s:.3f}",
                      f"{case.memory_mb:.1f}", cut(message, 1, 80))
    console.print(table)
    for case in outcome.ran:
        if case.passed:
            console.print(Rule(f"output of {case.name}", align="left", style="cyan"))
            console.print(Text(cut(case.actual) if case.actual else "(empty)"))
    failures = outcome.failures
    if len(failures) > 1:
        console.print(Text(f"failing ({len(failures)}): " + ", ".join(f"{c.name} ({c.verdict.value})"
                                                                       for c in failures), style="red"))
    if failures:
        show_failure(console, failures[0])
    judged = f"{report.passed}/{report.total} passed" if report.total else "nothing to compare with"
    without = f", {len(outcome.ran)} ran without an answer" if outcome.ran else ""
    worst = Verdict.AC if outcome.ok else max((c.verdict for c in failures), key=lambda v: v.priority)
    where = f"sandbox: {report.isolation}{_limits_text(outcome.limits)}"
    console.print(Text(f"{worst.value}: {judged}{without} ({where})",
                       style="bold green" if outcome.ok else "bold red"))
