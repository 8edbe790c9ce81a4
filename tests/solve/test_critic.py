"""Reading the critic's verdict: explicit marks only, never guessed; and scoring it."""

from __future__ import annotations

import pytest

from ocr_cli.engines.base import Message
from ocr_cli.engines.scripted import ScriptedEngine
from ocr_cli.solve.critic import critique_reasoning, parse_verdict, score_verdict, verdict_prefix


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


def test_p_right_is_scored_at_the_answers_verdict_tag_not_one_inside_think() -> None:
    text = ("<think>If I were sure I would write <judgement>right</judgement>, but the loop is off."
            "</think>\nThe loop skips the last element.\n<judgement>wrong</judgement>")
    prefix = verdict_prefix(text)
    assert prefix.endswith("skips the last element.\n<judgement>")
    # a tag inside <think> and none in the answer: score after the answer, not at the thought tag
    thought_only = "<think>maybe <judgement>right</judgement></think>\nI cannot tell."
    assert verdict_prefix(thought_only) == thought_only + "\n<judgement>"
    # reasoning cut off inside <think>: close it before asking for the verdict
    cut = "<think>so far <judgement>right"
    assert verdict_prefix(cut) == cut + "\n</think>\n\n<judgement>"


def test_scoring_asks_the_engine_at_the_answer_prefix() -> None:
    engine = ScriptedEngine([], scores=[[0.2, 0.6]])
    text = "<think>I'd say <judgement>right</judgement></think>\nOff by one.\n<judgement>wrong</judgement>"
    assert score_verdict(engine, (), text) == pytest.approx(0.25)
    assert engine.score_requests[0][0].assistant_prefix.endswith("Off by one.\n<judgement>")


def test_critique_reasoning_is_the_think_part_or_the_answer_before_the_verdict() -> None:
    assert critique_reasoning("<think> long thought </think>\nFine.\n<judgement>right</judgement>") == (
        "long thought")
    assert critique_reasoning("It reads n, sums.\n<judgement>right</judgement>") == "It reads n, sums."


def test_probabilities_scored_while_generating_are_used_without_asking_again() -> None:
    from ocr_cli.solve.critic import read_critique

    engine = ScriptedEngine([], scores=[[0.1, 0.9]])
    text = "Fine.\n<judgement>right</judgement>"
    critique = read_critique(engine, (), text, scored=(0.6, 0.2))
    assert critique.p_right == pytest.approx(0.75) and critique.verdict == "right"
    assert engine.score_requests == []
    assert read_critique(engine, (), text).p_right == pytest.approx(0.1)  # else asked afterwards
