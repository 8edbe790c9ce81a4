"""Code in model answers: extraction from fenced blocks (or tree-sitter recovery) and syntax checks."""
