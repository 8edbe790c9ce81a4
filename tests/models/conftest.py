"""A writer of small synthetic GGUF files for the model tests."""

from __future__ import annotations

import struct
from collections.abc import Callable
from pathlib import Path

import pytest

GGUFWriter = Callable[..., Path]


def _string(text: str) -> bytes:
    data = text.encode("utf-8")
    return struct.pack("<Q", len(data)) + data


def gguf_bytes(metadata: dict[str, str | int], tensor_floats: int = 8, alignment: int = 32) -> bytes:
    """A GGUF v3 file: the given metadata (strings and uint32s) and one F32 tensor."""
    header = b"GGUF" + struct.pack("<IQQ", 3, 1, len(metadata))
    for key, value in metadata.items():
        header += _string(key)
        if isinstance(value, str):
            header += struct.pack("<I", 8) + _string(value)
        else:
            header += struct.pack("<II", 4, value)
    header += _string("token_embd.weight") + struct.pack("<I", 1) + struct.pack("<Q", tensor_floats)
    header += struct.pack("<IQ", 0, 0)  # F32 at offset 0
    padding = (-len(header)) % alignment
    return header + b"\0" * padding + struct.pack(f"<{tensor_floats}f", *range(tensor_floats))


@pytest.fixture
def write_gguf(tmp_path: Path) -> GGUFWriter:
    """Write a synthetic GGUF: write_gguf(name, metadata=..., tensor_floats=...)."""

    def write(name: str = "model.gguf", metadata: dict[str, str | int] | None = None,
              tensor_floats: int = 8) -> Path:
        meta = {"general.architecture": "llama", "general.name": "synthetic", "llama.context_length": 4096,
                "llama.block_count": 2, "general.file_type": 0} if metadata is None else metadata
        path = tmp_path / name
        path.write_bytes(gguf_bytes(meta, tensor_floats))
        return path

    return write
