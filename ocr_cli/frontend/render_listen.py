"""The lines `ocr listen` and the REPL's `/listen` show for the listener's events."""

from __future__ import annotations

from pathlib import Path

from ocr_cli.listen import BatchComplete, ListenEvent, ProblemPayload, ProblemReceived


def describe(payload: ProblemPayload) -> str:
    """`D. Glad to see you! (Codeforces - Round 415): 1 sample, 2 s, 256 MB, interactive`."""
    parts = [f"{len(payload.tests)} sample{'s' if len(payload.tests) != 1 else ''}"]
    if payload.time_limit_ms is not None:
        parts.append(f"{payload.time_limit_ms / 1000:g} s")
    if payload.memory_limit_mb is not None:
        parts.append(f"{payload.memory_limit_mb} MB")
    if payload.interactive:
        parts.append("interactive")
    if payload.input_file or payload.output_file:
        parts.append(f"files {payload.input_file or 'stdin'} → {payload.output_file or 'stdout'}")
    group = f" ({payload.group})" if payload.group else ""
    return f"{payload.name}{group}: {', '.join(parts)}"


def event_line(event: ListenEvent, root: Path) -> str:
    """The one line an event is shown as."""
    if isinstance(event, ProblemReceived):
        return f"received {describe(event.payload)} → {_relative(event.folder, root)}"
    if isinstance(event, BatchComplete):
        folders = sorted({_relative(folder.parent, root) for folder in event.folders})
        where = folders[0] if len(folders) == 1 else f"{len(folders)} folders"
        count = len(event.folders)
        return f"batch complete: {count} problem{'s' if count != 1 else ''} in {where}"
    return f"rejected a request on port {event.port}: {event.status} {event.reason}"


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root)) or "."
    except ValueError:
        return str(path)
