"""The budgets of a solve: revision rounds, generated tokens, and wall time."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field


@dataclass
class Budget:
    """Tracks what a solve has spent; the time budget sets `cancel` when it runs out."""

    token_budget: int | None
    time_budget_s: float | None
    cancel: threading.Event = field(default_factory=threading.Event)
    generated_tokens: int = 0
    prompt_tokens: int = 0
    timed_out: bool = False
    started: float = field(default_factory=time.perf_counter)
    _timer: threading.Timer | None = None

    def start(self) -> None:
        """Start the clock (and the timer of the time budget)."""
        self.started = time.perf_counter()
        if self.time_budget_s is not None:
            self._timer = threading.Timer(self.time_budget_s, self._expire)
            self._timer.daemon = True
            self._timer.start()

    def _expire(self) -> None:
        self.timed_out = True
        self.cancel.set()

    def stop(self) -> None:
        """Stop the timer (the solve is over)."""
        if self._timer is not None:
            self._timer.cancel()

    def spend(self, completion_tokens: int, prompt_tokens: int = 0) -> None:
        self.generated_tokens += completion_tokens
        self.prompt_tokens += prompt_tokens

    @property
    def tokens_left(self) -> int | None:
        if self.token_budget is None:
            return None
        return max(0, self.token_budget - self.generated_tokens)

    @property
    def tokens_exhausted(self) -> bool:
        left = self.tokens_left
        return left is not None and left <= 0

    def max_tokens_each(self, wanted: int, requests: int) -> int:
        """The per-request token limit that keeps `requests` generations within the token budget."""
        left = self.tokens_left
        if left is None or requests <= 0:
            return wanted
        return max(0, min(wanted, left // requests))

    def elapsed(self) -> float:
        return time.perf_counter() - self.started
