"""The Competitive Companion listener: an HTTP server on 127.0.0.1 that turns posted problems into
problem folders and reports what happened as typed events.

The extension posts each problem to every port of its list and waits only briefly, so the answer
(200, or a 4xx with a one-line reason) goes out before anyone is told; events are delivered to the
`on_event` callback from one delivery thread, one at a time and in arrival order. A request can
never stop the server: every failure becomes an answer and a `RequestRejected` event.
"""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from ocr_cli.errors import OcrError
from ocr_cli.listen.folders import FolderError, write_problem
from ocr_cli.listen.payload import MAX_BODY_BYTES, PayloadError, ProblemPayload, parse_payload

#: The port cph and most tools listen on; the extension posts to it by default.
DEFAULT_PORT = 27121
HOST = "127.0.0.1"
READ_TIMEOUT_S = 10.0
_LOOPBACK_NAMES = {"localhost", "127.0.0.1", "[::1]"}


class ListenError(OcrError):
    """The listener cannot start (a port in use, a folder that cannot be made)."""


@dataclass(frozen=True)
class ProblemReceived:
    """A problem arrived and its folder is written."""

    payload: ProblemPayload
    folder: Path
    port: int
    batch_index: int = 1  # its place among the problems of its batch received so far


@dataclass(frozen=True)
class BatchComplete:
    """Every problem of a batch (e.g. a whole contest) has arrived."""

    batch_id: str
    folders: tuple[Path, ...]


@dataclass(frozen=True)
class RequestRejected:
    """A request was answered with an error status."""

    status: int
    reason: str
    port: int


ListenEvent = ProblemReceived | BatchComplete | RequestRejected


@dataclass
class _BatchState:
    size: int
    folders: dict[str, Path] = field(default_factory=dict)  # by url or name: a re-send counts once


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    timeout = READ_TIMEOUT_S  # a client that sends a header and stalls is dropped

    def log_message(self, format: str, *args: object) -> None:
        return  # the core never prints

    def _answer(self, status: int, reason: str) -> None:
        body = (reason + "\n").encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    def _reject(self, status: int, reason: str) -> None:
        self.server.listener.emit(RequestRejected(status, reason, self.server.port))
        self._answer(status, reason)

    def _wrong_method(self) -> None:
        self._reject(405, f"{self.command} not allowed: POST a problem as JSON")

    do_GET = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _wrong_method

    def _foreign(self) -> str | None:
        """Why the request cannot be the extension's (a web page's), or None.

        The extension posts JSON to `http://localhost:PORT`. Requiring that content type keeps a web
        page from posting (its cross-site request would first need a CORS preflight, which is
        refused), and requiring a loopback Host stops a page that rebinds its own name to 127.0.0.1.
        """
        kind = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if kind != "application/json":
            return "Content-Type must be application/json"
        host = (self.headers.get("Host") or "localhost").strip().lower()
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        if name not in _LOOPBACK_NAMES:
            return f"Host {host!r} is not this machine"
        return None

    def do_POST(self) -> None:
        length_text = self.headers.get("Content-Length")
        if self.headers.get("Transfer-Encoding") or length_text is None:
            self._reject(411, "a Content-Length is required")
            return
        try:
            length = int(length_text)
        except ValueError:
            self._reject(400, "bad Content-Length")
            return
        if length < 0:
            self._reject(400, "bad Content-Length")
            return
        if length > MAX_BODY_BYTES:
            self._reject(413, f"body over {MAX_BODY_BYTES >> 20} MB")
            return
        foreign = self._foreign()
        if foreign is not None:
            self._reject(415 if foreign.startswith("Content-Type") else 403, foreign)
            return
        try:
            body = self.rfile.read(length)
        except OSError:
            self.close_connection = True
            self.server.listener.emit(RequestRejected(400, "the body did not arrive", self.server.port))
            return
        if len(body) < length:
            self._reject(400, "the body ended early")
            return
        try:
            payload = parse_payload(body)
        except PayloadError as exc:
            self._reject(400, str(exc))
            return
        try:
            folder = self.server.listener.store(payload)
        except FolderError as exc:
            self._reject(500, str(exc))
            return
        self.server.listener.received(payload, folder, self.server.port)
        self._answer(200, f"received {payload.name}")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int, listener: Listener) -> None:
        self.listener = listener
        super().__init__((HOST, port), _Handler)
        self.port = int(self.server_address[1])

    def handle_error(self, request: object, client_address: object) -> None:
        return  # a broken connection is the client's business; the server goes on


class Listener:
    """Listens on 127.0.0.1 at `ports` and writes each received problem under `root`.

    Use as a context manager (or `start()`/`close()`); `ports` may include 0 for a free port, and
    `.ports` tells the ports really bound.
    """

    def __init__(self, root: Path, ports: Sequence[int] = (DEFAULT_PORT,),
                 on_event: Callable[[ListenEvent], None] | None = None) -> None:
        self.root = Path(root)
        self._wanted = list(dict.fromkeys(ports)) or [DEFAULT_PORT]
        self._on_event = on_event
        self._servers: list[_Server] = []
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()  # folder writing, batch bookkeeping and event delivery
        self._batches: dict[str, _BatchState] = {}
        self._seen_on: dict[str, set[int]] = {}  # a problem's JSON -> the ports it came on
        self._outbox: queue.Queue[ListenEvent | None] = queue.Queue()
        self._delivery: threading.Thread | None = None

    @property
    def ports(self) -> list[int]:
        return [server.port for server in self._servers]

    def start(self) -> Listener:
        """Bind every port and serve in background threads; raises ListenError if one cannot (or the
        folder cannot be made)."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ListenError(f"cannot make the problems folder: {exc.strerror or exc}",
                              path=self.root) from None
        if not self.root.is_dir():
            raise ListenError("not a folder", path=self.root, hint="give --dir a folder")
        for port in self._wanted:
            if not 0 <= port <= 65535:
                self.close()
                raise ListenError(f"port {port} is not between 0 and 65535")
            try:
                server = _Server(port, self)
            except OSError as exc:
                self.close()
                raise ListenError(f"cannot listen on {HOST}:{port}: {exc.strerror or exc}",
                                  hint="another tool (cph, an earlier ocr listen) may hold it; "
                                       "choose another with --port") from None
            self._servers.append(server)
        self._delivery = threading.Thread(target=self._deliver, name="ocr-listen-events", daemon=True)
        self._delivery.start()
        for server in self._servers:
            thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2},
                                      name=f"ocr-listen-{server.port}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def close(self) -> None:
        """Stop serving and release the ports."""
        for server in self._servers:
            if any(t.name == f"ocr-listen-{server.port}" and t.is_alive() for t in self._threads):
                server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._servers.clear()
        self._threads.clear()
        if self._delivery is not None:  # events already queued are delivered first
            self._outbox.put(None)
            self._delivery.join(timeout=5)
            self._delivery = None

    def __enter__(self) -> Listener:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----- called by the request handlers ------------------------------------------------------------

    def emit(self, event: ListenEvent) -> None:
        """Queue `event` for delivery (in order, on the delivery thread)."""
        self._outbox.put(event)

    def _deliver(self) -> None:
        while (event := self._outbox.get()) is not None:
            if self._on_event is None:
                continue
            try:
                self._on_event(event)
            except Exception:
                continue

    def store(self, payload: ProblemPayload) -> Path:
        with self._lock:
            return write_problem(payload, self.root)

    def received(self, payload: ProblemPayload, folder: Path, port: int) -> None:
        complete: BatchComplete | None = None
        index = 1
        with self._lock:
            # The extension posts each problem to every port of its list: the copy on a second port
            # is the same send; the same JSON again on a port it came on is a new send.
            key = json.dumps(payload.raw, sort_keys=True)
            ports = self._seen_on.get(key)
            if ports is not None and port not in ports:
                ports.add(port)
                return
            self._seen_on.pop(key, None)
            self._seen_on[key] = {port}
            while len(self._seen_on) > 64:
                del self._seen_on[next(iter(self._seen_on))]
            if payload.batch is not None:
                state = self._batches.setdefault(payload.batch.id, _BatchState(payload.batch.size))
                state.folders[payload.url or payload.name] = folder
                index = len(state.folders)
                if index >= state.size:
                    complete = BatchComplete(payload.batch.id, tuple(state.folders.values()))
                    del self._batches[payload.batch.id]
            self.emit(ProblemReceived(payload, folder, port, index))
            if complete is not None:
                self.emit(complete)
