"""A user's command line (`ocr test -c "java -cp . Main"`) made ready for the sandbox.

The sandboxed program starts in an empty private folder, so paths in the command that name existing
files or folders (`./a.out`, `sol.py`, `.`) are made absolute. When the sandbox runs programs as
another user (root drops to `nobody`) and such a path lies where that user cannot go (under
`/root`, or a private temporary folder), a file is copied to a readable place and a folder is shown
read-only through a bind mount (where namespaces allow it).
"""

from __future__ import annotations

import os
import shlex
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ocr_cli.errors import ConfigError, JudgeError
from ocr_cli.judge.sandbox import SAFE_PATH, IsolationInfo


@dataclass
class UserCommand:
    """The argv to run and the bind mounts it needs; `close()` removes the mount points."""

    argv: list[str]
    binds: tuple[tuple[str, str], ...] = ()
    _mirrors: list[Path] = field(default_factory=list)

    def close(self) -> None:
        for mirror in self._mirrors:
            shutil.rmtree(mirror, ignore_errors=True)
        self._mirrors.clear()

    def __enter__(self) -> UserCommand:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _reachable_by_others(path: Path) -> bool:
    """Whether another user can get to `path` and read it (a folder: list and enter it)."""
    try:
        if not all(folder.stat().st_mode & 0o001 for folder in path.parents):
            return False
        wanted = 0o005 if path.is_dir() else 0o004
        return path.stat().st_mode & wanted == wanted
    except OSError:
        return False


def _names_a_path(word: str, cwd: Path) -> Path | None:
    if not word or word.startswith("-") or "=" in word:
        return None
    path = Path(word).expanduser()
    path = path if path.is_absolute() else cwd / path
    return path.resolve() if path.exists() else None


def _program_on_path(word: str, other_user: bool) -> str:
    """`word` found on PATH; for another user, a copy it can reach (the sandbox's PATH) is preferred."""
    found = [f for f in (shutil.which(word), shutil.which(word, path=SAFE_PATH)) if f is not None]
    if other_user:
        found.sort(key=lambda f: not _reachable_by_others(Path(f).resolve()))
    return found[0] if found else word


def prepare_command(command: str, info: IsolationInfo, cwd: Path | None = None) -> UserCommand:
    """Split `command`, make its paths absolute and reachable in the sandbox; raises ConfigError for
    an empty or unsplittable command, JudgeError when a path cannot be shown to the sandbox's user."""
    try:
        words = shlex.split(command)
    except ValueError as exc:
        raise ConfigError(f"cannot split the command: {exc}") from None
    if not words:
        raise ConfigError("the command is empty", hint='e.g. -c "java -cp . Main" or -c ./a.out')
    cwd = cwd or Path.cwd()
    other_user = info.run_as is not None and info.run_as != os.getuid()
    prepared = UserCommand([])
    staging: Path | None = None
    binds: list[tuple[str, str]] = []
    try:
        for position, word in enumerate(words):
            path = _names_a_path(word, cwd)
            if position == 0 and "/" not in word:
                prepared.argv.append(_program_on_path(word, other_user))
                continue
            if path is None:
                prepared.argv.append(word)
                continue
            if other_user and not _reachable_by_others(path):
                if path.is_file():  # a private file (a script, a binary): a readable copy
                    if staging is None:
                        staging = Path(tempfile.mkdtemp(prefix="ocr-cmd-"))
                        staging.chmod(0o755)
                        prepared._mirrors.append(staging)
                    copy = staging / f"{len(prepared.argv)}-{path.name}"
                    shutil.copyfile(path, copy)
                    copy.chmod(0o755 if path.stat().st_mode & 0o111 else 0o644)
                    path = copy
                elif info.namespaces and path.stat().st_mode & 0o005 == 0o005:  # behind a private folder
                    mirror = Path(tempfile.mkdtemp(prefix="ocr-cmd-"))
                    mirror.chmod(0o755)
                    prepared._mirrors.append(mirror)
                    binds.append((str(path), str(mirror)))
                    path = mirror
                else:
                    raise JudgeError(f"{path} cannot be read by the sandbox's user",
                                     hint="make it readable by others (chmod o+rX), or run ocr as an "
                                          "ordinary user")
            prepared.argv.append(str(path))
    except BaseException:
        prepared.close()
        raise
    prepared.binds = tuple(binds)
    return prepared
