"""Undo what a PDF conversion (`pdftotext -layout`) does to a statement's reading order.

Three things get in the way of finding samples in converted text: the running page header or
footer repeated on every page (it can fall between a sample's input and its output), "intentionally
left blank" pages, and pages set in two columns, where a line holds the left column's text and the
right column's text side by side. `reading_order` returns the lines in reading order: page furniture
blanked, and each two-column part of a page unfolded into its left column, then its right column.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

_BLANK_PAGE = re.compile(r"^\s*this page (?:is )?intentionally (?:left )?blank\.?\s*$", re.IGNORECASE)
_PAGE_NUMBER = re.compile(r"^\s*(?:page\s+\d+(?:\s*(?:of|/)\s*\d+)?|-\s*\d+\s*-)\s*$", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]{2,}")
#: Furthest left a right column may start, and how far left of its headings its text may reach.
_MIN_RIGHT_COLUMN = 20
_GUTTER_SEARCH = 12


def _normalised(line: str) -> str:
    return " ".join(line.split())


def _furniture(lines: list[str], form_feed_neighbours: set[int]) -> set[str]:
    """Lines repeated as page headers or footers (normalised): long lines of words seen twice or more."""
    counts = Counter(_normalised(line) for line in lines if line.strip())
    found: set[str] = set()
    for text, count in counts.items():
        if count < 2 or len(_WORD.findall(text)) < 3:
            continue
        at_page_edge = any(_normalised(lines[i]) == text for i in form_feed_neighbours)
        if at_page_edge or (len(text) >= 30 and len(_WORD.findall(text)) >= 5):
            found.add(text)
    return found


def _pages(text: str) -> list[list[str]]:
    """Split at form feeds and at page headers/footers, which are dropped."""
    raw_pages = text.split("\f")
    lines: list[str] = []
    edges: set[int] = set()
    for page in raw_pages:
        page_lines = page.split("\n")
        content = [i for i, line in enumerate(page_lines) if line.strip()]
        if content:
            edges.update({len(lines) + content[0], len(lines) + content[-1]})
        lines.extend(page_lines)
    furniture = _furniture(lines, edges)
    pages: list[list[str]] = []
    for page in raw_pages:
        current: list[str] = []
        for line in page.split("\n"):
            if _BLANK_PAGE.match(line) or _PAGE_NUMBER.match(line):
                continue
            if _normalised(line) in furniture:
                pages.append(current)
                current = []
                continue
            current.append(line.rstrip())
        pages.append(current)
    return [p for p in pages if any(line.strip() for line in p)]


def _right_heading_columns(line: str, is_heading: Callable[[str], bool]) -> tuple[int, bool] | None:
    """(column, has left text) of a heading standing in a right column of `line`, if any."""
    for m in re.finditer(r"(?:^|\s{2,})(\S)", line):
        col = m.start(1)
        if col >= _MIN_RIGHT_COLUMN and is_heading(line[col:]):
            return col, bool(line[:col].strip())
    return None


def _crossings(lines: list[str], col: int) -> int:
    """How many lines have text running across column `col` (no space on either side of it)."""
    return sum(1 for line in lines if len(line) > col and line[col - 1] != " " and line[col] != " ")


def _gutter(lines: list[str], heading_col: int) -> int:
    """The column where the right column starts: the rightmost one no text runs across."""
    low = max(_MIN_RIGHT_COLUMN, heading_col - _GUTTER_SEARCH)
    candidates = range(heading_col, low - 1, -1)
    return min(candidates, key=lambda c: (_crossings(lines, c), -c))


def _unfold(page: list[str], is_heading: Callable[[str], bool]) -> list[str]:
    found = [(i, hit) for i, line in enumerate(page) if (hit := _right_heading_columns(line, is_heading))]
    if not any(has_left for _, (_, has_left) in found):
        return page
    start = found[0][0]
    region = page[start:]
    gutter = _gutter(region, min(col for _, (col, _) in found))
    left = [line[:gutter].rstrip() for line in region]
    right = [line[gutter:].rstrip() for line in region]
    return [*page[:start], *left, "", *right]


def reading_order(text: str, is_heading: Callable[[str], bool]) -> list[str]:
    """The lines of `text` in reading order (see the module docstring).

    `is_heading(s)` says whether `s` (a line's remainder from some column on) is a sample heading;
    a page is treated as two columns from the first line where such a heading starts right of other
    text on the same line.
    """
    lines: list[str] = []
    for page in _pages(text.expandtabs(8)):
        lines.extend(_unfold(page, is_heading))
        lines.append("")
    return lines
