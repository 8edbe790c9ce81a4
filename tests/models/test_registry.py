"""Presets and resolving --model specs."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocr_cli import paths
from ocr_cli.errors import ModelError
from ocr_cli.models.embedded import embedded_model_path
from ocr_cli.models.presets import load_presets, preset_from_toml
from ocr_cli.models.registry import DEFAULT_MODEL_NOTICE, find_preset, is_present, resolve_model

REQUIRED_REPOS = {
    "quantized4all/OpenCodeReasoning-Nemotron-1.1-7B-GGUF",
    "quantized4all/OpenCodeReasoning-Nemotron-1.1-14B-GGUF",
    "quantized4all/OpenCodeReasoning-Nemotron-1.1-32B-GGUF",
    "DevQuasar/nvidia.OpenCodeReasoning-Nemotron-7B-GGUF",
    "bartowski/nvidia_OpenCodeReasoning-Nemotron-32B-IOI-GGUF",
    "Qwen/Qwen2.5-Coder-7B-Instruct-GGUF",
}


def test_presets_cover_the_required_models() -> None:
    presets = load_presets()
    assert {p.repo for p in presets.values()} >= REQUIRED_REPOS
    embedded = [p for p in presets.values() if p.embedded]
    assert [p.name for p in embedded] == ["smollm2-135m-instruct"]
    assert embedded[0].size_bytes == embedded_model_path().stat().st_size
    devquasar = next(p for p in presets.values() if p.repo.startswith("DevQuasar/"))
    assert devquasar.size_bytes == 4_088_459_904
    for preset in presets.values():
        if preset.reasoning:
            assert preset.context_length >= 32768 and preset.max_tokens >= 16384, preset.name
        if preset.size_bytes is None:  # unconfirmed sizes must say so
            assert "unconfirmed" in preset.notes.lower(), preset.name


def test_installed_layout_is_found(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a source checkout, presets come from the ocr_cli.presets package resources."""
    import importlib.resources

    from ocr_cli.models import presets as module

    source = Path(module.__file__).resolve().parent.parent.parent / "models"
    monkeypatch.setattr(module, "__file__", "/nonexistent/ocr_cli/models/presets.py")
    monkeypatch.setattr(importlib.resources, "files", lambda name: source)
    assert set(load_presets()) == {p.stem for p in source.glob("*.toml")}


def test_bad_preset_text() -> None:
    with pytest.raises(ModelError, match="unknown preset keys"):
        preset_from_toml('name="a"\nrepo="r"\nfile="f"\ncolour="red"\n', "x.toml")
    with pytest.raises(ModelError, match="roles"):
        preset_from_toml('name="a"\nrepo="r"\nfile="f"\nroles="judge"\n', "x.toml")
    with pytest.raises(ModelError, match="not valid TOML"):
        preset_from_toml("name = ", "x.toml")


def test_default_is_embedded() -> None:
    resolved = resolve_model(None)
    assert resolved.is_default
    assert resolved.path == embedded_model_path()
    assert "ocr models list" in DEFAULT_MODEL_NOTICE or "--model" in DEFAULT_MODEL_NOTICE


def test_embedded_by_name_is_not_the_silent_default() -> None:
    resolved = resolve_model("smollm2-135m-instruct")
    assert resolved.path == embedded_model_path()
    assert not resolved.is_default


def test_gguf_path(tmp_path: Path) -> None:
    target = tmp_path / "m.gguf"
    target.write_bytes(b"GGUF")
    resolved = resolve_model(str(target))
    assert resolved.path == target and resolved.preset is None


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="does not exist"):
        resolve_model(str(tmp_path / "missing.gguf"))


def test_directory_path(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="directory"):
        resolve_model(str(tmp_path))


def test_preset_not_downloaded_hints_pull() -> None:
    with pytest.raises(ModelError) as caught:
        resolve_model("qwen2.5-coder-7b-instruct")
    assert caught.value.hint == "ocr models pull qwen2.5-coder-7b-instruct"


def test_preset_downloaded(ocr_home: Path) -> None:
    preset = find_preset("qwen2.5-coder-7b-instruct")
    paths.models_dir().mkdir(parents=True)
    (paths.models_dir() / preset.file).symlink_to(embedded_model_path())
    assert is_present(preset)
    resolved = resolve_model("Qwen2.5-Coder-7B-Instruct")  # case-insensitive
    assert resolved.preset == preset and resolved.path.parent == paths.models_dir()


def test_unknown_name_lists_close_matches() -> None:
    with pytest.raises(ModelError) as caught:
        resolve_model("qwen2.5-coder-7b")
    assert "qwen2.5-coder-7b-instruct" in (caught.value.hint or "")
