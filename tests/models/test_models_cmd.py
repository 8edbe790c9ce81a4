"""`ocr models list` and `ocr models info` through the CLI."""

from __future__ import annotations

import json

import pytest

from ocr_cli import paths
from ocr_cli.cli.app import main
from ocr_cli.models.embedded import embedded_model_path


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as caught:
        main(args)
    captured = capsys.readouterr()
    return int(caught.value.code or 0), captured.out, captured.err


def test_list_json_marks_what_is_present(capsys: pytest.CaptureFixture[str]) -> None:
    paths.models_dir().mkdir(parents=True)
    (paths.models_dir() / "qwen2.5-coder-7b-instruct-q4_k_m.gguf").symlink_to(embedded_model_path())
    code, out, _ = run(["models", "list", "--json"], capsys)
    rows = {row["name"]: row for row in json.loads(out)["presets"]}
    assert code == 0
    assert rows["smollm2-135m-instruct"]["present"] and rows["smollm2-135m-instruct"]["embedded"]
    assert rows["qwen2.5-coder-7b-instruct"]["present"]
    assert not rows["ocr-nemotron-1.1-32b"]["present"]


def test_list_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["models", "list"], capsys)
    assert code == 0 and "embedded" in out
    assert "smollm2-135m-instruct" in out and "ocr-nemotron-32b-ioi" in out


def test_info_of_a_preset_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["models", "info", "smollm2-135m-instruct", "--json"], capsys)
    data = json.loads(out)
    assert code == 0
    assert data["architecture"] == "llama" and data["quantization"] == "Q4_1"
    assert data["context_length"] == 8192 and data["chat_template"] is True
    assert data["file_size"] == embedded_model_path().stat().st_size
    assert data["preset"] == "smollm2-135m-instruct"


def test_info_of_a_path_table(write_gguf, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_gguf(metadata={"general.architecture": "qwen2", "qwen2.context_length": 131072})
    code, out, _ = run(["models", "info", str(path)], capsys)
    assert code == 0 and "qwen2" in out and "131072" in out and "absent" in out


def test_info_of_a_preset_not_downloaded_shows_the_preset_and_how_to_pull_it(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["models", "info", "ocr-nemotron-1.1-7b"], capsys)
    assert code == 0 and "ocr models pull ocr-nemotron-1.1-7b" in out
    code, out, _ = run(["models", "info", "ocr-nemotron-1.1-7b", "--json"], capsys)
    data = json.loads(out)
    assert data["downloaded"] is False


def test_generation_only_models_say_so_and_name_a_critic(capsys: pytest.CaptureFixture[str]) -> None:
    from ocr_cli.models.presets import RECOMMENDED_CRITIC, load_presets

    presets = load_presets()
    for name in ("ocr-nemotron-1.1-7b", "ocr-nemotron-1.1-14b", "ocr-nemotron-1.1-32b",
                 "ocr-nemotron-7b-q3", "ocr-nemotron-32b-ioi"):
        assert presets[name].roles == "generator"
        assert "code generation only" in presets[name].notes and "OCR-2" in presets[name].notes
    assert presets[RECOMMENDED_CRITIC].suits_critic
    code, out, _ = run(["models", "info", "ocr-nemotron-1.1-7b", "--json"], capsys)
    data = json.loads(out)
    assert code == 0 and data["roles"] == "generator"
    assert data["critic"].startswith(RECOMMENDED_CRITIC) and "OCR-2" in data["critic"]
    code, out, _ = run(["models", "info", "ocr-nemotron-1.1-7b"], capsys)
    assert "critic to run" in out and "generator" in out
