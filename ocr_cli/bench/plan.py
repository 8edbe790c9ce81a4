"""What a bench run is asked to do: strategies, languages, where results go, and its recorded config."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ocr_cli.config import STRATEGIES, Settings
from ocr_cli.errors import ConfigError
from ocr_cli.language import Language

RESULTS_DIR = Path("bench-results")


def parse_strategies(value: str) -> tuple[str, ...]:
    """`single,loop` → ("single", "loop"); every name must be a known strategy."""
    names = tuple(dict.fromkeys(part.strip().lower() for part in value.split(",") if part.strip()))
    unknown = [name for name in names if name not in STRATEGIES]
    if not names or unknown:
        raise ConfigError(f"unknown strategy {', '.join(unknown) or value!r}",
                          hint=f"choose from {', '.join(STRATEGIES)}, comma-separated")
    return names


def parse_languages(value: str) -> tuple[Language, ...]:
    """`python,cpp` → (Language.PYTHON, Language.CPP)."""
    parts = [part.strip() for part in value.split(",") if part.strip()]
    if not parts:
        raise ConfigError("no language given", hint="e.g. --lang python,cpp")
    return tuple(dict.fromkeys(Language.parse(part) for part in parts))


def default_output(now: datetime | None = None, folder: Path = RESULTS_DIR) -> Path:
    """`bench-results/<UTC timestamp>.json`."""
    stamp = (now or datetime.now(timezone.utc)).strftime("%Y%m%d-%H%M%S")
    return folder / f"{stamp}.json"


def latest_output(folder: Path = RESULTS_DIR) -> Path:
    """The newest results file in `folder`, for `--resume` without `-o`."""
    files = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime) if folder.is_dir() else []
    if not files:
        raise ConfigError("no results to resume", path=folder, hint="pass the results file with -o")
    return files[-1]


def bench_config(
    settings: Settings,
    dirs: list[Path],
    strategies: tuple[str, ...],
    languages: tuple[Language, ...],
    limit: int | None,
    generator: str,
    critic: str | None,
) -> dict[str, Any]:
    """The config recorded in the results file (and compared on `--resume`)."""
    return {
        "sets": [str(d) for d in dirs],
        "strategies": list(strategies),
        "languages": [lang.value for lang in languages],
        "limit": limit,
        "model": settings.model,
        "critic": settings.critic,
        "no_critic": settings.no_critic,
        "stress": settings.stress,
        "n": settings.n,
        "rounds": settings.rounds,
        "max_tokens": settings.max_tokens,
        "token_budget": settings.token_budget,
        "time_budget": settings.time_budget,
        "seed": settings.seed,
        "generator": generator,
        "critic_engine": critic,
    }
