"""`/stress [BRUTE GEN] [N]`: stress-test the best code of the current problem (N runs, default 300;
as many runs again at most to look for a smaller failing input).

The brute force and generator come from files (GEN may be a command with {seed}, quoted), else from
the last solve's generated tests, else from the model, asked now. Ctrl-C stops the runs and keeps the
summary.
"""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path

from rich.console import Console

from ocr_cli.errors import ProblemError
from ocr_cli.frontend.render_stress import StressView
from ocr_cli.language import Language
from ocr_cli.repl.session import ReplSession
from ocr_cli.stress.programs import is_template
from ocr_cli.stress.runner import DEFAULT_SHRINK_RUNS, StressOptions, StressProgress, stress
from ocr_cli.stress.setup import ProgramSource, open_programs, read_source

REPL_COUNT = 300  # runs of one /stress (ocr stress --count for more)
USAGE = "/stress [BRUTE GEN] [N]"


def _tools_from_model(session: ReplSession, console: Console) -> tuple[ProgramSource, ProgramSource]:
    from ocr_cli.solve.generated import ask_for_tools

    entry = session.last_run
    brute, generator = (entry.brute_code, entry.generator_code) if entry is not None else (None, None)
    if brute is None or generator is None:
        problem = session.problem
        assert problem is not None
        engine, _ = session.engines()
        settings = session._solve_settings()
        with console.status("asking the model for a brute force and a generator…") \
                if console.is_terminal else contextlib.nullcontext():
            codes = ask_for_tools(engine, problem, settings.sampling(settings.max_tokens, settings.seed))
        brute, generator = brute or codes["brute"], generator or codes["generator"]
    if brute is None or generator is None:
        raise ProblemError("the model wrote no brute force or generator code: /stress BRUTE GEN with files")
    return (ProgramSource(brute, Language.PYTHON, "brute"), ProgramSource(generator, Language.PYTHON,
                                                                          "generator"))


def run_stress_command(session: ReplSession, console: Console, arguments: list[str]) -> None:
    """Run `/stress` (see the module docstring)."""
    from ocr_cli.repl.commands import CommandError

    args = list(arguments)
    count = REPL_COUNT
    if args and args[-1].isdigit():
        count = max(1, int(args.pop()))
    if len(args) not in (0, 2):
        raise CommandError(f"usage: {USAGE}")
    if session.problem is None:
        raise ProblemError("no current problem: paste a statement first")
    found = session.best_code()
    if found is None:
        raise ProblemError("no code yet: solve the problem first")
    solution = ProgramSource(found[0], found[1], "solution")
    generator: ProgramSource | str
    if args:
        brute = read_source(Path(args[0]).expanduser(), "brute", None)
        generator = args[1] if is_template(args[1]) else read_source(Path(args[1]).expanduser(),
                                                                      "generator", None)
    else:
        brute, generator = _tools_from_model(session, console)
    cancel = threading.Event()
    progress = StressProgress()
    view = StressView(console, args[1] if args and is_template(args[1]) else None)
    try:
        judge = session._judge(session.problem)
        options = StressOptions(count=count, shrink_runs=min(count, DEFAULT_SHRINK_RUNS))
        with open_programs(judge, solution, brute, generator, cancel) as programs, \
                contextlib.closing(stress(programs.generator, programs.brute, programs.solution, options,
                                          cancel)) as events, view:
            for event in events:
                progress.add(event)
                view.handle(event)
    except KeyboardInterrupt:
        cancel.set()
        from ocr_cli.frontend.render_stress import render_stress_result

        render_stress_result(console, progress.so_far())
        return
    result = progress.so_far()
    if result.status == "broken" and result.broken is not None:
        raise ProblemError(result.broken.describe())
