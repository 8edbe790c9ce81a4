"""`ocr solve`: draft, test, critique and revise solutions to one problem."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer

from ocr_cli.cli.console import make_console
from ocr_cli.cli.render_solve import SolveView, result_to_json
from ocr_cli.config import Settings, load_settings
from ocr_cli.errors import ConfigError, ProblemError, StorageError
from ocr_cli.problem.types import Problem
from ocr_cli.solve.types import SolveResult

EXIT_INTERRUPTED = 130


def settings_from_flags(flags: dict[str, Any]) -> Settings:
    """Resolve settings with only the flags the user gave."""
    return load_settings({k: v for k, v in flags.items() if v is not None})


def read_problem(source: str | None) -> Problem:
    """The problem from a file, a problem folder, or stdin ("-" or nothing with piped input)."""
    from ocr_cli.problem.loader import load_problem
    from ocr_cli.solve.setup import statement_path

    if source is None:
        if sys.stdin.isatty():
            raise ProblemError("no problem given", hint="ocr solve PROBLEM_FILE, or pipe the statement in")
        source = "-"
    return load_problem(statement_path(source))


def print_default_model_notice(spec: str | None) -> None:
    """The one-line notice that the tiny embedded model is in use (stderr)."""
    from ocr_cli.models.registry import DEFAULT_MODEL_NOTICE
    from ocr_cli.solve.setup import model_preset

    if model_preset(spec)[1]:
        print(f"ocr: {DEFAULT_MODEL_NOTICE}", file=sys.stderr)


def _write_code(path: Path, code: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(code, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot write the code: {exc.strerror or exc}", path=path) from None


def solve(
    problem: str | None = typer.Argument(None, help="Problem statement file (text, Markdown, Competitive "
                                         "Companion JSON), a problem folder, or - for stdin."),
    lang: str | None = typer.Option(None, "--lang", "-l", help="Solution language: python or cpp."),
    model: str | None = typer.Option(None, "--model", "-m", help="Generator: preset, .gguf path, "
                                     "openai:MODEL@URL or scripted:FILE.json."),
    critic: str | None = typer.Option(None, "--critic", help="Critic model (default: the generator)."),
    n: int | None = typer.Option(None, "-n", help="Candidates drafted (default 4)."),
    rounds: int | None = typer.Option(None, "--rounds", help="Revision rounds (default 3)."),
    token_budget: int | None = typer.Option(None, "--token-budget", help="Tokens generated in all."),
    time_budget: float | None = typer.Option(None, "--time-budget", help="Seconds in all."),
    max_tokens: int | None = typer.Option(None, "--max-tokens", help="Tokens per generation."),
    tests: list[Path] = typer.Option([], "--tests", help="Folder of NAME.in/NAME.out tests (repeatable)."),
    strategy: str | None = typer.Option(None, "--strategy", help="single, select or loop (default)."),
    no_critic: bool | None = typer.Option(None, "--no-critic", help="Tests alone decide."),
    seed: int | None = typer.Option(None, "--seed", help="Seed of the first draft (then seed+1, ...)."),
    temperature: float | None = typer.Option(None, "--temperature", help="Sampling temperature."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the final code to FILE."),
    code_only: bool = typer.Option(False, "--code-only", "-x", help="Print only the code."),
    json_out: bool = typer.Option(False, "--json", help="Print the result as one JSON object."),
    no_log: bool = typer.Option(False, "--no-log", help="Keep no transcript of this run."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Plain output, no live view."),
    show_reasoning: bool | None = typer.Option(None, "--show-reasoning", help="Show <think> reasoning."),
    verbose: bool | None = typer.Option(None, "--verbose", help="Tracebacks and engine details."),
    n_gpu_layers: int | None = typer.Option(None, "--n-gpu-layers", help="Layers on the GPU (-1: all)."),
    ctx: int | None = typer.Option(None, "--ctx", help="Context size cap."),
    threads: int | None = typer.Option(None, "--threads", help="CPU threads."),
) -> None:
    """Solve a problem: draft N candidates, test, self-critique, revise; print the best code."""
    settings = settings_from_flags({
        "lang": lang, "model": model, "critic": critic, "n": n, "rounds": rounds,
        "token_budget": token_budget, "time_budget": time_budget, "max_tokens": max_tokens,
        "strategy": strategy, "no_critic": no_critic, "seed": seed, "temperature": temperature,
        "log": False if no_log else None, "show_reasoning": show_reasoning, "verbose": verbose,
        "n_gpu_layers": n_gpu_layers, "n_ctx": ctx, "threads": threads,
    })
    if json_out and code_only:
        raise ConfigError("--json and --code-only cannot be used together")
    loaded = read_problem(problem)
    result = run_solve(loaded, settings, tests, quiet=quiet, machine_output=json_out or code_only,
                       output=output)
    if json_out:
        print(json.dumps(result_to_json(result), indent=2))
    elif code_only and result.code:
        sys.stdout.write(result.code if result.code.endswith("\n") else result.code + "\n")
    if result.status == "cancelled":
        raise typer.Exit(EXIT_INTERRUPTED)
    raise typer.Exit(0 if result.status == "accepted" else 1)


def run_solve(problem: Problem, settings: Settings, test_dirs: list[Path], *, quiet: bool,
              machine_output: bool, output: Path | None) -> SolveResult:
    """Build everything, run the solve with its view and transcript, write `-o`; the result.

    Ctrl-C stops the solve, keeps the transcript and the best code so far, and returns the result
    with status "cancelled" (the command then exits 130).
    """
    from ocr_cli.engines.factory import EnginePool
    from ocr_cli.judge.runner import Judge
    from ocr_cli.solve.setup import collect_tests, judge_options_from, model_preset, solve_settings_from
    from ocr_cli.solve.solver import Solver

    tests = collect_tests(problem, test_dirs)
    preset, is_default = model_preset(settings.model)
    if is_default:
        print_default_model_notice(settings.model)
    solve_settings = solve_settings_from(settings, preset)
    judge = Judge(judge_options_from(settings, problem))
    stderr = make_console(quiet=quiet, stderr=True)
    if problem.interactive:
        stderr.print(interactive_note(judge.options.interactor, len(tests)), markup=False, highlight=False)
    if machine_output:
        view_console = stderr if stderr.is_terminal and not quiet else None
    else:
        view_console = make_console(quiet=quiet)
    with EnginePool(settings) as pool:
        generator, critic = pool.generator_and_critic()
        solver = Solver(generator, critic, judge, solve_settings)
        events = solver.solve(problem, tests)
        recorder = _start_transcript(problem, settings, generator, critic, stderr)
        view = SolveView(view_console, show_reasoning=settings.show_reasoning) if view_console else None
        result: SolveResult | None = None
        try:
            if view is not None:
                view.__enter__()
            for event in events:
                if recorder is not None:
                    recorder.record(event)
                if view is not None:
                    view.handle(event)
                if type(event).__name__ == "SolveFinished":
                    result = event.result  # type: ignore[union-attr]
        except KeyboardInterrupt:
            if view is not None:
                view.__exit__(None, None, None)
            partial = solver.result_so_far()
            _finish(recorder, partial, output, stderr)
            stderr.print(f"interrupted: best so far {partial.best_id or '-'}"
                         + (f", written to {output}" if output and partial.code else ""), markup=False)
            return partial
        finally:
            if view is not None:
                view.__exit__(None, None, None)
    if result is None:  # pragma: no cover - the solver always ends with SolveFinished
        result = solver.result_so_far()
    _finish(recorder, result, output, stderr)
    return result


def interactive_note(interactor: str | None, tests: int) -> str:
    """The one line that says how an interactive problem is judged."""
    if interactor is None:
        judged = "the critic alone decides" if tests == 0 else f"{tests} --tests cases run as batch tests"
        return ("interactive problem without an interactor: its samples are dialogues, not batch tests, "
                f"so they are not run; {judged} (put an interactor.py beside the statement to judge)")
    name = Path(interactor).name
    if tests == 0:
        return (f"interactive problem: no inputs for {name} (--tests DIR gives them), so the critic alone "
                "decides")
    return f"interactive problem: candidates are judged through {name} on {tests} tests"


def _start_transcript(problem: Problem, settings: Settings, generator: Any, critic: Any,
                      stderr: Any) -> Any:
    if not settings.log:
        return None
    try:
        from ocr_cli.storage.transcripts import TranscriptStore
    except ImportError:
        return None
    models = {"generator": generator.info.model}
    if critic is not None:
        models["critic"] = critic.info.model
    try:
        return TranscriptStore().start_run("solve", problem, settings, models)
    except StorageError as exc:
        stderr.print(f"ocr: warning: no transcript: {exc}", markup=False)
        return None


def _finish(recorder: Any, result: SolveResult, output: Path | None, stderr: Any) -> None:
    if recorder is not None:
        try:
            recorder.finish(result)
        except StorageError as exc:
            stderr.print(f"ocr: warning: transcript not finished: {exc}", markup=False)
    if output is not None and result.code:
        _write_code(output, result.code)
