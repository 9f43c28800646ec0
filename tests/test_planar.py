"""The exact planar (d = 2) and interval (d = 1) paths (linregions.planar) against independent
truth: brute force over all patterns, the LP search (lpenum.count_lp), dense sampling and the
geometry of the polygons, on random and degenerate networks."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import seeds

import linregions as lr
from linregions import planar
from linregions.certificate import brute_force_patterns
from linregions.lpenum import count_lp
from linregions.network import canonical
from linregions.options import CountOptions
from linregions.regions import pack_patterns, sort_packed, unpack_patterns

EPS = 1e-6


def _brute(net, lo, up, margin="both"):
    return sort_packed(pack_patterns(brute_force_patterns(net, lo, up, EPS, margin)))


def _planar(net, lo, up, margin="both", **kw):
    r = lr.count_regions(net, lo, up, method="lp", eps=EPS, margin=margin, return_patterns=True, **kw)
    assert r.path == ("planar" if net.n0 == 2 else "interval") and r.complete
    return r


def _net(rng, n0, widths, scale=1.0, bias=0.5):
    layers, prev = [], n0
    for w in widths:
        layers.append((scale * rng.normal(size=(w, prev)), scale * bias * rng.normal(size=w)))
        prev = w
    return lr.from_arrays(layers)


# Seeds 0-3 (n0 = 1 and 2, 1-3 layers, both margins) run in `make test-fast`; all 16 in `make test`.
@pytest.mark.parametrize("seed", seeds(16, 4))
def test_random_networks_match_brute_force_and_the_lp_search(seed):
    # Proves exactness on random networks with n0 in {1, 2}, 1-3 layers, both margins: the pattern
    # set equals brute force's (one certificate LP per pattern) and the LP search's.
    rng = np.random.default_rng(seed)
    n0 = 1 + seed % 2
    L = 1 + seed % 3
    widths = [int(w) for w in rng.integers(2, 7, L)]
    while sum(widths) > 10:
        widths[int(np.argmax(widths))] -= 1
    net = _net(rng, n0, widths)
    lo = float(rng.uniform(-2, 0))
    up = lo + float(rng.uniform(0.5, 3))
    margin = "both" if seed % 4 else "active"
    r = _planar(net, lo, up, margin)
    truth = _brute(net, lo, up, margin)
    assert np.array_equal(r.patterns, truth)
    lp = count_lp(canonical(net), lo, up, CountOptions(eps=EPS, margin=margin, return_patterns=True))
    assert np.array_equal(lp.patterns, truth)


def _degenerate(kind, rng):
    """2-input networks with the cases geometry gets wrong (see each branch)."""
    W1 = rng.normal(size=(6, 2))
    b1 = 0.3 * rng.normal(size=6)
    W2 = rng.normal(size=(3, 6))
    b2 = 0.3 * rng.normal(size=3)
    if kind == "one_point":  # every layer-1 line through the point p (inside the box)
        p = np.array([0.2, -0.1])
        b1 = -W1 @ p
    elif kind == "one_point_vertex":  # lines through a corner of the box: a vertex of the domain
        b1 = -W1 @ np.array([1.0, 1.0])
    elif kind == "parallel":  # parallel lines, some 2 eps apart, one at exactly the same place
        W1 = np.outer(rng.uniform(0.5, 2, 6), [1.0, 0.5])
        b1 = np.array([0.0, 0.1, -0.3, 0.3, 0.3, 0.3 + 2.5 * EPS]) * W1[:, 0]
    elif kind == "dead":  # dead and always-on units in both layers
        b1[0], b1[1] = -100.0, 100.0
        b2[0], b2[1] = -100.0, 100.0
    elif kind == "repeated":  # repeated rows in layer 1 and a layer-2 unit repeating another
        W1[1], b1[1] = W1[0], b1[0]
        W1[3], b1[3] = -W1[2], -b1[2]
        W2[1], b2[1] = W2[0], b2[0]
    elif kind == "zero_rows":  # constant units: zero rows, zero-bias units of one input
        W1[5] = 0.0
        W2[2] = 0.0
        W2[2, 0] = 1.0
        b2[2] = 0.0
        W2[1] = 0.0
        b2[1] = 0.5
    elif kind == "integer":  # integer weights: many exact ties and intersections at grid points
        W1 = rng.integers(-2, 3, (6, 2)).astype(float)
        b1 = rng.integers(-1, 2, 6).astype(float)
        W2 = rng.integers(-2, 3, (3, 6)).astype(float)
        b2 = rng.integers(-1, 2, 3).astype(float)
    elif kind == "tiny":  # weights of 1e-3: margins of 1e-6 are a visible fraction of the box
        W1, b1, W2, b2 = 1e-3 * W1, 1e-3 * b1, W2, 1e-3 * b2
    elif kind == "huge":  # weights of 1e6: lines almost where the units change at all
        W1, b1, W2, b2 = 1e6 * W1, 1e6 * b1, W2, 1e6 * b2
    return lr.from_arrays([(W1, b1), (W2, b2)])


KINDS = ["one_point", "one_point_vertex", "parallel", "dead", "repeated", "zero_rows", "integer", "tiny", "huge"]


# The geometric degeneracies run in `make test-fast`; the degenerate weights (dead units, repeated
# rows, integer, tiny and huge weights), which test_properties' fast 2-D checks also put through the
# planar path, and the one-sided margin run in `make test`.
GEOMETRIC = {"one_point", "one_point_vertex", "parallel", "zero_rows"}


@pytest.mark.parametrize("margin", ["both", pytest.param("active", marks=pytest.mark.slow)])
@pytest.mark.parametrize("kind", [k if k in GEOMETRIC else pytest.param(k, marks=pytest.mark.slow) for k in KINDS])
def test_degenerate_networks_match_brute_force(kind, margin):
    # Proves robustness: on degenerate 2-input networks (concurrent lines, lines through a domain
    # vertex, parallel and coincident lines, dead units, repeated rows, constant units, integer,
    # tiny and huge weights) the planar pattern set equals brute force's, for both margins; the
    # same holds for the 1-D restriction (the interval path) of each network.
    rng = np.random.default_rng(KINDS.index(kind))
    net = _degenerate(kind, rng)
    r = _planar(net, -1.0, 1.0, margin)
    assert np.array_equal(r.patterns, _brute(net, -1.0, 1.0, margin))
    (W1, b1), rest = net.layers[0], list(net.layers[1:])
    line = lr.from_arrays([(W1[:, :1] + 0.5 * W1[:, 1:], b1)] + rest)  # x = (s, s / 2)
    r1 = _planar(line, -1.0, 1.0, margin)
    assert np.array_equal(r1.patterns, _brute(line, -1.0, 1.0, margin))


def _grid_patterns(net, lo, up, n, d):
    """Packed patterns at the points of a dense grid where every non-constant unit has margin eps
    (those are regions by definition, so the exact count must contain every one of them)."""
    axes = [np.linspace(lo, up, n)] * d
    X = np.array(np.meshgrid(*axes)).reshape(d, -1).T
    Z = np.concatenate(net.preactivations(X), axis=1)
    ok = np.all(np.abs(Z) >= EPS, axis=1)
    return {bytes(p) for p in pack_patterns(Z[ok] > 0)}


@pytest.mark.parametrize("d,widths,n", [(2, [16, 16, 16], 500), (1, [24, 24, 24], 100000)])
def test_dense_sampling_finds_nothing_new(d, widths, n):
    # Proves completeness beyond brute force's reach: on 3-layer networks every pattern seen on a
    # dense grid (with its margin) is found, the count equals the LP search's exactly, and a few
    # sampled regions certify with the LP certificate.
    from linregions.certificate import certify

    rng = np.random.default_rng(11)
    net = _net(rng, d, widths, bias=0.8)
    r = _planar(net, -1.0, 1.0)
    found = {bytes(p) for p in r.patterns}
    seen = _grid_patterns(net, -1.0, 1.0, n, d)
    assert len(seen) > 30 and seen <= found
    lp = count_lp(canonical(net), -1.0, 1.0, CountOptions(eps=EPS, return_patterns=True))  # count_regions' definition
    assert np.array_equal(lp.patterns, r.patterns)
    P = unpack_patterns(r.patterns, net.n_units)
    for i in rng.choice(len(P), 10, replace=False):
        assert certify(net, P[i], -1.0, 1.0).certifies(EPS)


def _area(P):
    x, y = P[:, 0], P[:, 1]
    return 0.5 * abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))


def test_polygons_tile_the_domain_and_carry_their_patterns():
    # Proves the returned polygons: each is convex with its region's pattern at its centroid (and
    # every vertex has the margins up to rounding), and together they cover the domain polygon
    # up to the eps-wide strips around the lines.
    rng = np.random.default_rng(2)
    net = _net(rng, 2, [8, 8])
    A = np.array([[1.0, 1.0]])
    c = np.array([0.5])
    r = lr.count_regions(net, method="lp", eps=EPS, return_patterns=True, return_polygons=True,
                         domain=lr.polytope(A, c, -1.0, 1.0))
    assert len(r.polygons) == r.regions
    P = unpack_patterns(r.patterns, net.n_units)
    total = 0.0
    for poly, pat in zip(r.polygons, P):
        assert np.all(poly @ A.T <= c + 1e-12) and np.all(np.abs(poly) <= 1.0 + 1e-12)
        total += _area(poly)
        if _area(poly) > 1e-9:
            assert np.array_equal(net.patterns(poly.mean(axis=0)[None])[0], pat)
    domain_area = 4.0 - 0.5 * 1.5 * 1.5  # the square [-1, 1]^2 minus the corner x + y > 0.5
    assert total == pytest.approx(domain_area, rel=1e-4) and total < domain_area


def test_interval_polygons_are_the_intervals():
    # Proves 1-D output: the intervals are disjoint, ordered by position they cover [lo, up] up to
    # eps gaps, and the pattern at each midpoint is the interval's.
    rng = np.random.default_rng(3)
    net = _net(rng, 1, [6, 6])
    r = lr.count_regions(net, -2.0, 2.0, method="lp", return_patterns=True, return_polygons=True)
    ivs = np.array([[p.min(), p.max()] for p in r.polygons])
    order = np.argsort(ivs[:, 0])
    ivs, P = ivs[order], unpack_patterns(r.patterns, net.n_units)[order]
    assert ivs[0, 0] == -2.0 and ivs[-1, 1] == 2.0
    assert np.all(ivs[1:, 0] >= ivs[:-1, 1]) and np.all(ivs[1:, 0] - ivs[:-1, 1] < 1e-4)
    for (a, b), pat in zip(ivs, P):
        if b - a > 1e-9:
            assert np.array_equal(net.patterns(np.array([[0.5 * (a + b)]]))[0], pat)


def test_clip_polygon_degenerate_cases():
    # Proves the clipping primitive on a square: a cut through two vertices (a diagonal), a line
    # touching one vertex (a point survives), a line missing it (empty), a segment and a point.
    sq = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    tri = planar.clip_polygon(sq, 1.0, -1.0, 0.0, 1.0, 0.0)  # x - y >= 0
    assert len(tri) == 3 and _area(tri) == pytest.approx(0.5)
    pt = planar.clip_polygon(sq, 1.0, 1.0, -2.0, 1.0, 0.0)  # x + y >= 2: the corner (1, 1)
    assert np.array_equal(pt, [[1.0, 1.0]])
    assert len(planar.clip_polygon(sq, 1.0, 1.0, -2.5, 1.0, 0.0)) == 0
    seg = np.array([[0.0, 0.0], [2.0, 0.0]])
    half = planar.clip_polygon(seg, 1.0, 0.0, -1.0, 1.0, 0.0)  # x >= 1 on a segment
    assert {tuple(v) for v in half} == {(1.0, 0.0), (2.0, 0.0)}
    assert np.array_equal(planar.clip_polygon(np.array([[0.5, 0.5]]), 1.0, 0.0, 0.0, 1.0, 0.0), [[0.5, 0.5]])


def test_time_limit_gives_a_lower_bound(monkeypatch):
    # Proves a stopped planar count is a lower bound marked incomplete, with a subset of the regions.
    rng = np.random.default_rng(4)
    net = _net(rng, 2, [12, 12])
    full = _planar(net, -1.0, 1.0)
    monkeypatch.setattr(planar, "_BUDGET_STEPS", 5)
    r = lr.count_regions(net, -1.0, 1.0, method="lp", time_limit=0.0, return_patterns=True)
    assert not r.complete and r.status == "time_limit" and r.regions < full.regions
    assert {bytes(p) for p in r.patterns} <= {bytes(p) for p in full.patterns}


def test_buffers_grow_without_losing_regions(monkeypatch):
    # Proves the resumable kernel: a tiny output buffer (flushed many times) gives the same regions
    # and polygons as one large buffer.
    rng = np.random.default_rng(6)
    net = _net(rng, 2, [10, 10])
    full = lr.count_regions(net, -1.0, 1.0, method="lp", return_patterns=True, return_polygons=True)
    monkeypatch.setattr(planar, "_OUT_CAP", 3)
    small = lr.count_regions(net, -1.0, 1.0, method="lp", return_patterns=True, return_polygons=True)
    assert np.array_equal(full.patterns, small.patterns) and full.regions > 30
    assert all(np.array_equal(a, b) for a, b in zip(full.polygons, small.polygons))


def test_shard_and_checkpoint_run_the_lp_search():
    # Proves a box count asked to shard runs the LP search, whose shards sum to the planar count.
    rng = np.random.default_rng(8)
    net = _net(rng, 2, [6, 5])
    full = _planar(net, -1.0, 1.0)
    parts = [lr.count_regions(net, -1.0, 1.0, method="lp", shard=(i, 3)) for i in range(3)]
    assert all(p.path == "lp-x" for p in parts)  # 2 inputs < 6 units: the search in x
    assert sum(p.regions for p in parts) == full.regions


def _trained_2d_network(seed=0, widths=(12, 12, 8), steps=300):
    """A small MLP trained (full-batch Adam, torch) to separate two interleaved spirals in [-1, 1]^2."""
    import torch

    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)
    n = 400
    r = torch.rand(n, generator=g)
    cls = torch.arange(n) % 2
    ang = 3.0 * np.pi * r + np.pi * cls
    X = torch.stack([r * torch.cos(ang), r * torch.sin(ang)], dim=1) + 0.02 * torch.randn(n, 2, generator=g)
    mods, prev = [], 2
    for w in widths:
        mods += [torch.nn.Linear(prev, w), torch.nn.ReLU()]
        prev = w
    model = torch.nn.Sequential(*mods, torch.nn.Linear(prev, 2))
    opt = torch.optim.Adam(model.parameters(), lr=0.02)
    for _ in range(steps):
        loss = torch.nn.functional.cross_entropy(model(X), cls)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return lr.load_network(model)


def test_trained_network_matches_the_lp_search():
    # Proves the planar path on a trained network (2-12-12-8 fitted to two spirals): its pattern
    # set equals the LP search's on the box, and on a polytope (triangle) it equals the
    # restriction certified by brute-force-free means: every triangle region is a box region.
    net = _trained_2d_network()
    r = _planar(net, -1.0, 1.0)
    lp = count_lp(canonical(net), -1.0, 1.0, CountOptions(eps=EPS, return_patterns=True))
    assert r.regions > 40 and np.array_equal(r.patterns, lp.patterns)
    tri = lr.polytope(np.array([[-1.0, 0.0], [0.0, -1.0], [1.0, 1.0]]), np.array([0.5, 0.5, 0.2]), -1.0, 1.0)
    t = lr.count_regions(net, method="lp", domain=tri, return_patterns=True)
    assert 1 < t.regions < r.regions
    assert {bytes(p) for p in t.patterns} <= {bytes(p) for p in r.patterns}


def test_slice_of_a_wide_network_matches_the_lp_search_on_the_composed_box():
    # Proves the slice path end to end on a 100-input network: a plane patch well inside the box
    # reduces to a box in t, so the LP search on the composed network (an independent count)
    # must find exactly the planar path's regions.
    rng = np.random.default_rng(21)
    x0 = rng.uniform(0.45, 0.55, 100)
    V = np.clip(rng.normal(size=(100, 2)), -2.0, 2.0) * 0.1  # |V t| <= 0.4 on the t-box [-1, 1]^2
    (W1, _), *rest = _net(rng, 100, [20, 16, 12]).layers
    b1 = -W1 @ x0 + 0.5 * rng.normal(size=20) * np.abs(W1 @ V).sum(axis=1)  # lines across the patch
    net = lr.from_arrays([(W1, b1)] + rest)
    dom = lr.affine_slice(x0, V, -1.0, 1.0)
    red = dom.reduce(canonical(net))  # eps is a distance in x (the canonical form), then the slice
    assert red.is_box
    r = lr.count_regions(net, method="lp", domain=dom, return_patterns=True)
    lp = count_lp(red.net, -1.0, 1.0, CountOptions(eps=EPS, return_patterns=True))
    assert r.path == "planar" and r.regions > 20 and np.array_equal(r.patterns, lp.patterns)
