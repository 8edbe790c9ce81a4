"""`ocr critique`: ask the critic whether a solution is right, with its confidence and reasoning."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.text import Text

from ocr_cli.cli.commands.solve import print_default_model_notice, read_problem, settings_from_flags
from ocr_cli.cli.console import make_console
from ocr_cli.code.extract import split_reasoning
from ocr_cli.errors import EXIT_INTERRUPTED, ConfigError, ProblemError
from ocr_cli.language import Language


def _read_solution(path: Path) -> str:
    try:
        code = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProblemError("solution file not found", path=path) from None
    except IsADirectoryError:
        raise ProblemError("is a folder, not a solution file", path=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ProblemError(f"cannot read the solution: {exc}", path=path) from None
    if not code.strip():
        raise ProblemError("the solution is empty", path=path)
    return code


def critique(
    problem: str = typer.Argument(..., help="Problem statement file, problem folder, or - for stdin."),
    solution: Path = typer.Argument(..., help="The solution's source file (.py or .cpp)."),
    critic: str | None = typer.Option(None, "--critic", help="Critic model (default: --model)."),
    model: str | None = typer.Option(None, "--model", "-m", help="Model, when no --critic is given."),
    lang: str | None = typer.Option(None, "--lang", "-l", help="Language (default: from the extension)."),
    max_tokens: int | None = typer.Option(None, "--max-tokens", help="Tokens of the critique."),
    seed: int | None = typer.Option(None, "--seed", help="Sampling seed (see docs/usage.md)."),
    temperature: float | None = typer.Option(None, "--temperature", help="Sampling temperature."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Plain output."),
    show_reasoning: bool = typer.Option(False, "--show-reasoning", help="Show the <think> part too."),
    n_gpu_layers: int | None = typer.Option(None, "--n-gpu-layers", help="Layers on the GPU (-1: all)."),
    ctx: int | None = typer.Option(None, "--ctx", help="Context size cap."),
    threads: int | None = typer.Option(None, "--threads", help="CPU threads."),
) -> None:
    """Judge a solution with the critic: verdict, confidence p(right) and reasoning. Exit 0 when right."""
    from ocr_cli.engines.factory import open_engine
    from ocr_cli.solve.critic import critique_code
    from ocr_cli.solve.setup import model_preset, solve_settings_from

    settings = settings_from_flags({"model": model, "critic": critic, "lang": lang, "max_tokens": max_tokens,
                                    "seed": seed, "temperature": temperature, "n_gpu_layers": n_gpu_layers,
                                    "n_ctx": ctx, "threads": threads})
    if problem == "-" and str(solution) == "-":
        raise ConfigError("the problem and the solution cannot both come from stdin")
    language = Language.parse(lang) if lang else Language.from_path(solution)
    code = _read_solution(solution)
    loaded = read_problem(problem)
    spec = settings.critic or settings.model
    preset, is_default = model_preset(spec)
    if is_default:
        print_default_model_notice(spec)
    solve = solve_settings_from(settings, preset)
    params = solve.critic_sampling(solve.critic_max_tokens, solve.seed)
    console = make_console(quiet=quiet)
    engine = open_engine(spec, settings)
    try:
        found, result = critique_code(engine, loaded, code, language, params)
    except KeyboardInterrupt:
        raise typer.Exit(EXIT_INTERRUPTED) from None
    finally:
        engine.close()
    reasoning, answer = split_reasoning(found.text)
    if json_out:
        print(json.dumps({
            "verdict": found.verdict, "p_right": found.p_right, "critique": answer, "reasoning": reasoning,
            "tokens": {"generated": result.completion_tokens, "prompt": result.prompt_tokens},
            "finish_reason": result.finish_reason,
        }, indent=2))
    else:
        if show_reasoning and reasoning:
            console.print(Text(reasoning, style="dim"))
        console.print(Text(answer.strip() or "(empty critique)"))
        confidence = f" (p(right) = {found.p_right:.2f})" if found.p_right is not None else ""
        style = "bold green" if found.verdict == "right" else "bold red"
        console.print(Text(f"verdict: {found.verdict or 'no verdict'}{confidence}", style=style))
    raise typer.Exit(0 if found.verdict == "right" else 1)
