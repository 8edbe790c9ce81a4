"""Large outputs are compared whole (streamed from their file), OLE applies to stdout only, and ocr's
own memory stays bounded however large the output."""
# ruff: noqa: E501

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from ocr_cli.judge.runner import Judge
from ocr_cli.judge.types import JudgeOptions, Verdict
from ocr_cli.language import Language
from ocr_cli.problem.types import TestCase

PY = Language.PYTHON
N = 300_000  # about 2.9 MB of output, as in the issue
SORT = "import sys\nxs = sorted(map(int, sys.stdin.read().split()[1:]))\nsys.stdout.write('\\n'.join(map(str, xs)) + '\\n')\n"


def _sorting_test() -> TestCase:
    numbers = [(i * 7919 + 13) % 1_000_000_007 for i in range(N)]
    return TestCase("big", f"{N}\n" + " ".join(map(str, numbers)) + "\n",
                    "\n".join(map(str, sorted(numbers))) + "\n")


def judge(**options: object) -> Judge:
    values: dict[str, object] = {"time_limit_s": 5, "memory_limit_mb": 512, "jobs": 1, **options}
    return Judge(JudgeOptions(**values))  # type: ignore[arg-type]


def test_a_correct_multi_megabyte_output_is_accepted() -> None:
    test = _sorting_test()
    assert len(test.output) > 2_500_000
    report = judge().run(SORT, PY, [test])
    assert report.verdict is Verdict.AC, report.cases[0].message
    assert len(report.cases[0].actual) <= 64 * 1024  # what is kept for display stays short


def test_a_wrong_token_deep_in_the_output_is_found_at_its_place() -> None:
    test = _sorting_test()
    wrong = SORT.replace("sys.stdout.write(", "xs[200000] += 1\nsys.stdout.write(")
    report = judge().run(wrong, PY, [test])
    case = report.cases[0]
    assert case.verdict is Verdict.WA
    assert case.message.startswith("token 200001 (line 200001)"), case.message
    assert len(case.message) < 200


def test_output_past_the_limit_is_ole_and_the_limit_is_configurable() -> None:
    source = "import sys\nfor _ in range(6):\n    sys.stdout.write('7 ' * (1 << 19))\n"  # 6 MB
    expected = "7 " * (3 << 20)
    assert judge(output_limit_mb=4).run(source, PY, [TestCase("1", "", expected)]).verdict is Verdict.OLE
    assert judge(output_limit_mb=8).run(source, PY, [TestCase("1", "", expected)]).verdict is Verdict.AC


def test_stderr_has_its_own_small_cap_and_never_causes_ole() -> None:
    source = "import sys\nfor _ in range(80):\n    sys.stderr.write('d' * (1 << 20))\nprint(42)\n"  # 80 MB of debug
    report = judge(output_limit_mb=4).run(source, PY, [TestCase("1", "", "42\n")])
    case = report.cases[0]
    assert case.verdict is Verdict.AC, case.message
    assert 0 < len(case.stderr) <= 64 * 1024


def test_ocr_memory_stays_bounded_while_comparing_a_large_output() -> None:
    # In a fresh process, so that its peak resident memory is this judging alone.
    script = textwrap.dedent("""
        import json, resource
        from ocr_cli.judge.runner import Judge
        from ocr_cli.judge.types import JudgeOptions
        from ocr_cli.language import Language
        from ocr_cli.problem.types import TestCase
        expected = "123456 " * 3_000_000  # 21 MB, 3 million tokens
        judge = Judge(JudgeOptions(time_limit_s=10, output_limit_mb=64, jobs=1))
        judge.run("print(1)", Language.PYTHON, [TestCase("warm", "", "1")])
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        source = "import sys\\nfor _ in range(30):\\n    sys.stdout.write('123456 ' * 100000)\\n"
        report = judge.run(source, Language.PYTHON, [TestCase("big", "", expected)])
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(json.dumps({"verdict": report.verdict.value, "grew_kb": after - before}))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["verdict"] == "AC"
    # One encoded copy of the expected text (21 MB) plus chunks; a token list would cost hundreds of MB.
    assert result["grew_kb"] < 64 * 1024, result
