"""The OpenAI wire format without a server: specs and URLs, SSE decoding, request bodies, stream
accumulation, error bodies, choice probabilities."""

from __future__ import annotations

import math

import pytest

from ocr_cli.engines.base import GenerationRequest, Message, SamplingParams
from ocr_cli.engines.openai_logprobs import choice_probabilities
from ocr_cli.engines.openai_wire import (
    EchoStripper,
    ServerSpec,
    StreamAccumulator,
    build_chat_body,
    error_message,
    estimate_tokens,
    parse_spec,
)
from ocr_cli.engines.sse import iter_sse_data
from ocr_cli.errors import ConfigError

MESSAGES = (Message("user", "solve it"),)


@pytest.mark.parametrize(("spec", "model", "url"), [
    ("openai:qwen@http://h:8080/v1", "qwen", "http://h:8080/v1"),
    ("openai:qwen@http://h:8080/v1/", "qwen", "http://h:8080/v1"),
    ("openai:qwen@http://h:8080", "qwen", "http://h:8080/v1"),
    ("openai:qwen@h:8080", "qwen", "http://h:8080/v1"),
    ("openai:qwen@https://proxy.example/llm/v1", "qwen", "https://proxy.example/llm/v1"),
    ("openai:org/model@name@http://h/v1", "org/model@name", "http://h/v1"),
    ("openai:@http://h:1/v1", None, "http://h:1/v1"),
])
def test_parse_spec(spec: str, model: str | None, url: str) -> None:
    assert parse_spec(spec) == ServerSpec(model, url)


def test_spec_without_url_uses_base_url_or_says_what_is_missing() -> None:
    assert parse_spec("openai:qwen", "gpu:8000").base_url == "http://gpu:8000/v1"
    with pytest.raises(ConfigError, match="names no server"):
        parse_spec("openai:qwen")
    with pytest.raises(ConfigError, match="not an http"):
        parse_spec("openai:qwen@ftp://h/v1")


def test_display_url_hides_credentials() -> None:
    assert ServerSpec("m", "http://user:pw@h:80/v1").display_url == "http://h:80/v1"


def test_sse_events_joined_and_comments_skipped() -> None:
    lines = [": ping", "event: message", "data: {\"a\":", "data: 1}", "", "", "data:[DONE]", "id: 3"]
    assert list(iter_sse_data(lines)) == ['{"a":\n1}', "[DONE]"]


def test_body_without_seed_or_stop_omits_them() -> None:
    body = build_chat_body(None, GenerationRequest(MESSAGES, SamplingParams(seed=None)), prefill="none")
    assert "seed" not in body and "stop" not in body and "model" not in body and "n" not in body


def test_prefix_instruction_goes_into_the_last_user_message() -> None:
    request = GenerationRequest((Message("user", "a"), Message("assistant", "b"), Message("user", "c")),
                                assistant_prefix="<judgement>")
    messages = build_chat_body("m", request, prefill="none")["messages"]
    assert [m["content"] for m in messages[:2]] == ["a", "b"]
    assert messages[2]["content"].startswith("c\n\n") and messages[2]["content"].endswith("<judgement>")


def test_accumulator_uses_llama_server_timings_without_usage() -> None:
    acc = StreamAccumulator()
    acc.feed({"choices": [{"index": 0, "delta": {"content": "hi"}}]})
    acc.feed({"choices": [{"index": 0, "delta": {}, "finish_reason": "length"}],
              "timings": {"prompt_n": 3, "cache_n": 40, "predicted_n": 1}})
    result = acc.result(0, MESSAGES, 0.1)
    assert (result.text, result.finish_reason) == ("hi", "length")
    assert (result.prompt_tokens, result.completion_tokens, result.cached_prompt_tokens) == (43, 1, 40)


def test_accumulator_estimates_without_usage_or_timings() -> None:
    acc = StreamAccumulator()
    for piece in ("a", "b", "c"):
        acc.feed({"choices": [{"index": 0, "delta": {"content": piece}}]})
    acc.feed({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    result = acc.result(0, (Message("user", "x" * 40),), 0.1)
    assert (result.prompt_tokens, result.completion_tokens) == (10, 3)
    assert estimate_tokens("") == 0 and estimate_tokens("abcde") == 2


def test_an_aborted_finish_is_an_error() -> None:
    acc = StreamAccumulator()
    acc.feed({"choices": [{"index": 0, "delta": {"content": "x"}, "finish_reason": "abort"}]})
    result = acc.result(0, MESSAGES, 0.1)
    assert result.finish_reason == "error" and result.text == "x" and "abort" in (result.error or "")


def test_accumulator_ignores_unknown_choice_indexes() -> None:
    acc = StreamAccumulator()
    assert acc.feed({"choices": [{"index": 5, "delta": {"content": "x"}}]}) == []
    assert not acc.streamed


def test_echo_stripper_drops_only_a_leading_copy() -> None:
    stripper = EchoStripper("<judgement>")
    out = [stripper.feed(p) for p in (" <judg", "ement>", "right")]
    assert out == ["", "", "right"]
    other = EchoStripper("<judgement>")
    assert other.feed("<ju") == "" and other.feed("nk") == "<junk" and other.feed("!") == "!"
    assert EchoStripper("x").flush() == ""


@pytest.mark.parametrize(("body", "message"), [
    ('{"error": {"message": "model not found", "type": "x"}}', "model not found"),
    ('{"object": "error", "message": "The model `m` does not exist."}', "The model `m` does not exist."),
    ('{"detail": "Not Found"}', "Not Found"),
    ('{"error": "plain"}', "plain"),
    ("<html>Bad   Gateway</html>", "<html>Bad Gateway</html>"),
])
def test_error_message(body: str, message: str) -> None:
    assert error_message(body) == message


def test_choice_probabilities() -> None:
    top = [{"token": " right", "logprob": math.log(0.3)}, {"token": "wr", "logprob": math.log(0.1)},
           {"token": "", "logprob": math.log(0.5)}, {"token": "r", "logprob": math.log(0.1)}]
    assert choice_probabilities(top, ["right", "wrong"]) == pytest.approx([0.8, 0.2])
    assert choice_probabilities([{"token": "maybe", "logprob": -0.1}], ["right", "wrong"]) is None
    # a token that starts both choices says nothing
    assert choice_probabilities([{"token": "a", "logprob": -0.1}], ["ab", "ac"]) is None
