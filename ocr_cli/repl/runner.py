"""Run a solve of the session's current problem with live progress, turning Ctrl+C into a cancel.

Progress and the result are rendered by `ocr_cli.cli.render_solve` (the same view as `ocr solve`).
"""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from rich.console import Console

from ocr_cli.repl.session import ReplSession
from ocr_cli.solve import events as ev
from ocr_cli.solve.types import SolveResult


def _view(console: Console, show_reasoning: bool) -> Any:
    from ocr_cli.cli.render_solve import SolveView

    return SolveView(console, show_reasoning)


def _feed(view: Any, event: ev.SolveEvent) -> None:
    view.handle(event)


def run_solve(session: ReplSession, console: Console) -> SolveResult | None:
    """Solve the current problem, streaming progress; Ctrl+C cancels and keeps the best so far."""
    from ocr_cli.cli.render_solve import render_result

    cancel = threading.Event()
    view = _view(console, session.settings.show_reasoning)
    context: AbstractContextManager[Any] = view if hasattr(view, "__enter__") else nullcontext()
    interrupted = False
    try:
        with context:
            for event in session.solve(cancel):
                _feed(view, event)
    except KeyboardInterrupt:
        interrupted = True
    entry = session.last_run
    result = entry.result if entry is not None else None
    if result is not None:
        render_result(console, result)
    if interrupted:
        kept = "kept the best code so far" if result is not None and result.code else "no code yet"
        where = f"; transcript #{entry.run_id}" if entry is not None and entry.run_id is not None else ""
        console.print(f"cancelled: {kept}{where}", markup=False, highlight=False)
    return result
