"""`ocr repl`: solve problems one after another with the models loaded once."""

from __future__ import annotations

import sys

import typer

from ocr_cli.cli.console import make_console
from ocr_cli.config import load_settings
from ocr_cli.errors import EXIT_INTERRUPTED


def repl(
    model: str | None = typer.Option(None, "--model", "-m",
                                     help="Generator: a .gguf path, a preset, openai:MODEL@URL or "
                                     "scripted:FILE.json (default: the embedded demo model)."),
    critic: str | None = typer.Option(None, "--critic", help="Critic model (default: the generator)."),
    no_critic: bool | None = typer.Option(None, "--no-critic", help="Do not ask a critic.",
                                          show_default=False),
    lang: str | None = typer.Option(None, "--lang", "-l", help="python or cpp."),
    n: int | None = typer.Option(None, "--n", "-n", help="Candidates drafted per round."),
    rounds: int | None = typer.Option(None, "--rounds", "-r", help="Revision rounds."),
    strategy: str | None = typer.Option(None, "--strategy", help="single, select or loop."),
    max_tokens: int | None = typer.Option(None, "--max-tokens", help="Tokens per generation."),
    token_budget: int | None = typer.Option(None, "--token-budget", help="Tokens generated per solve."),
    time_budget: float | None = typer.Option(None, "--time-budget", help="Seconds per solve."),
    no_log: bool = typer.Option(False, "--no-log", help="Keep no transcripts of this session's runs."),
    ctx: int | None = typer.Option(None, "--ctx", help="Context size cap."),
    threads: int | None = typer.Option(None, "--threads", help="CPU threads."),
    n_gpu_layers: int | None = typer.Option(None, "--n-gpu-layers", help="Layers to offload (-1: all)."),
    show_reasoning: bool | None = typer.Option(None, "--show-reasoning", help="Stream reasoning text.",
                                               show_default=False),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Plain output: no colours, no live display."),
    verbose: bool | None = typer.Option(None, "--verbose", help="Tracebacks for internal errors.",
                                        show_default=False),
) -> None:
    """Interactive session: paste a statement and press Enter to solve it; /help lists the commands."""
    from ocr_cli import paths
    from ocr_cli.repl.app import Repl, make_prompt_session
    from ocr_cli.repl.session import ReplSession

    settings = load_settings({
        "model": model, "critic": critic, "no_critic": no_critic, "lang": lang, "n": n, "rounds": rounds,
        "strategy": strategy, "max_tokens": max_tokens, "n_gpu_layers": n_gpu_layers,
        "token_budget": token_budget, "time_budget": time_budget, "log": False if no_log else None,
        "n_ctx": ctx, "threads": threads,
        "show_reasoning": show_reasoning, "verbose": verbose,
    })
    console = make_console(quiet=quiet)
    session = ReplSession(settings)
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    prompt = make_prompt_session(paths.history_file()) if interactive else None
    app = Repl(session, console, prompt)
    try:
        app.banner()
        if prompt is not None:
            app.run()
        else:
            app.run_plain(sys.stdin)
    except KeyboardInterrupt:
        raise typer.Exit(EXIT_INTERRUPTED) from None
    finally:
        app.dispatcher.close()
        session.close()
