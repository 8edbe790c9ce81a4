"""Scaffold: replaced by its issue's work."""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True)


@app.command("placeholder", hidden=True)
def placeholder() -> None:
    """Not built yet."""
