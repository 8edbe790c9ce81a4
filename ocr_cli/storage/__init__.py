"""Transcripts of runs in a SQLite database: every prompt, response, test result and verdict."""
