"""`ocr listen`: receive problems from the Competitive Companion browser extension; with `--solve`,
solve each one as it arrives (queued, one at a time)."""

from __future__ import annotations

import queue
import signal
import sys
from pathlib import Path

import typer
from rich.console import Console

from ocr_cli.cli.console import make_console
from ocr_cli.config import Settings
from ocr_cli.errors import EXIT_INTERRUPTED
from ocr_cli.frontend.render_listen import event_line
from ocr_cli.listen import DEFAULT_PORT, Listener, ListenEvent, ProblemReceived, RequestRejected

POLL_S = 0.5  # how often the main thread wakes to notice Ctrl-C


def listen(
    ports: list[int] = typer.Option([], "--port", "-p", metavar="PORT",
                                    help=f"Port on 127.0.0.1 (repeatable; default {DEFAULT_PORT}, cph's)."),
    folder: Path = typer.Option(Path("."), "--dir", "-d", metavar="DIR",
                                help="Where problem folders are made (default: here)."),
    solve_each: bool = typer.Option(False, "--solve",
                                    help="Solve each problem as it arrives, one at a time."),
    lang: str | None = typer.Option(None, "--lang", "-l", help="With --solve: python or cpp."),
    model: str | None = typer.Option(None, "--model", "-m", help="With --solve: the generator."),
    critic: str | None = typer.Option(None, "--critic", help="With --solve: the critic."),
    n: int | None = typer.Option(None, "-n", help="With --solve: candidates drafted."),
    rounds: int | None = typer.Option(None, "--rounds", help="With --solve: revision rounds."),
    token_budget: int | None = typer.Option(None, "--token-budget", help="With --solve: tokens in all."),
    time_budget: float | None = typer.Option(None, "--time-budget", help="With --solve: seconds in all."),
    max_tokens: int | None = typer.Option(None, "--max-tokens", help="With --solve: tokens per generation."),
    strategy: str | None = typer.Option(None, "--strategy", help="With --solve: single, select or loop."),
    no_critic: bool | None = typer.Option(None, "--no-critic", help="With --solve: tests alone decide."),
    seed: int | None = typer.Option(None, "--seed", help="With --solve: seed of the first draft."),
    temperature: float | None = typer.Option(None, "--temperature", help="With --solve: temperature."),
    no_log: bool = typer.Option(False, "--no-log", help="With --solve: keep no transcripts."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Plain output, no live view."),
) -> None:
    """Receive problems from the Competitive Companion extension into problem folders (Ctrl-C stops)."""
    from ocr_cli.cli.commands.solve import settings_from_flags

    settings = settings_from_flags({
        "lang": lang, "model": model, "critic": critic, "n": n, "rounds": rounds,
        "token_budget": token_budget, "time_budget": time_budget, "max_tokens": max_tokens,
        "strategy": strategy, "no_critic": no_critic, "seed": seed, "temperature": temperature,
        "log": False if no_log else None,
    })
    root = folder.resolve()
    events: queue.Queue[ListenEvent] = queue.Queue()
    console = make_console(quiet=quiet)
    messages = make_console(quiet=quiet, stderr=True)
    signal.signal(signal.SIGTERM, _stop)  # `kill` stops it as Ctrl-C does (a background job ignores Ctrl-C)
    try:
        with Listener(root, ports or [DEFAULT_PORT], on_event=events.put) as listener:
            where = ", ".join(f"127.0.0.1:{port}" for port in listener.ports)
            messages.print(f"listening on {where}; problems go to {root}"
                           f"{' and are solved as they arrive' if solve_each else ''} (Ctrl-C stops)",
                           markup=False, highlight=False)
            sys.stderr.flush()
            _serve(events, root, console, messages, settings if solve_each else None, quiet)
    except KeyboardInterrupt:
        messages.print("stopped listening", markup=False, highlight=False)
        raise typer.Exit(EXIT_INTERRUPTED) from None


def _serve(events: queue.Queue[ListenEvent], root: Path, console: Console, messages: Console,
           solve_with: Settings | None, quiet: bool) -> None:
    """Show each event as it comes; with `solve_with`, solve each problem received (until Ctrl-C)."""
    while True:
        try:
            event = events.get(timeout=POLL_S)
        except queue.Empty:
            continue
        line = event_line(event, root)
        shown_on = messages if isinstance(event, RequestRejected) else console
        shown_on.print(line, markup=False, highlight=False)
        sys.stdout.flush()
        if (solve_with is not None and isinstance(event, ProblemReceived)
                and not _solve_folder(event.folder, solve_with, quiet=quiet, waiting=events.qsize())):
            raise KeyboardInterrupt


def _stop(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _solve_folder(folder: Path, settings: Settings, *, quiet: bool, waiting: int) -> bool:
    """Solve the problem in `folder`, writing the code beside it; False when interrupted."""
    from ocr_cli.cli.commands.solve import run_solve
    from ocr_cli.errors import OcrError
    from ocr_cli.language import Language
    from ocr_cli.problem.folder import load_problem_folder
    from ocr_cli.solve.setup import Checking

    messages = make_console(quiet=quiet, stderr=True)
    language = Language.parse(settings.lang)
    output = folder / f"solution{language.extension}"
    if waiting:
        messages.print(f"{waiting} more waiting", markup=False, highlight=False)
    try:
        problem = load_problem_folder(folder)
        outcome = run_solve(problem, settings, [], checking=Checking(), quiet=quiet, output=output)
    except OcrError as exc:  # one problem failing to solve must not stop the listener
        messages.print(f"ocr: error: {exc}", markup=False, highlight=False)
        return True
    if outcome.interrupted:
        return False
    result = outcome.result
    written = f", code in {output}" if result.code else ""
    messages.print(f"{problem.title or folder.name}: {result.status}{written}", markup=False, highlight=False)
    return True
