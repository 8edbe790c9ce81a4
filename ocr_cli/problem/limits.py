"""Time and memory limits as statements state them ("Time limit: 2 seconds", "256 megabytes")."""

from __future__ import annotations

import re

_NUMBER = r"(\d+(?:[.,]\d+)?)"
# A label, then within a short stretch (same or next line, after "per test", a colon...) the value.
_TIME = re.compile(
    r"(?:time\s*limit|実行時間制限|時間制限|limite\s+de\s+temps)[^\d\n]{0,30}\n?[^\d\n]{0,10}"
    + _NUMBER + r"\s*(milliseconds?|millisecond|msecs?|ms|seconds?|secs?|s|秒)(?![A-Za-z])",
    re.IGNORECASE,
)
_MEMORY = re.compile(
    r"(?:memory\s*limit|メモリ制限|limite\s+de\s+m[ée]moire)[^\d\n]{0,30}\n?[^\d\n]{0,10}"
    + _NUMBER + r"\s*(kilobytes?|kib|kb|megabytes?|mib|mb|m|gigabytes?|gib|gb|g)(?![A-Za-z])",
    re.IGNORECASE,
)
# Codeforces puts the values on their own lines: "2 seconds" under "time limit per test".
_BARE_TIME = re.compile(r"^\s*" + _NUMBER + r"\s*(seconds?|secs?)\s*$", re.IGNORECASE | re.MULTILINE)
_BARE_MEMORY = re.compile(r"^\s*" + _NUMBER + r"\s*(megabytes?|mib|mb|gigabytes?|gib|gb)\s*$",
                          re.IGNORECASE | re.MULTILINE)


def _number(text: str) -> float:
    return float(text.replace(",", "."))


def _seconds(value: float, unit: str) -> float:
    return value / 1000.0 if unit.lower().startswith("m") else value


def _megabytes(value: float, unit: str) -> int:
    u = unit.lower()
    if u.startswith("k"):
        return max(1, round(value / 1024))
    if u.startswith("g"):
        return round(value * 1024)
    return round(value)


def parse_limits(text: str) -> tuple[float | None, int | None]:
    """The (time limit in seconds, memory limit in MB) a statement gives, None for each it doesn't."""
    time_s: float | None = None
    memory_mb: int | None = None
    if m := _TIME.search(text):
        time_s = _seconds(_number(m.group(1)), m.group(2))
    elif (m := _BARE_TIME.search(text)) and re.search(r"time", text[: m.start()], re.IGNORECASE):
        time_s = _number(m.group(1))
    m = _MEMORY.search(text)
    if m is None and (bare := _BARE_MEMORY.search(text)) and re.search(r"memory", text[: bare.start()],
                                                                       re.IGNORECASE):
        m = bare
    if m is not None:
        memory_mb = _megabytes(_number(m.group(1)), m.group(2))
    return time_s, memory_mb
