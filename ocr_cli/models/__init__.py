"""Model presets, model resolution (path, preset name, embedded default), GGUF metadata, downloads."""
