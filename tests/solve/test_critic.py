"""Reading the critic's verdict: explicit marks only, never guessed; and scoring it."""

from __future__ import annotations

import pytest

from ocr_cli.engines.base import Message
from ocr_cli.engines.scripted import ScriptedEngine
from ocr_cli.solve.critic import parse_verdict, score_verdict, verdict_prefix


@pytest.mark.parametrize(("text", "verdict"), [
    ("Fine.\n<judgement>right</judgement>", "right"),
    ("<Judgement> WRONG </Judgement>", "wrong"),
    ("<judgement>right</judgement> but then <judgement>wrong</judgement>", "wrong"),
    ("spelt <judgment>right</judgment>", "right"),
    ("cut off at the end <judgement>wrong", "wrong"),
    ("Reasoning...\n**Judgement:** right", "right"),
    ("<think><judgement>right</judgement></think>The code is fine.", None),
    ("The solution is right.", None),
    ("<judgement>maybe</judgement>", None),
    ("", None),
])
def test_parse_verdict(text: str, verdict: str | None) -> None:
    assert parse_verdict(text) == verdict


def test_verdict_prefix_ends_at_the_last_open_tag() -> None:
    assert verdict_prefix("a <judgement>right</judgement> b <judgement>wrong</judgement>") == (
        "a <judgement>right</judgement> b <judgement>")
    assert verdict_prefix("no tag here  ") == "no tag here\n<judgement>"


def test_score_verdict_normalises_and_handles_no_scores() -> None:
    messages = (Message("user", "judge this"),)
    engine = ScriptedEngine([], scores=[[0.3, 0.1]])
    assert score_verdict(engine, messages, "ok <judgement>") == pytest.approx(0.75)
    request, choices = engine.score_requests[0]
    assert choices == ("right", "wrong") and request.assistant_prefix == "ok <judgement>"
    assert score_verdict(ScriptedEngine([]), messages, "x") is None
