"""Syntax checks with tree-sitter before anything runs: an error is feedback for the reviser.

Only where tree-sitter is right. Python's grammar is Python's; C++'s is not C++ after the
preprocessor: `#define each(x,v) for(auto&x:v)` then `each(x,v) x=1;` is valid C++ that tree-sitter
marks as an error. So C++ is never stopped here: its compiler judges it, and a compile error (with
g++'s message) is the feedback (`gate_issue`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ocr_cli.code.parsing import parse
from ocr_cli.language import Language

if TYPE_CHECKING:
    from tree_sitter import Node


@dataclass(frozen=True)
class SyntaxIssue:
    """The first syntax error of a source: 1-based line and column, and the offending line."""

    line: int
    column: int
    snippet: str
    missing: str | None = None  # the token tree-sitter expected, when one is missing

    def describe(self) -> str:
        """One line such as `syntax error at line 3, column 5: missing ")"`, then the line itself."""
        what = f'missing "{self.missing}"' if self.missing else "unexpected text"
        return f"syntax error at line {self.line}, column {self.column}: {what}\n    {self.snippet}"


def _first_error(node: Node) -> Node | None:
    if node.is_error or node.is_missing:
        return node
    if not node.has_error:
        return None
    for child in node.children:
        found = _first_error(child)
        if found is not None:
            return found
    return node


def check_syntax(source: str, language: Language) -> SyntaxIssue | None:
    """The first syntax error in `source`, or None when it parses cleanly."""
    if not source.strip():
        return SyntaxIssue(line=1, column=1, snippet="", missing=None)
    tree = parse(source, language)
    if not tree.root_node.has_error:
        return None
    node = _first_error(tree.root_node) or tree.root_node
    row, column = node.start_point
    lines = source.splitlines()
    snippet = lines[row].rstrip() if row < len(lines) else ""
    missing = node.type if node.is_missing else None
    return SyntaxIssue(line=row + 1, column=column + 1, snippet=snippet, missing=missing)


def gate_issue(source: str, language: Language) -> SyntaxIssue | None:
    """The syntax issue that stops a candidate before it is compiled or run: tree-sitter's first
    error for Python; None for C++ (its compiler decides, see the module docstring)."""
    if language is Language.CPP:
        return None
    return check_syntax(source, language)


def has_valid_syntax(source: str, language: Language) -> bool:
    """Whether `source` parses without any error node."""
    return check_syntax(source, language) is None
