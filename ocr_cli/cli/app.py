"""The `ocr` command: registers the subcommands and turns ocr's errors into one line and an exit code.

Exit codes: 0 success (accepted, all tests pass), 1 a negative outcome (not accepted, a failing test,
no samples found), 2 usage or input error (bad flag, missing or corrupt file, bad config), 130
interrupted with Ctrl-C.
"""

from __future__ import annotations

import os
import sys
import traceback

import typer

from ocr_cli import __version__
from ocr_cli.cli.commands import (
    bench,
    config_cmd,
    critique,
    doctor,
    listen,
    logs,
    models_cmd,
    repl_cmd,
    samples,
    solve,
    stress,
    test_cmd,
)
from ocr_cli.cli.console import error_line
from ocr_cli.errors import EXIT_INTERRUPTED, OcrError

app = typer.Typer(
    name="ocr",
    help="Solve competitive-programming problems with local models: draft, test, self-critique, revise.",
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        print(f"ocr {__version__}")
        raise typer.Exit()


@app.callback(invoke_without_command=True)
def root(
    ctx: typer.Context,
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    """With no command on a terminal, start the REPL; otherwise show this help."""
    if ctx.invoked_subcommand is None:
        if sys.stdin.isatty() and sys.stdout.isatty():
            # invoke the click command (not the bare function) so its options get their defaults
            ctx.invoke(ctx.command.get_command(ctx, "repl"))  # type: ignore[attr-defined]
        else:
            print(ctx.get_help())


app.command("solve")(solve.solve)
app.command("critique")(critique.critique)
app.command("test")(test_cmd.test)
app.command("stress")(stress.stress)
app.command("samples")(samples.samples)
app.command("doctor")(doctor.doctor)
app.command("repl")(repl_cmd.repl)
app.command("bench")(bench.bench)
app.command("listen")(listen.listen)
app.add_typer(models_cmd.app, name="models", help="List, inspect and download models.")
app.add_typer(config_cmd.app, name="config", help="Show and locate the configuration.")
app.add_typer(logs.app, name="logs", help="Transcripts of past runs.")


def _verbose_requested(argv: list[str]) -> bool:
    return "--verbose" in argv or os.environ.get("OCR_VERBOSE", "").lower() in {"1", "true", "yes"}


def main(argv: list[str] | None = None) -> None:
    """Entry point of the `ocr` console script."""
    args = sys.argv[1:] if argv is None else argv
    # Usage errors are click's (exit 2). Commands that can be interrupted catch KeyboardInterrupt
    # themselves, keep what was made, and raise typer.Exit(EXIT_INTERRUPTED).
    try:
        app(args=args, prog_name="ocr")
    except OcrError as exc:
        if _verbose_requested(args):
            traceback.print_exc()
        error_line(str(exc))
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        error_line("interrupted")
        sys.exit(EXIT_INTERRUPTED)
