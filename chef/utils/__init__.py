"""Cross-cutting conventions: configs, run directories, metrics."""
