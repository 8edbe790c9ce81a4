"""Rendering a solve with rich: a live view of the candidates, then verdicts, the code and a summary.

`SolveView` consumes the solver's events. On a terminal it shows a live table (round, tokens,
tokens/s, state of each candidate); off a terminal or with `--quiet` consoles it prints plain,
stable lines, one per step, with no colour or spinner. `ocr solve` (on stderr) and the REPL both use it.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from ocr_cli.language import Language
from ocr_cli.solve import events as ev
from ocr_cli.solve.types import SolveResult

_STATE_STYLES = {"drafting": "cyan", "testing": "yellow", "critiquing": "magenta", "accepted": "bold green",
                 "rejected": "red", "drafted": "white", "passed": "green", "stopped": "dim"}


@dataclass
class _Row:
    id: str
    round: int
    kind: str
    parent_id: str | None
    state: str = "drafting"
    tokens: int = 0
    first_token_at: float | None = None
    last_token_at: float | None = None
    tests: str = ""
    critic: str = ""

    @property
    def rate(self) -> float | None:
        if self.first_token_at is None or self.last_token_at is None or self.tokens < 2:
            return None
        span = self.last_token_at - self.first_token_at
        return (self.tokens - 1) / span if span > 0 else None


class SolveView:
    """Shows a solve as it runs; use as a context manager around feeding it events."""

    def __init__(self, console: Console, show_reasoning: bool = False, show_code: bool = True,
                 show_summary: bool = True) -> None:
        self.console = console
        self.show_reasoning = show_reasoning
        self.show_code = show_code
        self.show_summary = show_summary
        self.live_mode = console.is_terminal
        self._rows: dict[str, _Row] = {}
        self._live: Live | None = None
        self._tests_total = 0
        self.result: SolveResult | None = None

    def __enter__(self) -> SolveView:
        if self.live_mode:
            self._live = Live(self._table(), console=self.console, refresh_per_second=8, transient=True)
            self._live.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop_live()

    def _stop_live(self) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None

    def consume(self, events: Iterable[ev.SolveEvent]) -> SolveResult | None:
        """Handle every event; the result of the final `SolveFinished` (None if the stream stopped)."""
        with self:
            for event in events:
                self.handle(event)
        return self.result

    def _line(self, text: str) -> None:
        if self._live is not None:
            self._live.console.print(Text(text, style="dim"))
        else:
            self.console.print(text, markup=False, highlight=False)

    def handle(self, event: ev.SolveEvent) -> None:
        """Update the view with one event."""
        if isinstance(event, ev.SolveStarted):
            self._tests_total = event.tests
            critic = "critic on" if event.critic else "no critic"
            self._line(f"solving {event.problem_title or 'problem'} · {event.language} · {event.strategy} · "
                       f"n={event.n} · {event.tests} tests · {critic} · {event.generator}")
        elif isinstance(event, ev.CandidateStarted):
            self._rows[event.candidate_id] = _Row(event.candidate_id, event.round, event.kind,
                                                  event.parent_id)
            if not self.live_mode:
                origin = f" of {event.parent_id}" if event.parent_id else ""
                self._line(f"{event.candidate_id} round {event.round}: {event.kind}{origin} started")
        elif isinstance(event, ev.TokensGenerated):
            row = self._rows.get(event.candidate_id)
            if row is not None and event.phase == "draft":
                now = time.perf_counter()
                row.tokens = event.tokens_so_far
                row.first_token_at = row.first_token_at or now
                row.last_token_at = now
        elif isinstance(event, ev.CandidateDrafted):
            self._drafted(event)
        elif isinstance(event, ev.CandidateTested):
            row = self._rows[event.candidate_id]
            report = event.report
            row.tests = f"{report.verdict.value} {report.passed}/{report.total}"
            all_passed = report.passed == report.total and report.verdict.value == "AC"
            row.state = "passed" if all_passed else "rejected"
            if not self.live_mode:
                self._line(f"{event.candidate_id} tested: {row.tests} ({event.elapsed_s:.2f} s)")
        elif isinstance(event, ev.CaseJudged):
            row = self._rows.get(event.candidate_id)
            if row is not None:
                row.state = "testing"
        elif isinstance(event, ev.CritiqueStarted):
            self._rows[event.candidate_id].state = "critiquing"
        elif isinstance(event, ev.CritiqueFinished):
            row = self._rows[event.candidate_id]
            p = f" p={event.p_right:.2f}" if event.p_right is not None else ""
            row.critic = f"{event.verdict or 'no verdict'}{p}"
            row.state = "passed" if event.verdict == "right" else "rejected"
            if not self.live_mode:
                self._line(f"{event.candidate_id} critique: {row.critic} ({event.completion_tokens} tokens)")
        elif isinstance(event, ev.RoundFinished):
            self._line(f"round {event.round} done: best {event.best_id or '-'} · "
                       f"{event.generated_tokens} tokens · {event.elapsed_s:.1f} s")
        elif isinstance(event, ev.RevisionPlanned):
            self._line(f"round {event.round}: revising {', '.join(event.parent_ids)}")
        elif isinstance(event, ev.BudgetExhausted):
            self._line(f"budget exhausted: {event.reason}")
        elif isinstance(event, ev.SolveFinished):
            self._finished(event.result)
        if self._live is not None:
            self._live.update(self._table())

    def _drafted(self, event: ev.CandidateDrafted) -> None:
        row = self._rows[event.candidate_id]
        row.tokens = event.completion_tokens
        if event.code is None:
            row.state, row.tests = "rejected", "no code"
        elif event.syntax_error is not None:
            row.state, row.tests = "rejected", "syntax error"
        else:
            row.state = "drafted"
        if event.finish_reason == "cancelled":
            row.state = "stopped"
        if not self.live_mode:
            what = "no code" if event.code is None else (
                event.syntax_error.splitlines()[0] if event.syntax_error else "code found")
            self._line(f"{event.candidate_id} drafted: {event.completion_tokens} tokens, "
                       f"{event.finish_reason}, {what}")
        if self.show_reasoning and event.reasoning:
            header = f"--- reasoning of {event.candidate_id} ---"
            if self._live is not None:
                self._live.console.print(Text(header, style="bold dim"))
                self._live.console.print(Text(event.reasoning, style="dim"))
            else:
                self.console.print(header, markup=False, highlight=False)
                self.console.print(event.reasoning, markup=False, highlight=False)

    def _finished(self, result: SolveResult) -> None:
        self.result = result
        if result.best_id and result.best_id in self._rows and result.status == "accepted":
            self._rows[result.best_id].state = "accepted"
        self._stop_live()
        render_result(self.console, result, show_code=self.show_code, show_summary=self.show_summary)

    def _table(self) -> Table:
        table = Table(show_edge=False, pad_edge=False, box=None)
        for name in ("candidate", "round", "state", "tokens", "tok/s", "tests", "critic"):
            table.add_column(name, justify="right" if name in ("round", "tokens", "tok/s") else "left")
        for row in self._rows.values():
            rate = f"{row.rate:.1f}" if row.rate is not None else ""
            table.add_row(row.id, str(row.round), Text(row.state, style=_STATE_STYLES.get(row.state, "")),
                          str(row.tokens), rate, row.tests, row.critic)
        return table


def summary_line(result: SolveResult) -> str:
    """One line: status, the best candidate, rounds, tokens and time."""
    status = result.status.replace("_", " ")
    if result.stop_reason and result.status != "accepted":
        status += f" ({result.stop_reason})"
    best = next((c for c in result.candidates if c.id == result.best_id), None)
    if result.status == "accepted" and best is not None and not best.tests_total:
        status = "accepted by the critic only (no tests)"
    parts = [status]
    if best is not None:
        tests = f", {best.tests_passed}/{best.tests_total} tests" if best.tests_total else ""
        critic = f", critic {best.critic}" if best.critic else ""
        parts.append(f"best {best.id}{tests}{critic}")
    rounds = "round" if result.rounds == 1 else "rounds"
    parts += [f"{result.rounds} revision {rounds}", f"{result.generated_tokens} tokens generated",
              f"{result.timings.total_s:.1f} s"]
    return " · ".join(parts)


def candidates_table(result: SolveResult) -> Table:
    """The test and critic verdicts of every candidate."""
    table = Table(show_edge=False, pad_edge=False, box=None)
    for name in ("candidate", "round", "from", "tests", "verdict", "critic", "p(right)"):
        table.add_column(name)
    for c in result.candidates:
        tests = f"{c.tests_passed}/{c.tests_total}" if c.tests_total else "-"
        verdict = c.verdict or ("syntax error" if c.syntax_error else "-")
        p = f"{c.critic_p_right:.2f}" if c.critic_p_right is not None else "-"
        mark = " *" if c.id == result.best_id else ""
        table.add_row(c.id + mark, str(c.round), c.parent_id or "-", tests, verdict, c.critic or "-", p)
    return table


def render_result(console: Console, result: SolveResult, show_code: bool = True,
                  show_summary: bool = True) -> None:
    """Print the verdict table, the final code (highlighted on a terminal) and the summary line."""
    parts: list[RenderableType] = []
    if result.candidates:
        parts.append(candidates_table(result))
    if show_code and result.code:
        lexer = "python" if result.language is Language.PYTHON else "cpp"
        if console.is_terminal:
            parts.append(Syntax(result.code, lexer, line_numbers=False, word_wrap=True))
        else:
            parts.append(Text(result.code.rstrip("\n")))
    if show_summary:
        parts.append(Text(summary_line(result), style="bold" if result.status == "accepted" else ""))
    if parts:
        console.print(Group(*parts))


def result_to_json(result: SolveResult, *, tests_total: int, warnings: list[str]) -> dict[str, Any]:
    """The `--json` object of `ocr solve`: `tests_total` local tests judged each candidate, and
    `warnings` says what the evidence lacked (no tests, no statement, doubtful samples)."""
    return {
        "status": result.status,
        "tests_total": tests_total,
        "warnings": list(warnings),
        "language": result.language.value,
        "code": result.code,
        "rounds": result.rounds,
        "candidates": [
            {"id": c.id, "round": c.round, "verdict": c.verdict, "tests_passed": c.tests_passed,
             "tests_total": c.tests_total, "critic": c.critic, "critic_p_right": c.critic_p_right}
            for c in result.candidates
        ],
        "tokens": {"generated": result.generated_tokens, "prompt": result.prompt_tokens},
        "timings": {"generate_s": round(result.timings.generate_s, 3),
                    "critique_s": round(result.timings.critique_s, 3),
                    "test_s": round(result.timings.test_s, 3),
                    "total_s": round(result.timings.total_s, 3)},
    }
