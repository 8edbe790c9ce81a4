"""An engine over any OpenAI-compatible `/v1/chat/completions` server (llama-server, vLLM, SGLang,
llama-cpp-python's server), streaming server-sent events with httpx.

- N requests run as N concurrent HTTP requests (at most `settings.concurrency` at once); with the
  `server_n` setting, requests that differ only in their seed go as one request with `n` (vLLM, SGLang;
  llama-server rejects `n > 1`). A solve's requests that keep coming (`generate_stream`) are each
  sent as soon as they arrive, so the server's own continuous batching keeps its slots full.
- Connection errors, 429 and 5xx are retried with exponential backoff until the first token has
  streamed; afterwards a dropped stream fails only that request (finish_reason "error", text kept).
- A server that is down, refuses the API key or does not serve the model raises `ServerError`.
- The API key is read from the environment variable named by `settings.api_key_env`; it is sent as a
  bearer token and never logged or stored.

`ocr_cli.engines.openai_client` sends the requests (retries, errors); `ocr_cli.engines.openai_wire`
forms specs, URLs and request bodies and reads the streamed events.
"""

from __future__ import annotations

import dataclasses
import json
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from ocr_cli.config import Settings
from ocr_cli.engines.base import ChunkCallback, Engine, EngineInfo, GenerationRequest, GenerationResult
from ocr_cli.engines.openai_client import ServerClient
from ocr_cli.engines.openai_logprobs import TokenTrail, choice_probabilities
from ocr_cli.engines.openai_transport import (
    BatchCall,
    Rejected,
    Stopped,
    describe_transport_error,
)
from ocr_cli.engines.openai_wire import (
    PREFILL_BY_OWNER,
    PrefillStyle,
    ServerSpec,
    StreamAccumulator,
    build_chat_body,
    parse_spec,
)
from ocr_cli.engines.request_feed import RequestFeed
from ocr_cli.engines.sse import iter_sse_data
from ocr_cli.errors import EngineError, ServerError

if TYPE_CHECKING:
    import httpx

TOP_LOGPROBS = 20
INTERRUPT_HINT = (" (llama_cpp.server does this to concurrent requests unless started with"
                  " --interrupt_requests False)")


class OpenAIEngine(Engine):
    """A model served over the OpenAI chat-completions protocol."""

    def __init__(
        self,
        server: ServerSpec,
        *,
        api_key: str | None = None,
        api_key_env: str = "OCR_API_KEY",
        concurrency: int = 4,
        timeout_s: float = 600.0,
        use_n: bool = False,
        max_retries: int = 3,
        backoff_s: float = 0.5,
        check_model: bool = True,
    ) -> None:
        """Connect to `server`; with `check_model`, list its models and check that the named one is
        among them (raising `ServerError` when the server is down, refuses the key or lacks it)."""
        self.server = server
        self.concurrency = max(1, concurrency)
        self.continuous = True
        self.use_n = use_n
        self.client = ServerClient(server, api_key=api_key, api_key_env=api_key_env,
                                   concurrency=self.concurrency, timeout_s=timeout_s,
                                   max_retries=max_retries, backoff_s=backoff_s)
        self.model: str | None = server.model
        self.prefill: PrefillStyle = "none"
        #: `owned_by` of the model's `/models` entry ("llamacpp", "vllm", "me" for llama_cpp.server, ...).
        self.owner = ""
        n_ctx: int | None = None
        if check_model:
            try:
                n_ctx = self._check_model()
            except BaseException:
                self.client.close()
                raise
        self.info = EngineInfo(engine="openai", model=self.model or "(server default)",
                               backend=f"remote {server.display_url}", n_ctx=n_ctx)

    @classmethod
    def from_spec(cls, spec: str, settings: Settings) -> OpenAIEngine:
        """Open `openai:MODEL@URL` with the key, concurrency and timeout the settings give."""
        server = parse_spec(spec, settings.base_url)
        return cls(
            server,
            api_key=os.environ.get(settings.api_key_env) or None,
            api_key_env=settings.api_key_env,
            concurrency=settings.concurrency,
            timeout_s=settings.request_timeout,
            use_n=settings.server_n,
        )

    # --- models -------------------------------------------------------------------------------

    @property
    def listed(self) -> list[dict[str, Any]] | None:
        """The server's `/models` entries as last listed (None: not listed, or no such endpoint)."""
        return self.client.listed

    def list_models(self) -> list[dict[str, Any]] | None:
        """The server's `/models` entries; None when it has no such endpoint."""
        return self.client.list_models()

    def _check_model(self) -> int | None:
        self.client.listed = listed = self.client.list_models()
        if listed is None:  # no /models endpoint: trust the name given
            return None
        ids = [e["id"] for e in listed]
        if self.model is None:
            if not ids:
                raise ServerError(f"{self.server.display_url} lists no models",
                                  hint="name one: openai:MODEL@URL")
            self.model = self.client.model = ids[0]
        elif self.model not in ids:
            raise ServerError(
                f"model {self.model!r} is not served by {self.server.display_url}",
                hint=f"it serves: {', '.join(ids) or 'nothing'}",
            )
        entry = next(e for e in listed if e["id"] == self.model)
        self.owner = str(entry.get("owned_by", "")).lower()
        self.prefill = PREFILL_BY_OWNER.get(self.owner, "none")
        n_ctx = entry.get("max_model_len")
        return n_ctx if isinstance(n_ctx, int) else None

    # --- generation ---------------------------------------------------------------------------

    def generate_batch(
        self,
        requests: Sequence[GenerationRequest],
        on_chunk: ChunkCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> list[GenerationResult]:
        """Answer the requests concurrently; chunks reach `on_chunk` from worker threads, one at a time."""
        if not requests:
            return []
        call = BatchCall(on_chunk)
        groups = self._groups(requests)
        results: list[GenerationResult | None] = [None] * len(requests)
        failure: BaseException | None = None
        with _request_pool(call, min(self.concurrency, len(groups))) as pool:
            futures: dict[Future[list[GenerationResult]], list[int]] = {
                pool.submit(self._run_group, indices, requests[indices[0]], call): indices
                for indices in groups
            }
            pending = set(futures)
            while pending:
                done, pending = wait(pending, timeout=0.05 if cancel is not None else None,
                                     return_when=FIRST_COMPLETED)
                for future in done:
                    answers, error = _finished(future, call)
                    failure = failure or error
                    if answers:
                        for index, result in zip(futures[future], answers, strict=True):
                            results[index] = result
                if cancel is not None and cancel.is_set() and not call.stop.is_set():
                    call.halt()
        if failure is not None:
            raise failure
        answered = [r for r in results if r is not None]
        if len(answered) != len(requests):  # pragma: no cover - every group returns or raises
            raise EngineError("the OpenAI engine lost a result")
        return answered

    def generate_stream(
        self,
        feed: RequestFeed,
        on_result: Callable[[int, GenerationResult], None],
        on_chunk: ChunkCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> None:
        """Each request is sent as soon as it arrives (at most `concurrency` at once): the server's
        slots batch them continuously. A failed request stops the others, as in `generate_batch`."""
        call = BatchCall(on_chunk)
        running: dict[Future[list[GenerationResult]], int] = {}
        failure: BaseException | None = None
        more = True
        with _request_pool(call, self.concurrency) as pool:
            while (more or running) and failure is None:
                if cancel is not None and cancel.is_set():
                    call.halt()  # the running requests end "cancelled"; no new one is taken
                    more = False
                if more:
                    items = feed.take(wait=not running, cancel=cancel)
                    more = items is not None and not call.stop.is_set()
                    for key, request in items or ():
                        running[pool.submit(self._run_group, [key], request, call)] = key
                done, _ = wait(running, timeout=0.05, return_when=FIRST_COMPLETED) if running else ((), ())
                for future in done:
                    key = running.pop(future)
                    answers, error = _finished(future, call)
                    failure = failure or error
                    if answers:
                        on_result(key, answers[0])
        if failure is not None:
            raise failure

    def _groups(self, requests: Sequence[GenerationRequest]) -> list[list[int]]:
        """Indices sent together: each alone, or (with `use_n`) those equal but for the seed."""
        if not self.use_n:
            return [[i] for i in range(len(requests))]
        groups: dict[GenerationRequest, list[int]] = {}
        for i, request in enumerate(requests):
            key = dataclasses.replace(request, params=dataclasses.replace(request.params, seed=None))
            groups.setdefault(key, []).append(i)
        return list(groups.values())

    def _run_group(
        self, indices: list[int], request: GenerationRequest, call: BatchCall
    ) -> list[GenerationResult]:
        import httpx

        n = len(indices)
        start = time.perf_counter()
        body = build_chat_body(self.model, request, prefill=self.prefill, n=n)
        echo = request.assistant_prefix if self.prefill == "none" else ""
        if request.score_at is not None:  # p(right) from the answer's own top logprobs
            body.update(logprobs=True, top_logprobs=TOP_LOGPROBS)

        def emit(choice: int, text: str) -> None:
            call.emit(indices[choice], text)

        attempt = 0
        while True:
            acc = StreamAccumulator(n, echo_prefix=echo, track_logprobs=request.score_at is not None)
            error: str | None = None
            try:
                response, attempt = self.client.send("POST", "/chat/completions", body, call.stop, attempt,
                                               trace=call.trace)
            except Stopped:
                return self._results(acc, request, start, cancelled=True)
            except Rejected as exc:
                return self._results(acc, request, start, error=str(exc))
            try:
                self._read_stream(response, acc, emit, call.stop)
            except httpx.HTTPError as exc:
                error = f"the stream dropped: {describe_transport_error(exc)}"
            finally:
                response.close()
            if call.stop.is_set() and not (error is None and acc.finished):
                return self._results(acc, request, start, cancelled=True)
            if error is not None and not acc.streamed and attempt < self.client.max_retries:
                # Nothing streamed yet: as good as a failed connection, so try again.
                if call.stop.wait(self.client.backoff_s * (2 ** attempt)):
                    return self._results(acc, request, start, cancelled=True)
                attempt += 1
                continue
            return self._results(acc, request, start, error=error)

    def _read_stream(self, response: httpx.Response, acc: StreamAccumulator,
                     emit: Callable[[int, str], None], stop: threading.Event) -> None:
        for data in iter_sse_data(response.iter_lines()):
            if stop.is_set():
                return
            if data.strip() == "[DONE]":
                return
            try:
                events = [json.loads(data)]
            except ValueError:
                # Some servers put several `data:` lines in one event (no blank line between).
                try:
                    events = [json.loads(line) for line in data.splitlines() if line.strip() != "[DONE]"]
                except ValueError:
                    acc.error = f"the server sent an event that is not JSON: {data[:80]!r}"
                    return
            for event in events:
                if isinstance(event, dict):
                    for choice, text in acc.feed(event):
                        emit(choice, text)
            if acc.error:
                return

    def _results(self, acc: StreamAccumulator, request: GenerationRequest, start: float, *,
                 error: str | None = None, cancelled: bool = False) -> list[GenerationResult]:
        elapsed = time.perf_counter() - start
        results = [acc.result(i, request.messages, elapsed, error=error, cancelled=cancelled)
                   for i in range(len(acc.choices))]
        if request.score_at is not None:
            results = [_scored(r, acc.choices[i].trail, request) for i, r in enumerate(results)]
        if self.owner == "me":  # llama-cpp-python's server cuts a stream when another request waits
            results = [dataclasses.replace(r, error=r.error + INTERRUPT_HINT)
                       if r.error and "no finish_reason" in r.error else r for r in results]
        return results

    # --- scoring ------------------------------------------------------------------------------

    def score_choices(self, request: GenerationRequest, choices: Sequence[str]) -> list[float] | None:
        """Probabilities of each choice as the next token after `assistant_prefix`, from the top
        logprobs of a one-token completion; None where the server cannot continue a prefix (then
        the logprobs would not be of the token after it) or returns no logprobs."""
        if self.prefill == "none" or not choices or not request.assistant_prefix:
            return None
        params = dataclasses.replace(request.params, max_tokens=1, temperature=0.0, stop=())
        body = build_chat_body(self.model, dataclasses.replace(request, params=params),
                               prefill=self.prefill, stream=False)
        body.update(logprobs=True, top_logprobs=TOP_LOGPROBS)
        try:
            response, _ = self.client.send("POST", "/chat/completions", body, threading.Event())
        except Rejected:
            return None
        try:
            data = json.loads(response.read())
        except ValueError:
            return None
        finally:
            response.close()
        try:
            top = data["choices"][0]["logprobs"]["content"][0]["top_logprobs"]
        except (KeyError, IndexError, TypeError):
            return None
        return choice_probabilities(top, choices) if isinstance(top, list) else None

    def close(self) -> None:
        self.client.close()


def _scored(result: GenerationResult, trail: TokenTrail | None,
            request: GenerationRequest) -> GenerationResult:
    """The result with `choice_probabilities` read from its streamed logprobs, where they tell."""
    scoring = request.score_at
    if scoring is None or trail is None or result.finish_reason in ("cancelled", "error"):
        return result
    target = scoring.position(result.text)
    if not result.text.startswith(target) or len(target) >= len(result.text):
        return result  # the position is not inside the answer (a tag the answer lacks)
    probabilities = trail.probabilities(len(target), scoring.choices)
    if probabilities is None:
        return result
    return dataclasses.replace(result, choice_probabilities=tuple(probabilities))


def _finished(future: Future[list[GenerationResult]], call: BatchCall,
              ) -> tuple[list[GenerationResult], BaseException | None]:
    """A finished request's results, or (no results and) its error, which stops the call's others."""
    error = future.exception()
    if error is not None:
        call.halt()
        return [], error
    return future.result(), None


@contextmanager
def _request_pool(call: BatchCall, workers: int) -> Iterator[ThreadPoolExecutor]:
    """Threads for a call's requests; on the way out every request has returned (an exception
    halts the others first)."""
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ocr-openai")
    try:
        yield pool
    except BaseException:
        call.halt()
        raise
    finally:
        pool.shutdown(wait=True)
