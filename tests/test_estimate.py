"""Tests of method="estimate" (linregions.estimate): unbiasedness and coverage against closed-form and exact
counts, determinism for a seed, the exact answer on small trees and in 2-D, the record and its refusal by
the tables, and the option checks."""

from __future__ import annotations

import json

import numpy as np
import pytest

from linregions import count_regions, from_arrays
from linregions.cli import main
from linregions.constructions import build
from linregions.regions import sum_shards
from linregions.tables import network_table

EPS = 1e-6


def _net(seed, n0=6, widths=(8, 8)):
    rng = np.random.default_rng(seed)
    layers, prev = [], n0
    for w in widths:
        layers.append((rng.normal(size=(w, prev)), 0.7 * rng.normal(size=w)))
        prev = w
    return from_arrays(layers)


def _est(net, lo=-1.0, up=1.0, **kw):
    kw.setdefault("strata", 4)
    kw.setdefault("exact_below", 2)
    return count_regions(net, lo, up, method="estimate", eps=EPS, **kw)


def _seeds_check(net, lo, up, exact, seeds, **kw):
    """Estimates for many seeds: their mean is within 4 standard errors of the exact count (a fair
    estimator fails this with probability < 1e-4), and the fraction of intervals covering it."""
    res = [_est(net, lo, up, seed=s, **kw) for s in seeds]
    vals = np.array([r.regions for r in res], float)
    se = vals.std(ddof=1) / np.sqrt(len(vals))
    assert abs(vals.mean() - exact) <= 4 * se + 1, (vals.mean(), exact, se)
    assert all(r.estimate and not r.complete and r.method == "estimate" for r in res)
    return np.mean([r.interval[0] <= exact <= r.interval[1] for r in res])


def test_unbiased_on_a_hyperplane_arrangement_in_closed_form():
    # Proves unbiasedness against an independent truth: Zaslavsky's count of 16 hyperplanes in general position
    # in 4-D, all meeting the box, is sum_{i<=4} C(16, i) = 2517 regions (constructions.py builds it).
    con = build("zaslavsky", n0=4, widths=[16])
    assert con.count == 2517
    _seeds_check(con.network, con.lower, con.upper, con.count, range(12), samples=40)


@pytest.mark.slow
def test_intervals_cover_the_closed_form_count():
    # Proves coverage against the closed form: of 30 seeds' 95 % intervals (200 probes each) at least 24
    # cover 2517 (a fair interval of 90 % coverage or more fails this with probability < 0.03).
    con = build("zaslavsky", n0=4, widths=[16])
    assert _seeds_check(con.network, con.lower, con.upper, con.count, range(30), samples=200) >= 0.8


def test_unbiased_on_a_random_network_counted_exactly():
    # Proves unbiasedness against the exact lp count of a random 6-8-8 network (12 seeds, 60 probes each).
    net = _net(1)
    exact = count_regions(net, -1.0, 1.0, method="lp", eps=EPS).regions
    assert exact > 200
    _seeds_check(net, -1.0, 1.0, exact, range(12), samples=60)


@pytest.mark.slow
def test_intervals_cover_exact_counts_of_random_networks():
    # Proves coverage against exact lp counts of two random 6-8-8 networks: of 25 seeds' 95 % intervals
    # (200 probes each) at least 20 cover the count, for each network.
    for seed in (1, 2):
        net = _net(seed)
        exact = count_regions(net, -1.0, 1.0, method="lp", eps=EPS).regions
        assert _seeds_check(net, -1.0, 1.0, exact, range(25), samples=200) >= 0.8


def test_learned_sides_and_task_sampling_are_unbiased_too():
    # Proves the other two variants (learned side probabilities, and whole tasks counted exactly) are unbiased,
    # and that sampling every task gives the exact count with a zero-width interval.
    net = _net(3)
    exact = count_regions(net, -1.0, 1.0, method="lp", eps=EPS).regions
    _seeds_check(net, -1.0, 1.0, exact, range(12), samples=60, learn=True)
    every = _est(net, scheme="tasks", strata=8, samples=10**6)
    assert every.regions == exact and every.interval == (exact, exact)
    _seeds_check(net, -1.0, 1.0, exact, range(12), scheme="tasks", strata=16, samples=4)


def test_same_seed_same_answer_and_the_samples_reproduce_it():
    # Proves determinism: the same seed and samples give the same estimate and interval, another seed differs.
    net = _net(4)
    a, b = _est(net, seed=7, samples=50), _est(net, seed=7, samples=50)
    assert (a.regions, a.interval, a.samples) == (b.regions, b.interval, b.samples)
    assert _est(net, seed=8, samples=50).regions != a.regions
    c = _est(net, seed=7, time_limit=0.5)  # a time limit decides only the number of probes
    assert _est(net, seed=7, samples=c.samples).interval == c.interval


def test_half_width_target_stops_the_estimate_with_that_width():
    # Proves the target stops the probes once the interval is that narrow (relative to the estimate).
    net = _net(5)
    r = _est(net, half_width=0.1)
    assert r.status == "half_width" and (r.interval[1] - r.interval[0]) / 2 <= 0.1 * r.regions + 1


def test_small_tree_and_planar_domain_give_the_exact_count():
    # Proves the honest exact answers: a tree enumerated by the split, and a 2-D domain (Montufar's construction,
    # 2 inputs, 3^2 * 4 = 36 regions by construction) counted by the planar path, are exact and say so.
    net = _net(6, n0=3, widths=(4,))
    exact = count_regions(net, -1.0, 1.0, method="lp", eps=EPS).regions
    r = _est(net, strata=1000, samples=10)
    assert r.complete and not r.estimate and r.regions == exact and r.interval == (exact, exact)
    con = build("montufar2014", n0=2, widths=[6, 4])
    p = count_regions(con.as_sequential(), con.lower, con.upper, method="estimate", time_limit=10)
    assert p.complete and not p.estimate and p.regions == con.count and p.path == "planar"
    assert p.interval == (con.count, con.count) and p.method == "estimate"


def test_an_estimate_is_never_shown_or_tabled_as_a_count():
    # Proves the labelling: the summary says estimate, the record carries interval and samples, and the
    # tables and the shard sum refuse it (so no figure can draw it as a count or a lower bound).
    r = _est(_net(7), samples=30)
    text = r.summary()
    assert text.startswith("estimated regions:") and "95% CI" in text and "not a count" in text
    d = r.to_dict()
    assert d["estimate"] is True and d["complete"] is False and len(d["interval"]) == 2 and d["samples"] == 30
    json.dumps(d)
    rec = {"n1": 8, "n2": 8, "seed": 0, **d}
    with pytest.raises(ValueError, match="is an estimate"):
        network_table([{"n1": 8, "n2": 8, "seed": 0, "train_error": 0.1, "test_error": 0.1}], [rec])
    with pytest.raises(ValueError, match="estimate"):
        sum_shards([d])


@pytest.mark.parametrize("kw, match", [
    (dict(half_width=0.0), "half_width must be"), (dict(half_width=1.0), "half_width must be"),
    (dict(half_width=-0.2), "half_width must be"), (dict(), "needs a limit"),
    (dict(time_limit=0), "time_limit must be"), (dict(samples=5, seed=-1), "seed must be"),
    (dict(samples=5, return_patterns=True), "no pattern set"), (dict(samples=5, bogus=1), "bogus"),
])
def test_bad_input_gives_one_clear_line(kw, match):
    # Proves the option checks: each bad value is refused with one line naming it.
    with pytest.raises(ValueError, match=match) as e:
        count_regions(_net(8), -1.0, 1.0, method="estimate", **kw)
    assert "\n" not in str(e.value)


def test_cli_estimate_prints_the_estimate_and_refuses_bad_width(tmp_path, capsys):
    # Proves the command line: the estimate is printed as such, and a bad --half-width is one error line.
    import torch

    from linregions.network import network_to_sequential

    model = tmp_path / "m.pt"
    torch.save(network_to_sequential(_net(9)), model)
    assert main(["count", str(model), "--lower", "-1", "--method", "estimate", "--time-limit", "0.5", "--seed", "3"]) == 0
    assert capsys.readouterr().out.startswith("estimated regions: ")
    assert main(["count", str(model), "--method", "estimate", "--half-width", "1.5"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "half_width" in err
