"""`ocr bench DIR [DIR...]`: measure how many problems a model solves per strategy and language."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from ocr_cli.bench.plan import (
    bench_config,
    default_output,
    latest_output,
    parse_languages,
    parse_strategies,
)
from ocr_cli.cli.console import make_console
from ocr_cli.config import load_settings
from ocr_cli.errors import EXIT_INTERRUPTED, ConfigError

if TYPE_CHECKING:  # the bench core is imported when a bench runs, not for `ocr --help`
    from ocr_cli.bench.report import BenchReport, GroupSummary, RunRecord
    from ocr_cli.bench.runner import BenchProgress


def bench(
    dirs: list[Path] = typer.Argument(..., help="Problem folders, or folders of them."),
    strategy: str = typer.Option("single,select,loop", "--strategy", "-s",
                                 help="Strategies to compare, comma-separated: single, select, loop."),
    lang: str = typer.Option("python", "--lang", "-l", help="Languages, comma-separated: python, cpp."),
    model: str | None = typer.Option(None, "--model", "-m",
                                     help="Generator model: preset, .gguf, openai:… or scripted:…"),
    critic: str | None = typer.Option(None, "--critic",
                                      help="A separate critic model (default: the generator)."),
    no_critic: bool | None = typer.Option(None, "--no-critic", help="Accept on tests alone."),
    select: str | None = typer.Option(None, "--select",
                                      help="How the critic picks: p-right or shortest-critique."),
    n: int | None = typer.Option(None, "-n", min=1, help="Candidates per round."),
    rounds: int | None = typer.Option(None, "--rounds", min=0, help="Revision rounds."),
    max_tokens: int | None = typer.Option(None, "--max-tokens", min=1, help="Tokens per generation."),
    token_budget: int | None = typer.Option(None, "--token-budget", min=1, help="Tokens per problem."),
    time_budget: float | None = typer.Option(None, "--time-budget", min=0.1, help="Seconds per problem."),
    seed: int | None = typer.Option(None, "--seed",
                                    help="Sampling seed (reproduces a cold start: docs/usage.md)."),
    limit: int | None = typer.Option(None, "--limit", min=1, help="Take only the first K problems."),
    jobs: int = typer.Option(1, "-j", "--jobs", min=1,
                             help="Problems in parallel (servers only; in-process models run one)."),
    output: Path | None = typer.Option(None, "-o", "--output",
                                       help="Results JSON (default bench-results/<time>.json)."),
    resume: bool = typer.Option(False, "--resume", help="Continue the results file (-o, else the newest)."),
    plot: Path | None = typer.Option(None, "--plot", help="Draw pass rate vs tokens into this PNG."),
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
    """
    strategies = parse_strategies(strategy)
    languages = parse_languages(lang)
    settings = load_settings({
        "model": model, "critic": critic, "no_critic": no_critic, "select": select, "n": n, "rounds": rounds,
        "max_tokens": max_tokens, "token_budget": token_budget, "time_budget": time_budget, "seed": seed,
        "n_gpu_layers": n_gpu_layers, "n_ctx": ctx, "threads": threads, "verbose": verbose,
    })
    from ocr_cli.bench.problemset import discover
    from ocr_cli.bench.report import BenchReport, check_resumable
    from ocr_cli.bench.runner import BenchRunner, parallel_capable

    problems = discover(list(dirs))
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
        config = bench_config(settings, list(dirs), strategies, languages, limit, generator.info.describe(),
                              critic_engine.info.describe() if critic_engine else None)
        report = BenchReport(config=config)
        if resume and path.exists():
            previous = BenchReport.read(path)
            check_resumable(previous.config, config, path)
            previous.config = config
            report = previous
        solve_settings = solve_settings_from(settings, model_preset(settings.model)[0])
        runner = BenchRunner(generator, critic_engine, settings, solve_settings,
                             strategies=strategies, languages=languages, jobs=jobs)
        if jobs > 1 and not parallel_capable(generator, critic_engine) and not quiet:
            err.print("-j: this engine solves one problem at a time (only a server runs several)",
                      markup=False)
        done_before = len(report.done_keys() & set(runner.planned_keys(problems)))
        if not quiet:
            err.print(f"bench: {len(problems)} problems × {', '.join(strategies)} × "
                      f"{', '.join(lang.value for lang in languages)}; {done_before} runs already done; "
                      f"results → {path}", markup=False)
        cancel = threading.Event()
        try:
            runner.run(problems, report, path, on_progress=None if quiet else _progress_printer(err),
                       cancel=cancel)
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
        from ocr_cli.bench.plot import plot_pass_rate

        out.print(f"plot: {plot_pass_rate(report, plot)}", markup=False)


def _progress_printer(console: Console) -> Any:
    from ocr_cli.bench.runner import RunFinished

    def show(event: BenchProgress) -> None:
        if isinstance(event, RunFinished):
            console.print(f"[{event.done}/{event.total}] {_record_line(event.record)}", markup=False)

    return show


def _record_line(record: RunRecord) -> str:
    head = f"{record.problem} {record.strategy} {record.language}: {record.status}"
    if record.status in ("skipped", "error"):
        return f"{head} ({record.reason})"
    return (f"{head} · {record.final_verdict or 'no code'} {record.tests_passed}/{record.tests_total}"
            f" · {record.generated_tokens} tok · {record.elapsed_s:.1f}s · rounds {record.rounds}")


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.0f}%"


def _cell(record: RunRecord | None) -> str:
    if record is None:
        return ""
    if record.status == "solved":
        return "solved"
    if record.status == "failed":
        return f"{record.final_verdict or 'no code'} {record.tests_passed}/{record.tests_total}"
    return record.status


def render_report(console: Console, report: BenchReport) -> None:
    """The per-problem table and the per-strategy summary."""
    groups = report.groups()
    columns = [(g.strategy, g.language) for g in groups]
    by_key = {r.key: r for r in report.records}
    problems = list(dict.fromkeys(r.problem for r in report.records))
    per_problem = Table(title="per problem", title_justify="left", box=box.SIMPLE_HEAD, padding=(0, 1),
                        pad_edge=False, collapse_padding=True)
    per_problem.add_column("problem")
    for strategy, language in columns:
        per_problem.add_column(f"{strategy} {language}")
    for problem in problems:
        per_problem.add_row(problem, *(_cell(by_key.get((problem, s, lang))) for s, lang in columns))
    console.print(per_problem)
    summary = Table(title="summary (critic P/R: precision/recall vs hidden tests)", title_justify="left",
                    box=box.SIMPLE_HEAD, padding=(0, 1), pad_edge=False, collapse_padding=True)
    for name in ("strategy", "lang", "solved", "pass@1", "tok/prob", "time", "rounds",
                 "critic P", "critic R", "skip", "err"):
        summary.add_column(name, justify="left" if name in ("strategy", "lang") else "right", no_wrap=True)
    for group in [*groups, *([_overall(report)] if len(groups) > 1 else [])]:
        summary.add_row(
            group.strategy, group.language, f"{group.solved}/{group.attempted}", _pct(group.pass_rate),
            "–" if group.tokens_per_problem is None else f"{group.tokens_per_problem:.0f}",
            f"{group.elapsed_s:.1f}s", "–" if group.mean_rounds is None else f"{group.mean_rounds:.1f}",
            _pct(group.critic.precision), _pct(group.critic.recall), str(group.skipped), str(group.errors))
    console.print(summary)


def _overall(report: BenchReport) -> GroupSummary:
    from ocr_cli.bench.report import summarize

    return summarize(report.records)

