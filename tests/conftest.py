"""Shared helpers for the tests: random networks of given shapes."""

import numpy as np
import pytest

import linregions as lr


def random_network(rng, n0, widths, bias_scale=0.5):
    layers, prev = [], n0
    for w in widths:
        layers.append((rng.normal(size=(w, prev)), bias_scale * rng.normal(size=w)))
        prev = w
    return lr.from_arrays(layers)


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


def pytest_configure(config):
    # also in pyproject.toml's markers; registering twice is harmless
    config.addinivalue_line("markers", "slow: end-to-end tests that take minutes (the SLURM cluster ones)")
