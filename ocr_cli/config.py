"""Settings, resolved once: command-line flags > `OCR_*` environment variables > config file > defaults.

The config file is TOML with the settings' names as keys (`n = 8`, `model = "qwen2.5-coder-7b"`,
dashes or underscores). Environment variables are the names in capitals with the prefix `OCR_`
(`OCR_N=8`, `OCR_TIME_LIMIT=3`). `Settings.sources` says where each value came from.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ocr_cli import paths
from ocr_cli.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

STRATEGIES = ("single", "select", "loop")
SELECTIONS = ("p-right", "shortest-critique")  # ocr_cli.solve.ranking


@dataclass(frozen=True)
class Settings:
    """Every option ocr has, with its default."""

    # models and engines
    model: str | None = None  # a .gguf path, a preset name, openai:MODEL@URL or scripted:FILE.json
    critic: str | None = None  # as model; None: the generator critiques itself
    no_critic: bool = False
    n_gpu_layers: int = -1  # -1: all layers where the build can offload
    n_ctx: int = 32768  # cap on the context size (the model's training context is the other cap)
    threads: int | None = None  # None: all physical cores
    tokenizer: str | None = None  # local Hugging Face tokenizer folder for the chat template
    batched: bool = True  # decode N candidates together where the engine can
    prompt_lookup: bool = False  # prompt-lookup drafts (slower on CPU: docs/performance.md)
    api_key_env: str = "OCR_API_KEY"  # environment variable holding a server's API key
    concurrency: int = 4  # concurrent requests to a server
    request_timeout: float = 600.0  # seconds without data before a server request fails
    base_url: str | None = None  # server URL for `openai:MODEL` specs that name none
    server_n: bool = False  # ask a server for N answers in one request with `n` (vLLM, SGLang)
    verbose: bool = False
    # solving
    lang: str = "python"
    n: int = 4
    rounds: int = 3
    token_budget: int | None = None
    time_budget: float | None = None
    max_tokens: int | None = None  # per generation; None: the model preset's recommendation
    strategy: str = "loop"
    select: str = "p-right"  # how the critic picks: p-right, or shortest-critique (the paper's rule)
    critic_temperature: float | None = None  # None: 0.6 with shortest-critique, else `temperature`
    seed: int | None = None
    temperature: float | None = None  # None: the model preset's recommendation
    top_p: float | None = None
    top_k: int | None = None
    min_p: float | None = None
    stress: bool | None = None  # generated tests in the solve loop; None: on for loop and select
    log: bool = True  # keep a transcript in the SQLite database
    show_reasoning: bool = False
    # judging
    time_limit: float | None = None  # seconds; None: the problem's, else 2
    wall_time_limit: float | None = None  # wall-clock seconds; None: twice the time limit plus 1
    memory_limit: int | None = None  # MB; None: the problem's, else 1024
    jobs: int | None = None
    python: str | None = None
    cxx: str = "g++"
    cxx_flags: str = "-O2 -std=gnu++20"  # what judges offer today
    sandbox: str = "auto"  # auto | strict (refuse untrusted code without namespaces) | rlimits
    require_tests: bool = False  # refuse to solve when there are no tests (the critic alone would decide)

    sources: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    def with_overrides(self, **values: Any) -> Settings:
        """A copy with some values replaced (marked as coming from "session")."""
        sources = dict(self.sources)
        for key in values:
            sources[key] = "session"
        checked = {key: _coerce(key, value, "session") for key, value in values.items()}
        changed = dataclasses.replace(self, sources=sources, **checked)
        validate(changed)
        return changed


_FIELDS = {f.name: f for f in dataclasses.fields(Settings) if f.name != "sources"}
_TYPES = typing.get_type_hints(Settings)


def setting_names() -> list[str]:
    """The names of all settings, in declaration order."""
    return list(_FIELDS)


def _base_type(name: str) -> tuple[type, bool]:
    hint = _TYPES[name]
    optional = False
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        optional = len(args) < len(typing.get_args(hint))
        hint = args[0]
    return hint, optional


def _coerce(name: str, value: Any, origin: str) -> Any:
    if name not in _FIELDS:
        raise ConfigError(f"unknown setting {name!r}", path=origin if origin.endswith(".toml") else None)
    kind, optional = _base_type(name)
    where = f" (from {origin})"
    if value is None or (optional and isinstance(value, str) and value.strip().lower() in {"", "none"}):
        if optional:
            return None
        raise ConfigError(f"setting {name!r} needs a value{where}")
    try:
        if kind is bool:
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in {"1", "true", "yes", "on"}:
                return True
            if text in {"0", "false", "no", "off"}:
                return False
            raise ValueError(value)
        if kind is int:
            if isinstance(value, bool):
                raise ValueError(value)
            return int(value)
        if kind is float:
            if isinstance(value, bool):
                raise ValueError(value)
            return float(value)
        if name == "lang":  # every spelling (c++, CPP, py, python3) becomes the canonical one
            from ocr_cli.language import Language

            return Language.parse(str(value)).value
        return str(value)
    except ValueError:
        raise ConfigError(f"setting {name!r} wants a {kind.__name__}, got {value!r}{where}") from None


def validate(settings: Settings) -> None:
    """Raise ConfigError when values are out of range or not among the choices."""
    checks = [
        (settings.n >= 1, "n must be at least 1"),
        (settings.rounds >= 0, "rounds must be 0 or more"),
        (settings.strategy in STRATEGIES, f"strategy must be one of {', '.join(STRATEGIES)}"),
        (settings.select in SELECTIONS, f"select must be one of {', '.join(SELECTIONS)}"),
        (settings.critic_temperature is None or settings.critic_temperature >= 0,
         "critic_temperature must be 0 or more"),
        (settings.lang in {"python", "cpp"}, "lang must be python or cpp"),
        (settings.n_ctx >= 256, "n_ctx must be at least 256"),
        (settings.token_budget is None or settings.token_budget > 0, "token_budget must be positive"),
        (settings.time_budget is None or settings.time_budget > 0, "time_budget must be positive"),
        (settings.max_tokens is None or settings.max_tokens > 0, "max_tokens must be positive"),
        (settings.time_limit is None or settings.time_limit > 0, "time_limit must be positive"),
        (settings.wall_time_limit is None or settings.wall_time_limit > 0,
         "wall_time_limit must be positive"),
        (settings.memory_limit is None or settings.memory_limit > 0, "memory_limit must be positive"),
        (settings.concurrency >= 1, "concurrency must be at least 1"),
        (settings.sandbox in {"auto", "strict", "rlimits"}, "sandbox must be auto, strict or rlimits"),
    ]
    for ok, message in checks:
        if not ok:
            raise ConfigError(message)


def read_config_file(path: Path) -> dict[str, Any]:
    """The settings in a TOML config file ({} when there is none)."""
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"not valid TOML: {exc}", path=path) from None
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror}", path=path) from None
    result: dict[str, Any] = {}
    for key, value in data.items():
        name = key.replace("-", "_")
        if name not in _FIELDS:
            raise ConfigError(f"unknown setting {key!r}", path=path)
        result[name] = value
    return result


def read_environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The settings given as `OCR_*` environment variables."""
    env = os.environ if environ is None else environ
    found: dict[str, str] = {}
    for name in _FIELDS:
        key = f"OCR_{name.upper()}"
        if key in env:
            found[name] = env[key]
    return found


def load_settings(
    flags: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    config_path: Path | None = None,
) -> Settings:
    """Resolve settings from flags (only those given: None means not given), environment and file."""
    path = config_path or paths.config_file()
    values: dict[str, Any] = {}
    sources: dict[str, str] = {name: "default" for name in _FIELDS}
    layers: list[tuple[str, Mapping[str, Any]]] = [
        (str(path), read_config_file(path)),
        ("environment", read_environment(environ)),
        ("flag", {k: v for k, v in (flags or {}).items() if v is not None}),
    ]
    for origin, layer in layers:
        for name, raw in layer.items():
            values[name] = _coerce(name, raw, origin if origin != "environment" else f"OCR_{name.upper()}")
            sources[name] = origin
    settings = Settings(sources=sources, **values)
    validate(settings)
    return settings


def write_config_file(values: Mapping[str, Any], path: Path | None = None) -> Path:
    """Merge `values` into the TOML config file and write it; returns its path."""
    target = path or paths.config_file()
    current = read_config_file(target)
    current.update({k: v for k, v in values.items() if v is not None})
    lines = ["# ocr settings (see `ocr config show`)"]
    for name in _FIELDS:
        if name in current:
            lines.append(f"{name} = {_toml_value(current[name])}")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    escaped = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'
