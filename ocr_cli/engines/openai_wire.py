"""The OpenAI chat-completions wire format: model specs, request bodies, streamed chunks, error bodies.

Pure data in and out (no HTTP), so that every rule here is testable without a server.

A spec is `openai:MODEL@URL`. The URL is the API base the endpoints are appended to
(`/chat/completions`, `/models`): `http://host:8080/v1` is used as given, and a URL with no path
(`http://host:8080`) gets `/v1` appended. A URL without a scheme gets `http://`. An empty MODEL
(`openai:@URL`) means "the first model the server lists"; a spec without `@URL` takes the URL from the
`base_url` setting.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from ocr_cli.engines.base import FinishReason, GenerationRequest, GenerationResult, Message
from ocr_cli.engines.openai_logprobs import TokenTrail
from ocr_cli.errors import ConfigError

#: How a server continues `assistant_prefix`: "trailing" (llama-server continues a final assistant
#: message), "continue" (vLLM / SGLang with `continue_final_message`), "none" (ask for it in the prompt).
PrefillStyle = Literal["trailing", "continue", "none"]

#: `owned_by` of `/v1/models` entries → how that server continues a prefix.
PREFILL_BY_OWNER: dict[str, PrefillStyle] = {"llamacpp": "trailing", "vllm": "continue", "sglang": "continue"}


#: finish_reason values that mean the server gave up on the answer (vLLM "abort").
ABORTED_FINISHES = frozenset({"abort", "error", "cancelled"})


@dataclass(frozen=True)
class ServerSpec:
    """Which model on which server; `model` None: the first model the server lists."""

    model: str | None
    base_url: str

    @property
    def display_url(self) -> str:
        """The base URL without any user:password part, for messages."""
        parts = urlsplit(self.base_url)
        host = parts.hostname or ""
        netloc = f"{host}:{parts.port}" if parts.port else host
        return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def normalise_base_url(url: str) -> str:
    """The API base for a user-given URL (see the module docstring)."""
    text = url.strip()
    if not text:
        raise ConfigError("the server URL is empty", hint="use openai:MODEL@http://HOST:PORT/v1")
    if "://" not in text:
        text = "http://" + text
    parts = urlsplit(text)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ConfigError(f"not an http(s) server URL: {url!r}", hint="use openai:MODEL@http://HOST:PORT/v1")
    path = parts.path.rstrip("/") or "/v1"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def parse_spec(spec: str, default_base_url: str | None = None) -> ServerSpec:
    """Parse `openai:MODEL@URL` (`openai:MODEL` with `default_base_url`)."""
    body = spec.removeprefix("openai:")
    model, at, url = body.rpartition("@")
    if not at:
        model, url = body, default_base_url or ""
        if not url:
            raise ConfigError(f"{spec!r} names no server",
                              hint="use openai:MODEL@http://HOST:PORT/v1 or set base_url")
    return ServerSpec(model=model.strip() or None, base_url=normalise_base_url(url))


def estimate_tokens(text: str) -> int:
    """A rough token count (4 characters a token) for servers that report no usage."""
    return max(1, math.ceil(len(text) / 4)) if text else 0


PREFIX_INSTRUCTION = "\n\nBegin your reply with exactly this text: {prefix}"


def build_chat_body(
    model: str | None,
    request: GenerationRequest,
    *,
    prefill: PrefillStyle,
    stream: bool = True,
    n: int = 1,
) -> dict[str, Any]:
    """The JSON body of a `/chat/completions` request.

    top_k and min_p are not OpenAI fields; llama-server, llama-cpp-python, vLLM and SGLang accept them.
    """
    messages = [m.as_dict() for m in request.messages]
    extra: dict[str, Any] = {}
    prefix = request.assistant_prefix
    if prefix and prefill != "none":
        messages.append(Message("assistant", prefix).as_dict())
        if prefill == "continue":
            extra = {"continue_final_message": True, "add_generation_prompt": False}
    elif prefix:
        last_user = max((i for i, m in enumerate(messages) if m["role"] == "user"), default=None)
        if last_user is None:
            messages.append({"role": "user", "content": PREFIX_INSTRUCTION.format(prefix=prefix).lstrip()})
        else:
            messages[last_user] = {
                "role": "user",
                "content": messages[last_user]["content"] + PREFIX_INSTRUCTION.format(prefix=prefix),
            }
    p = request.params
    body: dict[str, Any] = {
        "messages": messages,
        "stream": stream,
        "temperature": p.temperature,
        "top_p": p.top_p,
        "top_k": p.top_k,
        "min_p": p.min_p,
        "max_tokens": p.max_tokens,
    }
    if model:
        body["model"] = model
    if stream:
        body["stream_options"] = {"include_usage": True}
    if p.seed is not None:
        body["seed"] = p.seed
    if p.stop:
        body["stop"] = list(p.stop)
    if n > 1:
        body["n"] = n
    body.update(extra)
    return body


def error_message(body: str, limit: int = 300) -> str:
    """The human part of an error body (OpenAI `{"error": {"message"}}`, vLLM `{"message"}`, FastAPI
    `{"detail"}`), else the text itself, shortened."""
    text = body.strip()
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict):
        inner = data.get("error", data)
        if isinstance(inner, dict):
            found = inner.get("message") or inner.get("detail")
            text = found if isinstance(found, str) else json.dumps(found) if found else text
        elif isinstance(inner, str):
            text = inner
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class EchoStripper:
    """Drops a leading copy of `prefix` from streamed text.

    Used when the server cannot continue a prefix and was asked (in the prompt) to start with it: the
    result must not repeat the prefix, as with engines that continue it.
    """

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self._pending = ""
        self._decided = not prefix

    def feed(self, text: str) -> str:
        if self._decided:
            return text
        self._pending += text
        probe = self._pending.lstrip()
        if probe.startswith(self.prefix):
            self._decided = True
            self._pending = ""
            return probe[len(self.prefix):]
        if self.prefix.startswith(probe):
            return ""
        return self.flush()

    def flush(self) -> str:
        self._decided = True
        out, self._pending = self._pending, ""
        return out


@dataclass
class ChoiceState:
    """What one choice of a stream has produced so far."""

    stripper: EchoStripper
    content: list[str] = field(default_factory=list)
    reasoning: list[str] = field(default_factory=list)
    finish: str | None = None
    chunks: int = 0
    trail: TokenTrail | None = None  # with `score_at`: the answer's last tokens and their alternatives


class StreamAccumulator:
    """Collects the chunks of one streamed completion (one or `n` choices) into results."""

    def __init__(self, n: int = 1, echo_prefix: str = "", track_logprobs: bool = False) -> None:
        """`track_logprobs`: keep the streamed top logprobs of the answers' last tokens (`TokenTrail`)."""
        self.choices = [ChoiceState(EchoStripper(echo_prefix),
                                    trail=TokenTrail() if track_logprobs and not echo_prefix else None)
                        for _ in range(n)]
        self.usage: dict[str, Any] | None = None
        self.timings: dict[str, Any] | None = None
        self.error: str | None = None

    @property
    def streamed(self) -> bool:
        """Whether any token has arrived (after which a request is never retried)."""
        return any(c.chunks for c in self.choices)

    @property
    def finished(self) -> bool:
        """Whether every choice has its finish_reason."""
        return all(c.finish is not None for c in self.choices)

    def feed(self, event: dict[str, Any]) -> list[tuple[int, str]]:
        """Take one chunk; returns the (choice index, answer text) pieces to pass on."""
        out: list[tuple[int, str]] = []
        if event.get("error"):
            self.error = error_message(json.dumps(event))
        if isinstance(event.get("usage"), dict):
            self.usage = event["usage"]
        if isinstance(event.get("timings"), dict):
            self.timings = event["timings"]
        for choice in event.get("choices") or ():
            index = choice.get("index") or 0
            if not isinstance(index, int) or not 0 <= index < len(self.choices):
                continue
            state = self.choices[index]
            delta = choice.get("delta") or {}
            reasoning = delta.get("reasoning_content") or delta.get("reasoning")
            if isinstance(reasoning, str) and reasoning:
                state.reasoning.append(reasoning)
                state.chunks += 1
            content = delta.get("content")
            if isinstance(content, str) and content:
                state.chunks += 1
                if state.trail is not None:
                    state.trail.feed(content, choice.get("logprobs"))
                text = state.stripper.feed(content)
                if text:
                    state.content.append(text)
                    out.append((index, text))
            if choice.get("finish_reason"):
                state.finish = str(choice["finish_reason"])
                tail = state.stripper.flush()
                if tail:
                    state.content.append(tail)
                    out.append((index, tail))
        return out

    def result(
        self,
        index: int,
        messages: Sequence[Message],
        elapsed_s: float,
        *,
        error: str | None = None,
        cancelled: bool = False,
    ) -> GenerationResult:
        """The result of choice `index`; unfinished without a reason given: an error."""
        state = self.choices[index]
        state.content.append(state.stripper.flush())
        finish: FinishReason
        if cancelled:
            finish = "cancelled"
        elif error or self.error:
            finish, error = "error", error or self.error
        elif state.finish is None:
            finish = "error"
            error = "the stream ended before the answer finished (no finish_reason)"
        elif state.finish in ABORTED_FINISHES:
            finish, error = "error", f"the server ended the answer early (finish_reason {state.finish!r})"
        else:
            finish = "length" if state.finish == "length" else "stop"
        prompt, completion, cached = self._token_counts(state, messages)
        return GenerationResult(
            text="".join(state.content),
            prompt_tokens=prompt,
            completion_tokens=completion,
            finish_reason=finish,
            elapsed_s=elapsed_s,
            cached_prompt_tokens=cached,
            reasoning="".join(state.reasoning) if state.reasoning else None,
            error=error,
        )

    def _token_counts(self, state: ChoiceState, messages: Sequence[Message]) -> tuple[int, int, int]:
        usage, timings = self.usage or {}, self.timings or {}
        details = usage.get("prompt_tokens_details") or {}
        cached = _int(details.get("cached_tokens")) or _int(timings.get("cache_n")) or 0
        prompt = _int(usage.get("prompt_tokens"))
        if prompt is None and "prompt_n" in timings:
            prompt = (_int(timings.get("prompt_n")) or 0) + (_int(timings.get("cache_n")) or 0)
        if prompt is None:
            prompt = sum(estimate_tokens(m.content) for m in messages)
        # With n > 1 the usage counts all choices together; one streamed chunk is one token on the
        # llama.cpp-based servers and close to it elsewhere.
        completion = _int(usage.get("completion_tokens")) if len(self.choices) == 1 else None
        if completion is None and len(self.choices) == 1:
            completion = _int(timings.get("predicted_n"))
        return prompt, completion if completion is not None else state.chunks, cached


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
