"""Shared helpers for the tests: random networks of given shapes, and the brute-force truth."""

import numpy as np
import pytest

import linregions as lr
from linregions.certificate import brute_force_patterns
from linregions.regions import DEFAULT_EPS, pack_patterns, sort_packed


def seeds(n, fast):
    """Parameters 0..n-1 for a seeded test: the first ``fast`` run in `make test-fast`, the rest
    are marked slow (they run in `make test` and CI)."""
    return [s if s < fast else pytest.param(s, marks=pytest.mark.slow) for s in range(n)]


def random_network(rng, n0, widths, bias_scale=0.5):
    layers, prev = [], n0
    for w in widths:
        layers.append((rng.normal(size=(w, prev)), bias_scale * rng.normal(size=w)))
        prev = w
    return lr.from_arrays(layers)


def brute_patterns(net, lo, up, margin="both", eps=DEFAULT_EPS):
    """Every region's pattern, packed and sorted, from the certificate LP of each of the 2^N
    patterns: the independent truth the counters are compared with (N <= 20)."""
    return sort_packed(pack_patterns(brute_force_patterns(net, lo, up, eps, margin)))


@pytest.fixture
def rng():
    return np.random.default_rng(12345)
