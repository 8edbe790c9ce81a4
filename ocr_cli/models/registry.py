"""Resolve a `--model` spec (nothing, a .gguf path, or a preset name) to a model file on disk."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

from ocr_cli import paths
from ocr_cli.errors import ModelError
from ocr_cli.models.embedded import EMBEDDED_NAME, embedded_model_path
from ocr_cli.models.presets import Preset, load_presets

DEFAULT_MODEL_NOTICE = (
    f"using the embedded demo model {EMBEDDED_NAME} (tiny, rarely solves anything); "
    "for real results pass --model PRESET (see `ocr models list`) or --model PATH.gguf"
)


@dataclass(frozen=True)
class ResolvedModel:
    """A model file to load, the preset it came from (if any), and whether it is the default."""

    path: Path
    preset: Preset | None
    is_default: bool

    @property
    def display_name(self) -> str:
        return self.preset.name if self.preset else self.path.name


def preset_path(preset: Preset) -> Path:
    """Where a preset's file is (or would be, once pulled)."""
    if preset.embedded:
        return embedded_model_path()
    return paths.models_dir() / preset.file


def is_present(preset: Preset) -> bool:
    """Whether a preset's file is on this machine."""
    try:
        return preset_path(preset).is_file()
    except ModelError:
        return False


def _looks_like_path(spec: str) -> bool:
    return spec.lower().endswith(".gguf") or "/" in spec or "\\" in spec or spec.startswith(("~", "."))


def find_preset(name: str) -> Preset:
    """The preset called `name` (case-insensitive), or ModelError listing close matches."""
    presets = load_presets()
    by_lower = {key.lower(): preset for key, preset in presets.items()}
    if name.lower() in by_lower:
        return by_lower[name.lower()]
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=3, cutoff=0.5)
    hint = f"did you mean {', '.join(by_lower[c].name for c in close)}?" if close else "see `ocr models list`"
    raise ModelError(f"unknown model {name!r}: not a preset and not a .gguf path", hint=hint)


def resolve_model(spec: str | None) -> ResolvedModel:
    """Resolve a model spec: None → the embedded default; a path → that file (it must exist); a
    preset name → its downloaded (or embedded) file."""
    if spec is None or spec == "":
        presets = load_presets()
        return ResolvedModel(path=embedded_model_path(), preset=presets.get(EMBEDDED_NAME), is_default=True)
    candidate = Path(spec).expanduser()
    if _looks_like_path(spec) or candidate.exists():
        if candidate.is_dir():
            raise ModelError("is a directory, not a GGUF model file", path=candidate)
        if not candidate.is_file():
            raise ModelError("model file does not exist", path=candidate)
        return ResolvedModel(path=candidate, preset=None, is_default=False)
    preset = find_preset(spec)
    path = preset_path(preset)
    if not path.is_file():
        raise ModelError(f"model {preset.name} is not downloaded", path=path,
                         hint=f"ocr models pull {preset.name}")
    return ResolvedModel(path=path, preset=preset, is_default=False)
