"""`ocr solve`: draft, test, critique and revise solutions to one problem.

stdout carries only the result: the final code (default), nothing with `-o FILE`, the JSON with
`--json`. Banners, progress and the live view go to stderr; with `-q` only the final status line.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer

from ocr_cli.cli.console import make_console
from ocr_cli.config import Settings, load_settings
from ocr_cli.errors import EXIT_INTERRUPTED, ConfigError, ProblemError
from ocr_cli.frontend.render_solve import SolveView, render_result, result_to_json, summary_line
from ocr_cli.language import Language
from ocr_cli.problem.types import Problem
from ocr_cli.solve.setup import Checking
from ocr_cli.solve.types import SolveResult

CHECKER_STYLE_HELP = ("testlib (CMD in out ans), judgels (CMD in ans out, prints AC/WA) or kattis "
                      "(CMD in ans dir < out, 42/43).")


def settings_from_flags(flags: dict[str, Any]) -> Settings:
    """Resolve settings with only the flags the user gave."""
    return load_settings({k: v for k, v in flags.items() if v is not None})


def read_problem(source: str | None) -> Problem:
    """The problem from a file, a problem folder, or stdin ("-" or nothing with piped input)."""
    from ocr_cli.solve.setup import load_problem_source

    if source is None:
        if sys.stdin.isatty():
            raise ProblemError("no problem given", hint="ocr solve PROBLEM_FILE, or pipe the statement in")
        source = "-"
    return load_problem_source(source)


def output_language(lang: str | None, output: Path | None) -> str | None:
    """The `--lang` to use: the flag's, else the one `-o FILE`'s extension names; exit 2 on a clash."""
    from_flag = Language.parse(lang) if lang is not None else None
    from_file: Language | None = None
    if output is not None and output.suffix:
        try:
            from_file = Language.from_path(output)
        except ConfigError:
            from_file = None  # an extension ocr does not know (.txt, .sol): the flag or config decides
    if from_flag is not None and from_file is not None and from_flag is not from_file:
        raise ConfigError(f"--lang {lang} does not match -o {output} (a {from_file.display_name} file)",
                          hint=f"drop --lang, or write to a {from_flag.extension} file")
    chosen = from_flag or from_file
    return chosen.value if chosen is not None else None


def add_statement(problem: Problem, statement_file: Path | None, fetch: bool) -> Problem:
    """The problem with the statement `--statement FILE` gives or `--fetch-statement` downloads."""
    from ocr_cli.problem.loader import with_statement

    if statement_file is not None:
        from ocr_cli.problem.text import decode_text

        try:
            data = statement_file.read_bytes()
        except OSError as exc:
            raise ProblemError(f"cannot read the statement: {exc.strerror or exc}",
                               path=statement_file) from None
        return with_statement(problem, decode_text(data, path=statement_file))
    if fetch:
        from ocr_cli.problem.fetch import fetch_statement

        if problem.url is None:
            raise ProblemError("--fetch-statement: the problem names no URL", hint="give --statement FILE")
        return with_statement(problem, fetch_statement(problem.url))
    return problem


def print_default_model_notice(spec: str | None) -> None:
    """The one-line notice that the tiny embedded model is in use (stderr)."""
    from ocr_cli.models.registry import DEFAULT_MODEL_NOTICE
    from ocr_cli.solve.setup import model_preset

    if model_preset(spec)[1]:
        print(f"ocr: {DEFAULT_MODEL_NOTICE}", file=sys.stderr)


def write_code(path: Path, code: str) -> None:
    """Write the final code to `-o FILE` (folders made as needed)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(code, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot write the code: {exc.strerror or exc}", path=path) from None


def solve(
    problem: str | None = typer.Argument(None, help="Problem statement file (text, Markdown, Competitive "
                                         "Companion JSON), a problem folder, or - for stdin."),
    lang: str | None = typer.Option(None, "--lang", "-l", help="Solution language: python (py, python3) or "
                                    "cpp (c++); default: from -o FILE's extension, else python."),
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
    select: str | None = typer.Option(None, "--select", help="How the critic picks among candidates: "
                                      "p-right (default) or shortest-critique (the paper's rule)."),
    critic_temperature: float | None = typer.Option(None, "--critic-temperature", help="The critic's "
                                                    "temperature (default 0.6 with shortest-critique)."),
    no_critic: bool | None = typer.Option(None, "--no-critic", help="Tests alone decide."),
    stress: bool | None = typer.Option(None, "--stress/--no-stress",
                                       help="Generated tests: a model-written brute force and input "
                                            "generator, and sample-shaped inputs (default: on for loop "
                                            "and select)."),
    require_tests: bool | None = typer.Option(None, "--require-tests", help="Refuse to solve without tests "
                                              "(config require_tests)."),
    seed: int | None = typer.Option(None, "--seed", help="Seed of the first draft (then seed+1, ... per "
                                    "request). Same seed, model file, build and settings: same drafts, in "
                                    "a new process or a warm one; not from a server (docs/usage.md)."),
    temperature: float | None = typer.Option(None, "--temperature", help="Sampling temperature."),
    time_limit: float | None = typer.Option(None, "--time-limit", metavar="S", help="CPU seconds per case."),
    memory_limit: int | None = typer.Option(None, "--memory-limit", metavar="MB", help="Memory per case."),
    exact: bool = typer.Option(False, "--exact", help="Compare bytes exactly (CRLF-insensitive)."),
    float_tol: float | None = typer.Option(None, "--float-tol", metavar="EPS",
                                           help="Numbers may differ by EPS, absolute or relative."),
    checker: str | None = typer.Option(None, "--checker", metavar="CMD", help="An external checker."),
    checker_style: str = typer.Option("testlib", "--checker-style", metavar="S", help=CHECKER_STYLE_HELP),
    statement: Path | None = typer.Option(None, "--statement", metavar="FILE",
                                          help="The statement text, for a problem that has none (JSON)."),
    fetch_statement: bool = typer.Option(False, "--fetch-statement", help="Download the statement from "
                                         "the problem's URL (needs the fetch extra)."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the final code to FILE "
                                       "(then stdout stays empty)."),
    code_only: bool = typer.Option(False, "--code-only", "-x", help="Print only the code (the default)."),
    json_out: bool = typer.Option(False, "--json", help="Print the result as one JSON object."),
    no_log: bool = typer.Option(False, "--no-log", help="Keep no transcript of this run."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only the final status line on stderr."),
    show_reasoning: bool | None = typer.Option(None, "--show-reasoning", help="Show <think> reasoning."),
    verbose: bool | None = typer.Option(None, "--verbose", help="Tracebacks and engine details."),
    n_gpu_layers: int | None = typer.Option(None, "--n-gpu-layers", help="Layers on the GPU (-1: all)."),
    ctx: int | None = typer.Option(None, "--ctx", help="Context size cap."),
    threads: int | None = typer.Option(None, "--threads", help="CPU threads."),
) -> None:
    """Solve a problem: draft N candidates, test, self-critique, revise; print the best code."""
    if json_out and code_only:
        raise ConfigError("--json and --code-only cannot be used together")
    checking = Checking(exact=exact, float_tol=float_tol, checker=checker, checker_style=checker_style)
    settings = settings_from_flags({
        "lang": output_language(lang, output), "model": model, "critic": critic, "n": n, "rounds": rounds,
        "token_budget": token_budget, "time_budget": time_budget, "max_tokens": max_tokens,
        "strategy": strategy, "select": select, "critic_temperature": critic_temperature,
        "no_critic": no_critic, "stress": stress, "seed": seed, "temperature": temperature,
        "log": False if no_log else None, "show_reasoning": show_reasoning, "verbose": verbose,
        "n_gpu_layers": n_gpu_layers, "n_ctx": ctx, "threads": threads, "require_tests": require_tests,
        "time_limit": time_limit, "memory_limit": memory_limit,
    })
    loaded = add_statement(read_problem(problem), statement, fetch_statement)
    # A script reading --json gets a quiet stderr (its warnings are in the JSON); a person sees progress.
    # Only -q silences the notice that the tiny demo model is in use.
    notice = not quiet
    quiet = quiet or (json_out and not sys.stderr.isatty())
    outcome = run_solve(loaded, settings, tests, checking=checking, quiet=quiet, output=output,
                        model_notice=notice)
    result = outcome.result
    if json_out:
        print(json.dumps(result_to_json(result, tests_total=outcome.tests_total, warnings=outcome.warnings),
                         indent=2), flush=True)
    elif output is None and result.code:
        print_code(result.code, result.language)
    written = f", written to {output}" if output is not None and result.code else ""
    if outcome.interrupted:  # the last line, after the code: what a user pressing Ctrl-C looks for
        final = f"interrupted: best so far {result.best_id or '-'}{written}"
    else:
        final = summary_line(result) + written
    make_console(quiet=quiet, stderr=True).print(final, markup=False, highlight=False,
                                                 style="bold" if result.status == "accepted" else "")
    if outcome.interrupted:
        raise typer.Exit(EXIT_INTERRUPTED)
    raise typer.Exit(0 if result.status == "accepted" else 1)


def print_code(code: str, language: Language) -> None:
    """The code on stdout: highlighted on a terminal, byte for byte otherwise (`> sol.py` runs)."""
    if sys.stdout.isatty():
        from rich.syntax import Syntax

        lexer = "python" if language is Language.PYTHON else "cpp"
        make_console().print(Syntax(code, lexer, theme="ansi_dark", background_color="default"))
        return
    sys.stdout.write(code if code.endswith("\n") else code + "\n")
    sys.stdout.flush()


@dataclass
class SolveOutcome:
    """What `ocr solve` prints from: the result, and what was said about the evidence."""

    result: SolveResult
    interrupted: bool
    tests_total: int
    warnings: list[str]


def run_solve(problem: Problem, settings: Settings, test_dirs: list[Path], *, checking: Checking,
              quiet: bool, output: Path | None, model_notice: bool = True) -> SolveOutcome:
    """Build everything, run the solve (`frontend.solve_run`) with its view on stderr, write `-o`.

    Ctrl-C stops the solve, keeps the transcript and the best code so far (the caller prints it and
    the final status line).
    """
    from ocr_cli.engines.factory import EnginePool
    from ocr_cli.frontend.solve_run import run_solve as run_with_view
    from ocr_cli.frontend.solve_run import start_transcript
    from ocr_cli.judge.runner import Judge
    from ocr_cli.solve.setup import (
        collect_tests,
        evidence_warnings,
        judge_options_from,
        judging_note,
        model_preset,
        solve_settings_from,
    )
    from ocr_cli.solve.solver import Solver

    tests = collect_tests(problem, test_dirs)
    warnings = evidence_warnings(problem, tests, settings)
    preset, is_default = model_preset(settings.model)
    solve_settings = solve_settings_from(settings, preset)
    judge = Judge(judge_options_from(settings, problem, checking))
    stderr = make_console(quiet=quiet, stderr=True)

    def say(line: str) -> None:
        if not quiet:
            stderr.print(line, markup=False, highlight=False)

    if is_default and model_notice:
        print_default_model_notice(settings.model)
    for line in warnings:
        say(f"ocr: warning: {line}")
    note = judging_note(problem, checking)
    if note:
        say(f"ocr: {note}")
    if problem.interactive:  # without an interactor it is a warning (and in --json's warnings)
        if judge.options.interactor is None:
            warnings.append(interactive_note(None, len(tests)))
            say(f"ocr: warning: {warnings[-1]}")
        else:
            say(f"ocr: {interactive_note(judge.options.interactor, len(tests))}")
    with EnginePool(settings) as pool:
        generator, critic = pool.generator_and_critic()
        solver = Solver(generator, critic, judge, solve_settings)
        models = {"generator": generator.info.model}
        if critic is not None:
            models["critic"] = critic.info.model
        recorder, no_transcript = start_transcript("solve", problem, settings, models)
        if no_transcript:
            say(f"ocr: warning: no transcript: {no_transcript}")
        view = None if quiet else SolveView(stderr, show_reasoning=settings.show_reasoning, show_code=False,
                                            show_summary=False)  # the final line comes after the code
        run = run_with_view(solver, problem, tests, recorder=recorder, view=view)
    if run.transcript_problem:
        say(f"ocr: warning: {run.transcript_problem}")
    result = run.result
    if output is not None and result.code:
        write_code(output, result.code)
    if run.interrupted and not quiet:
        render_result(stderr, result, show_code=False, show_summary=False)
    return SolveOutcome(result, run.interrupted, len(tests), warnings)


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
