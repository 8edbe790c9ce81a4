"""What the Competitive Companion browser extension posts: one problem as JSON, checked field by field.

The extension's format (github.com/jmerle/competitive-companion): `name`, `group`, `url`,
`interactive`, `memoryLimit` (MB), `timeLimit` (ms), `tests[{input, output}]`, `testType`
("single" | "multiNumber"), `input`/`output` ({"type": "stdin" | "file" | "regex", "fileName"}),
`batch{id, size}` (problems sent together, e.g. a whole contest), `languages`. Unknown keys are kept
in `raw` and ignored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

#: The largest request body accepted (statements with big samples stay far below).
MAX_BODY_BYTES = 5 * 1024 * 1024


class PayloadError(ValueError):
    """A request body that is not a problem the extension would send; the message is one line."""


@dataclass(frozen=True)
class Sample:
    """One sample test of a received problem."""

    input: str
    output: str


@dataclass(frozen=True)
class Batch:
    """Problems the extension sends together: `size` of them share `id`."""

    id: str
    size: int


@dataclass(frozen=True)
class ProblemPayload:
    """A received problem, validated."""

    name: str
    group: str = ""
    url: str = ""
    interactive: bool = False
    memory_limit_mb: int | None = None
    time_limit_ms: int | None = None
    tests: tuple[Sample, ...] = ()
    test_type: str = "single"
    input_file: str | None = None  # None: stdin
    output_file: str | None = None  # None: stdout
    batch: Batch | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


def _string(data: dict[str, Any], key: str, *, required: bool = False) -> str:
    value = data.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise PayloadError(f"`{key}` must be a string")
    return value


def _limit(data: dict[str, Any], key: str) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise PayloadError(f"`{key}` must be a non-negative number")
    return int(value) if value > 0 else None  # some judges send 0 for "unknown"


def _stream_file(data: dict[str, Any], key: str) -> str | None:
    """The file name of `input`/`output` when the problem reads/writes a file, None for stdin/stdout."""
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise PayloadError(f"`{key}` must be an object with `type`")
    kind = value.get("type", "stdin" if key == "input" else "stdout")
    if kind in ("stdin", "stdout"):
        return None
    if kind == "file":
        name = value.get("fileName")
        if not isinstance(name, str) or not name:
            raise PayloadError(f"`{key}.fileName` must be a non-empty string")
        return name
    if kind == "regex":  # the file name is a pattern matching the newest file; keep it as text
        pattern = value.get("pattern")
        return pattern if isinstance(pattern, str) and pattern else None
    raise PayloadError(f"`{key}.type` must be stdin, stdout, file or regex, not {kind!r}")


def _tests(data: dict[str, Any]) -> tuple[Sample, ...]:
    tests = data.get("tests", [])
    if not isinstance(tests, list):
        raise PayloadError("`tests` must be a list")
    samples = []
    for number, test in enumerate(tests, start=1):
        if not (isinstance(test, dict) and isinstance(test.get("input"), str)
                and isinstance(test.get("output"), str)):
            raise PayloadError(f"test {number} must be an object with string `input` and `output`")
        samples.append(Sample(test["input"], test["output"]))
    return tuple(samples)


def _batch(data: dict[str, Any]) -> Batch | None:
    value = data.get("batch")
    if value is None:
        return None
    if not isinstance(value, dict):
        raise PayloadError("`batch` must be an object with `id` and `size`")
    batch_id, size = value.get("id"), value.get("size")
    if not isinstance(batch_id, str) or not batch_id:
        raise PayloadError("`batch.id` must be a non-empty string")
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= 10_000:
        raise PayloadError("`batch.size` must be a whole number from 1 to 10000")
    return Batch(batch_id, size)


def parse_payload(body: bytes) -> ProblemPayload:
    """Validate a request body; raises PayloadError with a one-line reason."""
    if len(body) > MAX_BODY_BYTES:
        raise PayloadError(f"body over {MAX_BODY_BYTES >> 20} MB")
    try:
        data = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise PayloadError("body is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise PayloadError(f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    if not isinstance(data, dict):
        raise PayloadError("expected a JSON object (one problem)")
    name = _string(data, "name", required=True).strip()
    if not name:
        raise PayloadError("`name` is empty")
    interactive = data.get("interactive", False)
    if not isinstance(interactive, bool):
        raise PayloadError("`interactive` must be true or false")
    test_type = data.get("testType", "single")
    if test_type not in ("single", "multiNumber"):
        raise PayloadError("`testType` must be single or multiNumber")
    return ProblemPayload(
        name=name,
        group=_string(data, "group").strip(),
        url=_string(data, "url").strip(),
        interactive=interactive,
        memory_limit_mb=_limit(data, "memoryLimit"),
        time_limit_ms=_limit(data, "timeLimit"),
        tests=_tests(data),
        test_type=test_type,
        input_file=_stream_file(data, "input"),
        output_file=_stream_file(data, "output"),
        batch=_batch(data),
        raw=data,
    )
