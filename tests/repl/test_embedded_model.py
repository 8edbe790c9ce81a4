"""The REPL end to end with the real embedded model (tiny, CPU): load once, solve, history, quit."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from repl_helpers import SUM_STATEMENT  # type: ignore[import-not-found]


@pytest.mark.model
def test_repl_solves_with_the_embedded_model(tmp_path: Path) -> None:
    env = dict(os.environ, OCR_MAX_TOKENS="16")
    script = SUM_STATEMENT + "/history\n/save best.py\n/quit\n"
    done = subprocess.run([sys.executable, "-m", "ocr_cli", "repl", "-n", "1", "--rounds", "0"],
                          input=script, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=280)
    out = done.stdout
    assert done.returncode == 0, done.stderr
    assert out.startswith("ocr · llama.cpp · smollm2-135m-instruct · ")
    assert "A + B: 2 samples found · time limit 1 s · memory limit 256 MB" in out
    assert re.search(r"c1 drafted: \d+ tokens, (length|stop)", out), out
    # the tiny model rarely solves A + B; whatever it produced, the run ended with an honest status
    statuses = ("accepted", "budget_exhausted", "no_candidate", "cancelled")
    assert any(f"│ 1 │ A + B   │ {status}" in out for status in statuses), out
    assert "\x1b[" not in out  # plain output off a terminal
    assert ("saved best.py" in out) == (tmp_path / "best.py").exists()
