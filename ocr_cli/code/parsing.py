"""Tree-sitter parsers for the solution languages, loaded lazily and kept per thread."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from ocr_cli.language import Language

if TYPE_CHECKING:
    from tree_sitter import Parser, Tree

_local = threading.local()


def parser_for(language: Language) -> Parser:
    """A tree-sitter parser for `language` (one per thread: parsers are not thread-safe)."""
    parsers: dict[Language, Parser] = getattr(_local, "parsers", None) or {}
    _local.parsers = parsers
    if language not in parsers:
        import tree_sitter

        if language is Language.PYTHON:
            import tree_sitter_python as grammar
        else:
            import tree_sitter_cpp as grammar  # type: ignore[no-redef]
        parsers[language] = tree_sitter.Parser(tree_sitter.Language(grammar.language()))
    return parsers[language]


def parse(source: str, language: Language) -> Tree:
    """The syntax tree of `source`."""
    return parser_for(language).parse(source.encode("utf-8"))
