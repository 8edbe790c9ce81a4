"""The HTTP side of the OpenAI-compatible engine: one client per server, requests with retries,
refusals turned into ocr's errors, and the `/models` listing.

Connection errors and RETRY_STATUSES are retried with exponential backoff (honouring Retry-After);
401/403/404 raise `ServerError`, other 4xx `Rejected` (that one request fails, not the run). Also
`check_server`, what `ocr doctor` reports about a server spec.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ocr_cli.config import Settings
from ocr_cli.engines.openai_transport import (
    RETRY_STATUSES,
    Rejected,
    Stopped,
    describe_transport_error,
    retry_after_s,
)
from ocr_cli.engines.openai_wire import ServerSpec, error_message, parse_spec
from ocr_cli.errors import OcrError, ServerError

if TYPE_CHECKING:
    import httpx


class ServerClient:
    """Requests to one server: the API key as a bearer token (never logged), retries, errors."""

    def __init__(self, server: ServerSpec, *, api_key: str | None = None, api_key_env: str = "OCR_API_KEY",
                 concurrency: int = 4, timeout_s: float = 600.0, max_retries: int = 3,
                 backoff_s: float = 0.5) -> None:
        import httpx

        self.server = server
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self.api_key_env = api_key_env
        self.has_key = bool(api_key)
        #: For the hint of a 404: the model asked for, and what the server listed.
        self.model: str | None = server.model
        self.listed: list[dict[str, Any]] | None = None
        headers = {"Accept": "text/event-stream, application/json"}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        self.http = httpx.Client(
            base_url=server.base_url,
            headers=headers,
            timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, 10.0)),
            # No keep-alive: each request opens its own connection, whose socket a cancel can shut
            # (see BatchCall.trace); a TCP connect is nothing next to a generation.
            limits=httpx.Limits(max_connections=concurrency + 2, max_keepalive_connections=0),
        )

    def list_models(self) -> list[dict[str, Any]] | None:
        """The server's `/models` entries; None when it has no such endpoint."""
        response, _ = self.send("GET", "/models", None, threading.Event())
        try:
            if response.status_code == 404:
                return None
            data = json.loads(response.read())
        except ValueError:
            raise ServerError(f"{self.server.display_url}/models did not answer JSON") from None
        finally:
            response.close()
        entries = data.get("data") if isinstance(data, dict) else None
        return [e for e in entries if isinstance(e, dict) and isinstance(e.get("id"), str)] if entries else []

    def send(self, method: str, path: str, body: dict[str, Any] | None, stop: threading.Event,
              first_attempt: int = 0, trace: Callable[[str, dict[str, Any]], None] | None = None,
              ) -> tuple[httpx.Response, int]:
        """Send; returns a response whose headers have arrived (status 200, or 404 for GET) and the
        number of retries used so far.

        Retries connection errors and RETRY_STATUSES with exponential backoff (honouring Retry-After);
        raises ServerError when retries run out or for auth / not-found, `Rejected` for other 4xx,
        `Stopped` when `stop` is set while waiting.
        """
        import httpx

        attempt = first_attempt
        while True:
            retry_after: float | None = None
            try:
                request = self.http.build_request(
                    method, path, json=body, extensions={"trace": trace} if trace else None)
                response = self.http.send(request, stream=True)
                if response.status_code == 200 or (method == "GET" and response.status_code == 404):
                    return response, attempt
                try:
                    text = response.read().decode(errors="replace")
                finally:
                    response.close()
            except httpx.TransportError as exc:
                reason = f"cannot reach {self.server.display_url}: {describe_transport_error(exc)}"
                hint = "is the server running and the URL right? see docs/remote.md"
            else:
                if response.status_code not in RETRY_STATUSES:
                    raise self._refusal(response.status_code, text)
                hint = f"still failing after {attempt + 1} tries; see the server's log"
                reason = (f"{self.server.display_url} answered HTTP {response.status_code}: "
                          f"{error_message(text)}")
                retry_after = retry_after_s(response.headers.get("retry-after"))
            if stop.is_set():
                raise Stopped()
            if attempt >= self.max_retries:
                raise ServerError(reason, hint=hint)
            delay = retry_after if retry_after is not None else self.backoff_s * (2 ** attempt)
            attempt += 1
            if stop.wait(delay):
                raise Stopped()

    def _refusal(self, status: int, text: str) -> Exception:
        message = error_message(text)
        url = self.server.display_url
        if status in (401, 403):
            if self.has_key:
                return ServerError(f"{url} refused the API key (HTTP {status}: {message})",
                                   hint=f"check the key in ${self.api_key_env}")
            return ServerError(f"{url} wants an API key (HTTP {status})",
                               hint=f"put it in the environment variable {self.api_key_env}")
        if status == 404:
            served = ", ".join(e["id"] for e in self.listed or ()) or "see /v1/models"
            return ServerError(f"{url}: HTTP 404 for model {self.model!r}: {message}",
                               hint=f"it serves: {served}")
        return Rejected(f"{url} refused the request (HTTP {status}): {message}")

    def close(self) -> None:
        self.http.close()


def check_server(spec: str, settings: Settings) -> dict[str, Any]:
    """What `ocr doctor` reports about a server spec; never raises.

    Keys: url, model, reachable, models (ids listed), model_listed (None when the server lists
    nothing), latency_s (of the `/models` request), api_key_env, api_key_set, error (None when fine).
    """
    key = os.environ.get(settings.api_key_env) or None
    report: dict[str, Any] = {
        "url": None, "model": None, "reachable": False, "models": [], "model_listed": None,
        "latency_s": None, "api_key_env": settings.api_key_env, "api_key_set": key is not None,
        "error": None,
    }
    try:
        server = parse_spec(spec, settings.base_url)
        report["url"], report["model"] = server.display_url, server.model
        client = ServerClient(server, api_key=key, api_key_env=settings.api_key_env,
                              timeout_s=min(settings.request_timeout, 10.0), max_retries=0)
    except OcrError as exc:
        report["error"] = str(exc)
        return report
    try:
        start = time.perf_counter()
        entries = client.list_models()
        report["latency_s"] = round(time.perf_counter() - start, 4)
        report["reachable"] = True
        report["models"] = [e["id"] for e in entries or ()]
        if entries is not None and server.model is not None:
            report["model_listed"] = server.model in report["models"]
            if not report["model_listed"]:
                report["error"] = f"model {server.model!r} is not listed; the server serves: " + (
                    ", ".join(report["models"]) or "nothing")
    except ServerError as exc:
        report["error"] = str(exc)
        report["reachable"] = "cannot reach" not in exc.message
    finally:
        client.close()
    return report
