"""The two front ends share `ocr_cli.frontend` instead of importing each other (no cli <-> repl cycle)."""

from __future__ import annotations

import ast
from pathlib import Path

import ocr_cli

PACKAGE = Path(ocr_cli.__file__).parent


def _imports(folder: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in sorted((PACKAGE / folder).rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
            elif isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
        found[str(path.relative_to(PACKAGE))] = names
    return found


def _offenders(folder: str, forbidden: tuple[str, ...]) -> list[str]:
    return [f"{module} imports {name}" for module, names in _imports(folder).items() for name in names
            if name.startswith(forbidden)]


def test_the_repl_does_not_import_the_cli() -> None:
    assert _offenders("repl", ("ocr_cli.cli",)) == []


def test_the_shared_front_end_imports_neither_front_end() -> None:
    assert _offenders("frontend", ("ocr_cli.cli", "ocr_cli.repl")) == []


def test_the_core_imports_no_front_end() -> None:
    for core in ("solve", "problem", "judge", "engines", "storage"):
        assert _offenders(core, ("ocr_cli.cli", "ocr_cli.repl", "ocr_cli.frontend", "rich", "typer")) == []


def test_events_are_told_apart_by_type_not_by_class_name() -> None:
    sources = [p.read_text(encoding="utf-8") for p in PACKAGE.rglob("*.py")]
    assert not [s for s in sources if ".__name__ ==" in s]
