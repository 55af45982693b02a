"""Fixtures of the results tests."""

import pathlib

import pytest

from tests.chef.results.synthetic_run import make_run


@pytest.fixture
def tiny_run(tmp_path: pathlib.Path) -> pathlib.Path:
    return make_run(tmp_path / "runs")
