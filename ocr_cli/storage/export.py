"""Export logged critiques in the field layout of the paper's dataset (nvidia/OpenCodeReasoning-2).

One JSON line per critique: `question`, `r1_generation` (the generator's whole answer, reasoning
included), `qwq_critique` (the critic's whole answer), `solution` (the extracted code), `judgement`
("right" / "wrong", or null when the critique gave none), plus what ocr knows and the dataset does not:
the local test outcome (`test_verdict`, `tests_passed`, `tests_total`, `pass_rate`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ocr_cli.errors import StorageError
from ocr_cli.storage.transcripts import TranscriptStore

FORMATS = ("ocr2",)


def ocr2_records(store: TranscriptStore) -> list[dict[str, Any]]:
    """The store's critiques as dataset records."""
    records: list[dict[str, Any]] = []
    for row in store.critique_records():
        reasoning = row["reasoning"]
        response = row["response"] or ""
        if reasoning and reasoning not in response:
            response = f"<think>\n{reasoning}\n</think>\n{response}"
        total = row["tests_total"]
        passed = row["tests_passed"]
        records.append({
            "id": f"ocr-{row['run_id']}-{row['candidate_id']}",
            "question": row["problem_statement"],
            "r1_generation": response,
            "qwq_critique": row["critique"],
            "solution": row["code"],
            "judgement": row["judgement"],
            "language": row["language"],
            "test_verdict": row["verdict"],
            "tests_passed": passed,
            "tests_total": total,
            "pass_rate": (passed / total) if total else None,
            "source": "ocr",
        })
    return records


def export_jsonl(store: TranscriptStore, target: Path, fmt: str = "ocr2") -> int:
    """Write the records to a JSON-lines file; returns how many were written."""
    if fmt not in FORMATS:
        raise StorageError(f"unknown export format {fmt!r} (choose {', '.join(FORMATS)})")
    records = ocr2_records(store)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("w", encoding="utf-8") as out:
            for record in records:
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
    except OSError as exc:
        raise StorageError(f"cannot write: {exc.strerror}", path=target) from None
    return len(records)
