"""Problems given as JSON: Competitive Companion's format and `oj-api get-problem`'s."""

from __future__ import annotations

import json
from typing import Any

from ocr_cli.errors import ProblemError
from ocr_cli.problem.types import Problem, TestCase


def parse_json_problem(text: str, *, source: str) -> Problem | None:
    """The problem a Competitive Companion or oj-api JSON document describes.

    Returns None when `text` is not a JSON object (so it is a statement); raises ProblemError for a
    JSON object that is neither format or whose tests are malformed.
    """
    stripped = text.strip()
    if not stripped.startswith("{"):
        return None
    try:
        data = json.loads(stripped)
    except json.JSONDecodeError:
        return None
    if not isinstance(data, dict):
        return None
    if isinstance(data.get("result"), dict) and "status" in data:  # oj-api: {"status", "result": {...}}
        if data.get("status") != "ok":
            raise ProblemError(f"oj-api reports status {data.get('status')!r}", path=source)
        data = data["result"]
    if "tests" not in data and "name" not in data:
        raise ProblemError("JSON without `tests` or `name`: not a Competitive Companion or oj-api problem",
                           path=source)
    samples = tuple(_tests(data.get("tests", []), source))
    name = data.get("name") if isinstance(data.get("name"), str) else None
    statement = _statement(data, name)
    url = data.get("url") if isinstance(data.get("url"), str) else None
    return Problem(
        statement=statement,
        title=name,
        samples=samples,
        time_limit_s=_positive(data.get("timeLimit"), source, "timeLimit") / 1000.0
        if data.get("timeLimit") is not None else None,
        memory_limit_mb=int(_positive(data.get("memoryLimit"), source, "memoryLimit"))
        if data.get("memoryLimit") is not None else None,
        interactive=bool(data.get("interactive", False)),
        source=source,
        url=url,
        statement_missing=not _has_statement(data),
    )


def _positive(value: Any, source: str, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ProblemError(f"`{key}` must be a positive number, not {value!r}", path=source)
    return float(value)


def _tests(tests: Any, source: str) -> list[TestCase]:
    if not isinstance(tests, list):
        raise ProblemError("`tests` must be a list of {input, output}", path=source)
    cases: list[TestCase] = []
    for n, test in enumerate(tests, start=1):
        if not (isinstance(test, dict) and isinstance(test.get("input"), str)
                and isinstance(test.get("output"), str)):
            raise ProblemError(f"test {n} is not an object with string `input` and `output`", path=source)
        cases.append(TestCase(f"sample-{n}", test["input"], test["output"]))
    return cases


_STATEMENT_KEYS = ("statement", "description", "body")


def _has_statement(data: dict[str, Any]) -> bool:
    return any(isinstance(data.get(key), str) and data[key].strip() for key in _STATEMENT_KEYS)


def _statement(data: dict[str, Any], name: str | None) -> str:
    """A statement text: the JSON's own if it has one, otherwise what it does say (name, URL, samples)."""
    for key in _STATEMENT_KEYS:
        if isinstance(data.get(key), str) and data[key].strip():
            return str(data[key])
    parts = [name or "Untitled problem"]
    if isinstance(data.get("group"), str):
        parts.append(f"Contest: {data['group']}")
    if isinstance(data.get("url"), str):
        parts.append(f"URL: {data['url']}")
    parts.append("(The statement text was not included; only the samples are known.)")
    return "\n".join(parts) + "\n"
