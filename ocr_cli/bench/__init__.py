"""`ocr bench`: problem sets, bench runs, results and their summary (no printing here)."""
