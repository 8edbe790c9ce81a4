"""`ocr samples STATEMENT`: show (or save) the sample tests found in a statement."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.rule import Rule
from rich.text import Text

from ocr_cli.cli.console import make_console
from ocr_cli.errors import OcrError
from ocr_cli.problem.loader import load_problem
from ocr_cli.problem.types import Problem, TestCase

EXIT_NONE_FOUND = 1


def _write(samples: tuple[TestCase, ...], folder: Path) -> list[Path]:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        written: list[Path] = []
        for n, case in enumerate(samples, start=1):
            for suffix, content in ((".in", case.input), (".out", case.output)):
                path = folder / f"sample-{n}{suffix}"
                path.write_text(content, encoding="utf-8")
                written.append(path)
    except OSError as exc:
        raise OcrError(f"cannot write samples: {exc.strerror or exc}", path=folder) from exc
    return written


def _as_json(problem: Problem) -> str:
    return json.dumps({
        "samples": [{"input": c.input, "output": c.output} for c in problem.samples],
        "time_limit_s": problem.time_limit_s,
        "memory_limit_mb": problem.memory_limit_mb,
        "doubtful": list(problem.doubtful_samples),
    }, ensure_ascii=False, indent=2)


def _show(problem: Problem) -> None:
    console = make_console()
    limits = [f"time limit {problem.time_limit_s:g} s" if problem.time_limit_s is not None else "",
              f"memory limit {problem.memory_limit_mb} MB" if problem.memory_limit_mb is not None else ""]
    header = Text(problem.title or "untitled problem", style="bold")
    if any(limits):
        header.append(" · " + " · ".join(x for x in limits if x))
    console.print(header)
    for n, case in enumerate(problem.samples, start=1):
        for part, content, style in (("input", case.input, "cyan"), ("output", case.output, "green")):
            title = f"sample {n}: {part}"
            # Off a terminal: plain marker lines that are easy to grep and split.
            console.print(Rule(title, align="left", style=style) if console.is_terminal else f"== {title}")
            console.print(Text(content.rstrip("\n")))


def samples(
    statement: str = typer.Argument(..., help="Statement file (text, Markdown, Competitive Companion "
                                              "or oj-api JSON), or - for stdin."),
    as_json: bool = typer.Option(False, "--json", help="Print {samples, time_limit_s, memory_limit_mb, "
                                 "doubtful}."),
    write: Path | None = typer.Option(None, "--write", metavar="DIR",
                                      help="Save the samples as DIR/sample-N.in and DIR/sample-N.out."),
) -> None:
    """Print the sample tests found in a statement (exit code 1 when there are none)."""
    problem = load_problem(statement)
    for doubt in problem.doubtful_samples:  # left out: a wrong sample is worse than a missing one
        print(f"ocr: warning: {doubt}", file=sys.stderr)
    if write is not None and problem.samples:
        written = _write(problem.samples, write)
        print(f"wrote {len(written) // 2} samples to {write}", file=sys.stderr)
    if as_json:
        print(_as_json(problem))
    elif problem.samples:
        _show(problem)
    if not problem.samples:
        print(f"ocr: no samples found in {problem.source or statement}", file=sys.stderr)
        raise typer.Exit(EXIT_NONE_FOUND)
