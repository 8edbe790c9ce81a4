"""The engine interface: chat messages in, streamed text chunks out, a result with token counts.

Every engine implements `generate_batch`: several requests (N drafts of one problem, or one critique
per candidate) at once, so that an engine able to decode them together (llama.cpp batches, an HTTP
server's parallel slots) can. `generate` is the one-request convenience over it. `generate_stream`
answers requests that keep arriving while others decode (`ocr_cli.engines.request_feed`); engines
that cannot let a request join a running batch answer them in waves, one `generate_batch` each.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from ocr_cli.engines.request_feed import RequestFeed

Role = Literal["system", "user", "assistant"]
FinishReason = Literal["stop", "length", "cancelled", "error"]

#: Called with (request index, text chunk) as text streams in.
ChunkCallback = Callable[[int, str], None]


@dataclass(frozen=True)
class Message:
    """One chat message."""

    role: Role
    content: str

    def as_dict(self) -> dict[str, str]:
        return {"role": self.role, "content": self.content}


@dataclass(frozen=True)
class SamplingParams:
    """How to sample one answer. `seed=None` lets the engine choose."""

    temperature: float = 0.7
    top_p: float = 0.95
    top_k: int = 40
    min_p: float = 0.05
    seed: int | None = None
    max_tokens: int = 1024
    stop: tuple[str, ...] = ()


@dataclass(frozen=True)
class ChoiceScoring:
    """Once the answer ends, how likely is each choice at a position in it (a critic's verdict)?

    `position` maps the answer's text to the assistant text up to that position (it may append to
    the answer, e.g. a verdict tag the answer lacks); the engine reads the next-token probabilities
    there. Engines that score inside generation put them in `GenerationResult.choice_probabilities`.
    """

    choices: tuple[str, ...]
    position: Callable[[str], str]


@dataclass(frozen=True)
class GenerationRequest:
    """Messages to answer and how to sample the answer.

    `assistant_prefix`, when given, is text the answer is forced to start with (the engine continues
    it; the result's text does not repeat it). `score_at`, when given, asks for choice probabilities
    once the answer ends (engines that cannot leave them None).
    """

    messages: tuple[Message, ...]
    params: SamplingParams = field(default_factory=SamplingParams)
    assistant_prefix: str = ""
    score_at: ChoiceScoring | None = None


@dataclass(frozen=True)
class GenerationResult:
    """The outcome of one request."""

    text: str
    prompt_tokens: int
    completion_tokens: int
    finish_reason: FinishReason
    elapsed_s: float
    #: Prompt tokens that were not evaluated because a cached prefix was reused.
    cached_prompt_tokens: int = 0
    #: Reasoning kept apart by the server (OpenAI `reasoning_content`); None when not separated.
    reasoning: str | None = None
    #: Why the request failed when finish_reason == "error".
    error: str | None = None
    #: Why it ended where finish_reason alone does not say (e.g. "length" because the context is full).
    note: str | None = None
    #: The probabilities of `request.score_at.choices` (summing to 1), when the engine scored them.
    choice_probabilities: tuple[float, ...] | None = None
    #: Tokens the engine evaluated to score them (counted in a solve's token budget).
    scoring_tokens: int = 0


@dataclass(frozen=True)
class EngineInfo:
    """What an engine runs on, for banners, `ocr doctor` and transcripts."""

    engine: str  # "llama.cpp", "openai", "scripted"
    model: str  # file path, preset name or server model id
    backend: str = "CPU"  # "CUDA", "Metal", "CPU", "remote", ...
    gpu_layers: int = 0
    total_layers: int | None = None
    n_ctx: int | None = None
    threads: int | None = None
    chat_template: str | None = None  # where the template came from: "gguf", a tokenizer folder, ...

    def describe(self) -> str:
        """One line such as `llama.cpp · model.gguf · CUDA 33/33 layers · ctx 32768`."""
        parts = [self.engine, self.model, self.backend]
        if self.total_layers:
            parts[-1] += f" {self.gpu_layers}/{self.total_layers} layers"
        if self.n_ctx:
            parts.append(f"ctx {self.n_ctx}")
        return " · ".join(parts)


class Engine(ABC):
    """A chat model that can answer several requests at once."""

    info: EngineInfo
    #: Whether `generate_stream` starts a request as soon as a slot frees (else it answers in waves).
    continuous: bool = False

    @abstractmethod
    def generate_batch(
        self,
        requests: Sequence[GenerationRequest],
        on_chunk: ChunkCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> list[GenerationResult]:
        """Answer every request; results come back in request order.

        A request that fails on its own (a dropped stream) gets finish_reason "error" rather than
        failing the others. When `cancel` is set, generation stops soon and unfinished results get
        finish_reason "cancelled" with the text so far.
        """

    def generate(
        self,
        request: GenerationRequest,
        on_chunk: Callable[[str], None] | None = None,
        cancel: threading.Event | None = None,
    ) -> GenerationResult:
        """Answer one request."""
        callback: ChunkCallback | None = None
        if on_chunk is not None:
            chunk_fn = on_chunk

            def callback(_index: int, text: str) -> None:
                chunk_fn(text)

        return self.generate_batch([request], callback, cancel)[0]

    def generate_stream(
        self,
        feed: RequestFeed,
        on_result: Callable[[int, GenerationResult], None],
        on_chunk: ChunkCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> None:
        """Answer the requests of `feed` as they come, until it is closed and drained.

        Each result goes to `on_result(key, result)` (from the engine's thread) as soon as its
        request ends; chunks carry the request's key too. When `cancel` is set, the requests taken
        end "cancelled" and the call returns without waiting for the feed to close. This default
        answers in waves: whatever is queued, with one `generate_batch`, then the next wave.
        """
        while not (cancel is not None and cancel.is_set()):
            items = feed.take(wait=True, cancel=cancel)
            if items is None:
                return
            if not items:
                continue
            keys = [key for key, _ in items]

            def chunk(index: int, text: str, keys: list[int] = keys) -> None:
                if on_chunk is not None:
                    on_chunk(keys[index], text)

            results = self.generate_batch([request for _, request in items], chunk, cancel)
            for key, result in zip(keys, results, strict=True):
                on_result(key, result)

    def score_choices(self, request: GenerationRequest, choices: Sequence[str]) -> list[float] | None:
        """Probabilities (summing to 1) that the answer continues `request.assistant_prefix` with each
        choice, e.g. "right" vs "wrong" after "<judgement>". None when the engine cannot tell."""
        return None

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release the model; the engine is unusable afterwards."""
