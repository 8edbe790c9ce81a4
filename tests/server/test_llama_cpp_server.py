"""The OpenAI engine and `ocr solve` against a real OpenAI-compatible server: llama-cpp-python's
`python -m llama_cpp.server` with the embedded model, started and killed by the fixtures."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from ocr_cli.config import Settings
from ocr_cli.engines.base import GenerationRequest, Message, SamplingParams
from ocr_cli.engines.openai_http import OpenAIEngine
from ocr_cli.errors import ServerError

pytestmark = [pytest.mark.server, pytest.mark.timeout(300)]

ALIAS = "smollm2"  # the alias conftest starts the server with
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sum"


def _request(max_tokens: int, seed: int = 0, text: str = "Write a python hello world.") -> GenerationRequest:
    return GenerationRequest((Message("user", text),), SamplingParams(max_tokens=max_tokens, seed=seed))


def _engine(server: Any, **overrides: object) -> OpenAIEngine:
    settings = Settings().with_overrides(**overrides)
    engine = OpenAIEngine.from_spec(f"openai:{server.alias}@{server.url}", settings)
    engine.backoff_s = 0.05
    return engine


def test_streamed_generation(llama_server: Any) -> None:
    engine = _engine(llama_server)
    chunks: list[str] = []
    result = engine.generate(_request(16), chunks.append)
    engine.close()
    assert result.error is None and result.finish_reason in ("stop", "length")
    assert result.text and "".join(chunks) == result.text
    # llama_cpp.server sends no usage in streams: one streamed chunk is one token.
    assert result.completion_tokens == len(chunks) <= 16 and result.prompt_tokens > 0
    assert (engine.owner, engine.prefill) == ("me", "none")


def test_n_concurrent_candidates(llama_server: Any) -> None:
    engine = _engine(llama_server, concurrency=3)
    seen: set[int] = set()
    results = engine.generate_batch([_request(12, seed=s) for s in range(3)], lambda i, _t: seen.add(i))
    engine.close()
    assert seen == {0, 1, 2}
    assert all(r.finish_reason in ("stop", "length") for r in results)
    assert all(r.error is None and r.text and r.completion_tokens <= 12 for r in results)


def test_an_interrupting_server_is_reported_not_truncated(launch_server: Callable[..., Any]) -> None:
    """With its default `--interrupt_requests True`, llama_cpp.server ends a stream early (a bare
    `[DONE]`) when another request waits: those candidates fail with a hint instead of passing as
    finished answers."""
    engine = _engine(launch_server(), concurrency=3)
    results = engine.generate_batch([_request(40, seed=s, text="Tell a long story.") for s in range(3)])
    engine.close()
    failed = [r for r in results if r.finish_reason == "error"]
    assert failed and all(r.error and "--interrupt_requests False" in r.error for r in failed)
    assert all(r.error is None for r in results if r.finish_reason != "error")


def test_wrong_model_name(llama_server: Any) -> None:
    # The server itself answers any model name with the one model it has...
    raw = httpx.post(f"{llama_server.url}/chat/completions", timeout=120, json={
        "model": "no-such-model", "max_tokens": 2, "messages": [{"role": "user", "content": "hi"}]})
    assert raw.status_code == 200
    # ...so ocr checks the name against /v1/models and says what is served.
    with pytest.raises(ServerError, match="'no-such-model' is not served by") as info:
        OpenAIEngine.from_spec(f"openai:no-such-model@{llama_server.url}", Settings())
    assert ALIAS in str(info.value)


def test_server_killed_mid_stream(launch_server: Callable[..., Any]) -> None:
    server = launch_server("--interrupt_requests", "False")
    engine = _engine(server)
    chunks: list[str] = []

    def kill_after_three(_index: int, text: str) -> None:
        chunks.append(text)
        if len(chunks) == 3:
            server.kill()

    result = engine.generate_batch([_request(400, text="Tell a very long story.")], kill_after_three)[0]
    assert result.finish_reason == "error" and result.error
    assert result.text and result.text.startswith("".join(chunks[:3]))
    # The next call finds nobody there: one clear error for the whole call.
    with pytest.raises(ServerError, match=r"cannot reach .*connection refused"):
        engine.generate_batch([_request(8), _request(8, seed=1)])
    engine.close()


def _ocr(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ocr_cli", *args], capture_output=True, text=True,
                          timeout=280, env=dict(os.environ))


def test_ocr_solve_end_to_end(llama_server: Any) -> None:
    run = _ocr("solve", str(EXAMPLE), "--model", f"openai:{ALIAS}@{llama_server.url}", "-n", "2",
               "--rounds", "0", "--json", "--max-tokens", "32", "--no-log")
    assert run.returncode in (0, 1), run.stderr
    result = json.loads(run.stdout)
    assert result["language"] == "python" and len(result["candidates"]) == 2
    assert result["tokens"]["generated"] > 0


def test_ocr_critique_with_a_remote_critic(llama_server: Any) -> None:
    run = _ocr("critique", str(EXAMPLE), str(EXAMPLE / "solutions" / "ref.py"),
               "--critic", f"openai:{ALIAS}@{llama_server.url}", "--max-tokens", "32", "--json")
    assert run.returncode in (0, 1), run.stderr
    assert isinstance(json.loads(run.stdout), dict)


def test_ocr_solve_with_a_wrong_model_name(llama_server: Any) -> None:
    run = _ocr("solve", str(EXAMPLE), "--model", f"openai:no-such-model@{llama_server.url}", "-n", "2",
               "--json", "--max-tokens", "32")
    assert run.returncode == 2 and run.stdout == ""
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "'no-such-model' is not served" in lines[0] and ALIAS in lines[0]


def test_ocr_solve_with_the_server_killed_mid_run(launch_server: Callable[..., Any]) -> None:
    server = launch_server("--interrupt_requests", "False")
    solve = subprocess.Popen(
        [sys.executable, "-m", "ocr_cli", "solve", str(EXAMPLE), "--model", f"openai:{ALIAS}@{server.url}",
         "-n", "2", "--rounds", "1", "--json", "--max-tokens", "64"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ))
    try:
        deadline = time.monotonic() + 120
        while "POST /v1/chat/completions" not in server.log.read_text(errors="replace"):
            assert solve.poll() is None and time.monotonic() < deadline, "ocr solve never asked the server"
            time.sleep(0.1)
        time.sleep(1.0)  # let the first candidate stream a little
        server.kill()
        stdout, stderr = solve.communicate(timeout=120)
    finally:
        if solve.poll() is None:
            solve.kill()
            solve.wait()
    assert solve.returncode == 2, (stdout, stderr)
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"ocr: error: cannot reach {server.url}")


def test_ocr_solve_with_the_server_down() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    run = _ocr("solve", str(EXAMPLE), "--model", f"openai:{ALIAS}@http://127.0.0.1:{port}/v1", "-n", "2",
               "--json", "--max-tokens", "64")
    assert run.returncode == 2 and run.stdout == ""
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"ocr: error: cannot reach http://127.0.0.1:{port}/v1")
