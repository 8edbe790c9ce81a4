"""Reading a problem from a file, stdin or pasted text: a statement or a judge's JSON."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from ocr_cli.errors import ProblemError
from ocr_cli.problem.judge_json import parse_json_problem
from ocr_cli.problem.samples import classify, extract_samples
from ocr_cli.problem.text import decode_text
from ocr_cli.problem.tolerance import stated_tolerance
from ocr_cli.problem.types import Problem

STDIN = "-"
_PROBLEM_LETTER = re.compile(r"^(?:practice\s+)?problem\s+[A-Za-z0-9]{1,4}\.?$", re.IGNORECASE)
_TITLE_MAX = 120
_MARKDOWN_TITLE = re.compile(r"^#{1,6}\s+.*[^\W_]")  # "# Title"; not a grid row such as "#.#" or "## ."
_GRID = set("#.* ")


def _read_source(source: str | Path) -> tuple[str, str]:
    """(text, label) of a file path or "-" for stdin."""
    if str(source) == STDIN:
        data = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read().encode()
        return decode_text(data, path="<stdin>"), "<stdin>"
    path = Path(source)
    if not path.exists():
        raise ProblemError("problem file not found", path=path)
    if path.is_dir():
        raise ProblemError("is a folder, not a problem statement", path=path,
                           hint="give the statement file; test folders go to --tests")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ProblemError(f"cannot read problem file: {exc.strerror or exc}", path=path) from exc
    return decode_text(data, path=path), str(path)


def _title(text: str) -> str | None:
    """The first meaningful line: a Markdown heading, or the first line of text.

    A bare "Problem L" line is joined with the name on the next line ("Problem L. Buggy DFS").
    """
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    for line in lines:
        if _MARKDOWN_TITLE.match(line):
            return line.lstrip("#").strip()
    for n, line in enumerate(lines[:20]):
        heading = classify(line)
        if heading is not None and heading.role in ("block", "section"):
            break  # the samples begin: what follows is data, not a title
        if (heading is not None and heading.role != "stop") or set(line) <= set("-=*_~`") \
                or set(line) <= _GRID:
            continue
        title = line.strip("*_ ")
        if _PROBLEM_LETTER.match(title) and n + 1 < len(lines) and _is_name(lines[n + 1]):
            title = f"{title.rstrip('.')}. {lines[n + 1].strip('*_ ')}"
        return title[:_TITLE_MAX]
    return None


def _is_name(line: str) -> bool:
    return classify(line) is None and len(line) <= 80


def load_problem(source: str | Path, *, text: str | None = None) -> Problem:
    """Read a problem from a file path, "-" (stdin), or `text` (pasted; `source` is then only a label).

    Plain text and Markdown statements get their samples and limits extracted; Competitive Companion
    and oj-api JSON give them directly. Raises ProblemError for missing files, folders, and empty or
    binary input.
    """
    if text is not None:
        label = str(source) if str(source) not in {"", STDIN} else "<pasted>"
        if not text.strip():
            raise ProblemError("the statement is empty", path=label)
        if "\x00" in text:
            raise ProblemError("not text: contains NUL characters", path=label)
        body = text.replace("\r\n", "\n").replace("\r", "\n")
    else:
        body, label = _read_source(source)
    from_json = parse_json_problem(body, source=label)
    if from_json is not None:
        return from_json
    extraction = extract_samples(body)
    return Problem(
        statement=body,
        title=_title(body),
        samples=tuple(extraction.samples),
        time_limit_s=extraction.time_limit_s,
        memory_limit_mb=extraction.memory_limit_mb,
        interactive=bool(re.search(r"\binteractive problem\b|\bthis problem is interactive\b", body,
                                   re.IGNORECASE)),
        source=label,
        float_tol=stated_tolerance(body),
        doubtful_samples=tuple(extraction.doubtful),
    )


def with_statement(problem: Problem, text: str) -> Problem:
    """`problem` with `text` as its statement (`--statement FILE`, `--fetch-statement`, `/statement`):
    the samples and limits it already has stay; those it lacks are read from the text."""
    import dataclasses

    if not text.strip():
        raise ProblemError("the statement is empty")
    body = text.replace("\r\n", "\n").replace("\r", "\n")
    extraction = extract_samples(body)
    return dataclasses.replace(
        problem,
        statement=body,
        statement_missing=False,
        title=problem.title or _title(body),
        samples=problem.samples or tuple(extraction.samples),
        doubtful_samples=problem.doubtful_samples if problem.samples else tuple(extraction.doubtful),
        time_limit_s=problem.time_limit_s or extraction.time_limit_s,
        memory_limit_mb=problem.memory_limit_mb or extraction.memory_limit_mb,
        float_tol=problem.float_tol or stated_tolerance(body),
    )
