"""A small, defensive reader of GGUF headers: metadata key/values and tensor descriptors.

It checks a file before llama.cpp sees it (llama.cpp prints noise or aborts on some bad files) and
backs `ocr models info`. It reads only the header; tensor data is checked by size (a truncated file
whose tensors end past the end of the file is refused). Large arrays (the tokenizer's vocabulary)
are skipped and kept only as their length.

Format: https://github.com/ggml-org/ggml/blob/master/docs/gguf.md
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from ocr_cli.errors import ModelError

GGUF_MAGIC = b"GGUF"
_DEFAULT_ALIGNMENT = 32
_MAX_STRING = 16 * 1024 * 1024  # a chat template is a few KB; anything huge is corruption
_MAX_COUNT = 1 << 32
_KEEP_ARRAY = 64  # arrays longer than this are recorded as their length only

# Scalar value types: id -> struct format.
_SCALARS: dict[int, str] = {
    0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d",
}
_STRING, _ARRAY = 8, 9

# ggml tensor types: id -> (bytes per block, elements per block), from ggml.c's type traits.
_GGML_TYPES: dict[int, tuple[int, int]] = {
    0: (4, 1), 1: (2, 1), 2: (18, 32), 3: (20, 32), 6: (22, 32), 7: (24, 32), 8: (34, 32), 9: (36, 32),
    10: (84, 256), 11: (110, 256), 12: (144, 256), 13: (176, 256), 14: (210, 256), 15: (292, 256),
    16: (66, 256), 17: (74, 256), 18: (98, 256), 19: (50, 256), 20: (18, 32), 21: (110, 256),
    22: (82, 256), 23: (136, 256), 24: (1, 1), 25: (2, 1), 26: (4, 1), 27: (8, 1), 28: (8, 1),
    29: (56, 256), 30: (2, 1), 34: (54, 256), 35: (66, 256), 39: (17, 32),
}

# llama.cpp's `general.file_type` (enum llama_ftype) -> quantization name.
FILE_TYPES: dict[int, str] = {
    0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 7: "Q8_0", 8: "Q5_0", 9: "Q5_1", 10: "Q2_K",
    11: "Q3_K_S", 12: "Q3_K_M", 13: "Q3_K_L", 14: "Q4_K_S", 15: "Q4_K_M", 16: "Q5_K_S", 17: "Q5_K_M",
    18: "Q6_K", 19: "IQ2_XXS", 20: "IQ2_XS", 21: "Q2_K_S", 22: "IQ3_XS", 23: "IQ3_XXS", 24: "IQ1_S",
    25: "IQ4_NL", 26: "IQ3_S", 27: "IQ3_M", 28: "IQ2_S", 29: "IQ2_M", 30: "IQ4_XS", 31: "IQ1_M",
    32: "BF16", 36: "TQ1_0", 37: "TQ2_0", 38: "MXFP4_MOE",
}


@dataclass(frozen=True)
class ArrayLength:
    """A long metadata array that was skipped: its element type and length."""

    item_type: int
    length: int


@dataclass(frozen=True)
class GGUFInfo:
    """What a GGUF file's header says."""

    path: Path
    version: int
    file_size: int
    tensor_count: int
    metadata: dict[str, Any] = field(repr=False)
    parameters: int
    data_end: int  # where the last tensor's data ends (bytes from the start of the file)

    def get(self, key: str, default: Any = None) -> Any:
        return self.metadata.get(key, default)

    @property
    def architecture(self) -> str | None:
        value = self.get("general.architecture")
        return value if isinstance(value, str) else None

    def _arch_value(self, suffix: str) -> Any:
        return self.get(f"{self.architecture}.{suffix}") if self.architecture else None

    @property
    def context_length(self) -> int | None:
        value = self._arch_value("context_length")
        return int(value) if isinstance(value, int) else None

    @property
    def block_count(self) -> int | None:
        value = self._arch_value("block_count")
        return int(value) if isinstance(value, int) else None

    @property
    def quantization(self) -> str | None:
        value = self.get("general.file_type")
        if isinstance(value, int):
            return FILE_TYPES.get(value, f"type {value}")
        return None

    @property
    def chat_template(self) -> str | None:
        value = self.get("tokenizer.chat_template")
        return value if isinstance(value, str) and value.strip() else None

    @property
    def name(self) -> str | None:
        value = self.get("general.name")
        return value if isinstance(value, str) else None

    def summary(self) -> dict[str, Any]:
        """The facts `ocr models info` shows."""
        return {
            "path": str(self.path),
            "name": self.name,
            "architecture": self.architecture,
            "parameters": self.parameters,
            "size_label": self.get("general.size_label"),
            "quantization": self.quantization,
            "context_length": self.context_length,
            "layers": self.block_count,
            "chat_template": self.chat_template is not None,
            "file_size": self.file_size,
            "gguf_version": self.version,
            "tensors": self.tensor_count,
        }


class _Reader:
    def __init__(self, stream: BinaryIO, path: Path) -> None:
        self.stream = stream
        self.path = path

    def read(self, n: int) -> bytes:
        data = self.stream.read(n)
        if len(data) != n:
            raise ModelError("truncated GGUF file (the header ends early)", path=self.path)
        return data

    def unpack(self, fmt: str) -> Any:
        return struct.unpack(fmt, self.read(struct.calcsize(fmt)))[0]

    def string(self) -> str:
        length = self.unpack("<Q")
        if length > _MAX_STRING:
            raise ModelError("corrupt GGUF file (a string in its header is too long)", path=self.path)
        return self.read(length).decode("utf-8", errors="replace")

    def skip_string(self) -> None:
        length = self.unpack("<Q")
        if length > _MAX_STRING:
            raise ModelError("corrupt GGUF file (a string in its header is too long)", path=self.path)
        self.stream.seek(length, 1)

    def value(self, kind: int) -> Any:
        if kind in _SCALARS:
            return self.unpack(_SCALARS[kind])
        if kind == _STRING:
            return self.string()
        if kind == _ARRAY:
            item_type = self.unpack("<I")
            count = self.unpack("<Q")
            if count > _MAX_COUNT:
                raise ModelError("corrupt GGUF file (an array in its header is too long)", path=self.path)
            if count <= _KEEP_ARRAY:
                return [self.value(item_type) for _ in range(count)]
            if item_type in _SCALARS:
                self.stream.seek(count * struct.calcsize(_SCALARS[item_type]), 1)
            elif item_type == _STRING:
                for _ in range(count):
                    self.skip_string()
            else:
                for _ in range(count):
                    self.value(item_type)
            return ArrayLength(item_type, count)
        raise ModelError(f"corrupt GGUF file (unknown metadata type {kind})", path=self.path)


def read_gguf_info(path: str | Path) -> GGUFInfo:
    """Read and check a GGUF file's header. Raises ModelError for anything that is not a whole GGUF."""
    file = Path(path).expanduser()
    if not file.exists():
        raise ModelError("model file does not exist", path=file)
    if file.is_dir():
        raise ModelError("is a directory, not a GGUF model file", path=file)
    try:
        size = file.stat().st_size
        with file.open("rb") as stream:
            return _parse(_Reader(stream, file), file, size)
    except PermissionError:
        raise ModelError("cannot read the model file (permission denied)", path=file) from None
    except OSError as exc:
        raise ModelError(f"cannot read the model file: {exc.strerror or exc}", path=file) from None


def _parse(reader: _Reader, file: Path, size: int) -> GGUFInfo:
    magic = reader.stream.read(4)
    if magic != GGUF_MAGIC:
        raise ModelError("not a GGUF model file (wrong magic bytes)", path=file)
    version = reader.unpack("<I")
    if version not in (1, 2, 3):
        raise ModelError(f"unsupported GGUF version {version}", path=file)
    count_fmt = "<I" if version == 1 else "<Q"
    tensor_count = reader.unpack(count_fmt)
    kv_count = reader.unpack(count_fmt)
    if tensor_count > _MAX_COUNT or kv_count > _MAX_COUNT:
        raise ModelError("corrupt GGUF file (impossible counts in its header)", path=file)
    metadata: dict[str, Any] = {}
    for _ in range(kv_count):
        key = reader.string()
        metadata[key] = reader.value(reader.unpack("<I"))
    parameters = 0
    data_size = 0
    for _ in range(tensor_count):
        reader.skip_string()
        n_dims = reader.unpack("<I")
        if n_dims > 8:
            raise ModelError("corrupt GGUF file (a tensor with too many dimensions)", path=file)
        elements = 1
        for _ in range(n_dims):
            elements *= reader.unpack("<Q")
        ggml_type = reader.unpack("<I")
        offset = reader.unpack("<Q")
        parameters += elements
        if ggml_type in _GGML_TYPES:
            block_bytes, block_elements = _GGML_TYPES[ggml_type]
            data_size = max(data_size, offset + elements // block_elements * block_bytes)
        else:
            data_size = max(data_size, offset)
    alignment = metadata.get("general.alignment", _DEFAULT_ALIGNMENT)
    if not isinstance(alignment, int) or alignment <= 0:
        alignment = _DEFAULT_ALIGNMENT
    position = reader.stream.tell()
    data_start = (position + alignment - 1) // alignment * alignment
    data_end = data_start + data_size
    if data_end > size:
        raise ModelError(
            f"truncated GGUF file ({size:,} bytes; its tensors need {data_end:,})", path=file)
    return GGUFInfo(path=file, version=version, file_size=size, tensor_count=tensor_count,
                    metadata=metadata, parameters=parameters, data_end=data_end)
