"""A program's sandbox outlives the thread that first used it (the launcher dies with the thread
that started it, so it is started from one lasting thread)."""

from __future__ import annotations

import threading

from ocr_cli.judge.runner import Judge
from ocr_cli.judge.types import JudgeOptions
from ocr_cli.language import Language


def test_a_program_first_run_in_a_finished_thread_still_runs() -> None:
    judge = Judge(JudgeOptions(time_limit_s=2))
    with judge.program("print(int(input()) * 2)\n", Language.PYTHON) as program:
        results = []
        worker = threading.Thread(target=lambda: results.append(program.execute(b"20\n")))
        worker.start()
        worker.join()
        assert results[0].text() == "40\n"
        again = program.execute(b"21\n")  # from this thread, after the first one has ended
        assert again.outcome.error is None and again.text() == "42\n"
