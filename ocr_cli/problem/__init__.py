"""Problems and their tests: statements, sample extraction, test folders, Competitive Companion JSON."""

from ocr_cli.problem.types import Problem, TestCase

__all__ = ["Problem", "TestCase"]
