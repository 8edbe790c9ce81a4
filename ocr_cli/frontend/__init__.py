"""What the two front ends (`ocr_cli.cli` and `ocr_cli.repl`) share: rendering a solve with rich
(`render_solve`) and running one with its transcript and Ctrl+C (`solve_run`). It imports neither
front end, so they need not import each other."""
