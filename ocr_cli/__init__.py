"""ocr: solve competitive-programming problems with local models — draft, test, self-critique, revise."""

__version__ = "0.1.0"
