# ruff: noqa: E501
"""Judge overhead: 200 trivial cases through the judge vs. 200 plain `subprocess.run` spawns.

Run: /tmp/venv/bin/python benchmarks/judge_overhead.py [--cases N] [--jobs J] [--lang python|cpp]
Prints both times, the ratio, and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ocr_cli.judge.languages import build, python_interpreter, run_command
from ocr_cli.judge.runner import Judge
from ocr_cli.judge.sandbox import SAFE_PATH
from ocr_cli.judge.types import JudgeOptions
from ocr_cli.language import Language
from ocr_cli.problem.types import TestCase

ROUND = 20  # cases per round; the judge builds once per round (cached), as it does per solution
SOURCES = {
    Language.PYTHON: "print(int(input()) * 2)\n",
    Language.CPP: "#include <cstdio>\nint main(){ int x; std::scanf(\"%d\", &x); std::printf(\"%d\\n\", 2 * x); }\n",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=1, help="parallel cases in the judge (baseline is serial)")
    parser.add_argument("--lang", default="python")
    args = parser.parse_args()
    language = Language.parse(args.lang)
    options = JudgeOptions(time_limit_s=2, memory_limit_mb=256, jobs=args.jobs)
    tests = [TestCase(str(i), f"{i}\n", f"{2 * i}\n") for i in range(args.cases)]
    judge = Judge(options)
    judge.run(SOURCES[language], language, tests[:2])  # detection, compile cache, warm file cache

    plain = judged = 0.0
    isolation = judge.isolation
    with tempfile.TemporaryDirectory() as tmp:
        built = build(SOURCES[language], language, options, Path(tmp))
        assert built.artifact is not None
        interpreter = python_interpreter(options) if language is Language.PYTHON else None
        argv = run_command(language, built.artifact, interpreter)
        env = {"PATH": SAFE_PATH, "LANG": "C.UTF-8", "HOME": tmp}  # as clean as the sandbox's
        # Side by side, in rounds, so that a machine whose load changes affects both alike.
        for first in range(0, args.cases, ROUND):
            chunk = tests[first:first + ROUND]
            start = time.perf_counter()
            for case in chunk:
                # A new session, as the judge's runs get: with scheduler autogroups (Linux default)
                # a session is its own scheduling group, which matters a lot on a loaded machine.
                done = subprocess.run(argv, input=case.input.encode(), capture_output=True, check=True,
                                      env=env, start_new_session=True)
                assert done.stdout.decode().split() == case.output.split()
            plain += time.perf_counter() - start
            start = time.perf_counter()
            report = judge.run(SOURCES[language], language, chunk)
            judged += time.perf_counter() - start
            assert report.passed == len(chunk), report.first_failure

    ratio = judged / plain
    print(f"plain subprocess.run: {plain:.3f} s for {args.cases} runs ({plain / args.cases * 1000:.1f} ms each)")
    print(f"judge ({isolation}, -j {args.jobs}): {judged:.3f} s ({judged / args.cases * 1000:.1f} ms each)")
    print(f"ratio judge/plain: {ratio:.2f}")
    print(json.dumps({"benchmark": "judge_overhead", "lang": language.value, "cases": args.cases,
                      "jobs": args.jobs, "isolation": isolation, "plain_s": round(plain, 4),
                      "judge_s": round(judged, 4), "ratio": round(ratio, 3)}))


if __name__ == "__main__":
    sys.exit(main())
