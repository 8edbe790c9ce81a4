"""Stop strings on streamed text, shared by the single-sequence and batched llama.cpp paths."""

from __future__ import annotations

from collections.abc import Sequence


class StopText:
    """Accumulates streamed text, cuts it at the first stop string, and holds back a tail that could
    still turn into one, so that streamed chunks never contain part of a stop string."""

    def __init__(self, stops: Sequence[str]) -> None:
        self.stops = tuple(s for s in stops if s)
        self.text = ""
        self.emitted = 0
        self.stopped = False

    def add(self, piece: str) -> str:
        """Add text; return the new chunk safe to stream."""
        if self.stopped:
            return ""
        start = max(0, len(self.text) - max((len(s) for s in self.stops), default=0))
        self.text += piece
        cut = self._first_stop(start)
        if cut is not None:
            self.text = self.text[:cut]
            self.stopped = True
            return self._flush(len(self.text))
        return self._flush(len(self.text) - self._held_tail())

    def finish(self) -> str:
        """The held-back tail, once no more text will come."""
        return self._flush(len(self.text))

    def _first_stop(self, start: int) -> int | None:
        found = [i for i in (self.text.find(s, start) for s in self.stops) if i >= 0]
        return min(found) if found else None

    def _held_tail(self) -> int:
        longest = 0
        for stop in self.stops:
            for size in range(min(len(stop) - 1, len(self.text)), longest, -1):
                if self.text.endswith(stop[:size]):
                    longest = size
                    break
        return longest

    def _flush(self, upto: int) -> str:
        if upto <= self.emitted:
            return ""
        chunk = self.text[self.emitted : upto]
        self.emitted = upto
        return chunk
