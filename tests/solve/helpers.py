"""Shared pieces of the solve tests: a problem with tests, answers in the scripted engine's format."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import pytest

from ocr_cli.engines.base import ChunkCallback, GenerationRequest, GenerationResult
from ocr_cli.engines.scripted import ScriptedEngine, ScriptedReply
from ocr_cli.judge.runner import Judge
from ocr_cli.judge.types import JudgeOptions
from ocr_cli.problem.types import Problem, TestCase

PROBLEM = Problem(statement="A + B\n\nRead two integers A and B and print A + B.", title="A + B")
TESTS = (TestCase("1", "1 2\n", "3\n"), TestCase("2", "-5 12\n", "7\n"))

RIGHT = "a, b = map(int, input().split())\nprint(a + b)\n"
WRONG = "a, b = map(int, input().split())\nprint(a - b)\n"
BROKEN = "a, b = map(int, input().split()\nprint(a + b)\n"
DRAFT = "# Your code here\n```\n\nA + B"  # only in the generator prompt
REVISION = "Previous solution"  # only in the reviser prompt
CRITIC = "Candidate solution"  # only in the critic prompt


def answer(code: str, reasoning: str = "I add them.") -> str:
    """A model answer: reasoning, then the code in a python fence."""
    return f"<think>{reasoning}</think>\nHere is the code.\n```python\n{code}```\n"


def judge() -> Judge:
    return Judge(JudgeOptions(time_limit_s=2.0))


class BatchRecordingEngine(ScriptedEngine):
    """A scripted engine that also records the size of every generate_batch call."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.batches: list[list[GenerationRequest]] = []

    def generate_batch(self, requests: Sequence[GenerationRequest], on_chunk: ChunkCallback | None = None,
                       cancel: threading.Event | None = None) -> list[GenerationResult]:
        self.batches.append(list(requests))
        return super().generate_batch(requests, on_chunk, cancel)


def draft(code: str, repeat: bool = False) -> ScriptedReply:
    """A reply to a first-draft request only."""
    return ScriptedReply(text=answer(code), when=DRAFT, repeat=repeat)


def revision(code: str, repeat: bool = False) -> ScriptedReply:
    return ScriptedReply(text=answer(code), when=REVISION, repeat=repeat)


def critique(verdict: str | None, repeat: bool = False, text: str = "I checked the loop.") -> ScriptedReply:
    tail = f"\n<judgement>{verdict}</judgement>" if verdict else ""
    return ScriptedReply(text=text + tail, when=CRITIC, repeat=repeat)


@pytest.fixture(params=["staged", "pipelined"], autouse=True)
def round_mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Autouse where imported: every test of the module runs twice, with engines that answer whole
    phases and with engines that batch continuously (the round's candidates then move on one by
    one, `solve/pipeline.py`)."""
    monkeypatch.setattr(ScriptedEngine, "continuous", request.param == "pipelined")
    return str(request.param)
