"""What a bench run is asked to do: strategies, languages, where results go, and its recorded config."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from ocr_cli.config import STRATEGIES, Settings
from ocr_cli.errors import ConfigError
from ocr_cli.language import Language
from ocr_cli.problem.livecodebench import RELEASE_WINDOWS, LcbFilter

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
        "n": settings.n,
        "rounds": settings.rounds,
        "max_tokens": settings.max_tokens,
        "token_budget": settings.token_budget,
        "time_budget": settings.time_budget,
        "seed": settings.seed,
        "generator": generator,
        "critic_engine": critic,
    }


def parse_ks(value: str, samples: int | None) -> tuple[int, ...]:
    """`1,5,10` → (1, 5, 10); with `--samples K`, the k above K are dropped (pass@k needs k ≤ K)."""
    try:
        ks = sorted({int(part) for part in value.split(",") if part.strip()})
    except ValueError:
        raise ConfigError(f"--k takes whole numbers, not {value!r}", hint="e.g. --k 1,5,10") from None
    if not ks or ks[0] < 1:
        raise ConfigError(f"--k takes numbers of at least 1, not {value!r}", hint="e.g. --k 1,5,10")
    if samples is not None:
        ks = [k for k in ks if k <= samples] or [1]
    return tuple(ks)


def _day(value: str | None, flag: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"{flag} takes a day like 2024-08-01, not {value!r}") from None


def _choices(value: str | None, allowed: tuple[str, ...], flag: str) -> frozenset[str]:
    chosen = frozenset(part.strip().lower() for part in (value or "").split(",") if part.strip())
    unknown = sorted(chosen - set(allowed))
    if unknown:
        raise ConfigError(f"unknown {flag} value {', '.join(unknown)}",
                          hint=f"choose from {', '.join(allowed)}")
    return chosen


def lcb_filter(release: str | None, date_from: str | None, date_to: str | None, platform: str | None,
               difficulty: str | None) -> LcbFilter:
    """The LiveCodeBench row filter of the flags; `--release v5` alone means the paper's window."""
    window = RELEASE_WINDOWS.get(release or "", (None, None))
    explicit = date_from is not None or date_to is not None
    return LcbFilter(
        date_from=_day(date_from, "--date-from") if explicit else window[0],
        date_to=_day(date_to, "--date-to") if explicit else window[1],
        platforms=_choices(platform, ("atcoder", "leetcode", "codeforces"), "--platform"),
        difficulties=_choices(difficulty, ("easy", "medium", "hard"), "--difficulty"),
    )
