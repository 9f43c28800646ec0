"""Tests of method="estimate" (linregions.estimate): unbiasedness and coverage against closed-form and exact
counts, determinism for a seed, the exact answer on small trees and in 2-D, the record and how the tables
and figures show it, the estimator's check against a count, and the option checks."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
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


@pytest.mark.slow  # 5-8 s; in `make test-fast`, test_unbiased_on_a_random_network_counted_exactly covers the same ground
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


def test_the_interval_never_leaves_what_is_certain():
    # Proves the clipping: with few probes the t interval of a 8-7-1 network (194 regions by the exact lp count;
    # Theorem 1 allows 255) reaches past the bound and below the regions certified; the reported interval
    # lies between at least one region and the bound, and the bound is where it was cut.
    # Also proves that a samples limit smaller than two probes per stratum still gives every stratum its
    # variance (before, strata with one probe or none made zero-width intervals that missed the count).
    from linregions.bounds import theorem1

    net = _net(0, n0=8, widths=(7, 1))
    bound = theorem1(8, [7, 1])
    assert count_regions(net, -1.0, 1.0, method="lp", eps=EPS).regions == 194 and bound == 255
    res = [_est(net, seed=s, samples=3) for s in range(10)]
    for r in res:
        assert r.samples >= 2 * 4
        assert 1 <= r.interval[0] < r.interval[1] <= bound
    assert any(r.interval[1] == bound for r in res)


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


def test_an_estimate_is_never_shown_or_tabled_as_a_count(tmp_path):
    # Proves the labelling: the summary says estimate, the record carries interval and samples; the
    # tables mark it kind "estimate" with its interval and keep it out of every statistic of counts
    # (and out of the stopped counts' lower bounds), the split table gives the estimates' mean and
    # the range of their intervals, both figures draw it, and shards of an estimate do not sum.
    from linregions.figures import error_vs_regions, regions_per_split
    from linregions.tables import bounds_table, split_table

    r = _est(_net(7), samples=30)
    text = r.summary()
    assert text.startswith("estimated regions:") and "95% CI" in text and "not a count" in text
    d = r.to_dict()
    assert d["estimate"] is True and d["complete"] is False and len(d["interval"]) == 2 and d["samples"] == 30
    json.dumps(d)
    assert sum_shards([d]) == {**d, "shards": 1}  # one job estimated the whole network
    with pytest.raises(ValueError, match="estimate"):
        sum_shards([{**d, "shard": [0, 2]}, {**d, "shard": [1, 2]}])
    counted = count_regions(_net(8), -1.0, 1.0, eps=EPS).to_dict()
    meta = [{"n1": a, "n2": b, "seed": s, "train_error": 0.1, "test_error": 0.1} for a, b in ((3, 5), (5, 3))
            for s in (0, 1)]
    recs = [{"n1": 3, "n2": 5, "seed": s, **counted, "regions": counted["regions"] + s} for s in (0, 1)]
    recs += [{"n1": 5, "n2": 3, "seed": s, **d, "regions": d["regions"] + s,
              "interval": [d["interval"][0] + s, d["interval"][1] + 2 * s]} for s in (0, 1)]
    nets = network_table(meta, recs)
    est = nets[nets.n1 == 5]
    assert (est.kind == "estimate").all() and (nets[nets.n1 == 3].kind == "count").all()
    assert est.interval_low.tolist() == [d["interval"][0], d["interval"][0] + 1]
    assert nets[nets.n1 == 3].interval_low.isna().all()
    splits = split_table(nets, bounds_table(784, [(3, 5), (5, 3)])).set_index("n1")
    assert splits.loc[3, "complete"] == 2 and splits.loc[3, "estimated"] == 0
    assert splits.loc[5, "complete"] == 0 and pd.isna(splits.loc[5, "regions_mean"])
    assert pd.isna(splits.loc[5, "stopped_max"]) and splits.loc[5, "estimated"] == 2
    assert splits.loc[5, "estimate_mean"] == d["regions"] + 0.5
    assert splits.loc[5, "estimate_low"] == d["interval"][0] and splits.loc[5, "estimate_high"] == d["interval"][1] + 2
    drawn = regions_per_split(splits.reset_index(), tmp_path / "a.png", tmp_path / "a.pdf", tmp_path / "a.csv")
    assert drawn.set_index("n1").loc[5, "estimated"] == 2
    # Near Theorem 1's bound the unbiased estimates can exceed their intervals, which are clipped to it
    # (784-43-1 in the 44-unit study): figure (a) still draws.
    near = splits.reset_index()
    near.loc[near.n1 == 5, "estimate_mean"] = near.loc[near.n1 == 5, "estimate_high"] + 1
    regions_per_split(near, tmp_path / "c.png", tmp_path / "c.pdf", tmp_path / "c.csv")
    drawn = error_vs_regions(nets, tmp_path / "b.png", tmp_path / "b.pdf", tmp_path / "b.csv", faded_below=1)
    assert drawn.estimated.tolist() == [False, False, True, True]
    assert drawn.in_correlation.tolist() == [True, True, False, False]
    for name in ("a", "b"):
        assert (tmp_path / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_estimate_check_says_whether_the_interval_covers_the_count():
    # Proves rule estimate_check's comparison: the estimate of a counted network takes the count's box
    # and eps, and "covers" is true exactly when the count lies in the interval (a record whose count
    # is moved outside the interval is not covered; a stopped count is not compared).
    from linregions.crosscheck import estimate_check

    net = _net(3, n0=5, widths=(6, 6))
    exact = count_regions(net, -1.0, 1.0, eps=EPS).to_dict()
    rec = estimate_check(net, exact, time_limit=30, half_width=0.2, seed=0)
    low, high = rec["interval"]
    assert rec["primary_regions"] == exact["regions"] and rec["method"] == "estimate"
    assert rec["covers"] == (low <= exact["regions"] <= high)
    far = estimate_check(net, {**exact, "regions": int(high) + 1000}, time_limit=30, half_width=0.2, seed=0)
    assert far["interval"] == rec["interval"] and far["covers"] is False  # same seed, same estimate
    stopped = estimate_check(net, {**exact, "complete": False}, time_limit=30, half_width=0.2, seed=0)
    assert stopped["covers"] is None
    with pytest.raises(ValueError, match="is an estimate"):
        estimate_check(net, {**exact, "estimate": True})


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


def test_a_kept_corner_pool_changes_no_node_the_probes_find():
    """The probes' workers keep column generation's corners from one task to the next
    (``fresh_pool=False``). A corner only warm-starts an LP, so every task must emit the same
    certified patterns as on a worker that starts each task with an empty pool, while the pool
    really does carry over (else the option would be untested)."""
    from linregions import search as S
    from linregions.lpenum import _split, _Work

    for seed in range(3):
        net = _net(seed, n0=20, widths=(8, 7))
        lo, up = np.full(20, -1.0), np.full(20, 1.0)
        geo = S.make_geometry(net, lo, up, EPS)
        _, prefixes, wits, _ = _split(net, lo, up, EPS, "both", 24, geo)
        found = {}
        for fresh in (True, False):
            work = _Work(net, lo, up, EPS, "both", record=True, witnesses=False, geo=geo, fresh_pool=fresh)
            pats, carried = [], 0
            for p, w in zip(prefixes, wits):
                before = int(work.w.cg.pool[1])
                work.start(p, w, net.n_units)
                carried += int(work.w.cg.pool[1]) == before > 0
                while not work.step(10**9):
                    pass
                pats += work.chunks
            found[fresh] = np.concatenate(pats)
            assert (carried > 0) == (not fresh)
        assert len(found[True]) > 100
        assert np.array_equal(found[True], found[False])
