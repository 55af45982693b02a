"""Launchers: run a Program (named nodes) as local processes or on Ray."""
