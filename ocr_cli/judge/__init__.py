"""The local judge: runs untrusted solutions in a sandbox against tests and gives verdicts.

It knows nothing of models or terminals.
"""

from ocr_cli.judge.types import CaseResult, Comparison, JudgeOptions, JudgeReport, Verdict

__all__ = ["CaseResult", "Comparison", "JudgeOptions", "JudgeReport", "Verdict"]
