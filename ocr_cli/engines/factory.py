"""Open engines from model specs, sharing one loaded copy when generator and critic name the same model.

A spec is one of:
- `openai:MODEL@URL` — an OpenAI-compatible server (`ocr_cli.engines.openai_http`);
- `scripted:FILE.json` — a scripted engine (`ocr_cli.engines.scripted`), for tests and demos;
- a `.gguf` path or a preset name — in-process llama.cpp (`ocr_cli.engines.llama`);
- None — the embedded default model.
"""

from __future__ import annotations

from collections.abc import Mapping

from ocr_cli.config import Settings
from ocr_cli.engines.base import Engine


def engine_key(spec: str | None) -> str:
    """The identity of what a spec loads: two specs with one key share one engine."""
    if spec is None:
        return "llama:<default>"
    if spec.startswith(("openai:", "scripted:")):
        return spec
    from ocr_cli.models.registry import resolve_model

    return f"llama:{resolve_model(spec).path.resolve()}"


def open_engine(spec: str | None, settings: Settings) -> Engine:
    """Open the engine a spec names (see the module docstring)."""
    if spec is not None and spec.startswith("openai:"):
        from ocr_cli.engines.openai_http import OpenAIEngine

        return OpenAIEngine.from_spec(spec, settings)
    if spec is not None and spec.startswith("scripted:"):
        from ocr_cli.engines.scripted import ScriptedEngine

        return ScriptedEngine.from_file(spec.removeprefix("scripted:"))
    from ocr_cli.engines.llama import LlamaEngine
    from ocr_cli.models.registry import resolve_model

    return LlamaEngine.open(resolve_model(spec), settings)


class EnginePool:
    """Opens engines on demand and keeps one per distinct model, closing them all at the end."""

    def __init__(self, settings: Settings, engines: Mapping[str, Engine] | None = None) -> None:
        """`engines`: engines already open, by `engine_key` of their spec (tests pass scripted ones);
        the others are opened on first use with `self.settings`, which a caller may replace."""
        self.settings = settings
        self._engines: dict[str, Engine] = dict(engines or {})

    def get(self, spec: str | None) -> Engine:
        key = engine_key(spec)
        if key not in self._engines:
            self._engines[key] = open_engine(spec, self.settings)
        return self._engines[key]

    def generator_and_critic(self) -> tuple[Engine, Engine | None]:
        """The generator, and the critic (the generator itself unless another is named; None when
        the critic is off)."""
        generator = self.get(self.settings.model)
        if self.settings.no_critic:
            return generator, None
        critic = self.get(self.settings.critic) if self.settings.critic else generator
        return generator, critic

    def release_unused(self) -> None:
        """Close the engines that the current settings no longer name as generator or critic."""
        wanted = {engine_key(self.settings.model)}
        if self.settings.critic and not self.settings.no_critic:
            wanted.add(engine_key(self.settings.critic))
        for key in [k for k in self._engines if k not in wanted]:
            self._engines.pop(key).close()

    def close(self) -> None:
        for engine in self._engines.values():
            engine.close()
        self._engines.clear()

    def __enter__(self) -> EnginePool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
