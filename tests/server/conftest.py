"""Fixtures that start llama-cpp-python's OpenAI-compatible server (`python -m llama_cpp.server`) with the
embedded model on 127.0.0.1, wait for `/v1/models`, and always kill it afterwards."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

ALIAS = "smollm2"
STARTUP_TIMEOUT_S = 90.0


@dataclass
class RunningServer:
    """A started server: its process, API base URL and log file."""

    process: subprocess.Popen[bytes]
    url: str
    log: Path
    alias: str

    def kill(self) -> None:
        """SIGKILL the server (also used by tests that kill it mid-stream) and reap it."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_llama_cpp_server(*extra: str, alias: str = ALIAS) -> RunningServer:
    """Start the server (in its own process group) and wait until it lists its model."""
    pytest.importorskip("llama_cpp.server.app", reason="needs llama-cpp-python[server]")
    from ocr_cli.models.embedded import embedded_model_path

    port = _free_port()
    log = Path(tempfile.mkstemp(prefix="ocr-llama-server-", suffix=".log")[1])
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(embedded_model_path()),
               "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048",
               # One thread: on a shared, busy machine llama.cpp's threads spin against each other
               # (measured here: 22 tokens/s with 1 thread, 1.3 with 2 under load).
               "--n_threads", "1", "--n_threads_batch", "1",
               "--model_alias", alias, *extra]
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    server = RunningServer(process, f"http://127.0.0.1:{port}/v1", log, alias)
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            if httpx.get(f"{server.url}/models", timeout=2.0).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    server.kill()
    tail = log.read_text(errors="replace")[-2000:]
    raise RuntimeError(f"llama_cpp.server did not come up on {server.url}:\n{tail}")


@pytest.fixture(scope="session")
def llama_server() -> Iterator[RunningServer]:
    """One server for the session, started with `--interrupt_requests False` (see docs/remote.md)."""
    server = start_llama_cpp_server("--interrupt_requests", "False")
    try:
        yield server
    finally:
        server.kill()
        server.log.unlink(missing_ok=True)


@pytest.fixture
def launch_server() -> Iterator[Callable[..., RunningServer]]:
    """Start servers of a test's own (to kill or configure); all are killed when the test ends."""
    started: list[RunningServer] = []

    def launch(*extra: str) -> RunningServer:
        server = start_llama_cpp_server(*extra)
        started.append(server)
        return server

    try:
        yield launch
    finally:
        for server in started:
            server.kill()
            server.log.unlink(missing_ok=True)
