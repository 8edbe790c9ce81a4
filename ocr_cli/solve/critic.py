"""The critic: ask for a verdict on a candidate's code, read it back, and score it.

A verdict is read only from an explicit mark — the last `<judgement>right|wrong</judgement>` tag
(case and whitespace tolerant, "judgment" spelt either way, an unclosed final tag accepted), or a
final `Judgement: right` line as small models write it. Anything else is "no verdict", never guessed.
The score is the critic's probability of "right" against "wrong" at the verdict position: the last
`<judgement>` tag of the answer part (after `</think>`), never a tag the critic wrote while thinking.
Engines that can score while they generate (`GenerationRequest.score_at`, see `VERDICT_SCORING`) put
p(right) in the result (`choice_probabilities`); otherwise it is scored afterwards with
`Engine.score_choices` at the same position. The paper's selection rule also needs the length of the
critique's reasoning (`critique_reasoning`).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass

from ocr_cli.code.extract import split_reasoning
from ocr_cli.engines.base import (
    ChoiceScoring,
    Engine,
    GenerationRequest,
    GenerationResult,
    Message,
    SamplingParams,
)
from ocr_cli.language import Language
from ocr_cli.problem.types import Problem
from ocr_cli.prompts import critic_messages
from ocr_cli.solve.types import CriticVerdict

_TAG = re.compile(r"<\s*judge?ment\s*>\s*\**\s*(right|wrong)\s*\**\s*(?:<\s*/\s*judge?ment\s*>|$)",
                  re.IGNORECASE)
_OPEN_TAG = re.compile(r"<\s*judge?ment\s*>", re.IGNORECASE)
_LINE = re.compile(r"^\W*judge?ment\W*\s*(right|wrong)\W*$", re.IGNORECASE)
VERDICT_CHOICES: tuple[str, str] = ("right", "wrong")


@dataclass(frozen=True)
class Critique:
    """A critic's answer: its reasoning, the verdict (None when it gave none) and p(right)."""

    text: str
    verdict: CriticVerdict | None
    p_right: float | None


def parse_verdict(text: str) -> CriticVerdict | None:
    """The verdict a critique ends with, or None when it has no clear one."""
    _, answer = split_reasoning(text)
    tags = _TAG.findall(answer)  # a tag inside the <think> part is not a verdict
    if tags:
        return "right" if tags[-1].lower() == "right" else "wrong"
    lines = [line for line in answer.strip().splitlines() if line.strip()]
    if lines:
        match = _LINE.match(lines[-1].strip())
        if match:
            return "right" if match.group(1).lower() == "right" else "wrong"
    return None


def _answer_start(text: str) -> int | None:
    """Where the answer part of a critique starts: after `</think>`, 0 without a `<think>` part, and
    None when a `<think>` is never closed (the critique is all reasoning)."""
    close = text.rfind("</think>")
    if close >= 0:
        return close + len("</think>")
    return None if "<think>" in text else 0


def verdict_prefix(text: str) -> str:
    """The critique up to and including the last `<judgement>` opening tag of its answer part; when the
    answer has none, the critique with `\n<judgement>` appended (after a `</think>` it never wrote,
    when the reasoning was cut off), to score it, though the verdict stays None."""
    start = _answer_start(text)
    if start is None:
        return text.rstrip() + "\n</think>\n\n<judgement>"
    matches = list(_OPEN_TAG.finditer(text, start))
    if matches:
        return text[: matches[-1].end()]
    return text.rstrip() + "\n<judgement>"


#: Asks an engine that can to score the verdict inside generation (see `read_critique`).
VERDICT_SCORING = ChoiceScoring(choices=VERDICT_CHOICES, position=verdict_prefix)


def critique_reasoning(text: str) -> str:
    """The reasoning of a critique, whose length the paper's selection rule compares: its `<think>`
    part when it has one, else its answer up to the verdict."""
    reasoning, answer = split_reasoning(text)
    if reasoning is not None:
        return reasoning
    tag = _OPEN_TAG.search(answer)
    return (answer[: tag.start()] if tag else answer).strip()


def critic_request(problem: Problem, code: str, language: Language,
                   params: SamplingParams) -> GenerationRequest:
    """The request asking the critic about one candidate's final code."""
    return GenerationRequest(messages=critic_messages(problem, code, language), params=params,
                             score_at=VERDICT_SCORING)


def score_verdict(engine: Engine, messages: tuple[Message, ...], critique_text: str) -> float | None:
    """p(right) at the verdict position, or None when the engine cannot score."""
    request = GenerationRequest(messages=messages, assistant_prefix=verdict_prefix(critique_text))
    probabilities = engine.score_choices(request, VERDICT_CHOICES)
    if not probabilities or len(probabilities) != 2:
        return None
    total = probabilities[0] + probabilities[1]
    return probabilities[0] / total if total > 0 else None


def read_critique(engine: Engine, messages: tuple[Message, ...], text: str,
                  scored: tuple[float, ...] | None = None) -> Critique:
    """Parse the verdict and score it: `scored` is the engine's (right, wrong) probabilities read
    during generation (`GenerationResult.choice_probabilities`); without them, score afterwards."""
    if scored is not None and len(scored) == 2 and sum(scored) > 0:
        p_right: float | None = scored[0] / sum(scored)
    else:
        p_right = score_verdict(engine, messages, text)
    return Critique(text=text, verdict=parse_verdict(text), p_right=p_right)


def critique_feedback(text: str, limit: int = 2000) -> str:
    """What the reviser is told of a critique: its visible answer (not the <think> part), capped."""
    _, answer = split_reasoning(text)
    body = answer.strip() or text.strip()
    if len(body) > limit:
        body = "..." + body[-limit:]
    return body



def critique_code(engine: Engine, problem: Problem, code: str, language: Language, params: SamplingParams,
                  on_chunk: Callable[[str], None] | None = None,
                  cancel: threading.Event | None = None) -> tuple[Critique, GenerationResult]:
    """Ask the critic about one solution (the `ocr critique` command); the critique and the raw result."""
    request = critic_request(problem, code, language, params)
    result = engine.generate(request, on_chunk, cancel)
    return read_critique(engine, request.messages, result.text, result.choice_probabilities), result
