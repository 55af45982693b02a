"""RLDS episode datasets: writer, n-step transition reader, mixing, filters, relabelling."""
