"""HTTP plumbing of the OpenAI-compatible engine: retry rules, transport error wording, and the
shared state of one batch call (stop flag, open streams whose sockets a cancel shuts)."""

from __future__ import annotations

import socket
import threading
from contextlib import suppress
from typing import Any

from ocr_cli.engines.base import ChunkCallback

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
MAX_RETRY_AFTER_S = 30.0


class Rejected(Exception):
    """The server refused this one request (a 4xx other than auth / not found)."""


class Stopped(Exception):
    """The call was cancelled (or aborted) while waiting to retry."""


class BatchCall:
    """The shared state of one `generate_batch` call: the stop flag, the sockets of its connections
    (so that `halt` can wake reads blocked on them) and the serialised chunk callback."""

    def __init__(self, on_chunk: ChunkCallback | None) -> None:
        self.stop = threading.Event()
        self._on_chunk = on_chunk
        self._lock = threading.Lock()
        self._emit_lock = threading.Lock()
        self._sockets: list[socket.socket] = []

    def emit(self, index: int, text: str) -> None:
        if self._on_chunk is not None:
            with self._emit_lock:
                self._on_chunk(index, text)

    def trace(self, event: str, info: dict[str, Any]) -> None:
        """httpx's `trace` request extension: note the socket of each new connection.

        Connections are not kept alive between requests, so every request of the call passes here,
        also one still waiting for response headers.
        """
        if event != "connection.connect_tcp.complete":
            return
        stream = info.get("return_value")
        sock = stream.get_extra_info("socket") if stream is not None else None
        if not isinstance(sock, socket.socket):
            return
        with self._lock:
            self._sockets.append(sock)
        if self.stop.is_set():
            _shutdown(sock)

    def halt(self) -> None:
        """Stop everything: set the flag and shut the call's sockets so blocked reads return."""
        self.stop.set()
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            _shutdown(sock)


def _shutdown(sock: socket.socket) -> None:
    # shutdown, not close: close does not wake a recv blocked in another thread. A socket httpx has
    # closed since has no descriptor any more and raises OSError here, harmlessly.
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
