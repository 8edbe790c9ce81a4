"""Failing stress cases written as tests: NAME.in + NAME.out, the layout `ocr test --tests` reads."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ocr_cli.errors import ConfigError
from ocr_cli.stress.types import Failure


def save_failures(folder: Path, failures: Sequence[Failure]) -> list[Path]:
    """Write each failure as NAME.in + NAME.out (the brute's answer), the layout `ocr test --tests`
    reads; the `.in` paths written."""
    written = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for failure in failures:
            size = f"-size{failure.size}" if failure.size is not None else ""
            stem = folder / f"stress-seed{failure.seed}{size}"
            Path(f"{stem}.in").write_text(failure.input, encoding="utf-8")
            Path(f"{stem}.out").write_text(failure.expected, encoding="utf-8")
            written.append(Path(f"{stem}.in"))
    except OSError as exc:
        raise ConfigError(f"cannot save the failing cases: {exc.strerror or exc}", path=folder) from None
    return written
