"""`ocr repl` with a slow scripted engine (for the pty test that cancels a solve with Ctrl+C).

The draft comes quickly; the critique streams one word per 0.05 s for hours: it ends only when the
test's Ctrl+C cancels it, however slow the machine is.
"""

from __future__ import annotations

import sys

from ocr_cli import paths
from ocr_cli.cli.console import make_console
from ocr_cli.config import load_settings
from ocr_cli.engines.factory import engine_key
from ocr_cli.engines.scripted import ScriptedEngine, ScriptedReply
from ocr_cli.repl.app import Repl, make_prompt_session
from ocr_cli.repl.session import ReplSession

DRAFT = "```python\na, b = map(int, input().split())\nprint(a + b)\n```"
CRITIQUE = "Let me check this carefully. " * 100_000 + "<judgement>right</judgement>"


def main() -> None:
    settings = load_settings({"model": "scripted:slow.json", "n": 1, "rounds": 0, "max_tokens": 1_000_000})
    engine = ScriptedEngine([ScriptedReply(CRITIQUE, when="reviewing a solution", repeat=True),
                             ScriptedReply(DRAFT, repeat=True)], name="slow.json", delay_s=0.05)
    session = ReplSession(settings, engines={engine_key(settings.model): engine})
    app = Repl(session, make_console(), make_prompt_session(paths.history_file()))
    try:
        app.banner()
        app.run()
    finally:
        session.close()
    sys.exit(0)


if __name__ == "__main__":
    main()
