"""Tests of method="lp" (linregions.lpenum, .search, .simplex): exactness against brute force, determinism across
threads and shards, checkpoint/resume, and the option checks."""

from __future__ import annotations

import itertools
import math
import time

import numpy as np
import pytest
from conftest import seeds

from linregions import count_regions, from_arrays
from linregions.certificate import brute_force_patterns
from linregions.regions import pack_patterns, sort_packed
from linregions.network import canonical
from linregions.options import CountOptions

EPS = 1e-6


def _brute(net, lo, up, margin="both"):
    return sort_packed(pack_patterns(brute_force_patterns(net, lo, up, EPS, margin)))


def _lp(net, lo, up, **kw):
    return count_regions(net, lo, up, method="lp", eps=EPS, return_patterns=True, **kw)


def _random_net(rng, n0, widths, degenerate):
    layers, prev = [], n0
    for l, w in enumerate(widths):
        W = rng.normal(size=(w, prev))
        b = rng.normal(size=w) * 0.7
        if degenerate:
            kind = rng.integers(0, 6)
            u = int(rng.integers(0, w))
            if kind == 0:  # a dead unit: inactive on the whole box
                b[u] = -100.0
            elif kind == 1:  # a unit active on the whole box
                b[u] = 100.0
            elif kind == 2 and w >= 2:  # a repeated row
                W[(u + 1) % w] = W[u]
                b[(u + 1) % w] = b[u]
            elif kind == 3:  # an all-zero weight row: a constant unit
                W[u] = 0.0
            elif kind == 4 and l >= 1:  # a zero-bias unit reading only one input: constant 0 when it is off
                W[u] = 0.0
                W[u, 0] = 1.0
                b[u] = 0.0
            elif kind == 5 and l >= 1 and prev >= 2:  # reads two copies with opposite weights
                W[u] = 0.0
                W[u, 0], W[u, 1] = 1.0, -1.0
                b[u] = 0.0
        layers.append((W, b))
        prev = w
    return from_arrays(layers)


def _cases(n, seed):
    rng = np.random.default_rng(seed)
    out = []
    for k in range(n):
        n0 = int(rng.choice([1, 2, 3, 10]))
        L = int(rng.integers(1, 4))
        total = int(rng.integers(2, 13))
        widths = [1] * L
        for _ in range(total - L):
            widths[int(rng.integers(0, L))] += 1
        net = _random_net(rng, n0, widths, degenerate=k % 2 == 1)
        lo = float(rng.uniform(-2.0, 0.5))
        up = lo + float(rng.uniform(0.3, 3.0))
        out.append((net, lo, up, "both" if k % 3 else "active"))
    return out


def _fast_case(c, _units=[n.n_units for n, *_ in _cases(56, 1234)]):
    """Every fourth case whose brute force takes about a second (at most 10 units, 1,024 LPs)."""
    return c % 4 == 0 and _units[c] <= 10


# The fast cases run in `make test-fast`; all 56 run in `make test` and CI.
@pytest.mark.parametrize("space", ["lp-x", "lp-zeta"])
@pytest.mark.parametrize("case", [c if _fast_case(c) else pytest.param(c, marks=pytest.mark.slow) for c in range(56)])
def test_matches_brute_force(case, space, monkeypatch, _cases_cache={}):
    # Proves exactness: the lp pattern set equals the brute-force certificate's on random and
    # degenerate networks (dead, always-on, repeated, zero-row and constant units), 1-3 layers,
    # n0 in {1, 2, 3, 10}, random boxes, both margins; in both spaces of the LP search, each
    # forced on every case (the search itself takes x when n0 < n1, zeta otherwise).
    from linregions import search as K

    if not _cases_cache:
        _cases_cache["c"] = _cases(56, 1234)
    net, lo, up, margin = _cases_cache["c"][case]
    monkeypatch.setattr(K, "lp_path", lambda _net, constrained=False: space)
    r = _lp(net, lo, up, margin=margin, shard=(0, 1))  # shard: the LP search also on 1-D and 2-D boxes
    if case not in _cases_cache:
        _cases_cache[case] = _brute(net, lo, up, margin)
    expect = _cases_cache[case]
    assert r.complete and r.status == "complete" and r.method == "lp" and r.path == space
    assert r.regions == len(expect) == len(r.patterns)
    assert np.array_equal(r.patterns, expect)


@pytest.mark.slow  # 8 s; in `make test-fast`, test_warmup_compiles_every_kernel_a_count_starts_with checks both choices
def test_the_lp_search_takes_the_smaller_space():
    # Proves the choice of space: x when the input has fewer coordinates than the first layer
    # (its LPs then decide every side, and no zeta LP runs), zeta otherwise; same count either way.
    rng = np.random.default_rng(5)
    for n0, n1, path in [(3, 6, "lp-x"), (6, 6, "lp-zeta"), (8, 5, "lp-zeta")]:
        net = _random_net(rng, n0, [n1, 4], degenerate=False)
        r = _lp(net, -1.0, 1.0)
        assert r.path == path and np.array_equal(r.patterns, _brute(net, -1.0, 1.0))
        d = r.diagnostics
        if path == "lp-x":
            assert d["x_lps"] > 0 and d["zeta_lps"] == d["columns"] == 0
        else:
            assert d["zeta_lps"] + d["columns"] > 0


def test_constant_zero_bias_unit_in_layer_two():
    # Proves the constant-unit rule: a zero-bias layer-2 unit whose only input is off is constant 0
    # (inactive, no margin asked), so those patterns are counted as brute force counts them.
    net = from_arrays([(np.array([[1.0], [-1.0]]), np.array([0.0, 0.3])),
                       (np.array([[1.0, 0.0], [0.0, 2.0]]), np.array([0.0, 0.0]))])
    for margin in ("both", "active"):
        r = _lp(net, -1.0, 1.0, margin=margin)
        assert np.array_equal(r.patterns, _brute(net, -1.0, 1.0, margin))


def test_mnist_sized_input_matches_brute_force():
    # Proves the kernel on n0 = 784 (the pixel box): a random 784-3-3 net equals brute force.
    rng = np.random.default_rng(7)
    net = from_arrays([(rng.normal(size=(3, 784)) * 0.05, rng.normal(size=3) * 0.5),
                       (rng.normal(size=(3, 3)), rng.normal(size=3) * 0.3)])
    r = _lp(net, 0.0, 1.0)
    assert r.regions > 1
    assert np.array_equal(r.patterns, _brute(net, 0.0, 1.0))


def _medium_net(seed=3):
    rng = np.random.default_rng(seed)
    return from_arrays([(rng.normal(size=(8, 6)), rng.normal(size=8)),
                        (rng.normal(size=(7, 8)), rng.normal(size=7))])


def test_threads_give_identical_results():
    # Proves determinism: count, pattern set and work counters do not depend on the number of threads.
    net = _medium_net()
    r1 = _lp(net, -1.0, 1.0, threads=1)
    r2 = _lp(net, -1.0, 1.0, threads=2)
    assert r1.regions == r2.regions > 100
    assert np.array_equal(r1.patterns, r2.patterns)
    # and so do the work counters: each task's search is the same on any thread
    assert (r1.nodes, r1.lps) == (r2.nodes, r2.lps) and r1.diagnostics == r2.diagnostics
    assert r1.diagnostics["x_lps"] > 0 and r1.to_dict()["diagnostics"] == r1.diagnostics


@pytest.mark.parametrize("k", [1, 2, 7])
def test_shards_partition_the_count(k):
    # Proves sharding: the k shards' counts sum to the full count and their pattern sets are
    # disjoint with union the full set.
    net = _medium_net()
    full = _lp(net, -1.0, 1.0)
    parts = [_lp(net, -1.0, 1.0, shard=(i, k)) for i in range(k)]
    assert sum(p.regions for p in parts) == full.regions
    union = sort_packed(np.concatenate([p.patterns for p in parts]))
    assert np.array_equal(union, full.patterns)  # equal as multisets, so disjoint
    assert all(p.shard == (i, k) for i, p in enumerate(parts))


def test_time_limit_checkpoint_resume(tmp_path):
    # Proves resumability: a count stopped by a tiny time limit is a lower bound, saves a
    # checkpoint, and calls with the same checkpoint end with the uninterrupted count and patterns.
    net = _medium_net(5)
    full = _lp(net, -1.0, 1.0)
    ck = tmp_path / "ck.npz"
    r = _lp(net, -1.0, 1.0, time_limit=0.0, checkpoint=str(ck))
    assert not r.complete and r.status == "time_limit" and r.regions <= full.regions
    assert ck.exists()
    # Each call first splits the tree into its tasks (about 40 ms of Python for this network), so a
    # call whose limit is shorter than that finishes no task; 0.2 s leaves every call some search.
    for _ in range(10000):
        r = _lp(net, -1.0, 1.0, time_limit=0.2, checkpoint=str(ck))
        assert r.regions <= full.regions
        if r.complete:
            break
    assert r.complete and r.regions == full.regions
    assert np.array_equal(r.patterns, full.patterns)
    assert not ck.exists()


def test_progress_is_called():
    # Proves the progress callback receives (regions, seconds, fraction) at least once at the end.
    seen = []
    net = _medium_net()
    r = count_regions(net, -1.0, 1.0, method="lp", progress=lambda *a: seen.append(a))
    assert seen and seen[-1][0] == r.regions and seen[-1][2] == 1.0


def test_zaslavsky_lines_in_general_position():
    # Proves the count on a case with a closed form: m lines in general position in 2D with all
    # intersections inside the box cut it into sum_{j<=2} C(m, j) regions, which is <= 2^m.
    rng = np.random.default_rng(11)
    m, r0 = 9, 0.3
    step = (2 * np.pi / 3) / m  # spread directions, jittered: no parallel lines
    theta = (np.arange(m) + 0.5 + rng.uniform(-0.25, 0.25, m)) * step
    assert np.min(np.diff(theta)) > 0.4 * step
    W = np.stack([np.cos(theta), np.sin(theta)], axis=1)  # lines tangent to the circle of radius r0
    b = np.full(m, -r0)
    pts = []
    for i, j in itertools.combinations(range(m), 2):
        p = np.linalg.solve(W[[i, j]], -b[[i, j]])
        assert np.all(np.abs(p) < 0.9)  # every intersection inside [-1, 1]^2
        pts.append(p)
    pts = np.array(pts)
    for p in pts:  # general position: no third line through an intersection point
        assert np.sum(np.abs(W @ p + b) < 1e-3) == 2
    expect = sum(math.comb(m, j) for j in range(3))
    res = count_regions(from_arrays([(W, b)]), -1.0, 1.0, method="lp")
    assert res.regions == expect <= 2**m


def test_beyond_licence_size_net_counts():
    # Proves lp has no size limit of its own: a 784-40-40 net (above the Gurobi size licence),
    # mostly dead units so it is fast, counts completely and agrees with its live sub-network.
    rng = np.random.default_rng(5)
    W1 = rng.normal(size=(40, 784)) * 0.05
    b1 = np.full(40, -100.0)
    b1[:3] = rng.normal(size=3) * 0.3
    W2 = rng.normal(size=(40, 40))
    b2 = np.full(40, -100.0)
    b2[:3] = rng.normal(size=3) * 0.3
    W2[:, 3:] = 0.0
    r = count_regions(from_arrays([(W1, b1), (W2, b2)]), 0.0, 1.0, method="lp")
    live = from_arrays([(W1[:3], b1[:3]), (W2[:3, :3], b2[:3])])
    assert r.complete and r.regions == len(_brute(live, 0.0, 1.0)) > 1


@pytest.mark.parametrize("bad, match", [
    (dict(shard=(2, 2)), "shard"), (dict(shard=(-1, 3)), "shard"), (dict(shard="x"), "shard"),
    (dict(progress=3), "progress"), (dict(checkpoint=12), "checkpoint"),
    (dict(time_limit=-1), "time_limit"), (dict(bogus=1), "bogus"),
])
def test_bad_options_are_rejected(bad, match):
    # Proves that invalid options stop with one ValueError naming the bad value.
    net = _medium_net()
    with pytest.raises(ValueError, match=match):
        count_regions(net, -1.0, 1.0, method="lp", **bad)


@pytest.mark.parametrize("method", ["lp", "milp", "brute", "estimate"])
@pytest.mark.parametrize("bad, match", [
    (dict(threads=0), "threads"), (dict(threads=True), "threads"), (dict(threads=1.5), "threads"),
    (dict(time_limit=-1), "time_limit"), (dict(time_limit="soon"), "time_limit"),
    (dict(eps=0.0), "eps"), (dict(eps=float("nan")), "eps"),
    (dict(margin="some"), "margin"), (dict(scale="log"), "scale"),
])
def test_shared_options_are_checked_once_for_every_method(method, bad, match):
    # Proves that CountOptions checks the options every method shares before any method runs:
    # the same bad value stops lp, milp, brute and estimate with a ValueError naming it (a
    # method that skipped the check would count, or fail later with another error). Also checks
    # the object itself normalises what it accepts.
    from linregions.options import CountOptions

    net = from_arrays([(np.array([[1.0, -1.0], [0.5, 2.0]]), np.array([0.1, -0.2]))])
    with pytest.raises(ValueError, match=match):
        count_regions(net, -1.0, 1.0, method=method, **bad)
    ok = CountOptions(eps=1, threads=np.int64(2), time_limit=3, return_patterns=1)
    assert (ok.eps, ok.threads, ok.time_limit, ok.return_patterns) == (1.0, 2, 3.0, True)
    assert type(ok.eps) is float and type(ok.threads) is int


def _exact_counters(net, lo, up, margin):
    """Asserts that the lp pattern set equals brute force, then searches the whole tree once more
    in one task and returns the kernel's counters (which path decided how many sides)."""
    from linregions import lpenum
    from linregions import search as K

    r = _lp(net, lo, up, margin=margin)
    assert np.array_equal(r.patterns, _brute(net, lo, up, margin))
    work = lpenum._Work(net, lo, up, EPS, margin, record=False, witnesses=False)
    work.start(np.zeros(0, dtype=np.int8), np.full(net.n0, 0.5 * (lo + up)), net.n_units)
    while not work.step():
        pass
    assert work.ist[K.I_COUNT] == r.regions
    return work.ist


@pytest.mark.slow
def test_x_space_lp_path_matches_brute_force(monkeypatch):
    # Proves the third way a side is decided: with column generation capped at one new box corner
    # per side, the sides it leaves undecided go to the dual simplex in x space. The pattern sets
    # still equal brute force, and that path was taken (its counter is positive), so this test
    # fails if the x-space LP is wrong or never reached.
    from linregions import search as K

    monkeypatch.setattr(K, "DW_COLUMNS", 1)
    xlps = 0
    for net, lo, up, margin in _cases(56, 1234)[::4]:
        xlps += int(_exact_counters(net, lo, up, margin)[K.I_XLP])
    assert xlps > 0


@pytest.mark.parametrize("big", [False, pytest.param(True, marks=pytest.mark.slow)])
def test_layer1_hub_path_matches_brute_force(big):
    # Proves the fourth way a side is decided: on networks whose first-layer hyperplanes meet inside
    # the box (independent rows, n1 <= n0 = 10), layer-1 sides are settled by the hub's candidate
    # points, without an LP. The pattern sets still equal brute force (1-3 layers, random boxes,
    # both margins) and the hub settled sides (its counter is positive), so this test fails if a
    # candidate were accepted wrongly or the path were never taken. The networks of more than 10
    # units (brute force over 2^11 patterns and more) run only in `make test`.
    from linregions import search as K

    rng = np.random.default_rng(77)
    hubs = 0
    for k in range(12):
        widths = [int(rng.integers(2, 7))] + [int(rng.integers(1, 4)) for _ in range(int(rng.integers(0, 3)))]
        net = _random_net(rng, 10, widths, degenerate=False)
        lo = float(rng.uniform(-2.0, 0.5))
        up = lo + float(rng.uniform(0.3, 3.0))
        if (net.n_units > 10) != big:
            continue
        margin = "both" if k % 3 else "active"
        hubs += int(_exact_counters(net, lo, up, margin)[K.I_HUB])  # asserts the pattern sets
    assert big or hubs > 0  # the hub settles sides of the small ones (the one big network has n1 = 6 but no hub side)


def test_hub_point_lies_on_every_layer1_hyperplane_inside_the_box():
    # Proves the hub's contract by direct evaluation: W1 x0 + b1 = 0, and for any s in
    # {-1, 0, 1}^n1 the point x0 + tau pinv(W1) s lies in the box with layer-1 pre-activations
    # tau * s, so it is a point of the cell s. With a repeated first-layer row there is no hub.
    from linregions import search as K

    rng = np.random.default_rng(3)
    W1, b1 = rng.normal(size=(5, 12)), 0.3 * rng.normal(size=5)
    P1T, x0, tau = K.hub(W1, b1, np.full(12, -1.0), np.full(12, 1.0), EPS)
    assert tau > 10 * EPS
    assert np.abs(W1 @ x0 + b1).max() < 1e-9
    for _ in range(200):
        s = rng.integers(-1, 2, size=5)
        x = x0 + tau * (P1T.T @ s)
        assert x.min() >= -1.0 and x.max() <= 1.0
        assert np.allclose(W1 @ x + b1, tau * s, rtol=0.0, atol=1e-9)
    assert K.hub(np.vstack([W1, W1[:1]]), np.append(b1, b1[0]), np.full(12, -1.0), np.full(12, 1.0), EPS)[2] == 0.0


def test_resumed_count_reports_the_time_of_the_runs_it_resumes(tmp_path):
    # Proves that seconds add up over a resume, like regions and LPs: the resumed result's seconds
    # include the stopped run's 0.3 s. If they were the last call's alone, they would fall short of
    # r1.seconds + 0.9 * (wall time of the last call) by about 0.3 s minus a tenth of that call.
    rng = np.random.default_rng(5)
    net = from_arrays([(rng.normal(size=(16, 6)), rng.normal(size=16)),  # ~2 s to count
                       (rng.normal(size=(14, 16)), rng.normal(size=14))])
    full = count_regions(net, -1.0, 1.0, method="lp")
    ck = tmp_path / "ck.npz"
    r1 = count_regions(net, -1.0, 1.0, method="lp", time_limit=0.3, checkpoint=str(ck))
    assert not r1.complete and r1.seconds >= 0.3
    t = time.perf_counter()
    r2 = count_regions(net, -1.0, 1.0, method="lp", checkpoint=str(ck))
    wall = time.perf_counter() - t
    assert r2.complete and r2.regions == full.regions
    assert r2.seconds >= r1.seconds + 0.9 * wall - 0.05


def _coordinate_boxes(rng, n0):
    """A per-coordinate box: each coordinate's interval is thin (1e-4 wide), ordinary or wide."""
    lo = rng.uniform(-2.0, 0.5, size=n0)
    width = rng.choice([1e-4, 0.3, 1.0, 5.0], size=n0) * rng.uniform(0.8, 1.2, size=n0)
    return lo, lo + width


@pytest.mark.parametrize("case", seeds(16, 8))
def test_per_coordinate_box_matches_brute_force(case):
    # Proves per-coordinate boxes end to end: on random (and degenerate) networks of several
    # shapes, with intervals that differ by coordinate (some 1e-4 thin, some 5 wide), the lp
    # pattern set equals the brute-force certificate's on the same box, for both margins.
    from linregions.lpenum import count_lp

    rng = np.random.default_rng(900 + case)
    n0 = int(rng.choice([1, 2, 3, 5, 10]))
    widths = [int(rng.integers(2, 7))] + [int(rng.integers(1, 5)) for _ in range(int(rng.integers(0, 3)))]
    net = _random_net(rng, n0, widths, degenerate=case % 2 == 1)
    lo, up = _coordinate_boxes(rng, n0)
    margin = "both" if case % 3 else "active"
    r = count_lp(canonical(net), lo, up, CountOptions(eps=EPS, margin=margin, return_patterns=True))  # brute's definition
    expect = _brute(net, lo, up, margin)
    assert r.complete and r.regions == len(expect)
    assert np.array_equal(r.patterns, expect)
    assert r.lower == lo.min() and r.upper == up.max()


@pytest.mark.slow  # 5-8 s; in `make test-fast`, test_per_coordinate_box_matches_brute_force covers the same ground
def test_per_coordinate_box_on_mnist_sized_input():
    # Proves the per-coordinate box at n0 = 784 (column generation's corners, the zonotope's
    # bounding box and the hub all take the arrays): pixels fixed to thin intervals around random
    # values, others free in [0, 1]; the pattern set equals brute force.
    from linregions.lpenum import count_lp

    rng = np.random.default_rng(17)
    net = from_arrays([(rng.normal(size=(4, 784)) * 0.05, rng.normal(size=4) * 0.5),
                       (rng.normal(size=(3, 4)), rng.normal(size=3) * 0.3)])
    lo, up = np.zeros(784), np.ones(784)
    fixed = rng.random(784) < 0.7
    lo[fixed] = rng.random(int(fixed.sum())) * 0.99
    up[fixed] = lo[fixed] + 1e-3
    r = count_lp(canonical(net), lo, up, CountOptions(eps=EPS, return_patterns=True))  # brute's definition
    expect = _brute(net, lo, up)
    assert r.regions > 1 and np.array_equal(r.patterns, expect)


def test_axis_aligned_units_count_per_coordinate_box_in_closed_form():
    # Proves that both counters honour each coordinate's own interval, against a closed form:
    # units x_j - t (axis-aligned hyperplanes) cut the box into prod_j (1 + the thresholds strictly
    # inside coordinate j's interval) cells. The box of the extreme bounds gives another count.
    from linregions.lpenum import count_lp

    lo = np.array([0.0, -1.0, 2.0, 0.0])
    up = np.array([1.0, 0.0, 3.0, 0.5])
    units = [(0, 0.5), (0, 1.5), (1, -0.5), (1, 0.5), (2, 2.2), (2, 2.7), (2, 1.0), (3, 0.25), (3, 0.75)]
    W = np.zeros((len(units), 4))
    b = np.zeros(len(units))
    for i, (j, t) in enumerate(units):
        W[i, j], b[i] = 1.0, -t

    def cells(lo, up):
        return math.prod(1 + sum(lo[j] < t < up[j] for jj, t in units if jj == j) for j in range(4))

    net = from_arrays([(W, b)])
    assert cells(lo, up) == 2 * 2 * 3 * 2
    r = count_lp(net, lo, up, CountOptions(eps=EPS))
    assert r.regions == cells(lo, up) == len(brute_force_patterns(net, lo, up, EPS))
    wide = count_lp(net, lo.min(), up.max(), CountOptions(eps=EPS))
    assert wide.regions == cells(np.full(4, -1.0), np.full(4, 3.0)) == 3 * 3 * 4 * 3


@pytest.mark.parametrize("case", [0, 3, 8, 13, 21, 34])
def test_uniform_array_box_equals_scalar_box(case):
    # Proves that arrays broadcast from scalars change nothing: the same pattern set, and the same
    # search (nodes and LPs), as the scalar box.
    from linregions.lpenum import count_lp

    net, lo, up, margin = _cases(56, 1234)[case]
    a = count_lp(net, lo, up, CountOptions(eps=EPS, margin=margin, return_patterns=True))
    b = count_lp(net, np.full(net.n0, lo), np.full(net.n0, up),
                 CountOptions(eps=EPS, margin=margin, return_patterns=True))
    assert a.regions == b.regions and np.array_equal(a.patterns, b.patterns)
    assert (a.nodes, a.lps) == (b.nodes, b.lps)
    assert (b.lower, b.upper) == (lo, up)


@pytest.mark.parametrize("lower, upper, match", [
    (np.zeros(3), np.ones(2), "upper has shape"),
    (np.array([0.0, 1.0, 0.0]), np.ones(3), "coordinate 1"),
    (np.zeros(3), np.array([1.0, np.inf, 1.0]), "not finite at coordinate 1"),
])
def test_bad_per_coordinate_box_is_rejected(lower, upper, match):
    # Proves the box check: a wrong shape, an empty interval or an infinite bound stops with one
    # ValueError naming the bad coordinate.
    from linregions.lpenum import count_lp

    with pytest.raises(ValueError, match=match):
        count_lp(from_arrays([(np.ones((2, 3)), np.zeros(2))]), lower, upper, CountOptions(eps=EPS))


def _long_task_net():
    """A random 8-10-10 network (30,936 regions, about 2 s) whose 256+ tasks take ms each: a 0.3 s call
    finishes some tasks and stops inside another (a task longer than a call would restart every call)."""
    rng = np.random.default_rng(11)
    return from_arrays([(rng.normal(size=(10, 8)), rng.normal(size=10)),
                        (rng.normal(size=(10, 10)), rng.normal(size=10))])


@pytest.mark.slow
def test_stopped_count_keeps_the_regions_of_unfinished_tasks_and_resumes_exactly(tmp_path, monkeypatch):
    # Proves issue 16 item 1: a stopped count's regions are exactly its distinct certified patterns, all of
    # them true regions (in the uninterrupted count's set), including those of the tasks it stopped inside
    # (the checkpoint's partial records); resumed again and again, the lower bound never falls and ends at
    # the uninterrupted count and pattern set, so no region was counted twice.
    import linregions.lpenum as L

    monkeypatch.setattr(L, "_BUDGET", 20)  # return to Python every 20 nodes, so that calls stop inside tasks
    net = _long_task_net()
    full = _lp(net, -1.0, 1.0)
    truth = {row.tobytes() for row in full.patterns}
    ck = tmp_path / "ck.npz"
    last, saw_partial = 0, False
    for _ in range(200):
        r = _lp(net, -1.0, 1.0, time_limit=0.3, checkpoint=str(ck))
        assert r.regions >= last
        last = r.regions
        if r.complete:
            break
        rows = {row.tobytes() for row in r.patterns}
        assert len(rows) == len(r.patterns) == r.regions and rows <= truth
        assert r.estimated_total is not None and r.estimated_total >= r.regions
        with np.load(ck) as z:
            assert r.regions == z["counts"].sum() + z["partial_counts"].sum()
            saw_partial |= z["partial_counts"].sum() > 0
    assert saw_partial
    assert r.complete and r.regions == full.regions and np.array_equal(r.patterns, full.patterns)
    assert r.estimated_total is None and not ck.exists()


@pytest.mark.slow
def test_stopped_count_without_patterns_counts_its_unfinished_task(tmp_path, monkeypatch):
    # Proves the case at small scale: a call stopped before any task finished still reports the
    # regions its running task certified (a lower bound above 0), and resuming reaches the exact count.
    import linregions.lpenum as L

    monkeypatch.setattr(L, "_BUDGET", 20)
    net = _long_task_net()
    ck = tmp_path / "ck.npz"
    r = count_regions(net, -1.0, 1.0, method="lp", eps=EPS, time_limit=0.1, checkpoint=str(ck))
    with np.load(ck) as z:
        assert r.regions == z["counts"].sum() + z["partial_counts"].sum() > 0 and z["partial_counts"].sum() > 0
    assert not r.complete and "rough estimate (not a count)" in r.summary()
    full = count_regions(net, -1.0, 1.0, method="lp", eps=EPS)
    again = count_regions(net, -1.0, 1.0, method="lp", eps=EPS, checkpoint=str(ck))
    assert again.complete and again.regions == full.regions


def test_checkpoint_of_another_version_is_refused_with_one_line(tmp_path, monkeypatch):
    # Proves issue 15 item 5: a checkpoint records the library version, and a resume by another version is
    # refused with one line naming both versions (instead of mixing two versions' counts).
    import linregions.lpenum as L

    net = _medium_net()
    ck = tmp_path / "ck.npz"
    r = count_regions(net, -1.0, 1.0, method="lp", eps=EPS, time_limit=0.0, checkpoint=str(ck))
    assert not r.complete and ck.exists()
    monkeypatch.setattr(L, "__version__", "99.0")
    with pytest.raises(ValueError, match="written by linregions .* this is linregions 99.0") as e:
        count_regions(net, -1.0, 1.0, method="lp", eps=EPS, checkpoint=str(ck))
    assert "\n" not in str(e.value)
