"""A scripted engine that replays given replies: the stand-in for a model in tests and demos.

Each reply is a string, a function of the request, or a `ScriptedReply` that only answers requests
whose prompt contains `when` (so a script need not know the order in which drafts and critiques are
asked). The engine records every request it was asked, streams replies word by word, and counts one
token per whitespace-separated word.

From the command line, `--model scripted:FILE.json` loads a script of the form
`{"replies": ["text", {"when": "substring", "text": "...", "repeat": true}], "scores": [[0.9, 0.1]]}`.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ocr_cli.engines.base import (
    ChunkCallback,
    Engine,
    EngineInfo,
    FinishReason,
    GenerationRequest,
    GenerationResult,
)
from ocr_cli.engines.stop_strings import StopText
from ocr_cli.errors import EngineError, ModelError

ReplyFn = Callable[[GenerationRequest], str]


@dataclass(frozen=True)
class ScriptedReply:
    """A reply given to the first request whose prompt contains `when` (any request when empty)."""

    text: str | ReplyFn
    when: str = ""
    repeat: bool = False

    def matches(self, request: GenerationRequest) -> bool:
        if not self.when:
            return True
        return any(self.when in message.content for message in request.messages)

    def render(self, request: GenerationRequest) -> str:
        return self.text(request) if callable(self.text) else self.text


def count_tokens(text: str) -> int:
    """The scripted engine's token count: whitespace-separated words."""
    return len(text.split())


class ScriptedEngine(Engine):
    """Replays replies in order (first matching one), recording the requests it was asked."""

    def __init__(
        self,
        replies: Iterable[str | ReplyFn | ScriptedReply],
        scores: Iterable[Sequence[float]] | None = None,
        name: str = "scripted",
        delay_s: float = 0.0,
    ) -> None:
        self._replies: list[ScriptedReply] = [
            r if isinstance(r, ScriptedReply) else ScriptedReply(text=r) for r in replies
        ]
        self._scores: list[list[float]] = [list(s) for s in scores] if scores is not None else []
        self._lock = threading.Lock()
        self.delay_s = delay_s
        self.requests: list[GenerationRequest] = []
        self.score_requests: list[tuple[GenerationRequest, tuple[str, ...]]] = []
        self.info = EngineInfo(engine="scripted", model=name, backend="none")
        self.closed = False

    @classmethod
    def from_file(cls, path: str | Path) -> ScriptedEngine:
        """Load a JSON script (see the module docstring)."""
        file = Path(path)
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ModelError("scripted engine file does not exist", path=file) from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ModelError(f"not a valid JSON script: {exc}", path=file) from None
        if not isinstance(data, dict) or not isinstance(data.get("replies"), list):
            raise ModelError('a script is an object with a "replies" list', path=file)
        replies: list[ScriptedReply] = []
        for item in data["replies"]:
            if isinstance(item, str):
                replies.append(ScriptedReply(text=item))
            elif isinstance(item, dict) and isinstance(item.get("text"), str):
                replies.append(ScriptedReply(text=item["text"], when=str(item.get("when", "")),
                                             repeat=bool(item.get("repeat", False))))
            else:
                raise ModelError("each reply is a string or an object with a \"text\"", path=file)
        scores = data.get("scores")
        return cls(replies, scores=scores if isinstance(scores, list) else None, name=file.name)

    def _take_reply(self, request: GenerationRequest) -> str:
        with self._lock:
            for index, reply in enumerate(self._replies):
                if reply.matches(request):
                    if not reply.repeat:
                        del self._replies[index]
                    return reply.render(request)
        raise EngineError("the scripted engine has no reply left for this request")

    def generate_batch(
        self,
        requests: Sequence[GenerationRequest],
        on_chunk: ChunkCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> list[GenerationResult]:
        results: list[GenerationResult] = []
        for index, request in enumerate(requests):
            start = time.perf_counter()
            with self._lock:
                self.requests.append(request)
            text = self._take_reply(request)
            pieces = re.findall(r"\S+\s*|\s+", text)
            limit = request.params.max_tokens
            stops = StopText(request.params.stop)
            finish: FinishReason = "stop"
            words = 0
            for piece in pieces:
                if cancel is not None and cancel.is_set():
                    finish = "cancelled"
                    break
                if piece.strip():
                    if words >= limit:
                        finish = "length"
                        break
                    words += 1
                chunk = stops.add(piece)
                if chunk and on_chunk is not None:
                    on_chunk(index, chunk)
                if stops.stopped:
                    break
                if self.delay_s:
                    time.sleep(self.delay_s)
            tail = "" if stops.stopped else stops.finish()
            if tail and on_chunk is not None:
                on_chunk(index, tail)
            out = stops.text
            prompt_tokens = sum(count_tokens(m.content) for m in request.messages)
            results.append(GenerationResult(
                text=out,
                prompt_tokens=prompt_tokens,
                completion_tokens=count_tokens(out),
                finish_reason=finish,
                elapsed_s=time.perf_counter() - start,
            ))
        return results

    def score_choices(self, request: GenerationRequest, choices: Sequence[str]) -> list[float] | None:
        with self._lock:
            self.score_requests.append((request, tuple(choices)))
            if not self._scores:
                return None
            scores = self._scores.pop(0)
        total = sum(scores)
        return [s / total for s in scores] if total > 0 else None

    def close(self) -> None:
        self.closed = True
