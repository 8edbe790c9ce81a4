"""A small fake OpenAI-compatible server (stdlib `http.server` on 127.0.0.1, a random port) for tests.

Each chat request takes the next `Reply` of `server.plan` (then `server.default`): a status, streamed
words, reasoning, a drop mid-stream, a delay between chunks, top logprobs for non-streamed requests.
The server records request bodies and headers and the most requests it had in flight at once.
"""

from __future__ import annotations

import functools
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    """How the fake server answers one chat request."""

    status: int = 200
    text: str = "hello world"
    reasoning: str = ""
    #: Chunks (words) sent before the connection is cut without ending the response.
    drop_after: int | None = None
    delay_s: float = 0.0
    #: Seconds the server waits before sending the response headers.
    header_delay_s: float = 0.0
    #: Chunks sent before the server goes silent for a minute (without closing).
    stall_after: int | None = None
    finish: str | None = "stop"
    usage: bool = True
    #: A stream `{"error": ...}` event sent after this many chunks.
    error_after: int | None = None
    retry_after: str | None = None
    #: Leave out the blank line that ends each event (seen from some proxies).
    no_blank_lines: bool = False
    top_logprobs: list[dict[str, Any]] = field(default_factory=list)
    #: Streamed answers asked for logprobs: the top alternatives sent with a word (stripped), by word.
    stream_top_logprobs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


class FakeOpenAIServer:
    """Serves `/v1/models` and `/v1/chat/completions` on 127.0.0.1 from a background thread."""

    def __init__(self, models: tuple[str, ...] = ("fake-model",), owned_by: str = "llamacpp",
                 api_key: str | None = None) -> None:
        self.models = models
        self.owned_by = owned_by
        self.api_key = api_key
        self.plan: list[Reply] = []
        self.default = Reply()
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.in_flight = 0
        self.max_in_flight = 0
        #: When set, chat requests wait (up to 5 s) until this many are in flight at once.
        self.gate: int | None = None
        self.disconnects = 0
        self._cond = threading.Condition()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def start(self) -> FakeOpenAIServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> FakeOpenAIServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def next_reply(self) -> Reply:
        with self._cond:
            return self.plan.pop(0) if self.plan else self.default

    def enter(self) -> None:
        with self._cond:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            self._cond.notify_all()
            if self.gate is not None:
                gate = self.gate
                self._cond.wait_for(lambda: self.in_flight >= gate, timeout=5.0)
                self.gate = None  # reached once: later requests go straight through

    def leave(self) -> None:
        with self._cond:
            self.in_flight -= 1


def _words(text: str) -> list[str]:
    """`text` in word pieces that join back to it ("a b" → "a", " b")."""
    words = text.split(" ") if text else []
    return [w if i == 0 else " " + w for i, w in enumerate(words)]


def _handler_for(server: FakeOpenAIServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _json(self, status: int, data: Any, extra: dict[str, str] | None = None) -> None:
            payload = json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for key, value in (extra or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(payload)

        def _authorised(self) -> bool:
            if server.api_key is None:
                return True
            if self.headers.get("Authorization") == f"Bearer {server.api_key}":
                return True
            self._json(401, {"error": {"message": "Invalid API Key", "type": "authentication_error"}})
            return False

        def do_GET(self) -> None:
            if not self._authorised():
                return
            if self.path != "/v1/models":
                self._json(404, {"error": {"message": f"no route {self.path}"}})
                return
            data = [{"id": m, "object": "model", "owned_by": server.owned_by, "max_model_len": 4096}
                    for m in server.models]
            self._json(200, {"object": "list", "data": data})

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
            if not self._authorised():
                return
            server.requests.append(body)
            server.headers.append(dict(self.headers.items()))
            if body.get("model") not in server.models:
                self._json(404, {"error": {"message": f"model {body.get('model')!r} not found"}})
                return
            reply = server.next_reply()
            server.enter()
            try:
                time.sleep(reply.header_delay_s)
                if reply.status != 200:
                    extra = {"Retry-After": reply.retry_after} if reply.retry_after else None
                    self._json(reply.status, {"error": {"message": f"fake status {reply.status}"}}, extra)
                elif not body.get("stream"):
                    self._complete(reply)
                else:
                    self._stream(reply, int(body.get("n") or 1), bool(body.get("logprobs")))
            except (BrokenPipeError, ConnectionResetError):
                server.disconnects += 1
                self.close_connection = True
            finally:
                server.leave()

        def _complete(self, reply: Reply) -> None:
            first = reply.text.split()[0]
            logprobs = {"content": [{"token": first, "logprob": 0.0, "top_logprobs": reply.top_logprobs}]}
            self._json(200, {"object": "chat.completion", "choices": [{
                "index": 0, "message": {"role": "assistant", "content": first},
                "logprobs": logprobs, "finish_reason": "length"}]})

        def _send_event(self, data: dict[str, Any] | str, end: str = "\n\n") -> None:
            text = data if isinstance(data, str) else json.dumps(data)
            chunk = f"data: {text}{end}".encode()
            self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            self.wfile.flush()

        def _stream(self, reply: Reply, n: int, logprobs: bool = False) -> None:
            if reply.no_blank_lines:
                self._send_event = functools.partial(self._send_event, end="\n")  # type: ignore[method-assign]
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            pieces = [("reasoning_content", w) for w in _words(reply.reasoning)]
            pieces += [("content", w) for w in _words(reply.text)]
            self._send_event({"choices": [{"index": i, "delta": {"role": "assistant"}} for i in range(n)]})
            for sent, (kind, piece) in enumerate(pieces):
                if reply.drop_after is not None and sent >= reply.drop_after:
                    self.wfile.write(b"40\r\ndata: {\"choi")  # half a chunk, then the line goes dead
                    self.wfile.flush()
                    self.connection.shutdown(socket.SHUT_RDWR)
                    self.close_connection = True
                    return
                if reply.stall_after is not None and sent == reply.stall_after:
                    time.sleep(60)
                if reply.error_after is not None and sent >= reply.error_after:
                    self._send_event({"error": {"message": "fake failure mid-stream"}})
                    break
                for i in range(n):
                    text = piece if n == 1 else f"{piece}{i}"
                    choice: dict[str, Any] = {"index": i, "delta": {kind: text}, "finish_reason": None}
                    if logprobs:  # one token per word, with the alternatives the reply gives it
                        top = reply.stream_top_logprobs.get(text.strip(), [])
                        token = {"token": text, "logprob": 0.0, "top_logprobs": top}
                        choice["logprobs"] = {"content": [token]}
                    self._send_event({"choices": [choice]})
                if reply.delay_s:
                    time.sleep(reply.delay_s)
            else:
                if reply.finish is not None:
                    for i in range(n):
                        self._send_event({"choices": [{"index": i, "delta": {},
                                                       "finish_reason": reply.finish}]})
                if reply.usage:
                    self._send_event({"choices": [], "usage": {
                        "prompt_tokens": 11, "completion_tokens": len(pieces) * n,
                        "prompt_tokens_details": {"cached_tokens": 5}}})
            self._send_event("[DONE]")
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()

    return Handler
