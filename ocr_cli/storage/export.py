"""Export logged critiques as JSON lines, to train or study a critic on your own runs.

One line per critique. The `ocr` layout (the default) names fields after what they hold: `question`,
`generation` (the generator's whole answer, reasoning included), `critique` (the critic's whole
answer), `solution` (the extracted code), `judgement` ("right" / "wrong", or null when the critique
gave none), the models that wrote them (`generator`, `critic`), and what ocr knows and the paper's
dataset does not: the local test outcome (`test_verdict`, `tests_passed`, `tests_total`, `pass_rate`).

The `ocr2` layout uses the field names of the paper's dataset (nvidia/OpenCodeReasoning-2), to mix
records with it: that dataset named the two texts after the models that wrote them there,
`r1_generation` (DeepSeek-R1) and `qwq_critique` (QwQ-32B). Here they hold your models' text.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ocr_cli.errors import StorageError
from ocr_cli.storage.transcripts import TranscriptStore

FORMATS = ("ocr", "ocr2")
#: `ocr` field -> the dataset's name for it, in the `ocr2` layout.
DATASET_NAMES = {"generation": "r1_generation", "critique": "qwq_critique"}


def critique_records(store: TranscriptStore, fmt: str = "ocr") -> list[dict[str, Any]]:
    """The store's critiques as records in layout `fmt` (see the module docstring)."""
    if fmt not in FORMATS:
        raise StorageError(f"unknown export format {fmt!r} (choose {', '.join(FORMATS)})")
    records: list[dict[str, Any]] = []
    for row in store.critique_records():
        reasoning = row["reasoning"]
        response = row["response"] or ""
        if reasoning and reasoning not in response:
            response = f"<think>\n{reasoning}\n</think>\n{response}"
        total = row["tests_total"]
        passed = row["tests_passed"]
        models = json.loads(row["models_json"] or "{}")
        record = {
            "id": f"ocr-{row['run_id']}-{row['candidate_id']}",
            "question": row["problem_statement"],
            "generation": response,
            "critique": row["critique"],
            "solution": row["code"],
            "judgement": row["judgement"],
            "language": row["language"],
            "generator": models.get("generator"),
            "critic": models.get("critic", models.get("generator")),
            "test_verdict": row["verdict"],
            "tests_passed": passed,
            "tests_total": total,
            "pass_rate": (passed / total) if total else None,
            "source": "ocr",
        }
        if fmt == "ocr2":
            record = {DATASET_NAMES.get(key, key): value for key, value in record.items()}
        records.append(record)
    return records


def export_jsonl(store: TranscriptStore, target: Path, fmt: str = "ocr") -> int:
    """Write the records to a JSON-lines file; returns how many were written."""
    records = critique_records(store, fmt)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("w", encoding="utf-8") as out:
            for record in records:
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
    except OSError as exc:
        raise StorageError(f"cannot write: {exc.strerror}", path=target) from None
    return len(records)
