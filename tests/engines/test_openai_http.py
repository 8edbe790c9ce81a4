"""The OpenAI-compatible engine against a fake server: streaming, usage, retries, errors, concurrency,
cancel, `n`, scoring and `check_server`."""

from __future__ import annotations

import importlib.util
import math
import socket
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from ocr_cli.config import Settings, load_settings
from ocr_cli.engines.base import GenerationRequest, Message, SamplingParams
from ocr_cli.engines.factory import open_engine
from ocr_cli.engines.openai_client import check_server
from ocr_cli.engines.openai_http import OpenAIEngine
from ocr_cli.engines.openai_wire import parse_spec
from ocr_cli.errors import ServerError


def _load_fake() -> ModuleType:
    path = Path(__file__).resolve().parents[1] / "server" / "fake_openai.py"
    spec = importlib.util.spec_from_file_location("ocr_tests_fake_openai", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


fake = _load_fake()
Reply = fake.Reply

REQUEST = GenerationRequest((Message("system", "be brief"), Message("user", "say hello")),
                            SamplingParams(temperature=0.3, top_p=0.9, top_k=20, min_p=0.1, seed=7,
                                           max_tokens=32, stop=("###",)))


@pytest.fixture
def server() -> Iterator[fake.FakeOpenAIServer]:
    with fake.FakeOpenAIServer() as srv:
        yield srv


_OPENED: list[OpenAIEngine] = []


@pytest.fixture(autouse=True)
def _close_engines() -> Iterator[None]:
    yield
    while _OPENED:
        _OPENED.pop().close()


def _engine(srv: fake.FakeOpenAIServer, **kw: object) -> OpenAIEngine:
    kw.setdefault("backoff_s", 0.001)
    engine = OpenAIEngine(parse_spec(f"openai:{srv.models[0]}@{srv.url}"), **kw)  # type: ignore[arg-type]
    _OPENED.append(engine)
    return engine


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_streamed_generation_maps_params_and_reads_usage(server: fake.FakeOpenAIServer) -> None:
    server.default = Reply(text="print ( 42 )")
    chunks: list[tuple[int, str]] = []
    engine = _engine(server)
    result = engine.generate_batch([REQUEST], lambda i, t: chunks.append((i, t)))[0]
    assert result.text == "print ( 42 )"
    assert "".join(t for _, t in chunks) == result.text and {i for i, _ in chunks} == {0}
    assert (result.finish_reason, result.prompt_tokens, result.completion_tokens) == ("stop", 11, 4)
    assert result.cached_prompt_tokens == 5 and result.reasoning is None and result.error is None
    body = server.requests[-1]
    assert body["model"] == "fake-model" and body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    assert (body["temperature"], body["top_p"], body["top_k"], body["min_p"]) == (0.3, 0.9, 20, 0.1)
    assert (body["seed"], body["max_tokens"], body["stop"]) == (7, 32, ["###"])
    assert body["messages"] == [{"role": "system", "content": "be brief"},
                                {"role": "user", "content": "say hello"}]
    assert engine.info.engine == "openai" and engine.info.n_ctx == 4096


def test_reasoning_content_is_kept_apart(server: fake.FakeOpenAIServer) -> None:
    server.default = Reply(text="x = 1", reasoning="think first")
    chunks: list[str] = []
    result = _engine(server).generate(REQUEST, chunks.append)
    assert result.text == "x = 1" and result.reasoning == "think first"
    assert "".join(chunks) == "x = 1"


def test_api_key_comes_from_the_named_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    with fake.FakeOpenAIServer(api_key="s3cret") as srv:
        spec = f"openai:fake-model@{srv.url}"
        with pytest.raises(ServerError, match="wants an API key") as missing:
            OpenAIEngine.from_spec(spec, Settings(api_key_env="MY_KEY"))
        assert "MY_KEY" in str(missing.value)
        monkeypatch.setenv("MY_KEY", "wrong")
        with pytest.raises(ServerError, match="refused the API key"):
            OpenAIEngine.from_spec(spec, Settings(api_key_env="MY_KEY"))
        monkeypatch.setenv("MY_KEY", "s3cret")
        engine = OpenAIEngine.from_spec(spec, Settings(api_key_env="MY_KEY"))
        assert engine.generate(REQUEST).text == "hello world"
        assert srv.headers[-1]["Authorization"] == "Bearer s3cret"
        assert "s3cret" not in repr(engine.info) + engine.info.describe()


def test_429_then_ok_is_retried_before_any_token(server: fake.FakeOpenAIServer) -> None:
    server.plan = [Reply(status=429, retry_after="0"), Reply(status=503), Reply(text="ok then")]
    result = _engine(server).generate(REQUEST)
    assert result.text == "ok then" and result.finish_reason == "stop"
    assert len(server.requests) == 3


def test_persistent_500_raises_after_the_retries(server: fake.FakeOpenAIServer) -> None:
    server.default = Reply(status=500)
    with pytest.raises(ServerError, match="HTTP 500"):
        _engine(server, max_retries=2).generate(REQUEST)
    assert len(server.requests) == 3


def test_a_stream_dropped_mid_answer_fails_only_that_candidate(server: fake.FakeOpenAIServer) -> None:
    server.plan = [Reply(text="a b c d e", drop_after=2)]
    server.default = Reply(text="fine")
    results = _engine(server, concurrency=1).generate_batch([REQUEST, REQUEST, REQUEST])
    assert results[0].finish_reason == "error" and results[0].text == "a b"
    assert results[0].error is not None and "dropped" in results[0].error
    assert [r.text for r in results[1:]] == ["fine", "fine"]
    assert len(server.requests) == 3  # text had streamed: no retry


def test_a_stream_dropped_before_any_token_is_retried(server: fake.FakeOpenAIServer) -> None:
    server.plan = [Reply(text="a b", drop_after=0)]
    result = _engine(server).generate(REQUEST)
    assert result.text == "hello world" and len(server.requests) == 2


def test_error_event_and_missing_finish_fail_the_candidate(server: fake.FakeOpenAIServer) -> None:
    server.plan = [Reply(text="a b c", error_after=1), Reply(text="a b", finish=None)]
    first, second = _engine(server, concurrency=1).generate_batch([REQUEST, REQUEST])
    assert first.finish_reason == "error" and first.text == "a"
    assert first.error is not None and "fake failure mid-stream" in first.error
    assert second.finish_reason == "error" and second.text == "a b"
    assert second.error is not None and "finish_reason" in second.error


def test_events_without_blank_lines_are_still_read(server: fake.FakeOpenAIServer) -> None:
    server.default = Reply(text="a b c", no_blank_lines=True)
    result = _engine(server).generate(REQUEST)
    assert (result.text, result.finish_reason, result.completion_tokens) == ("a b c", "stop", 3)


def test_a_rejected_request_fails_only_itself(server: fake.FakeOpenAIServer) -> None:
    server.plan = [Reply(status=400)]
    first, second = _engine(server, concurrency=1).generate_batch([REQUEST, REQUEST])
    assert first.finish_reason == "error" and first.error is not None and "HTTP 400" in first.error
    assert second.text == "hello world"


def test_unknown_model_names_the_served_ones(server: fake.FakeOpenAIServer) -> None:
    with pytest.raises(ServerError, match="'other' is not served") as info:
        OpenAIEngine(parse_spec(f"openai:other@{server.url}"))
    assert "fake-model" in str(info.value)


def test_empty_model_name_takes_the_first_listed(server: fake.FakeOpenAIServer) -> None:
    engine = OpenAIEngine(parse_spec(f"openai:@{server.url}"))
    assert engine.model == "fake-model" and engine.generate(REQUEST).text == "hello world"


def test_server_down_is_one_clear_error() -> None:
    url = f"http://127.0.0.1:{_free_port()}/v1"
    with pytest.raises(ServerError) as info:
        OpenAIEngine(parse_spec(f"openai:m@{url}"), max_retries=1, backoff_s=0.001)
    assert str(info.value).startswith(f"cannot reach {url}: connection refused")


def test_concurrency_limit_holds(server: fake.FakeOpenAIServer) -> None:
    server.gate = 3
    server.default = Reply(text="a b c")
    results = _engine(server, concurrency=3).generate_batch([REQUEST] * 7)
    assert [r.text for r in results] == ["a b c"] * 7
    assert server.max_in_flight == 3


def test_cancel_closes_the_streams_and_keeps_the_text(server: fake.FakeOpenAIServer) -> None:
    words = [f"w{i}" for i in range(400)]
    server.default = Reply(text=" ".join(words), delay_s=0.02)
    cancel = threading.Event()
    seen: list[str] = []

    def on_chunk(index: int, text: str) -> None:
        seen.append(text)
        if len(seen) == 6:
            cancel.set()

    results = _engine(server).generate_batch([REQUEST, REQUEST], on_chunk, cancel)
    assert {r.finish_reason for r in results} == {"cancelled"}
    assert all(r.text == " ".join(words[: len(r.text.split())]) for r in results)
    assert 0 < sum(len(r.text.split()) for r in results) < 100


@pytest.mark.timeout(30)
def test_cancel_unblocks_a_stream_waiting_on_a_silent_server(server: fake.FakeOpenAIServer) -> None:
    server.default = Reply(text="a b c d e f", stall_after=3)
    cancel = threading.Event()

    def on_chunk(index: int, text: str) -> None:
        if text == " c":  # the server now goes silent for a minute; cancel must not wait for it
            cancel.set()

    result = _engine(server).generate_batch([REQUEST], on_chunk, cancel)[0]
    assert (result.finish_reason, result.text) == ("cancelled", "a b c")


@pytest.mark.timeout(30)
def test_cancel_unblocks_requests_still_waiting_for_headers(server: fake.FakeOpenAIServer) -> None:
    server.default = Reply(header_delay_s=60)
    cancel = threading.Event()
    timer = threading.Timer(0.3, cancel.set)
    timer.start()
    results = _engine(server, concurrency=2).generate_batch([REQUEST, REQUEST], None, cancel)
    timer.join()
    assert [(r.finish_reason, r.text) for r in results] == [("cancelled", "")] * 2


def test_server_n_sends_seed_variants_as_one_request(server: fake.FakeOpenAIServer) -> None:
    requests = [GenerationRequest(REQUEST.messages, SamplingParams(seed=s, max_tokens=8)) for s in (1, 2, 3)]
    server.default = Reply(text="x y")
    results = _engine(server, use_n=True).generate_batch(requests)
    assert len(server.requests) == 1 and server.requests[0]["n"] == 3
    assert [r.text for r in results] == ["x0 y0", "x1 y1", "x2 y2"]
    assert [r.completion_tokens for r in results] == [2, 2, 2]


def test_score_choices_reads_top_logprobs_after_the_prefix(server: fake.FakeOpenAIServer) -> None:
    server.default = Reply(text="right", top_logprobs=[
        {"token": "right", "logprob": math.log(0.6)}, {"token": " wrong", "logprob": math.log(0.2)},
        {"token": "maybe", "logprob": math.log(0.1)}])
    request = GenerationRequest(REQUEST.messages, assistant_prefix="<judgement>")
    scores = _engine(server).score_choices(request, ["right", "wrong"])
    assert scores is not None and scores == pytest.approx([0.75, 0.25])
    body = server.requests[-1]
    assert body["messages"][-1] == {"role": "assistant", "content": "<judgement>"}
    assert body["max_tokens"] == 1 and body["logprobs"] is True and body["stream"] is False
    assert "continue_final_message" not in body  # llama-server continues a final assistant message


def test_vllm_gets_continue_final_message() -> None:
    with fake.FakeOpenAIServer(owned_by="vllm") as srv:
        request = GenerationRequest(REQUEST.messages, assistant_prefix="<judgement>")
        _engine(srv).generate(request)
        body = srv.requests[-1]
        assert body["continue_final_message"] is True and body["add_generation_prompt"] is False


def test_without_prefill_the_prefix_is_asked_for_and_its_echo_dropped() -> None:
    with fake.FakeOpenAIServer(owned_by="me") as srv:  # llama-cpp-python's server
        srv.default = Reply(text="<judgement>right</judgement>")
        engine = _engine(srv)
        request = GenerationRequest(REQUEST.messages, assistant_prefix="<judgement>")
        chunks: list[str] = []
        result = engine.generate(request, chunks.append)
        assert result.text == "right</judgement>" and "".join(chunks) == result.text
        last = srv.requests[-1]["messages"][-1]
        assert last["role"] == "user" and last["content"].endswith("<judgement>")
        assert engine.score_choices(request, ["right", "wrong"]) is None


def test_check_server_reports_models_and_problems(server: fake.FakeOpenAIServer) -> None:
    good = check_server(f"openai:fake-model@{server.url}", Settings())
    assert good["reachable"] and good["models"] == ["fake-model"] and good["model_listed"] is True
    assert good["error"] is None and good["latency_s"] is not None
    wrong = check_server(f"openai:nope@{server.url}", Settings())
    assert wrong["reachable"] and wrong["model_listed"] is False and "fake-model" in wrong["error"]
    down = check_server(f"openai:m@http://127.0.0.1:{_free_port()}", Settings())
    assert not down["reachable"] and "connection refused" in down["error"]


def test_factory_and_base_url_setting(server: fake.FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OCR_BASE_URL", server.url.removesuffix("/v1"))
    settings = load_settings({"concurrency": 2})
    engine = open_engine("openai:fake-model", settings)
    assert isinstance(engine, OpenAIEngine) and engine.concurrency == 2
    assert engine.server.base_url == server.url


def test_p_right_comes_from_the_streamed_logprobs_of_the_verdict_token() -> None:
    from ocr_cli.solve.critic import VERDICT_SCORING

    # a server that cannot continue a prefix: score_choices gives up, the streamed logprobs tell
    with fake.FakeOpenAIServer(owned_by="openai") as srv:
        critique = "<think>maybe <judgement> wrong</think> Fine. <judgement> right </judgement>"
        srv.default = Reply(text=critique,
                            stream_top_logprobs={"right": [
                                {"token": " right", "logprob": math.log(0.6)},
                                {"token": " wrong", "logprob": math.log(0.2)},
                                {"token": " maybe", "logprob": math.log(0.2)}],
                                "wrong": [{"token": " wrong", "logprob": math.log(0.9)}]})
        engine = _engine(srv)
        request = GenerationRequest(REQUEST.messages, score_at=VERDICT_SCORING)
        result = engine.generate(request)
        assert srv.requests[-1]["logprobs"] is True and srv.requests[-1]["top_logprobs"] == 20
        assert result.choice_probabilities == pytest.approx((0.75, 0.25))  # at the answer's tag
        assert engine.score_choices(GenerationRequest(REQUEST.messages, assistant_prefix="x"),
                                    ["right", "wrong"]) is None
        plain = engine.generate(GenerationRequest(REQUEST.messages))
        assert plain.choice_probabilities is None and "logprobs" not in srv.requests[-1]
        # no tag in the answer: nothing streamed to read (the caller falls back to score_choices)
        srv.default = Reply(text="It is fine.")
        assert engine.generate(request).choice_probabilities is None


def test_logprobs_that_do_not_match_the_text_are_not_read() -> None:
    from ocr_cli.engines.openai_logprobs import TokenTrail

    trail = TokenTrail()
    trail.feed("<judgement>", {"content": [{"token": "<judgement>", "logprob": 0.0, "top_logprobs": []}]})
    trail.feed("right", {"content": [{"token": "r", "logprob": 0.0,
                                      "top_logprobs": [{"token": "r", "logprob": 0.0}]}]})
    assert trail.broken and trail.probabilities(len("<judgement>"), ["right", "wrong"]) is None
    joined = TokenTrail()  # a token that spans the position: ">right" after "<judgement"
    joined.feed("<judgement", {"content": [{"token": "<judgement", "logprob": 0.0, "top_logprobs": []}]})
    joined.feed(">right", {"content": [{"token": ">right", "logprob": 0.0, "top_logprobs": [
        {"token": ">right", "logprob": math.log(0.3)}, {"token": ">wrong", "logprob": math.log(0.1)},
        {"token": "!", "logprob": math.log(0.6)}]}]})
    assert joined.probabilities(len("<judgement>"), ["right", "wrong"]) == pytest.approx([0.75, 0.25])


def test_a_stream_sends_each_request_as_it_arrives(server: fake.FakeOpenAIServer) -> None:
    from ocr_cli.engines.base import GenerationResult
    from ocr_cli.engines.request_feed import RequestFeed

    server.default = Reply(text="a b c")
    engine = _engine(server, concurrency=2)
    assert engine.continuous
    feed = RequestFeed()
    results: dict[int, GenerationResult] = {}
    chunked: set[int] = set()

    def on_result(key: int, result: GenerationResult) -> None:
        results[key] = result
        if key < 2:  # a follow-up per first request, as a critique follows its draft
            feed.submit(REQUEST)
        if len(results) == 4:
            feed.close()

    feed.submit(REQUEST)
    feed.submit(REQUEST)
    engine.generate_stream(feed, on_result, lambda key, _text: chunked.add(key), threading.Event())
    assert sorted(results) == [0, 1, 2, 3] and chunked == {0, 1, 2, 3}
    assert all(r.text == "a b c" and r.finish_reason == "stop" for r in results.values())
    assert server.max_in_flight <= 2


@pytest.mark.timeout(30)
def test_a_cancelled_stream_returns_without_waiting_for_the_feed_to_close(
        server: fake.FakeOpenAIServer) -> None:
    from ocr_cli.engines.base import GenerationResult
    from ocr_cli.engines.request_feed import RequestFeed

    server.default = Reply(text=" ".join(f"w{i}" for i in range(400)), delay_s=0.02)
    cancel = threading.Event()
    feed = RequestFeed()
    feed.submit(REQUEST)
    results: list[GenerationResult] = []
    seen: list[str] = []

    def on_chunk(_key: int, text: str) -> None:
        seen.append(text)
        if len(seen) == 5:
            cancel.set()

    _engine(server).generate_stream(feed, lambda _key, r: results.append(r), on_chunk, cancel)
    assert [r.finish_reason for r in results] == ["cancelled"]
    assert 0 < len(results[0].text.split()) < 100
