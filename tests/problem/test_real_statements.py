"""The 17 real ICPC Jakarta 2024 statements (pdftotext, many in two columns) in the shared data:
every official sample extracted exactly, none left out as doubtful (benchmarks/sample_extraction.py
prints the same per problem). Skipped where the shared data is not beside the repository."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocr_cli.problem.samples import extract_samples
from ocr_cli.problem.testdirs import load_tests

SET = Path(__file__).resolve().parents[2].parent / "shared" / "problems" / "jakarta2024"
PROBLEMS = sorted(p for p in SET.iterdir() if (p / "statement.txt").is_file()) if SET.is_dir() else []


@pytest.mark.skipif(not PROBLEMS, reason=f"no shared problem set at {SET}")
@pytest.mark.parametrize("folder", PROBLEMS, ids=[p.name for p in PROBLEMS])
def test_official_samples_are_extracted_exactly(folder: Path) -> None:
    extraction = extract_samples((folder / "statement.txt").read_text(encoding="utf-8"))
    expected = load_tests(folder / "samples")
    assert [(s.input, s.output) for s in extraction.samples] == [(e.input, e.output) for e in expected]
    assert extraction.doubtful == []
