"""The eps tolerance study: counts against eps and the certificate margins of the regions."""

import numpy as np
import pytest

import linregions as lr
from conftest import random_network
from linregions import tolerance as T
from linregions.certificate import brute_force_patterns


def thin_network():
    """2 inputs; layer 1 has two parallel units 2e-5 apart (a strip of margin 1e-5) and two
    generic units; layer 2 has three generic units. Its count falls between eps 1e-6 and 1e-4."""
    rng = np.random.default_rng(7)
    W1 = np.array([[1.0, 0.0], [1.0, 0.0], [0.3, -0.8], [-0.6, -0.5]])
    b1 = np.array([-0.5, -0.5 - 2e-5, 0.2, 0.6])
    return lr.from_arrays([(W1, b1), (rng.normal(size=(3, 4)), 0.3 * rng.normal(size=3))])


def _nets():
    rng = np.random.default_rng(2024)
    return [random_network(rng, 2, (4, 3)), random_network(rng, 3, (3, 3)), thin_network()]


@pytest.mark.parametrize("k", range(3))
def test_count_at_eps_is_regions_with_margin_at_least_eps(k):
    """count(eps) == #{brute-force patterns (eps = 1e-12) with certificate margin >= eps}, on the
    study's grid and at eps between consecutive margins (where the count changes)."""
    net = _nets()[k]
    pats = brute_force_patterns(net, 0.0, 1.0, 1e-12)
    margins = T.region_margins(net, pats, 0.0, 1.0)
    assert np.all(margins >= 1e-12)
    m = np.unique(margins)
    # eps between consecutive margins that differ by more than rounding (several regions inside
    # one strip share its margin up to ~1e-16; an eps between those is a coin toss, not a test)
    between = [float(np.sqrt(a * b)) for a, b in zip(m[:-1], m[1:]) if b > a * (1 + 1e-6)]
    between = between[:: max(1, len(between) // 5)]
    for eps in (*T.EPS_GRID, *between):
        counted = lr.count_regions(net, 0, 1, method="lp", eps=eps)
        assert counted.complete
        assert counted.regions == int(np.sum(margins >= eps)), eps


@pytest.mark.parametrize("k", range(3))
def test_count_non_increasing_in_eps(k):
    rows, packed = T.counts_by_eps(_nets()[k], T.EPS_GRID)
    assert [r.eps for r in rows] == sorted(T.EPS_GRID, reverse=True)
    counts = [r.regions for r in rows]  # eps decreasing -> counts non-decreasing
    assert all(r.complete for r in rows)
    assert counts == sorted(counts)
    assert packed is not None and len(packed) == counts[-1]


def test_study_of_thin_network_sees_the_thin_region():
    rows, s = T.study_network(thin_network(), "thin", max_margins=None)
    by = {r.eps: r.regions for r in rows}
    assert by[1e-8] == by[1e-6] > by[1e-4]  # the strip (margin 1e-5) is lost at 1e-4
    assert not s.sampled and s.margins_computed == by[1e-8] == s.regions
    for eps in T.EPS_GRID:  # all margins computed: the identity holds exactly
        assert s.below[eps] == by[1e-8] - by[eps]
    assert s.quantiles[0.0] == pytest.approx(1e-5, rel=1e-3)
    counts, margins = T.counts_frame(rows), T.margins_frame([s])
    assert list(counts.columns[:5]) == ["network", "eps", "regions", "complete", "seconds"]
    assert margins.loc[0, "below_1e-04"] == by[1e-8] - by[1e-4]
    md = T.markdown_table(counts, margins)
    assert md.startswith("| network |") and "| thin |" in md and "(all)" in md


def test_subsample_is_fixed_and_flagged():
    idx, sampled = T.sample_rows(100, 10, seed=3)
    idx2, _ = T.sample_rows(100, 10, seed=3)
    assert sampled and len(idx) == 10 and np.array_equal(idx, idx2) and np.all(np.diff(idx) > 0)
    idx, sampled = T.sample_rows(5, 10)
    assert not sampled and list(idx) == [0, 1, 2, 3, 4]
    rows, s = T.study_network(thin_network(), "thin", max_margins=3)
    assert s.sampled and s.margins_computed == 3 and s.regions == rows[-1].regions


def test_tolerance_study_tables(tmp_path):
    counts, margins = T.tolerance_study({"a": _nets()[0], "thin": thin_network()}, eps_grid=(1e-4, 1e-8))
    assert list(counts["network"]) == ["a", "a", "thin", "thin"]
    assert list(margins["network"]) == ["a", "thin"]
    assert {"below_1e-04", "below_1e-08", "margin_q0.5", "sampled"} <= set(margins.columns)


def test_bad_grid():
    with pytest.raises(ValueError, match="eps"):
        T.counts_by_eps(thin_network(), [])
    with pytest.raises(ValueError, match="positive"):
        T.counts_by_eps(thin_network(), [0.0])


def test_interrupted_count_stops_the_study(monkeypatch):
    """The lp counter turns SIGINT/SIGTERM into a stopped count; the study must not go on to the
    next eps and write tables from it."""
    real = T.count_regions

    def interrupted(*args, **kwargs):
        r = real(*args, **kwargs)
        r.status, r.complete = "interrupted", False
        return r

    monkeypatch.setattr(T, "count_regions", interrupted)
    with pytest.raises(KeyboardInterrupt, match="interrupted"):
        T.tolerance_study({"thin": thin_network()})


def test_markdown_table_with_different_grids():
    a_rows, a = T.study_network(thin_network(), "thin", eps_grid=(1e-4, 1e-8), max_margins=None)
    b_rows, b = T.study_network(_nets()[0], "a", eps_grid=(1e-4, 1e-6), max_margins=None)
    md = T.markdown_table(T.counts_frame(a_rows + b_rows), T.margins_frame([a, b]))
    assert md.count("n/a") == 4  # each network lacks one eps: a count and a 'margin <' cell
