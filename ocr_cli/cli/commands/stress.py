"""`ocr stress SOLUTION --brute BRUTE --gen GEN`: compare a solution with a brute force on many
generated inputs, in the sandbox; report the smallest failing input.

Exit codes: 0 no difference, 1 a failing input found, 2 usage or input error (a generator or brute
force that does not compile, crashes, times out or prints nothing), 130 interrupted.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from ocr_cli.cli.console import error_line, make_console
from ocr_cli.config import load_settings
from ocr_cli.errors import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_USAGE
from ocr_cli.language import Language

if TYPE_CHECKING:
    from rich.console import Console

    from ocr_cli.stress.types import Failure



def stress(
    solution: Path = typer.Argument(..., help="The solution to test (.py or .cpp)."),
    brute: Path = typer.Option(..., "--brute", metavar="BRUTE", help="A slow, trusted solution: its "
                               "output is the expected answer."),
    gen: str = typer.Option(..., "--gen", metavar="GEN", help="Prints one input: a .py/.cpp file run as "
                            "GEN SEED, or a command with {seed} and maybe {size}, e.g. "
                            "\"python3 gen.py {seed} {size}\"."),
    count: int | None = typer.Option(None, "--count", min=1, metavar="N",
                                     help="Runs (default 1000; unlimited with only --time-budget)."),
    time_budget: float | None = typer.Option(None, "--time-budget", min=0.1, metavar="S",
                                             help="Stop after S seconds."),
    jobs: int = typer.Option(1, "-j", "--jobs", min=1, metavar="N", help="Runs in parallel."),
    seed: int = typer.Option(1, "--seed", metavar="START", help="The first seed (then START+1, …)."),
    max_size: int = typer.Option(10, "--max-size", min=1, metavar="N",
                                 help="With {size}: sizes grow 1..N (then double while --count lasts)."),
    shrink_runs: int = typer.Option(200, "--shrink-runs", min=0, metavar="N",
                                    help="Runs spent looking for a smaller failing input."),
    keep_going: bool = typer.Option(False, "--keep-going", help="Collect several failures."),
    save: Path | None = typer.Option(None, "--save", metavar="DIR",
                                     help="Write failing cases as DIR/NAME.in + NAME.out."),
    lang: str | None = typer.Option(None, "--lang", help="python or cpp, for files whose suffix "
                                    "does not say."),
    time_limit: float | None = typer.Option(None, "--time-limit", metavar="S", help="CPU seconds per run."),
    memory_limit: int | None = typer.Option(None, "--memory-limit", metavar="MB", help="Memory per run."),
    exact: bool = typer.Option(False, "--exact", help="Compare bytes exactly (CRLF-insensitive)."),
    float_tol: float | None = typer.Option(None, "--float-tol", metavar="EPS",
                                           help="Numbers may differ by EPS, absolute or relative."),
    checker: str | None = typer.Option(None, "--checker", metavar="CMD", help="An external checker."),
    checker_style: str = typer.Option("testlib", "--checker-style", metavar="S",
                                      help="testlib, judgels or kattis (as in ocr test)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Plain output, no progress."),
) -> None:
    """Stress-test SOLUTION against BRUTE on inputs from GEN; exit 1 when they disagree."""
    from ocr_cli.judge.runner import Judge
    from ocr_cli.problem.types import Problem
    from ocr_cli.solve.setup import Checking, judge_options_from
    from ocr_cli.stress.programs import is_template
    from ocr_cli.stress.runner import StressOptions, StressProgress, stress
    from ocr_cli.stress.setup import ProgramSource, open_programs, read_source

    checking = Checking(exact=exact, float_tol=float_tol, checker=checker, checker_style=checker_style)
    language = Language.parse(lang) if lang else None
    settings = load_settings({"time_limit": time_limit, "memory_limit": memory_limit})
    options = judge_options_from(settings, Problem(statement=""), checking)
    generator: ProgramSource | str
    if is_template(gen):
        generator = gen
        reproduce = gen
    else:
        generator = read_source(Path(gen), "generator", language)
        reproduce = f"{gen} {{seed}}"
    sources = (read_source(solution, "solution", language), read_source(brute, "brute", language))
    stress_options = StressOptions(
        count=count if count is not None or time_budget is not None else 1000, time_budget_s=time_budget,
        jobs=jobs, start_seed=seed, max_size=max_size, shrink_runs=shrink_runs, keep_going=keep_going)
    cancel = threading.Event()
    view_console = make_console(quiet=quiet, stderr=as_json)
    from ocr_cli.frontend.render_stress import StressView, render_stress_result

    # with --json off a terminal, the JSON object is the only output
    view = StressView(view_console, reproduce) if not as_json or view_console.is_terminal else None
    progress = StressProgress()
    try:
        # closing(): after Ctrl-C the runs still going stop before the programs are removed
        with open_programs(Judge(options), *sources, generator, cancel=cancel) as programs, \
                contextlib.closing(stress(programs.generator, programs.brute, programs.solution,
                                          stress_options, cancel)) as events, \
                view if view is not None else contextlib.nullcontext():
            for event in events:
                progress.add(event)
                if view is not None:
                    view.handle(event)
    except KeyboardInterrupt:
        cancel.set()
        result = progress.so_far()
        _save(save, result.failures if keep_going else result.failures[:1], view_console)
        if as_json:
            print(json.dumps(result.to_json(), indent=2))
        else:
            render_stress_result(view_console, result, reproduce)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    result = progress.so_far()
    _save(save, result.failures if keep_going else result.failures[:1], view_console)
    if as_json:
        print(json.dumps(result.to_json(), indent=2))
    if result.status == "broken" and result.broken is not None:
        error_line(result.broken.describe())
        raise typer.Exit(EXIT_USAGE)
    if result.status == "cancelled":
        raise typer.Exit(EXIT_INTERRUPTED)
    raise typer.Exit(EXIT_FAILED if result.status == "failed" else 0)


def _save(folder: Path | None, failures: Sequence[Failure], console: Console) -> None:
    from ocr_cli.stress.save import save_failures

    if folder is None or not failures:
        return
    written = save_failures(folder, failures)
    plural = "s" if len(written) != 1 else ""
    console.print(f"saved {len(written)} failing case{plural} to {folder}", markup=False)
