"""The commands shown in README.md and docs/*.md run as documented.

Convention (also in docs/index.md, "Docs are tested"): every ```console block is checked unless the
line before it is a comment starting with `<!-- no-check`. In a block, `$ CMD` runs CMD with bash in
a temporary copy of the repository (its own OCR_HOME, `ocr` on PATH); each following line up to the
next `$` must appear in the command's output (stdout and stderr, whitespace-insensitive), except a
line `(exit N)`, which gives the expected exit code (default 0). ```bash and ```text blocks never run.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC_FILES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
EXIT_LINE = re.compile(r"^\(exit (\d+)\)$")
COPIED = ("examples", "docs", "README.md")


@dataclass
class DocCommand:
    """One `$ command` of a console block, with what its output must contain."""

    line: int
    command: str
    expected: list[str] = field(default_factory=list)
    exit_code: int = 0


def console_commands(text: str) -> list[DocCommand]:
    """The checked commands of a Markdown text, in order."""
    commands: list[DocCommand] = []
    lines = text.splitlines()
    previous = ""
    index = 0
    while index < len(lines):
        stripped = lines[index].strip()
        if stripped.startswith("```"):
            fence = stripped
            checked = fence == "```console" and not previous.startswith("<!-- no-check")
            index += 1
            while index < len(lines) and not lines[index].strip().startswith("```"):
                body = lines[index].strip()
                if checked and body.startswith("$ "):
                    commands.append(DocCommand(line=index + 1, command=body[2:]))
                elif checked and body and commands and (match := EXIT_LINE.match(body)):
                    commands[-1].exit_code = int(match.group(1))
                elif checked and body and commands:
                    commands[-1].expected.append(body)
                index += 1
            previous = ""
        elif stripped:
            previous = stripped
        index += 1
    return commands


def _squash(text: str) -> str:
    return " ".join(text.split())


def test_the_parser_follows_the_convention() -> None:
    text = "\n".join([
        "```console", "$ ocr a", "out 1", "  out   2  ", "$ ocr b", "(exit 1)", "```",
        "<!-- no-check: slow -->", "```console", "$ ocr skipped", "```",
        "```bash", "$ not run", "```",
    ])
    commands = console_commands(text)
    assert [(c.command, c.expected, c.exit_code) for c in commands] == [
        ("ocr a", ["out 1", "out   2"], 0), ("ocr b", [], 1)]


# usage.md alone runs dozens of real commands (judge runs, stress, a listener, scripted solves): the
# bound is generous so that a busy machine slows the test down instead of failing it
@pytest.mark.timeout(1800)
@pytest.mark.parametrize("doc", [p for p in DOC_FILES if p.exists()], ids=lambda p: p.name)
def test_documented_commands(doc: Path, tmp_path: Path) -> None:
    commands = console_commands(doc.read_text(encoding="utf-8"))
    if not commands:
        pytest.skip(f"{doc.name} has no checked console commands")
    work = tmp_path / "repo"
    work.mkdir()
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, work / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.exists():
            shutil.copy2(source, work / name)
    env = dict(os.environ)
    env.update({
        "OCR_HOME": str(tmp_path / "home"),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        "COLUMNS": "120",
        "NO_COLOR": "1",
    })
    failures: list[str] = []
    for command in commands:
        done = subprocess.run(["bash", "-c", command.command], cwd=work, env=env, capture_output=True,
                              text=True, timeout=180, stdin=subprocess.DEVNULL)
        output = _squash(done.stdout + "\n" + done.stderr)
        where = f"{doc.name}:{command.line}: $ {command.command}"
        if done.returncode != command.exit_code:
            failures.append(f"{where}\n  exit {done.returncode}, documented {command.exit_code}\n"
                            f"  {(done.stdout + done.stderr)[-800:]}")
            continue
        missing = [line for line in command.expected if _squash(line) not in output]
        if missing:
            failures.append(f"{where}\n  missing {missing}\n  output: {(done.stdout + done.stderr)[-800:]}")
    assert not failures, "\n".join(failures)
