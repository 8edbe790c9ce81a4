"""How `ocr bench` shows its progress and results: run lines with an ETA, the per-problem table, the
summary per strategy × language, and the sampling metrics (pass@k, select@k) with their breakdown."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn
from rich.table import Table

if TYPE_CHECKING:
    from ocr_cli.bench.report import BenchReport, GroupSummary, RunRecord
    from ocr_cli.bench.runner import BenchProgress


def _duration(value: float) -> str:
    seconds = round(value)
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


class ProgressPrinter:
    """One line per finished run, `[done/total · ETA]`, and on a terminal a progress bar below them.

    The ETA follows this session's pace (runs resumed from a file do not count toward it). Use it as a
    context manager so the bar is removed at the end.
    """

    def __init__(self, console: Console, done_before: int, total: int,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.console = console
        self.done_before = done_before
        self.total = total
        self.clock = clock
        self.started = clock()
        self._bar: Progress | None = None
        self._task: TaskID | None = None

    def __enter__(self) -> ProgressPrinter:
        if self.console.is_terminal:
            self._bar = Progress(TextColumn("bench"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("{task.fields[eta]}"), console=self.console, transient=True)
            self._task = self._bar.add_task("bench", total=self.total, completed=self.done_before,
                                            eta=self.eta(self.done_before, self.total))
            self._bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    def eta(self, done: int, total: int) -> str:
        """The time left at this session's pace ("?" before the first run of this session)."""
        finished_now = done - self.done_before
        if done >= total:
            return "done"
        if finished_now <= 0:
            return "ETA ?"
        per_run = (self.clock() - self.started) / finished_now
        return f"ETA {_duration(per_run * (total - done))}"

    def __call__(self, event: BenchProgress) -> None:
        from ocr_cli.bench.runner import RunFinished

        if isinstance(event, RunFinished):
            eta = self.eta(event.done, event.total)
            self.console.print(f"[{event.done}/{event.total} · {eta}] {record_line(event.record)}",
                               markup=False)
            if self._bar is not None and self._task is not None:
                self._bar.update(self._task, completed=event.done, eta=eta)


def record_line(record: RunRecord) -> str:
    head = f"{record.problem} {record.strategy} {record.language}: {record.status}"
    if record.status in ("skipped", "error"):
        return f"{head} ({record.reason})"
    line = (f"{head} · {record.final_verdict or 'no code'} {record.tests_passed}/{record.tests_total}"
            f" · {record.generated_tokens} tok · {record.elapsed_s:.1f}s · rounds {record.rounds}")
    if record.accepted_but_wrong:
        line += " · accepted but wrong"
    if record.drafts:
        line += f" · drafts {sum(d.passes for d in record.drafts)}/{len(record.drafts)} pass"
    return line


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.0f}%"


def _pct1(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}"


def _cell(record: RunRecord | None) -> str:
    if record is None:
        return ""
    if record.status == "solved":
        return "solved"
    if record.status == "failed":
        return f"{record.final_verdict or 'no code'} {record.tests_passed}/{record.tests_total}"
    return record.status


def _table(title: str) -> Table:
    return Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, padding=(0, 1), pad_edge=False,
                 collapse_padding=True)


def render_report(console: Console, report: BenchReport) -> None:
    """The per-problem table, the per-strategy summary and, with `--samples`, the sampling metrics."""
    groups = report.groups()
    columns = [(g.strategy, g.language) for g in groups]
    by_key = {r.key: r for r in report.records}
    problems = list(dict.fromkeys(r.problem for r in report.records))
    per_problem = _table("per problem")
    per_problem.add_column("problem")
    for strategy, language in columns:
        per_problem.add_column(f"{strategy} {language}")
    for problem in problems:
        per_problem.add_row(problem, *(_cell(by_key.get((problem, s, lang))) for s, lang in columns))
    console.print(per_problem)
    summary = _table("summary (solved: the final answer passes the hidden tests; acc✗: accepted but "
                     "wrong; critic P/R: precision/recall vs hidden tests)")
    for name in ("strategy", "lang", "solved", "solved %", "acc✗", "tok/prob", "time", "rounds",
                 "critic P", "critic R", "skip", "err"):
        summary.add_column(name, justify="left" if name in ("strategy", "lang") else "right", no_wrap=True)
    for group in [*groups, *([_overall(report)] if len(groups) > 1 else [])]:
        summary.add_row(
            group.strategy, group.language, f"{group.solved}/{group.attempted}", _pct(group.pass_rate),
            f"{group.accepted_but_wrong}/{group.accepted}",
            "–" if group.tokens_per_problem is None else f"{group.tokens_per_problem:.0f}",
            f"{group.elapsed_s:.1f}s", "–" if group.mean_rounds is None else f"{group.mean_rounds:.1f}",
            _pct(group.critic.precision), _pct(group.critic.recall), str(group.skipped), str(group.errors))
    console.print(summary)
    for sampling in report.sampling():
        render_sampling(console, sampling)


def render_sampling(console: Console, sampling: dict[str, Any]) -> None:
    """pass@1, pass@k and select@k (paper's rule | ocr's ranking), overall and per tag, in percent."""
    ks = [k for k in sampling["all"]["pass@k"] if k != "1"]  # pass@1 = select@1: its own column
    table = _table(f"sampling · {sampling['strategy']} {sampling['language']} (percent; select@k: the "
                   "paper's rule | ocr's ranking)")
    table.add_column("group", no_wrap=True)
    table.add_column("problems", justify="right")
    table.add_column("pass@1", justify="right")
    for k in ks:
        table.add_column(f"pass@{k}", justify="right")
    for k in ks:
        table.add_column(f"select@{k}", justify="right", no_wrap=True)

    def row(label: str, metrics: dict[str, Any]) -> None:
        table.add_row(label, str(metrics["problems"]), _pct1(metrics["pass@1"]),
                      *(_pct1(metrics["pass@k"][k]) for k in ks),
                      *(f"{_pct1(metrics['select@k']['paper'][k])} | {_pct1(metrics['select@k']['ocr'][k])}"
                        for k in ks))

    row("all", sampling["all"])
    for tag in ("difficulty", "platform"):
        for value, metrics in sampling.get(tag, {}).items():
            row(f"{tag} {value}", metrics)
    console.print(table)


def _overall(report: BenchReport) -> GroupSummary:
    from ocr_cli.bench.report import summarize

    return summarize(report.records)
