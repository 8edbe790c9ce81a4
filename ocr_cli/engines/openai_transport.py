"""HTTP plumbing of the OpenAI-compatible engine: retry rules, transport error wording, and the
shared state of one batch call (stop flag, open streams whose sockets a cancel shuts)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING

from ocr_cli.engines.base import ChunkCallback

if TYPE_CHECKING:
    import httpx

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
MAX_RETRY_AFTER_S = 30.0


class Rejected(Exception):
    """The server refused this one request (a 4xx other than auth / not found)."""


class Stopped(Exception):
    """The call was cancelled (or aborted) while waiting to retry."""


class BatchCall:
    """The shared state of one `generate_batch` call: stop flag, open streams, serialised callback."""

    def __init__(self, on_chunk: ChunkCallback | None) -> None:
        self.stop = threading.Event()
        self._on_chunk = on_chunk
        self._lock = threading.Lock()
        self._emit_lock = threading.Lock()
        self._streams: set[httpx.Response] = set()

    def emit(self, index: int, text: str) -> None:
        if self._on_chunk is not None:
            with self._emit_lock:
                self._on_chunk(index, text)

    @contextmanager
    def track(self, response: httpx.Response) -> Iterator[None]:
        with self._lock:
            self._streams.add(response)
        try:
            yield
        finally:
            with self._lock:
                self._streams.discard(response)

    def halt(self) -> None:
        """Stop everything: set the flag and shut the sockets of open streams so blocked reads return."""
        self.stop.set()
        with self._lock:
            streams = list(self._streams)
        for response in streams:
            shutdown_socket(response)


def shutdown_socket(response: httpx.Response) -> None:
    """Shut a streaming response's socket so that a read blocked on it in another thread returns."""
    stream = response.extensions.get("network_stream")
    sock = stream.get_extra_info("socket") if stream is not None else None
    if isinstance(sock, socket.socket):
        with suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def describe_transport_error(exc: Exception) -> str:
    """A short reason for an httpx transport error ("connection refused", "timed out after 5s")."""
    import httpx

    text = str(exc)
    if isinstance(exc, httpx.ConnectError):
        lowered = text.lower()
        if "refused" in lowered:
            return "connection refused"
        if "name or service not known" in lowered or "nodename nor servname" in lowered:
            return "unknown host"
    if isinstance(exc, httpx.TimeoutException):
        return "timed out" + (f" ({text})" if text else "")
    return text or type(exc).__name__


def retry_after_s(value: str | None) -> float | None:
    """Seconds a Retry-After header asks to wait (capped), None when absent or a date."""
    if not value:
        return None
    try:
        return min(max(float(value), 0.0), MAX_RETRY_AFTER_S)
    except ValueError:
        return None
