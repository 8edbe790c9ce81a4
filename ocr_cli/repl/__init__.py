"""The interactive REPL (`ocr repl`): a session over the same core API as `ocr solve`."""
