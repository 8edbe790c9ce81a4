"""Run a solve of the session's current problem with live progress, turning Ctrl+C into a cancel.

Progress and the result are rendered by `ocr_cli.cli.render_solve.SolveView`, the view of `ocr solve`.
"""

from __future__ import annotations

import threading

from rich.console import Console

from ocr_cli.cli.render_solve import SolveView, render_result
from ocr_cli.repl.session import ReplSession
from ocr_cli.solve import events as ev
from ocr_cli.solve.types import SolveResult


def run_solve(session: ReplSession, console: Console) -> SolveResult | None:
    """Solve the current problem, streaming progress; Ctrl+C cancels it, keeping the best so far
    (shown, in `/history`, and in the transcript)."""
    cancel = threading.Event()
    view = SolveView(console, show_reasoning=session.settings.show_reasoning)
    try:
        with view:
            warned = False
            for event in session.solve(cancel):
                if session.transcript_problem and isinstance(event, ev.SolveStarted):
                    console.print(f"warning: no transcript: {session.transcript_problem}", markup=False)
                    warned = True
                elif session.transcript_problem and not warned and isinstance(event, ev.SolveFinished):
                    console.print(f"warning: {session.transcript_problem}", markup=False)  # failed mid-run
                view.handle(event)
    except KeyboardInterrupt:
        entry = session.last_run
        result = entry.result if entry is not None else None
        if result is not None:
            render_result(console, result)
        kept = "kept the best code so far" if result is not None and result.code else "no code yet"
        where = f" (transcript #{entry.run_id})" if entry is not None and entry.run_id is not None else ""
        console.print(f"cancelled: {kept}{where}", markup=False, highlight=False)
        return result
    return view.result
