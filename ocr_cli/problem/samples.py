"""Finding the sample tests (and the limits) in a statement's text.

A statement is read line by line (in reading order, see `layout`), and each line is classified as a
heading that opens a sample block (`Sample Input 1`, `Sample Output #1`, `入力例 1`, or a plain
`Input` / `Output` inside an `Example(s)` section), a heading that ends one (`Explanation`, `Note`,
any other heading), or content. Blocks are then paired: by number when every block has one,
otherwise in order. Nothing is guessed: an input without an output is dropped, and a statement with
no recognisable sample heading has no samples.
"""

from __future__ import annotations

import re
import textwrap
import unicodedata
from dataclasses import dataclass, field
from typing import Literal

from ocr_cli.problem.layout import reading_order
from ocr_cli.problem.limits import parse_limits
from ocr_cli.problem.types import TestCase

Kind = Literal["input", "output"]

_NUM = r"(?:\s*(?:#|no\.?|n[°º])?\s*(\d+))?"
_COPY = r"(?:\s*copy)?"
_SAMPLE_IO = re.compile(
    r"^(?:sample|example)s?(?:\s*tests?)?(?:\s*cases?)?\s*(input|output)s?" + _NUM + _COPY + r"$")
_IO_OF_SAMPLE = re.compile(
    r"^(input|output)\s+(?:of\s+|for\s+|to\s+)?(?:the\s+)?(?:sample|example)" + _NUM + r"$")
_JAPANESE_IO = re.compile(r"^(入力例|出力例)" + _NUM + _COPY + r"$")
_CHINESE_IO = re.compile(r"^(输入样例|输出样例|样例输入|样例输出|輸入範例|輸出範例|範例輸入|範例輸出)"
                         + _NUM + _COPY + r"$")
_SECTION = re.compile(r"^(?:sample|example)s?(?:\s*tests?)?(?:\s*cases?)?(?:\s*(?:input\s*/\s*output|i/o))?"
                      + _NUM + r"$")
_PLAIN_IO = re.compile(r"^(input|output|stdin|stdout)" + _NUM + _COPY + r"$")
_STOP = re.compile(
    r"^(?:explanations?\b|notes?$|notes?\s*:|hints?$|remarks?$|comments?$|constraints$|scoring$|subtasks?$"
    r"|illustration$|problem\s+[a-z0-9]{1,3}\b|説明|注記|注意|样例解释|样例说明|提示|数据范围|说明)")
# Markdown headings end a block; grid rows such as "#.#" or "## ." do not.
_MARKDOWN_HEADING = re.compile(r"^\s*#{1,6}\s+[^\W\d_]")
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})\s*([\w-]*)")
_PROSE_WORD = re.compile(r"^[A-Za-z][a-z]+[.,;:!?)]?$")
_NUMERIC = re.compile(r"^[\s\d+\-.,]*$")
_CJK = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
#: A sentence: a capitalised word, then lower-case words, ending in a full stop ("Flip each.").
_REMARK = re.compile(r"^[A-Z][a-z]+(?:,?\s+[a-z][a-z'-]*){1,8}[.!]$")


@dataclass(frozen=True)
class SampleExtraction:
    """What a statement's text says about its samples and limits."""

    samples: list[TestCase] = field(default_factory=list)
    time_limit_s: float | None = None
    memory_limit_mb: int | None = None
    #: Samples found but left out because their text may be wrong, one line each saying why.
    doubtful: list[str] = field(default_factory=list)


@dataclass
class _Block:
    kind: Kind
    number: int | None
    family: str
    lines: list[str] = field(default_factory=list)
    fenced: bool = False
    doubtful: bool = False  # some line's split between two PDF columns was a guess

    def text(self) -> str:
        lines = self.lines if self.fenced else [line.rstrip() for line in self.lines]
        if self.kind == "output" and not self.fenced:
            lines = _without_trailing_remark(lines)
        while lines and not lines[0].strip():
            lines = lines[1:]
        while lines and not lines[-1].strip():
            lines = lines[:-1]
        body = "\n".join(lines)
        return (body if self.fenced else textwrap.dedent(body)) + "\n" if lines else ""


@dataclass(frozen=True)
class _Heading:
    role: Literal["block", "section", "plain", "stop"]
    kind: Kind | None = None
    number: int | None = None
    family: str = ""


def _heading_text(line: str) -> str:
    """A line stripped of Markdown/HTML decoration, NFKC-normalised and lowercased."""
    text = unicodedata.normalize("NFKC", line).strip()
    text = re.sub(r"^#{1,6}\s*(?=[^\W\d_])", "", text)
    text = re.sub(r"^<h\d[^>]*>|</h\d>$", "", text)
    text = text.strip("*_ \t")
    text = re.sub(r"[:：.]\s*$", "", text).strip("*_ \t")
    return " ".join(text.lower().split())


def _kind(word: str) -> Kind:
    return "input" if word in {"input", "stdin", "入力例"} else "output"


def _number(text: str | None) -> int | None:
    return int(text) if text else None


def classify(line: str) -> _Heading | None:
    """The heading `line` is, or None for content."""
    text = _heading_text(line)
    if not text or len(text) > 60:
        return None
    if m := _SAMPLE_IO.match(text) or _IO_OF_SAMPLE.match(text):
        return _Heading("block", _kind(m.group(1)), _number(m.group(2)), "sample")
    if m := _JAPANESE_IO.match(text):
        return _Heading("block", _kind(m.group(1)), _number(m.group(2)), "ja")
    if m := _CHINESE_IO.match(text):
        return _Heading("block", "input" if "入" in m.group(1) else "output", _number(m.group(2)), "zh")
    if m := _SECTION.match(text):
        return _Heading("section", number=_number(m.group(1)))
    if m := _PLAIN_IO.match(text):
        return _Heading("plain", _kind(m.group(1)), _number(m.group(2)), "plain")
    if _STOP.match(text) or _MARKDOWN_HEADING.match(line):
        return _Heading("stop")
    return None


def is_sample_heading(text: str) -> bool:
    """Whether `text` is a heading that opens a sample block (used to detect two-column pages)."""
    heading = classify(text)
    return heading is not None and heading.role in {"block", "section"}


def is_prose(line: str) -> bool:
    """Whether a line reads as a sentence of the statement rather than test data."""
    if len(_CJK.findall(line)) >= 6:
        return True
    tokens = line.split()
    words = sum(1 for t in tokens if _PROSE_WORD.match(t))
    return len(tokens) >= 4 and words >= 3 and words * 2 >= len(tokens)


def _read_fence(lines: list[str], start: int) -> tuple[list[str], int]:
    """The content of the fenced block opening at `start`, and the index after its closing fence."""
    opener = _FENCE.match(lines[start])
    assert opener is not None
    marker = opener.group(1)
    body: list[str] = []
    i = start + 1
    while i < len(lines) and not lines[i].strip().startswith(marker):
        body.append(lines[i])
        i += 1
    return body, i + 1


def _next_content(lines: list[str], i: int) -> int:
    while i < len(lines) and not lines[i].strip():
        i += 1
    return i


def _without_trailing_remark(lines: list[str]) -> list[str]:
    """An output's lines without a short remark printed after the data ("Flip each.").

    A last line that reads as a sentence (capitalised words, a full stop) after lines that do not is
    the statement talking, not the program.
    """
    content = [line for line in lines if line.strip()]
    if len(content) < 2 or not _REMARK.match(content[-1].strip()):
        return lines
    if any(_REMARK.match(line.strip()) or is_prose(line) for line in content[:-1]):
        return lines  # sentences all along: the output is text
    last = max(i for i, line in enumerate(lines) if line.strip())
    return lines[:last]


def _blocks(lines: list[str], doubtful: set[int] | None = None) -> list[_Block]:
    blocks: list[_Block] = []
    in_section = False
    section_number: int | None = None
    plain_inputs_seen = 0
    i = 0
    while i < len(lines):
        heading = classify(lines[i])
        fence = _FENCE.match(lines[i])
        if fence and in_section and heading is None:
            info = fence.group(2).lower()
            body, i = _read_fence(lines, i)
            kind: Kind | None = (
                "input" if info in {"in", "input", "stdin"} else
                "output" if info in {"out", "output", "stdout", "ans", "answer"} else None)
            if kind is None:  # unlabelled fences in an Example section: input, then output
                previous = blocks[-1] if blocks and blocks[-1].family == "fence" else None
                kind = "output" if previous is not None and previous.kind == "input" else "input"
            blocks.append(_Block(kind, section_number, "fence", body, fenced=True))
            continue
        if heading is None:
            i += 1
            continue
        if heading.role == "section":
            in_section, section_number = True, heading.number
            i += 1
            continue
        if heading.role == "stop":
            in_section = False
            i += 1
            continue
        assert heading.kind is not None
        number = heading.number if heading.number is not None else (
            section_number if heading.role == "plain" else None)
        block = _Block(heading.kind, number, heading.family)
        start = i + 1
        i = _collect(lines, start, block)
        block.doubtful = doubtful is not None and any(k in doubtful for k in range(start, i))
        if heading.role == "plain" and in_section and _opens_with_a_sentence(block):
            continue  # an "Example" paragraph of the statement followed by its Input section
        if heading.role == "plain" and not in_section:
            first_input = heading.kind == "input" and not plain_inputs_seen
            plain_inputs_seen += heading.kind == "input"
            if not _plain_block_is_sample(block, first_input):
                continue  # the statement's Input / Output section, not a sample
            block.family = "bare"
        if heading.role == "block":
            in_section = False
        if block.text():
            blocks.append(block)
    return blocks


def _opens_with_a_sentence(block: _Block) -> bool:
    first = next((line for line in block.lines if line.strip()), "")
    return is_prose(first) and (first.rstrip().endswith((".", ":")) or bool(_CJK.search(first)))


def _plain_block_is_sample(block: _Block, first_input: bool) -> bool:
    """Whether a bare Input / Output block outside an Example section holds data, not a description.

    The first bare `Input` of a statement is its input format unless it is nothing but numbers.
    """
    if any(is_prose(line) for line in block.lines):
        return False
    return not first_input or all(_NUMERIC.match(line) for line in block.lines)


def _collect(lines: list[str], i: int, block: _Block) -> int:
    """Fill `block` with the lines from `i` on; return the index of the first line not in it."""
    j = _next_content(lines, i)
    if j < len(lines) and _heading_text(lines[j]) == "copy":
        i = j + 1
        j = _next_content(lines, i)
    if j < len(lines) and _FENCE.match(lines[j]):
        block.lines, end = _read_fence(lines, j)
        block.fenced = True
        return end
    while i < len(lines):
        line = lines[i]
        if classify(line) is not None or _FENCE.match(line):
            break
        if not line.strip():
            k = _next_content(lines, i)
            if k < len(lines) and is_prose(lines[k]):
                break
        block.lines.append(line)
        i += 1
    return i


def _pair(blocks: list[_Block]) -> list[tuple[_Block, _Block]]:
    if blocks and all(b.number is not None for b in blocks):
        inputs: dict[int, _Block] = {}
        outputs: dict[int, _Block] = {}
        for b in blocks:
            assert b.number is not None
            (inputs if b.kind == "input" else outputs).setdefault(b.number, b)
        return [(inputs[n], outputs[n]) for n in sorted(inputs) if n in outputs]
    pairs: list[tuple[_Block, _Block]] = []
    pending: _Block | None = None
    for b in blocks:
        if b.kind == "input":
            pending = b
        elif pending is not None:
            pairs.append((pending, b))
            pending = None
    return pairs


def extract_samples(text: str) -> SampleExtraction:
    """The samples and limits stated in a statement's text (plain text, Markdown or PDF conversion).

    A sample whose text may be wrong (beside prose in two-column PDF text, where where one column
    ends is a guess) is left out and named in `doubtful`: a wrong sample is worse than a missing one.
    """
    lines, guessed = reading_order(text, is_sample_heading, is_prose)
    blocks = _blocks(lines, guessed)
    if any(b.family != "bare" for b in blocks):
        # Bare Input / Output headings outside any Example section are a last resort only.
        blocks = [b for b in blocks if b.family != "bare"]
    by_family: dict[str, list[_Block]] = {}
    for block in blocks:
        by_family.setdefault(block.family, []).append(block)
    # Families in order of appearance; a pair another family already gave (an AtCoder page in
    # Japanese and English) is not repeated.
    best: list[tuple[_Block, _Block]] = []
    seen: set[tuple[tuple[str, ...], tuple[str, ...]]] = set()
    for family_blocks in by_family.values():
        family_pairs = _pair(family_blocks)
        keys = [(tuple(i.text().split()), tuple(o.text().split())) for i, o in family_pairs]
        if family_pairs and all(k in seen for k in keys):
            continue
        best.extend(family_pairs)
        seen.update(keys)
    time_s, memory_mb = parse_limits(text)
    samples: list[TestCase] = []
    doubtful: list[str] = []
    for n, (inp, out) in enumerate(best, start=1):
        if inp.doubtful or out.doubtful:
            doubtful.append(f"sample {n}: printed beside the statement's text in two columns, where the "
                            f"columns part is unclear; not used")
            continue
        samples.append(TestCase(f"sample-{len(samples) + 1}", inp.text(), out.text()))
    return SampleExtraction(samples=samples, time_limit_s=time_s, memory_limit_mb=memory_mb,
                            doubtful=doubtful)
