"""The engine interface through the scripted engine: replies, when=, stop, max_tokens, cancel, files."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from ocr_cli.engines.base import GenerationRequest, Message, SamplingParams
from ocr_cli.engines.scripted import ScriptedEngine, ScriptedReply
from ocr_cli.errors import EngineError, ModelError


def ask(text: str, **params: object) -> GenerationRequest:
    return GenerationRequest((Message("user", text),), SamplingParams(**params))  # type: ignore[arg-type]


def test_replies_in_order_and_recorded() -> None:
    engine = ScriptedEngine(["first answer", "second answer"])
    assert engine.generate(ask("a")).text == "first answer"
    assert engine.generate(ask("b")).text == "second answer"
    assert [r.messages[0].content for r in engine.requests] == ["a", "b"]
    with pytest.raises(EngineError, match="no reply left"):
        engine.generate(ask("c"))


def test_when_matches_the_prompt_whatever_the_order() -> None:
    engine = ScriptedEngine([ScriptedReply("critique", when="Review"), ScriptedReply("draft", when="Solve")])
    assert engine.generate(ask("Solve this")).text == "draft"
    assert engine.generate(ask("Review that")).text == "critique"


def test_repeat_and_callable_replies() -> None:
    engine = ScriptedEngine([ScriptedReply(lambda r: r.messages[0].content.upper(), repeat=True)])
    assert engine.generate(ask("abc")).text == "ABC"
    assert engine.generate(ask("xyz")).text == "XYZ"


def test_streaming_and_token_counts() -> None:
    chunks: list[str] = []
    result = ScriptedEngine(["one two three"]).generate(ask("q w"), on_chunk=chunks.append)
    assert "".join(chunks) == result.text == "one two three"
    assert result.completion_tokens == 3 and result.prompt_tokens == 2
    assert result.finish_reason == "stop"


def test_max_tokens_gives_length() -> None:
    result = ScriptedEngine(["a b c d e"]).generate(ask("x", max_tokens=2))
    assert result.text.split() == ["a", "b"] and result.finish_reason == "length"


def test_stop_string_cuts() -> None:
    chunks: list[str] = []
    result = ScriptedEngine(["code ``` trailing words"]).generate(ask("x", stop=("```",)), chunks.append)
    assert result.text == "code " and result.finish_reason == "stop"
    assert "".join(chunks) == "code "  # the stop string and what follows are never streamed


def test_cancel() -> None:
    cancel = threading.Event()
    engine = ScriptedEngine(["w1 w2 w3 w4 w5 w6"])
    seen: list[str] = []

    def on_chunk(text: str) -> None:
        seen.append(text)
        if len(seen) == 2:
            cancel.set()

    result = engine.generate(ask("x"), on_chunk=on_chunk, cancel=cancel)
    assert result.finish_reason == "cancelled" and result.text.split() == ["w1", "w2"]


def test_batch_keeps_request_order() -> None:
    engine = ScriptedEngine([ScriptedReply("B", when="second"), ScriptedReply("A", when="first")])
    indexes: list[int] = []
    results = engine.generate_batch([ask("first"), ask("second")], on_chunk=lambda i, _t: indexes.append(i))
    assert [r.text for r in results] == ["A", "B"] and indexes == [0, 1]


def test_scores_normalised() -> None:
    engine = ScriptedEngine([], scores=[[3.0, 1.0]])
    assert engine.score_choices(ask("x"), ["right", "wrong"]) == [0.75, 0.25]
    assert engine.score_choices(ask("x"), ["right", "wrong"]) is None


def test_from_file(tmp_path: Path) -> None:
    script = tmp_path / "s.json"
    script.write_text(json.dumps({"replies": [{"when": "crit", "text": "ok", "repeat": True}, "plain"],
                                  "scores": [[0.9, 0.1]]}))
    engine = ScriptedEngine.from_file(script)
    assert engine.generate(ask("crit me")).text == "ok"
    assert engine.generate(ask("other")).text == "plain"
    assert engine.generate(ask("crit again")).text == "ok"
    assert engine.score_choices(ask("x"), ["a", "b"]) == pytest.approx([0.9, 0.1])


@pytest.mark.parametrize("content, message", [
    (None, "does not exist"),
    ("{not json", "not a valid JSON"),
    ('["a list"]', "replies"),
    ('{"replies": [42]}', "each reply"),
])
def test_from_file_errors(tmp_path: Path, content: str | None, message: str) -> None:
    script = tmp_path / "bad.json"
    if content is not None:
        script.write_text(content)
    with pytest.raises(ModelError, match=message) as caught:
        ScriptedEngine.from_file(script)
    assert caught.value.path == str(script)
