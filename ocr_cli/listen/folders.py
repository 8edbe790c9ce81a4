"""Problem folders made from received problems, with names safe on every filesystem.

    DIR/CONTEST/PROBLEM/          e.g. codeforces-round-415-div-2/d-glad-to-see-you
      problem.json                the extension's JSON as received (ocr solve/test/bench read it)
      meta.json                   title, url, contest, time_limit_s, memory_limit_mb, interactive, files
      test/sample-N.in, .out      the samples in online-judge-tools' names

A name never leaves DIR: it is reduced to letters, digits, `-` and `_` (no separators, no dots, no
Windows device names, at most 60 characters), and the result is checked to lie inside DIR. Files are
written to a temporary name and renamed, so a symlink planted in the folder is replaced, not followed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
import unicodedata
from pathlib import Path

from ocr_cli.listen.payload import ProblemPayload

MAX_NAME_CHARS = 60
TEST_FOLDER = "test"
PROBLEM_FILE = "problem.json"
META_FILE = "meta.json"
_WINDOWS_DEVICES = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)),
                    *(f"lpt{i}" for i in range(10))}
_SAMPLE_FILE = re.compile(r"^sample-\d+\.(in|out)$")


class FolderError(OSError):
    """A problem folder that cannot be written (the message is one line)."""


def safe_name(text: str, fallback: str = "problem") -> str:
    """`text` as one folder name: lower-case letters and digits (any script) joined by `-`."""
    normal = unicodedata.normalize("NFKC", text).casefold()
    words = re.split(r"[^\w]+|_+", normal)
    name = "-".join(word for word in words if word)
    name = name[:MAX_NAME_CHARS].strip("-")
    if not name:
        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]
        return f"{fallback}-{digest}"
    if name in _WINDOWS_DEVICES:
        name += "-"
    return name


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def _write(path: Path, data: bytes) -> None:
    """Write `path` through a temporary file and a rename (never through a symlink)."""
    handle, temp = tempfile.mkstemp(prefix=".ocr-", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def _same_problem(folder: Path, payload: ProblemPayload) -> bool:
    """Whether `folder` holds this problem already (the extension sent it again)."""
    try:
        meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return not any(folder.iterdir())  # an empty folder may be used
    return isinstance(meta, dict) and meta.get("url") == payload.url and meta.get("title") == payload.name


def _real_dir(path: Path) -> None:
    if path.is_symlink() or (path.exists() and not path.is_dir()):
        raise FolderError(f"{path} is not a plain folder")
    path.mkdir(exist_ok=True)


def problem_folder(payload: ProblemPayload, root: Path) -> Path:
    """The folder `payload` goes to under `root`: CONTEST/PROBLEM, numbered when the name is taken."""
    contest = safe_name(payload.group, "contest") if payload.group else None
    base = safe_name(payload.name)
    parent = root / contest if contest else root
    for number in range(1, 1000):
        candidate = parent / (base if number == 1 else f"{base}-{number}")
        if candidate.is_symlink():
            continue
        if not candidate.exists() or (candidate.is_dir() and _same_problem(candidate, payload)):
            if not _inside(candidate, root):
                raise FolderError(f"refusing a folder outside {root}: {candidate}")
            return candidate
    raise FolderError(f"no free folder name for {payload.name!r} under {parent}")


def meta_of(payload: ProblemPayload) -> dict[str, object]:
    """The `meta.json` of a received problem (the keys `ocr bench` reads, and where it came from)."""
    meta: dict[str, object] = {"title": payload.name, "url": payload.url, "contest": payload.group,
                               "interactive": payload.interactive}
    if payload.time_limit_ms is not None:
        meta["time_limit_s"] = payload.time_limit_ms / 1000.0
    if payload.memory_limit_mb is not None:
        meta["memory_limit_mb"] = payload.memory_limit_mb
    if payload.input_file is not None:
        meta["input_file"] = payload.input_file
    if payload.output_file is not None:
        meta["output_file"] = payload.output_file
    return meta


def write_problem(payload: ProblemPayload, root: Path) -> Path:
    """Create (or refresh) the problem folder of `payload` under `root`; its path.

    Raises FolderError when it cannot be written.
    """
    root = Path(root)
    try:
        root.mkdir(parents=True, exist_ok=True)
        folder = problem_folder(payload, root)
        _real_dir(folder.parent)
        _real_dir(folder)
        tests = folder / TEST_FOLDER
        _real_dir(tests)
        for old in tests.iterdir():  # samples of an earlier send of this problem
            if _SAMPLE_FILE.match(old.name) and not old.is_dir():
                old.unlink()
        for number, sample in enumerate(payload.tests, start=1):
            _write(tests / f"sample-{number}.in", sample.input.encode("utf-8"))
            _write(tests / f"sample-{number}.out", sample.output.encode("utf-8"))
        _write(folder / PROBLEM_FILE, json.dumps(payload.raw, indent=1, ensure_ascii=False).encode("utf-8"))
        _write(folder / META_FILE, json.dumps(meta_of(payload), indent=1, ensure_ascii=False).encode("utf-8"))
    except FolderError:
        raise
    except OSError as exc:
        raise FolderError(f"cannot write the problem folder: {exc.strerror or exc}") from None
    return folder
