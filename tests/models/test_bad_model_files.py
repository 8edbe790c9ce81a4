"""Bad model files: one clear ModelError naming the file, exit code 2 at the CLI, no llama.cpp noise."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocr_cli.cli.app import main
from ocr_cli.config import Settings
from ocr_cli.engines.llama import LlamaEngine
from ocr_cli.errors import ModelError
from ocr_cli.models.embedded import embedded_model_path
from ocr_cli.models.registry import ResolvedModel, resolve_model

SETTINGS = Settings(n_ctx=512, threads=1)


def _open(path: Path) -> LlamaEngine:
    return LlamaEngine.open(ResolvedModel(path=path, preset=None, is_default=False), SETTINGS)


def _bad_files(tmp_path: Path) -> dict[str, Path]:
    text = tmp_path / "readme.gguf"
    text.write_text("not a model")
    truncated = tmp_path / "truncated.gguf"
    with embedded_model_path().open("rb") as source:
        truncated.write_bytes(source.read(30_000_000))
    folder = tmp_path / "folder.gguf"
    folder.mkdir()
    return {"missing": tmp_path / "missing.gguf", "not gguf": text, "truncated": truncated,
            "directory": folder}


@pytest.mark.parametrize("kind", ["missing", "not gguf", "truncated", "directory"])
def test_engine_refuses(kind: str, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    path = _bad_files(tmp_path)[kind]
    with pytest.raises(ModelError) as caught:
        _open(path)
    assert caught.value.path == str(path)
    captured = capfd.readouterr()
    assert captured.out == "" and captured.err == ""


@pytest.mark.parametrize("kind", ["missing", "not gguf", "truncated", "directory"])
def test_cli_exit_code_2(kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _bad_files(tmp_path)[kind]
    with pytest.raises(SystemExit) as caught:
        main(["models", "info", str(path)])
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("ocr: error: ") and str(path) in err
    assert "Traceback" not in err


@pytest.mark.model
def test_valid_header_that_llama_cannot_load(write_gguf, capfd: pytest.CaptureFixture[str]) -> None:
    """A well-formed GGUF of an unknown architecture: llama.cpp refuses it, quietly."""
    path = write_gguf("alien.gguf", metadata={"general.architecture": "no-such-architecture"})
    with pytest.raises(ModelError, match="unknown model architecture") as caught:
        _open(path)
    assert caught.value.path == str(path)
    captured = capfd.readouterr()
    assert captured.err == "" and captured.out == ""


def test_resolve_then_open_missing_path_hint(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="does not exist"):
        resolve_model(str(tmp_path / "x" / "model.gguf"))
