# ruff: noqa: E501
"""Judge overhead: trivial cases through the sandbox vs. plain `subprocess.run` spawns, side by side.

Run: python benchmarks/judge_overhead.py [--cases N] [--lang python|cpp]
Three ways, interleaved in rounds of 20 cases so that a machine whose load changes affects all alike:
- plain: `subprocess.run` of the same built program, in a new session, output compared by Python;
- case: `Program.judge` per case, on one program whose sandbox was set up once (what stress testing
  and `Judge.run` do for each case);
- run: `Judge.run` on the round (build from the cache + sandbox set-up + the cases).
Prints the times, the ratios to plain, and one JSON line.
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

ROUND = 20
SOURCES = {
    Language.PYTHON: "print(int(input()) * 2)\n",
    Language.CPP: "#include <cstdio>\nint main(){ int x; std::scanf(\"%d\", &x); std::printf(\"%d\\n\", 2 * x); }\n",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--lang", default="python")
    args = parser.parse_args()
    language = Language.parse(args.lang)
    options = JudgeOptions(time_limit_s=2, memory_limit_mb=256, jobs=1)
    tests = [TestCase(str(i), f"{i}\n", f"{2 * i}\n") for i in range(args.cases)]
    judge = Judge(options)
    judge.run(SOURCES[language], language, tests[:2])  # detection, compile cache, warm file cache

    plain = per_case = whole = 0.0
    isolation = judge.isolation
    with tempfile.TemporaryDirectory() as tmp, judge.program(SOURCES[language], language) as program:
        built = build(SOURCES[language], language, options, Path(tmp))
        assert built.artifact is not None
        interpreter = python_interpreter(options) if language is Language.PYTHON else None
        argv = run_command(language, built.artifact, interpreter)
        env = {"PATH": SAFE_PATH, "LANG": "C.UTF-8", "HOME": tmp}  # as clean as the sandbox's
        program.judge(tests[0])  # the program's sandbox is set up here, once
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
            for case in chunk:
                result = program.judge(case)
                assert result is not None and result.passed, result
            per_case += time.perf_counter() - start
            start = time.perf_counter()
            report = judge.run(SOURCES[language], language, chunk)
            whole += time.perf_counter() - start
            assert report.passed == len(chunk), report.first_failure

    n = args.cases
    print(f"plain subprocess.run:            {plain:.3f} s for {n} runs ({plain / n * 1000:.2f} ms each)")
    print(f"Program.judge, sandbox set once: {per_case:.3f} s ({per_case / n * 1000:.2f} ms each), ratio {per_case / plain:.2f}")
    print(f"Judge.run per {ROUND} cases ({isolation}):  {whole:.3f} s ({whole / n * 1000:.2f} ms each), ratio {whole / plain:.2f}")
    print(json.dumps({"benchmark": "judge_overhead", "lang": language.value, "cases": n, "isolation": isolation,
                      "plain_s": round(plain, 4), "case_s": round(per_case, 4), "run_s": round(whole, 4),
                      "case_ratio": round(per_case / plain, 3), "run_ratio": round(whole / plain, 3)}))


if __name__ == "__main__":
    sys.exit(main())
