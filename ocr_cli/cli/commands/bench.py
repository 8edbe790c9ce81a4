"""`ocr bench DIR|FILE.jsonl [...]`: measure how many problems a model solves per strategy and language,
and with `--samples K` the paper's pass@k and select@k (LiveCodeBench rows included)."""

from __future__ import annotations

import contextlib
import json
import threading
from pathlib import Path

import typer

from ocr_cli.bench.plan import (
    bench_config,
    default_output,
    latest_output,
    lcb_filter,
    parse_ks,
    parse_languages,
    parse_strategies,
)
from ocr_cli.cli.console import make_console
from ocr_cli.cli.render_bench import ProgressPrinter, render_report
from ocr_cli.config import load_settings
from ocr_cli.errors import EXIT_INTERRUPTED, ConfigError


def bench(
    dirs: list[Path] = typer.Argument(None, help="Problem folders (or folders of them), LiveCodeBench "
                                      ".jsonl files (or folders of them)."),
    strategy: str | None = typer.Option(None, "--strategy", "-s",
                                        help="Strategies to compare, comma-separated: single, select, loop "
                                             "(default: all three; with --samples: select)."),
    samples: int | None = typer.Option(None, "--samples", min=1,
                                       help="The paper's protocol: K drafts per problem, no revision; "
                                            "reports pass@1, pass@k and select@k."),
    ks: str = typer.Option("1,5,10", "--k", help="The k of pass@k and select@k, comma-separated."),
    fetch: str | None = typer.Option(None, "--fetch", help="Download a benchmark first: lcb."),
    release: str | None = typer.Option(None, "--release",
                                       help="LiveCodeBench release to bench (v1..v6; v5 is the paper's, "
                                            "2024-08..2025-02 unless --date-* say otherwise)."),
    date_from: str | None = typer.Option(None, "--date-from", help="LiveCodeBench: contests on or after "
                                                                   "this day (YYYY-MM-DD)."),
    date_to: str | None = typer.Option(None, "--date-to", help="LiveCodeBench: contests before this day."),
    platform: str | None = typer.Option(None, "--platform",
                                        help="LiveCodeBench: atcoder, leetcode, codeforces "
                                             "(comma-separated)."),
    difficulty: str | None = typer.Option(None, "--difficulty",
                                          help="LiveCodeBench: easy, medium, hard (comma-separated)."),
    lang: str = typer.Option("python", "--lang", "-l", help="Languages, comma-separated: python, cpp."),
    model: str | None = typer.Option(None, "--model", "-m",
                                     help="Generator model: preset, .gguf, openai:… or scripted:…"),
    critic: str | None = typer.Option(None, "--critic",
                                      help="A separate critic model (default: the generator)."),
    no_critic: bool | None = typer.Option(None, "--no-critic", help="Accept on tests alone."),
    stress: bool | None = typer.Option(None, "--stress/--no-stress",
                                       help="Generated tests in the solve loop (default: on for loop "
                                            "and select)."),
    select: str | None = typer.Option(None, "--select",
                                      help="How the critic picks: p-right or shortest-critique."),
    n: int | None = typer.Option(None, "-n", min=1, help="Candidates per round."),
    rounds: int | None = typer.Option(None, "--rounds", min=0, help="Revision rounds."),
    max_tokens: int | None = typer.Option(None, "--max-tokens", min=1, help="Tokens per generation."),
    token_budget: int | None = typer.Option(None, "--token-budget", min=1, help="Tokens per problem."),
    time_budget: float | None = typer.Option(None, "--time-budget", min=0.1, help="Seconds per problem."),
    seed: int | None = typer.Option(None, "--seed",
                                    help="Sampling seed (what it reproduces: docs/usage.md)."),
    limit: int | None = typer.Option(None, "--limit", min=1, help="Take only the first K problems."),
    jobs: int = typer.Option(1, "-j", "--jobs", min=1,
                             help="Problems in parallel against a server, each sending its drafts at once "
                                  "(up to j × n requests in flight); in-process models run one."),
    output: Path | None = typer.Option(None, "-o", "--output",
                                       help="Results JSON (default bench-results/<time>.json)."),
    resume: bool = typer.Option(False, "--resume", help="Continue the results file (-o, else the newest)."),
    plot: Path | None = typer.Option(None, "--plot", help="Draw pass rate vs tokens (with --samples: "
                                                          "pass@k and select@k vs k) into this PNG."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only the final tables."),
    n_gpu_layers: int | None = typer.Option(None, "--n-gpu-layers", help="Layers to offload (-1 all)."),
    ctx: int | None = typer.Option(None, "--ctx", help="Context size cap."),
    threads: int | None = typer.Option(None, "--threads", help="CPU threads."),
    verbose: bool | None = typer.Option(None, "--verbose", help="Tracebacks on errors."),
) -> None:
    """Measure solving power on problem sets: solved on hidden tests, tokens, time, critic accuracy.

    Each problem is solved from its statement and samples only; the final code (and every critiqued
    candidate) is then judged on the hidden tests/. Results go to a JSON file after every run.
    LiveCodeBench .jsonl files work the same way (public tests shown, private tests hidden);
    --samples K adds the paper's pass@k and select@k.
    """
    strategies = parse_strategies(strategy or ("select" if samples else "single,select,loop"))
    languages = parse_languages(lang)
    k_values = parse_ks(ks, samples)
    if samples is not None:  # the paper's protocol: K first drafts, critic selection, no revision
        n, rounds = samples, 0
    sets = _problem_sets(list(dirs or []), fetch, release)
    filters = lcb_filter(release, date_from, date_to, platform, difficulty)
    settings = load_settings({
        "model": model, "critic": critic, "no_critic": no_critic, "stress": stress, "select": select,
        "n": n, "rounds": rounds,
        "max_tokens": max_tokens, "token_budget": token_budget, "time_budget": time_budget, "seed": seed,
        "n_gpu_layers": n_gpu_layers, "n_ctx": ctx, "threads": threads, "verbose": verbose,
    })
    from ocr_cli.bench.problemset import discover
    from ocr_cli.bench.report import BenchReport, check_resumable
    from ocr_cli.bench.runner import BenchRunner, parallel_capable

    problems = discover(sets, filters)
    if not problems:
        raise ConfigError("no problem left after the filters", hint="widen --date-from/--date-to, "
                                                                   "--platform or --difficulty")
    if limit is not None:
        problems = problems[:limit]
    path = output if output is not None else (latest_output() if resume else default_output())
    if not resume and path.exists():
        raise ConfigError("results file exists", path=path,
                          hint="pass --resume to continue it, or another -o")
    out = make_console(quiet=quiet)
    err = make_console(quiet=quiet, stderr=True)

    from ocr_cli.engines.factory import EnginePool
    from ocr_cli.solve.setup import model_preset, solve_settings_from

    if settings.model is None and not quiet:
        from ocr_cli.models.registry import DEFAULT_MODEL_NOTICE

        err.print(DEFAULT_MODEL_NOTICE, markup=False)
    with EnginePool(settings) as pool:
        generator, critic_engine = pool.generator_and_critic()
        config = bench_config(settings, sets, strategies, languages, limit, generator.info.describe(),
                              critic_engine.info.describe() if critic_engine else None)
        config.update(samples=samples, k=list(k_values), filters=filters.describe())
        report = BenchReport(config=config)
        if resume and path.exists():
            previous = BenchReport.read(path)
            check_resumable(previous.config, config, path)
            previous.config = config
            report = previous
        solve_settings = solve_settings_from(settings, model_preset(settings.model)[0])
        runner = BenchRunner(generator, critic_engine, settings, solve_settings,
                             strategies=strategies, languages=languages, jobs=jobs, samples=samples)
        if jobs > 1 and not parallel_capable(generator, critic_engine) and not quiet:
            err.print("-j: this engine solves one problem at a time (only a server runs several)",
                      markup=False)
        done_before = len(report.done_keys() & set(runner.planned_keys(problems)))
        if not quiet:
            err.print(f"bench: {len(problems)} problems × {', '.join(strategies)} × "
                      f"{', '.join(lang.value for lang in languages)}; {done_before} runs already done; "
                      f"results → {path}", markup=False)
        cancel = threading.Event()
        printer = ProgressPrinter(err, done_before, len(runner.planned_keys(problems)))
        try:
            with printer if not quiet else contextlib.nullcontext(printer):
                runner.run(problems, report, path, cancel=cancel, on_progress=None if quiet else printer)
        except KeyboardInterrupt:
            cancel.set()
            err.print(f"interrupted: finished runs are in {path} (continue with --resume -o {path})",
                      markup=False)
            raise typer.Exit(EXIT_INTERRUPTED) from None
        finally:
            runner.close()
    if as_json:
        print(json.dumps(report.to_json()["summary"], indent=2))
    else:
        render_report(out, report)
        out.print(f"results: {path}", markup=False)
    if plot is not None:
        from ocr_cli.bench.plot import plot_pass_at_k, plot_pass_rate

        drawn = plot_pass_at_k(report, plot) if report.sampling() else plot_pass_rate(report, plot)
        out.print(f"plot: {drawn}", markup=False)


def _problem_sets(dirs: list[Path], fetch: str | None, release: str | None) -> list[Path]:
    """The paths to bench: those given; with `--fetch lcb` (or `--release` and no paths) also the
    release's files in ocr's data folder (downloaded first with --fetch)."""
    from ocr_cli.problem import livecodebench as lcb

    if fetch is not None and fetch.lower() != "lcb":
        raise ConfigError(f"unknown benchmark to fetch: {fetch!r}", hint="--fetch lcb")
    if fetch is not None or (release is not None and not dirs):
        version = release or "v5"
        paths = lcb.fetch_release(version) if fetch is not None else lcb.release_paths(version)
        missing = [p for p in paths if not p.is_file()]
        if missing:
            raise ConfigError(f"LiveCodeBench {version} is not downloaded", path=missing[0],
                              hint=f"run ocr bench --fetch lcb --release {version}, or "
                                   f"{lcb.missing_files_hint(version)}")
        dirs = [*dirs, *paths]
    elif release is not None:
        lcb.release_paths(release)  # an unknown release is an error even when only its window is used
    if not dirs:
        raise ConfigError("nothing to bench", hint="give problem folders or .jsonl files, or --release v5")
    return dirs
