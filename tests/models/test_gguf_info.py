"""The GGUF header reader: real and synthetic files, and every kind of bad file."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocr_cli.errors import ModelError
from ocr_cli.models.embedded import embedded_model_path
from ocr_cli.models.gguf_info import read_gguf_info


def test_embedded_model_header() -> None:
    info = read_gguf_info(embedded_model_path())
    assert info.architecture == "llama"
    assert info.quantization == "Q4_1"
    assert info.context_length == 8192
    assert info.block_count == 30
    assert info.chat_template is not None and "<|im_start|>" in info.chat_template
    assert 130_000_000 < info.parameters < 140_000_000  # "135M"
    # Every tensor's data ends inside the file: the reader's size arithmetic matches the real file.
    assert info.data_end == info.file_size


def test_synthetic_file(write_gguf) -> None:
    path = write_gguf(metadata={"general.architecture": "qwen2", "qwen2.context_length": 32768,
                                "general.file_type": 15, "tokenizer.chat_template": "{{ x }}"})
    summary = read_gguf_info(path).summary()
    assert summary["architecture"] == "qwen2"
    assert summary["context_length"] == 32768
    assert summary["quantization"] == "Q4_K_M"
    assert summary["chat_template"] is True
    assert summary["parameters"] == 8


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="does not exist") as caught:
        read_gguf_info(tmp_path / "nope.gguf")
    assert caught.value.path == str(tmp_path / "nope.gguf")


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="directory"):
        read_gguf_info(tmp_path)


def test_wrong_magic(tmp_path: Path) -> None:
    path = tmp_path / "notes.gguf"
    path.write_text("just some text, not a model\n")
    with pytest.raises(ModelError, match="not a GGUF"):
        read_gguf_info(path)


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.gguf"
    path.write_bytes(b"")
    with pytest.raises(ModelError, match="not a GGUF"):
        read_gguf_info(path)


def test_truncated_inside_header(tmp_path: Path) -> None:
    path = tmp_path / "cut.gguf"
    path.write_bytes(embedded_model_path().read_bytes()[:5000])
    with pytest.raises(ModelError, match="truncated"):
        read_gguf_info(path)


def test_truncated_tensor_data(tmp_path: Path) -> None:
    path = tmp_path / "half.gguf"
    with embedded_model_path().open("rb") as source:
        path.write_bytes(source.read(20_000_000))
    with pytest.raises(ModelError, match="truncated") as caught:
        read_gguf_info(path)
    assert "98,362,432" in caught.value.message


def test_truncated_synthetic_by_one_byte(write_gguf) -> None:
    path = write_gguf()
    path.write_bytes(path.read_bytes()[:-1])
    with pytest.raises(ModelError, match="truncated"):
        read_gguf_info(path)


def test_absurd_string_length(tmp_path: Path) -> None:
    import struct

    path = tmp_path / "evil.gguf"
    path.write_bytes(b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + struct.pack("<Q", 1 << 60))
    with pytest.raises(ModelError, match="corrupt"):
        read_gguf_info(path)


def test_unsupported_version(tmp_path: Path) -> None:
    import struct

    path = tmp_path / "v9.gguf"
    path.write_bytes(b"GGUF" + struct.pack("<IQQ", 9, 0, 0))
    with pytest.raises(ModelError, match="version 9"):
        read_gguf_info(path)
