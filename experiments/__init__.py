"""Experiment configs (ml_collections), one file per stage: --config=experiments/<stage>.py:<variant>."""
