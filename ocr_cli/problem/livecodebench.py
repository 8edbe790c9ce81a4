"""LiveCodeBench code-generation rows (the `livecodebench/code_generation_lite` JSONL files).

A row holds `question_title`, `question_content`, `platform`, `question_id`, `contest_date`,
`difficulty`, `starter_code`, `public_test_cases` (a JSON string), `private_test_cases` (a JSON
string, or base64 of zlib of a pickled JSON string) and `metadata` (a JSON string with `func_name`).
Tests are "stdin" (input and output text) or "functional" (the method's arguments, one JSON value a
line, and its JSON return value).

The private tests are the bulk of a file, so scanning keeps only where a
row starts and reads it again when the problem is loaded. The pickled form is decoded by an unpickler
that refuses every class and function: nothing in a hostile file can run.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import pickle
import pickletools
import re
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from ocr_cli.errors import ProblemError
from ocr_cli.problem.types import Problem, TestCase

_METHOD = re.compile(r"^\s+def\s+(\w+)\s*\(\s*self\b", re.MULTILINE)
#: LiveCodeBench runs each test with a 6-second timeout; ocr uses it as the time limit.
TIME_LIMIT_S = 6.0
#: The largest decompressed private-test payload accepted (a zlib bomb stops here).
MAX_PAYLOAD_BYTES = 1 << 30
DATASET = "livecodebench/code_generation_lite"
#: Each release adds one file to the previous ones.
RELEASE_FILES = {f"v{n}": tuple(["test.jsonl", *(f"test{i}.jsonl" for i in range(2, n + 1))])
                 for n in range(1, 7)}
#: The problems a release's results are usually quoted on (the paper's v5: 2024-08 .. 2025-02).
RELEASE_WINDOWS = {"v5": (date(2024, 8, 1), date(2025, 2, 1))}


@dataclass(frozen=True)
class LcbRow:
    """One row as scanned: everything but the private tests, and where to read them again."""

    question_id: str
    title: str
    content: str
    platform: str
    contest_date: str  # ISO, as in the file
    difficulty: str
    starter_code: str
    function_name: str | None
    public_tests: tuple[TestCase, ...]
    functional: bool
    path: Path
    offset: int  # byte offset of the row's line in `path`

    @property
    def day(self) -> date | None:
        try:
            return date.fromisoformat(self.contest_date[:10])
        except ValueError:
            return None


@dataclass(frozen=True)
class LcbFilter:
    """`--date-from/--date-to` (inclusive/exclusive days), `--platform`, `--difficulty`."""

    date_from: date | None = None
    date_to: date | None = None
    platforms: frozenset[str] = frozenset()
    difficulties: frozenset[str] = frozenset()

    def describe(self) -> dict[str, str | list[str]]:
        """The filters set, as JSON values (for the results file)."""
        out: dict[str, str | list[str]] = {}
        if self.date_from is not None:
            out["date_from"] = self.date_from.isoformat()
        if self.date_to is not None:
            out["date_to"] = self.date_to.isoformat()
        if self.platforms:
            out["platforms"] = sorted(self.platforms)
        if self.difficulties:
            out["difficulties"] = sorted(self.difficulties)
        return out

    def accepts(self, row: LcbRow) -> bool:
        if self.platforms and row.platform not in self.platforms:
            return False
        if self.difficulties and row.difficulty not in self.difficulties:
            return False
        if self.date_from is None and self.date_to is None:
            return True
        day = row.day
        if day is None:
            return False
        after_start = self.date_from is None or day >= self.date_from
        return after_start and (self.date_to is None or day < self.date_to)


#: The opcodes of a pickled string (any protocol); anything else is refused before unpickling.
_STRING_OPCODES = frozenset({"PROTO", "FRAME", "SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8", "UNICODE",
                             "MEMOIZE", "PUT", "BINPUT", "LONG_BINPUT", "STOP"})


def _check_string_pickle(raw: bytes) -> None:
    """Refuse a pickle that is anything but one string, looking at its opcodes without running them."""
    for opcode, _, _ in pickletools.genops(raw):
        if opcode.name not in _STRING_OPCODES:
            raise pickle.UnpicklingError(f"refused opcode {opcode.name}: "
                                         "private tests are a pickled string only")


class _StringOnlyUnpickler(pickle.Unpickler):
    """Builds plain values only: any class or function reference (the way a pickle runs code) fails."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"refused {module}.{name}: private tests are a pickled string only")


def _unpack(value: str) -> str:
    """base64(zlib(pickle(str))) → the string, refusing anything but a pickled string."""
    try:
        packed = base64.b64decode(value.encode("ascii"), validate=True)
        inflater = zlib.decompressobj()
        raw = inflater.decompress(packed, MAX_PAYLOAD_BYTES)
        if inflater.unconsumed_tail:
            raise ProblemError("private tests larger than 1 GiB once decompressed")
        _check_string_pickle(raw)
        text = _StringOnlyUnpickler(io.BytesIO(raw)).load()
    except (ValueError, binascii.Error, zlib.error, pickle.UnpicklingError, EOFError) as exc:
        raise ProblemError(f"undecodable private tests: {exc}") from None
    if not isinstance(text, str):
        raise ProblemError(f"private tests must be a pickled string, not {type(text).__name__}")
    return text


def decode_private_tests(value: str) -> list[dict[str, Any]]:
    """The test dicts of a `private_test_cases` field: plain JSON, or base64(zlib(pickle(JSON str))).

    Raises ProblemError for anything else, including a pickle that refers to any class or function.
    """
    try:
        tests = json.loads(value)
    except json.JSONDecodeError:
        try:
            tests = json.loads(_unpack(value))
        except json.JSONDecodeError as exc:
            raise ProblemError(f"private tests are not JSON: {exc}") from None
    if not isinstance(tests, list) or not all(isinstance(t, dict) for t in tests):
        raise ProblemError("tests must be a JSON list of objects")
    return tests


def _tests(items: list[dict[str, Any]], prefix: str) -> tuple[TestCase, ...]:
    cases = []
    for index, item in enumerate(items, 1):
        if "input" not in item or "output" not in item:
            raise ProblemError(f"{prefix} test {index} lacks input or output")
        cases.append(TestCase(f"{prefix}{index}", str(item["input"]), str(item["output"])))
    return tuple(cases)


def _row(data: dict[str, Any], path: Path, offset: int) -> LcbRow:
    try:
        public = json.loads(data.get("public_test_cases") or "[]")
        meta = data.get("metadata") or "{}"
        metadata = json.loads(meta) if isinstance(meta, str) else dict(meta)
    except (TypeError, ValueError) as exc:
        raise ProblemError(f"row {data.get('question_id')!r}: unreadable field: {exc}", path=path) from None
    if not isinstance(public, list) or not all(isinstance(t, dict) for t in public):
        raise ProblemError(f"row {data.get('question_id')!r}: public_test_cases must list objects", path=path)
    kinds = {str(t.get("testtype", "stdin")) for t in public}
    starter = str(data.get("starter_code") or "")
    functional = "functional" in kinds or (bool(starter.strip()) and not public)
    method = metadata.get("func_name") or None
    if functional and method is None and (found := _METHOD.search(starter)):
        method = found.group(1)  # metadata without func_name: the starter code's method
    return LcbRow(
        question_id=str(data.get("question_id") or ""), title=str(data.get("question_title") or ""),
        content=str(data.get("question_content") or ""), platform=str(data.get("platform") or "").lower(),
        contest_date=str(data.get("contest_date") or ""),
        difficulty=str(data.get("difficulty") or "").lower(),
        starter_code=starter, function_name=method,
        public_tests=_tests(public, "public-"), functional=functional, path=path, offset=offset)


def jsonl_files(paths: Iterable[Path]) -> list[Path]:
    """The .jsonl files given, or found (sorted) in the folders given."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(path.glob("*.jsonl")))
        elif path.is_file():
            found.append(path)
        else:
            raise ProblemError("not found", path=path)
    return found


def scan(path: Path) -> Iterator[LcbRow]:
    """The rows of one JSONL file, in order (a row without `question_content` is an error)."""
    try:
        with path.open("rb") as file:
            offset = 0
            for number, line in enumerate(file, 1):
                start, offset = offset, offset + len(line)
                if not line.strip():
                    continue
                try:
                    data = json.loads(line)
                except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                    raise ProblemError(f"line {number} is not JSON: {exc}", path=path) from None
                if not isinstance(data, dict) or "question_content" not in data:
                    raise ProblemError(f"line {number} is not a LiveCodeBench code-generation row", path=path)
                yield _row(data, path, start)
    except OSError as exc:
        raise ProblemError(f"cannot read: {exc.strerror or exc}", path=path) from None


def private_tests(row: LcbRow) -> tuple[TestCase, ...]:
    """Read the row again from its file and decode its private tests."""
    try:
        with row.path.open("rb") as file:
            file.seek(row.offset)
            data = json.loads(file.readline())
    except (OSError, ValueError) as exc:
        raise ProblemError(f"cannot read the row again: {exc}", path=row.path) from None
    value = data.get("private_test_cases") or "[]"
    try:
        decoded = decode_private_tests(value if isinstance(value, str) else json.dumps(value))
        return _tests(decoded, "private-")
    except ProblemError as exc:
        raise ProblemError(f"{row.question_id}: {exc.message}", path=row.path) from None


def to_problem(row: LcbRow) -> Problem:
    """The statement the solver sees: title, content, the public tests as samples, the starter code."""
    return Problem(statement=row.content, title=row.title or None, samples=row.public_tests,
                   time_limit_s=TIME_LIMIT_S, source=f"{row.path}#{row.question_id}",
                   starter_code=row.starter_code if row.functional else None,
                   function_name=row.function_name if row.functional else None)


def release_folder() -> Path:
    """Where `--fetch lcb` puts the files: `<ocr data folder>/livecodebench`."""
    from ocr_cli import paths

    return paths.data_dir() / "livecodebench"


def release_paths(release: str, folder: Path | None = None) -> list[Path]:
    """The files of `release` ("v5") in `folder`; ConfigError for an unknown release."""
    from ocr_cli.errors import ConfigError

    if release not in RELEASE_FILES:
        raise ConfigError(f"unknown LiveCodeBench release {release!r}",
                          hint=f"one of {', '.join(RELEASE_FILES)}")
    return [(folder or release_folder()) / name for name in RELEASE_FILES[release]]


def missing_files_hint(release: str, folder: Path | None = None) -> str:
    """What to download, and where to put it, to use `release` offline."""
    names = " ".join(RELEASE_FILES[release])
    return (f"download {names} from https://huggingface.co/datasets/{DATASET} (Files tab) into "
            f"{folder or release_folder()}")


def fetch_release(release: str, folder: Path | None = None) -> list[Path]:
    """Download the files of `release` with huggingface-hub (files already there are kept).

    Raises ProblemError, saying what to download and where, when the hub cannot be reached.
    """
    targets = release_paths(release, folder)
    missing = [path for path in targets if not path.is_file()]
    if not missing:
        return targets
    try:
        from huggingface_hub import hf_hub_download
    except ImportError:  # a core dependency; only a broken install lacks it
        raise ProblemError("huggingface-hub is not installed",
                           hint=missing_files_hint(release, folder)) from None
    for path in missing:
        try:
            hf_hub_download(DATASET, path.name, repo_type="dataset", local_dir=path.parent)
        except Exception as exc:  # offline, refused, or renamed upstream: the same advice applies
            raise ProblemError(f"cannot download {path.name} ({type(exc).__name__})",
                               hint=missing_files_hint(release, folder)) from None
    return targets
