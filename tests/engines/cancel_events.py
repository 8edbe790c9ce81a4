"""A cancel event for deterministic mid-prompt cancels, shared by the llama engine tests."""

from __future__ import annotations

import threading


class SetAfterPolls(threading.Event):
    """A cancel event that reads as set from its `polls`-th check on (deterministic mid-prompt cancel)."""

    def __init__(self, polls: int) -> None:
        super().__init__()
        self.polls = polls
        self.checks = 0

    def is_set(self) -> bool:
        self.checks += 1
        return self.checks >= self.polls
