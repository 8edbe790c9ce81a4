"""Code extraction from model answers, and syntax checks."""

from __future__ import annotations

from ocr_cli.code.extract import extract_code, fenced_blocks, recover_code, split_reasoning
from ocr_cli.code.syntax import check_syntax
from ocr_cli.language import Language

PY = Language.PYTHON
CPP = Language.CPP


def test_final_block_in_the_requested_language_wins() -> None:
    text = ("First try:\n```python\nprint(1)\n```\nA C++ version:\n```cpp\nint main(){}\n```\n"
            "Final:\n```py\nprint(2)\n```\nSample:\n```\n3\n```\n")
    found = extract_code(text, PY)
    assert found.code == "print(2)\n"
    assert found.method == "fence"
    assert extract_code(text, CPP).code == "int main(){}\n"


def test_think_part_is_reasoning_and_never_searched() -> None:
    text = "<think>maybe\n```python\nprint('draft')\n```\n</think>\nAnswer:\n```python\nprint('final')\n```"
    found = extract_code(text, PY)
    assert found.code == "print('final')\n"
    assert found.reasoning is not None and "print('draft')" in found.reasoning
    unclosed = extract_code("<think>still thinking\n```python\nprint(1)\n```", PY)
    assert unclosed.code is None
    assert split_reasoning("no think here") == (None, "no think here")


def test_unlabeled_fence_counts_only_when_it_is_code() -> None:
    text = "```\nn = int(input())\nprint(n * 2)\n```\nExample input:\n```\n1 2\n```\n"
    found = extract_code(text, PY)
    assert found.code == "n = int(input())\nprint(n * 2)\n"
    assert found.method == "unlabeled-fence"


def test_unclosed_final_fence_is_taken_when_it_parses() -> None:
    text = "```python\nimport sys\nprint(sum(map(int, sys.stdin.read().split())))\n"
    found = extract_code(text, PY)
    assert found.method == "unclosed-fence"
    assert found.code is not None and found.code.startswith("import sys")


def test_closing_fence_on_the_code_line() -> None:
    blocks = fenced_blocks("```cpp\nint main() { return 0; }```\ntext")
    assert blocks[0].body == "int main() { return 0; }\n" and blocks[0].closed


def test_missing_fences_are_recovered_with_tree_sitter() -> None:
    text = ("Here is my solution.\na, b = map(int, input().split())\nfor _ in range(1):\n"
            "    print(a + b)\nThis prints the sum of the two numbers.\n1 2\n")
    found = extract_code(text, PY)
    assert found.method == "recovered"
    assert found.code == "a, b = map(int, input().split())\nfor _ in range(1):\n    print(a + b)\n"
    cpp = ("Solution:\n#include <cstdio>\nint main() {\n  int a, b;\n  scanf(\"%d %d\", &a, &b);\n"
           "  printf(\"%d\\n\", a + b);\n}\nIt runs in O(1) time.")
    recovered = recover_code(cpp, CPP)
    assert recovered is not None and recovered.startswith("#include <cstdio>") and recovered.endswith("}\n")


def test_prose_alone_recovers_nothing() -> None:
    assert extract_code("I am not sure how to solve this problem. Sorry.\n42\n", PY).code is None


def test_syntax_error_has_line_column_and_snippet() -> None:
    issue = check_syntax("x = 1\nif x > 0\n    print(x)\n", PY)
    assert issue is not None
    assert issue.line == 2
    assert "if x > 0" in issue.describe()
    assert check_syntax("x = 1\nprint(x)\n", PY) is None
    cpp_issue = check_syntax("int main() {\n  int a = 1\n  return a;\n}\n", CPP)
    assert cpp_issue is not None and cpp_issue.line in (2, 3)
    assert check_syntax("int main() { return 0; }\n", CPP) is None
    assert check_syntax("   \n", PY) is not None


def test_echoed_placeholder_block_is_not_code() -> None:
    text = "You must use:\n```python\n# Your code here\n```\nSo:\n```python\nprint(3)\n```\n"
    assert extract_code(text, PY).code == "print(3)\n"
    assert extract_code("```cpp\n// Your code here\n```", CPP).code is None
