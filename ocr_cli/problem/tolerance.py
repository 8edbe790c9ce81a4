"""The error tolerance a statement states for real-number answers.

"Your answer is accepted if its absolute or relative error does not exceed 10^{-6}" and its many
spellings (`1e-6`, `10^-6`, `10-6` from a PDF's lost superscript, `10−6`, `0.000001`) set the judge's
float tolerance. Only a sentence that speaks of an error (absolute, relative, or "precision") counts.
"""

from __future__ import annotations

import re

_ERROR_WORDS = re.compile(r"(?:absolute|relative)\s+(?:or\s+(?:absolute|relative)\s+)?error"
                          r"|error\s+(?:of|is|does|must|should|at\s+most|not\s+exceed|less|up\s+to|within)|precision|tolerance"
                          r"|绝对误差|相对误差|誤差", re.IGNORECASE)
_POWER = re.compile(r"10\s*(?:\^|\*\*)?\s*\{?\s*[-−–]\s*(\d{1,2})\s*\}?(?!\d)")
_SCIENTIFIC = re.compile(r"(?<![\w.])(\d(?:\.\d+)?)\s*[eE]\s*[-−–]\s*(\d{1,2})(?!\d)")
_DECIMAL = re.compile(r"(?<![\w.])0\.(0{2,}\d)(?!\d)")
_WINDOW = 160


def stated_tolerance(text: str) -> float | None:
    """The tolerance of the first sentence about an answer's error that names one, else None."""
    for m in _ERROR_WORDS.finditer(text):
        after = text[m.start(): m.end() + _WINDOW]
        found = _value(after) or _value(text[max(0, m.start() - _WINDOW): m.end()])
        if found is not None:
            return found
    return None


def _value(text: str) -> float | None:
    candidates: list[tuple[int, float]] = []
    if m := _POWER.search(text):
        candidates.append((m.start(), 10.0 ** -int(m.group(1))))
    if m := _SCIENTIFIC.search(text):
        candidates.append((m.start(), float(m.group(1)) * 10.0 ** -int(m.group(2))))
    if m := _DECIMAL.search(text):
        candidates.append((m.start(), float("0." + m.group(1))))
    if not candidates:
        return None
    value = min(candidates)[1]
    return value if 0 < value < 1 else None
