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
_PROSE_TOKEN = re.compile(r"^[A-Za-z][a-z]+[.,;:!?)-]?$")
_WORD = re.compile(r"[^\W\d_]{2,}")
#: Furthest left a right column may start, and how far left of its headings its text may reach.
_MIN_RIGHT_COLUMN = 16
_GUTTER_SEARCH = 12


def _normalised(line: str) -> str:
    """A line with its spacing collapsed and digits masked, so "Page 2" and "Page 3" compare equal."""
    return re.sub(r"\d+", "#", " ".join(line.split()))


def _furniture(lines: list[str], page_edges: set[int]) -> set[str]:
    """Page headers and footers (normalised): lines of words repeated on two pages or more.

    A repeated line counts when it sits at the edge of a form-feed page, or when it is long and
    title-like (a contest name, a problem name): sample data repeated across samples is neither.
    """
    counts = Counter(_normalised(line) for line in lines if line.strip())
    at_edges = {_normalised(lines[i]) for i in page_edges}
    # Furniture sits in a page margin: next to a blank line, never wedged between two lines of text.
    wedged = {_normalised(lines[i]) for i in range(1, len(lines) - 1)
              if lines[i - 1].strip() and lines[i].strip() and lines[i + 1].strip()}
    found: set[str] = set()
    for text, count in counts.items():
        words = _WORD.findall(text)
        if count < 2 or len(words) < 3:
            continue
        capitalised = sum(1 for w in words if w[0].isupper())
        title_like = len(text) >= 30 and len(words) >= 5 and capitalised >= 3 and text not in wedged
        if text in at_edges or title_like:
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


def _split_rows(lines: list[str], col: int) -> int:
    """How many lines have text on both sides of a gap of two spaces or more just left of `col`."""
    return sum(1 for line in lines
               if line[col - 2:col] == "  " and line[:col - 2].strip() and line[col:].strip())


def _tab_table(page: list[str], is_heading: Callable[[str], bool]) -> int | None:
    """The first row of a table pasted from HTML (`Sample Input 1<TAB>Sample Output 1`), if any."""
    for i, line in enumerate(page):
        cells = [c for c in line.split("\t") if c.strip()]
        if len(cells) == 2 and all(is_heading(c.strip()) for c in cells):
            return i
    return None


def _unfold(page: list[str], is_heading: Callable[[str], bool],
            is_prose: Callable[[str], bool]) -> tuple[list[str], set[int]]:
    """The page in reading order, and the indices (in it) of lines whose split between the columns
    is a guess: text running across the gutter, or data reclaimed from next to an ambiguous word."""
    table = _tab_table(page, is_heading)
    if table is not None:
        cells = [line.split("\t", 1) if "\t" in line else [line, ""] for line in page[table:]]
        return [*page[:table], *(c[0].rstrip() for c in cells), "", *(c[1].strip() for c in cells)], set()
    page = [line.expandtabs(8) for line in page]
    found = [(i, hit) for i, line in enumerate(page) if (hit := _right_heading_columns(line, is_heading))]
    if not found:
        return page, set()
    start = found[0][0]
    region = page[start:]
    heading_col = min(col for _, (col, _) in found)
    if not any(has_left for _, (_, has_left) in found) and _split_rows(region, heading_col) < 2:
        return page, set()  # a heading set off to the right (centred) on a one-column page
    gutter = _gutter(region, heading_col)
    left: list[_Cell] = []
    right: list[_Cell] = []
    awaiting_data = False
    for line in region:
        left_part, right_part = line[:gutter].rstrip(), line[gutter:].strip()
        doubtful = len(line) > gutter and line[gutter - 1] != " " and line[gutter] != " "
        if awaiting_data and len(left_part) >= gutter - _GUTTER_SEARCH:
            left_part, right_part, guessed = _reclaim_data(left_part, right_part)
            doubtful = doubtful or guessed
        # A row empty in one column only because the other column has text there is no blank line.
        left.append(None if not left_part.strip() and right_part.strip() else (left_part, doubtful))
        right.append(None if not right_part.strip() and left_part.strip() else (right_part, doubtful))
        if right_part.strip():
            awaiting_data = is_heading(right_part.strip()) or (awaiting_data and not is_prose(right_part))
    out = list(page[:start])
    doubtful_rows: set[int] = set()
    for column in (_settle(left, is_prose), [("", False)], _settle(right, is_prose)):
        for text, doubt in column:
            if doubt:
                doubtful_rows.add(len(out))
            out.append(text)
    return out, doubtful_rows


_Cell = tuple[str, bool] | None  # a column's text on one row and whether its split is a guess


def _settle(column: list[_Cell], is_prose: Callable[[str], bool]) -> list[tuple[str, bool]]:
    """Drop the rows of a column left empty by the other one when they fall inside data; else blank them.

    Keeping them would split a sample (a right-column output interrupted by a left-column heading);
    dropping them everywhere would join data to the prose after it.
    """
    settled: list[tuple[str, bool]] = []
    for i, row in enumerate(column):
        if row is not None:
            settled.append(row)
            continue
        before = next((r[0] for r in reversed(column[:i]) if r is not None), "")
        after = next((r[0] for r in column[i + 1:] if r is not None), "")
        inside_data = all(r.strip() and not is_prose(r) for r in (before, after))
        if not inside_data:
            settled.append(("", False))
    return settled


_DATA_TOKEN = re.compile(r"^(?:\S*\d\S*|[.#/\\*]+)$")


#: Words after which a number may belong to the sentence as well as to the other column.
_BEFORE_A_NUMBER = {"most", "least", "than", "to", "of", "is", "are", "be", "equal", "equals", "and", "or",
                    "by", "between", "from", "exceed", "exactly", "up", "=", "<", ">", "≤", "≥", "<=", ">="}


def _reclaim_data(left: str, right: str) -> tuple[str, str, bool]:
    """Move data that the conversion pushed left of the gutter back to the right column; the third
    value says whether that was a guess (the sentence could have ended with a number).

    When left-column prose runs close to the gutter, pdftotext may set the right column's short
    lines (a sample's `2`, `E3 S2`) one space after the prose instead of at the column.
    """
    tokens = left.split(" ")
    right = right.strip()
    moved: list[str] = []
    while tokens and _DATA_TOKEN.match(tokens[-1]):
        moved.insert(0, tokens.pop())
    prose_before = sum(1 for t in tokens if _PROSE_TOKEN.match(t))
    if not moved or prose_before < 3:
        return left, right, False
    guessed = bool(tokens) and tokens[-1].lower() in _BEFORE_A_NUMBER
    return " ".join(tokens).rstrip(), " ".join([*moved, right]).strip(), guessed


def reading_order(text: str, is_heading: Callable[[str], bool],
                  is_prose: Callable[[str], bool]) -> tuple[list[str], set[int]]:
    """The lines of `text` in reading order (see the module docstring), and the indices of those
    whose text may not be what the page shows in that column (its split between columns is a guess).

    `is_heading(s)` says whether `s` (a line's remainder from some column on) is a sample heading;
    a page is treated as two columns from the first line where such a heading starts right of other
    text on the same line. `is_prose(s)` says whether a line reads as a sentence rather than data.
    """
    lines: list[str] = []
    doubtful: set[int] = set()
    for page in _pages(text):
        unfolded, guessed = _unfold(page, is_heading, is_prose)
        doubtful.update(len(lines) + i for i in guessed)
        lines.extend(unfolded)
        lines.append("")
    return lines, doubtful
