"""Differential testing: run a solution against a trusted brute force on generated inputs.

`runner.stress` is the loop of `ocr stress` (schedule of seeds and sizes in `schedule.py`, shrinking
to a small failing input); `mutate.py` makes model-free inputs shaped like the samples; `cluster.py`
compares programs by their outputs; `programs.py` wraps the judge's sandboxed programs. The solve loop
uses the same pieces (`ocr_cli.solve.generated`). Nothing here prints.
"""
