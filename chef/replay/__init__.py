"""Reverb replay: tables, server, n-step adder, sampling iterator, parameter publishing."""
