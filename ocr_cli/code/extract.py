"""Take the solution code out of a model's answer.

The answer's `<think>...</think>` part is reasoning: kept, never searched for code. From the rest, the
final fenced block in the requested language wins (an unclosed final fence, as when generation stops
at the token limit, counts when it parses); then the final unlabeled block that parses as code; and
where fences are missing or broken, tree-sitter recovers the largest syntactically valid region.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from ocr_cli.code.parsing import parse
from ocr_cli.language import Language

Method = Literal["fence", "unclosed-fence", "unlabeled-fence", "recovered"]

_EXTRA_TAGS: dict[Language, frozenset[str]] = {
    Language.PYTHON: frozenset({"py3", "python2", "pycon", "python3.11", "python3.10"}),
    Language.CPP: frozenset({"c++17", "c++20", "c++14", "c++11", "cpp17", "cpp20", "hpp", "h", "c"}),
}
_OPEN = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`\s]*)[^`]*$")
_PY_CODE_NODES = frozenset({
    "import_statement", "import_from_statement", "function_definition", "class_definition",
    "for_statement", "while_statement", "if_statement", "with_statement", "try_statement",
    "decorated_definition", "future_import_statement",
})
_PY_CODE_EXPRESSIONS = frozenset({"assignment", "augmented_assignment", "call"})
_MAX_RECOVERY_PARSES = 400


@dataclass(frozen=True)
class FencedBlock:
    """One fenced block of an answer."""

    tag: str  # the info string's first word, lower case ("" when unlabeled)
    body: str
    closed: bool


@dataclass(frozen=True)
class Extraction:
    """What an answer holds: reasoning, the visible answer, and the code (None when none was found)."""

    code: str | None
    reasoning: str | None
    answer: str
    method: Method | None


def split_reasoning(text: str) -> tuple[str | None, str]:
    """(reasoning, answer): the `<think>` part and the rest. An unclosed `<think>` is all reasoning."""
    close = text.rfind("</think>")
    if close >= 0:
        reasoning = text[:close]
        opening = reasoning.find("<think>")
        if opening >= 0:
            reasoning = reasoning[opening + len("<think>"):]
        return reasoning.strip(), text[close + len("</think>"):].strip()
    opening = text.find("<think>")
    if opening >= 0:
        return text[opening + len("<think>"):].strip(), text[:opening].strip()
    return None, text


def fenced_blocks(text: str) -> list[FencedBlock]:
    """Every fenced block, in order; the last may be unclosed."""
    blocks: list[FencedBlock] = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        match = _OPEN.match(lines[index])
        if match is None:
            index += 1
            continue
        fence = match.group("fence")
        tag = match.group("info").lower().strip("{}.")
        body: list[str] = []
        closed = False
        index += 1
        while index < len(lines):
            line = lines[index]
            stripped = line.strip()
            if set(stripped) == {fence[0]} and len(stripped) >= len(fence):
                closed = True
                index += 1
                break
            if fence[0] == "`" and line.rstrip().endswith(fence) and stripped != fence:
                body.append(line.rstrip()[: -len(fence)])  # "print(x)```": closed on the code's line
                closed = True
                index += 1
                break
            body.append(line)
            index += 1
        blocks.append(FencedBlock(tag=tag, body="\n".join(body).strip("\n") + "\n", closed=closed))
    return blocks


def _tags_for(language: Language) -> frozenset[str]:
    return frozenset(language.fence_tags) | _EXTRA_TAGS[language]


def looks_like_code(source: str, language: Language) -> bool:
    """Whether `source` parses cleanly and holds a real program part (not a bare number or word)."""
    if not source.strip():
        return False
    tree = parse(source, language)
    root = tree.root_node
    if root.has_error:
        return False
    if language is Language.CPP:
        return _contains(root, "function_definition", depth=3)
    for child in root.children:
        if child.type in _PY_CODE_NODES:
            return True
        if child.type == "expression_statement" and any(
                grand.type in _PY_CODE_EXPRESSIONS for grand in child.children):
            return True
    return False


def _contains(node: object, node_type: str, depth: int) -> bool:
    children = getattr(node, "children", [])
    for child in children:
        if child.type == node_type:
            return True
        if depth > 0 and _contains(child, node_type, depth - 1):
            return True
    return False


def _from_fences(answer: str, language: Language) -> tuple[str, Method] | None:
    # an empty block, or the prompt's "# Your code here" placeholder echoed back, holds no code
    blocks = [b for b in fenced_blocks(answer)
              if b.body.strip() and b.body.strip().lstrip("#/ ").lower() != "your code here"]
    tags = _tags_for(language)
    labeled = [b for b in blocks if b.tag in tags]
    if labeled:
        last = labeled[-1]
        if last.closed or looks_like_code(last.body, language):
            return last.body, "fence" if last.closed else "unclosed-fence"
        closed = [b for b in labeled if b.closed]
        if closed:
            return closed[-1].body, "fence"
        return last.body, "unclosed-fence"
    for block in reversed(blocks):
        if not block.tag and looks_like_code(block.body, language):
            return block.body, "unlabeled-fence"
    return None


def _plausible_line(line: str, language: Language) -> bool:
    """Whether a line could belong to a program (prose lines rarely parse on their own)."""
    stripped = line.strip()
    if not stripped or line[0].isspace():
        return True
    if language is Language.CPP:
        return stripped.startswith(("#", "//", "/*", "*", "}")) or stripped.endswith((";", "{", "}", ")")) \
            or not parse(stripped + "\n", language).root_node.has_error
    if stripped.startswith("#"):
        return True
    probe = stripped + ("\n    pass\n" if stripped.endswith(":") else "\n")
    return not parse(probe, language).root_node.has_error


def _segments(lines: list[str], language: Language) -> list[tuple[int, int]]:
    """Maximal runs of plausible lines, as (start, end) line ranges."""
    runs: list[tuple[int, int]] = []
    start: int | None = None
    for index, line in enumerate(lines):
        if _plausible_line(line, language) and not line.lstrip().startswith(("```", "~~~")):
            if start is None:
                start = index
        elif start is not None:
            runs.append((start, index))
            start = None
    if start is not None:
        runs.append((start, len(lines)))
    return runs


def recover_code(text: str, language: Language) -> str | None:
    """The largest run of whole lines that parses cleanly as a program (None when there is none)."""
    lines = text.splitlines()
    weights = [1 if line.strip() else 0 for line in lines]
    suffix = [0] * (len(lines) + 1)
    for i in range(len(lines) - 1, -1, -1):
        suffix[i] = suffix[i + 1] + weights[i]
    segments = sorted(_segments(lines, language), key=lambda s: suffix[s[0]] - suffix[s[1]], reverse=True)
    best: tuple[int, int, int] | None = None  # (weight, start, end)
    parses = 0
    for seg_start, seg_end in segments:
        if best is not None and suffix[seg_start] - suffix[seg_end] <= best[0]:
            break
        for start in range(seg_start, seg_end):
            if not lines[start].strip() or lines[start][0].isspace():
                continue
            if best is not None and suffix[start] - suffix[seg_end] <= best[0]:
                break
            for end in range(seg_end, start, -1):
                if not lines[end - 1].strip():
                    continue
                weight = suffix[start] - suffix[end]
                if best is not None and weight <= best[0]:
                    break
                parses += 1
                if parses > _MAX_RECOVERY_PARSES:
                    return _region(lines, best)
                if looks_like_code("\n".join(lines[start:end]) + "\n", language):
                    best = (weight, start, end)
                    break
    return _region(lines, best)


def _region(lines: list[str], best: tuple[int, int, int] | None) -> str | None:
    if best is None:
        return None
    _, start, end = best
    return "\n".join(lines[start:end]) + "\n"


def extract_code(text: str, language: Language) -> Extraction:
    """Split off the reasoning and find the code of the answer (see the module docstring)."""
    reasoning, answer = split_reasoning(text)
    found = _from_fences(answer, language)
    if found is not None:
        return Extraction(code=found[0], reasoning=reasoning, answer=answer, method=found[1])
    recovered = recover_code(answer, language)
    return Extraction(code=recovered, reasoning=reasoning, answer=answer,
                      method="recovered" if recovered is not None else None)
