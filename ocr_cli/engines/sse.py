"""Server-sent events: the `data` payloads of an event stream, read line by line."""

from __future__ import annotations

from collections.abc import Iterable, Iterator


def iter_sse_data(lines: Iterable[str]) -> Iterator[str]:
    """Yield the data of each event in `lines` (line endings removed).

    Events end at a blank line; several `data:` lines of one event are joined with newlines (the
    SSE rule). Comments (`: ping`) and other fields (`event:`, `id:`, `retry:`) are skipped.
    """
    data: list[str] = []
    for line in lines:
        if not line:
            if data:
                yield "\n".join(data)
                data = []
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        if name == "data":
            data.append(value[1:] if value.startswith(" ") else value)
    if data:
        yield "\n".join(data)
