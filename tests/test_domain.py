"""Domains (linregions.domain): per-coordinate boxes, polytopes, slices and planes give the same
regions with every method, agree with independent counts built by hand, and bad domains fail
with one clear line."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from conftest import random_network, seeds

import linregions as lr
from linregions.certificate import brute_force_patterns
from linregions.cli import main as cli_main
from linregions.regions import pack_patterns, sort_packed

EPS = 1e-6


def _brute(net, lo, up, A=None, c=None, margin="both"):
    return sort_packed(pack_patterns(brute_force_patterns(net, lo, up, EPS, margin, A, c)))


def _count(net, method, margin="both", **kw):
    return lr.count_regions(net, method=method, eps=EPS, margin=margin, return_patterns=True, **kw)


def _rescaled(net, lo, up):
    """The network on u in [0, 1]^n0 with x = lo + (up - lo) u: the box becomes the unit cube."""
    (W1, b1), *rest = net.layers
    return lr.from_arrays([(W1 * (up - lo), b1 + W1 @ lo)] + list(rest))


@pytest.mark.parametrize("seed", range(6))
def test_per_coordinate_box_matches_the_rescaled_cube(seed):
    # Proves per-coordinate boxes: brute and milp on [lo, up] (vectors) give exactly the regions
    # that brute force finds for the hand-rescaled network on the unit cube (an independent count),
    # and method lp agrees on n0 <= 2 (the planar/interval path).
    rng = np.random.default_rng(seed)
    n0 = [1, 2, 3][seed % 3]
    net = random_network(rng, n0, [3, 3])
    lo = rng.uniform(-1.5, 0.0, n0)
    up = lo + rng.uniform(0.2, 2.0, n0)
    truth = _brute(_rescaled(net, lo, up), 0.0, 1.0)
    assert len(truth) > 1
    dom = lr.box(lo, up)
    for method in ("brute", "milp") + (("lp",) if n0 <= 2 else ()):
        r = _count(net, method, domain=dom)
        assert r.complete and np.array_equal(r.patterns, truth), method
        assert r.lower == pytest.approx(lo.min()) and r.upper == pytest.approx(up.max())
        assert r.domain["kind"] == "box" and r.domain["dim"] == n0
        assert r.domain["uniform_box"] == (n0 == 1)
    # lower/upper arrays without a Domain are the same box
    assert np.array_equal(_count(net, "brute", lower=lo, upper=up).patterns, truth)


def test_per_coordinate_box_lp_search():
    # Proves the LP search path (n0 > 2) on per-coordinate boxes against the rescaled cube.
    rng = np.random.default_rng(3)
    net = random_network(rng, 4, [4, 3])
    lo, up = rng.uniform(-1, 0, 4), rng.uniform(0.5, 1.5, 4)
    r = _count(net, "lp", domain=lr.box(lo, up))
    assert r.path.startswith("lp") and np.array_equal(r.patterns, _brute(_rescaled(net, lo, up), 0.0, 1.0))


def test_around_is_the_clipped_box():
    # Proves around(): [x - r, x + r] ∩ [lower, upper], per coordinate, and its count is the count
    # of that explicit box (brute on the explicit box is the independent truth).
    rng = np.random.default_rng(0)
    net = random_network(rng, 2, [4, 3])
    x = np.array([0.05, 0.7])
    dom = lr.around(x, 0.3)
    assert np.allclose(dom.lower, [0.0, 0.4]) and np.allclose(dom.upper, [0.35, 1.0])
    truth = _brute(net, np.array([0.0, 0.4]), np.array([0.35, 1.0]))
    for method in ("lp", "brute"):
        r = _count(net, method, domain=dom)
        assert np.array_equal(r.patterns, truth)
        assert r.domain["label"] == "around" and r.domain["radius"] == 0.3
    assert "radius 0.3 around a point" in r.summary()


@pytest.mark.parametrize("seed", range(5))
def test_polytope_all_methods_agree(seed):
    # Proves polytopes {A x <= c} in a box: brute (HiGHS certificates), milp (Gurobi) and lp (for
    # n0 = 2 the planar path, geometry and no LP; for n0 = 3 the LP search with the polytope's rows)
    # find the same pattern set, which differs from the whole box's (the constraints matter).
    rng = np.random.default_rng(100 + seed)
    n0 = 2 if seed < 3 else 3
    net = random_network(rng, n0, [4, 3])
    A = rng.normal(size=(3, n0))
    c = A @ np.full(n0, 0.1) + rng.uniform(0.05, 0.3, 3)  # contains the point (0.1, ...)
    dom = lr.polytope(A, c, -1.0, 1.0)
    truth = _brute(net, -1.0, 1.0, A, c)
    assert 1 < len(truth) < len(_brute(net, -1.0, 1.0))
    for method in ("milp", "lp"):
        r = _count(net, method, domain=dom)
        assert np.array_equal(r.patterns, truth), method
    assert r.domain["kind"] == "polytope" and r.domain["constraints"] == 3
    assert r.path == ("planar" if n0 == 2 else "lp-x")


def _composed(net, x0, V):
    (W1, b1), *rest = net.layers
    return lr.from_arrays([(W1 @ V, b1 + W1 @ x0)] + list(rest))


@pytest.mark.parametrize("k,seed", [(1, 0), (1, 1), (2, 2), (2, 3), (3, 4)])
def test_slice_is_the_composed_network_on_the_t_polytope(k, seed):
    # Proves slices: the regions on {x0 + V t} ∩ box are those of the composed network (built by
    # hand here) on the t-polytope {t : lower <= x0 + V t <= upper, t in the t-box}, counted by
    # brute force; brute, milp and lp on the Domain agree with it (for k <= 2 the planar/interval
    # path, for k = 3 the LP search with the slice's rows on t).
    rng = np.random.default_rng(seed)
    n0 = 5
    net = random_network(rng, n0, [4, 3])
    x0 = rng.uniform(0.3, 0.7, n0)
    V = rng.normal(size=(n0, k))
    tl, tu = np.full(k, -1.0), np.full(k, 2.0)
    A = np.vstack([V, -V])
    c = np.concatenate([1.0 - x0, x0])
    truth = _brute(_composed(net, x0, V), tl, tu, A, c)
    assert len(truth) > 1
    dom = lr.affine_slice(x0, V, tl, tu)
    for method in ("brute", "milp", "lp"):
        r = _count(net, method, domain=dom)
        assert np.array_equal(r.patterns, truth), method
        assert r.n0 == n0 and r.domain["dim"] == k and r.domain["kind"] == "slice"
    assert r.path == {1: "interval", 2: "planar", 3: "lp-x"}[k]


@pytest.mark.parametrize("seed", seeds(24, 8))
def test_lp_search_on_polytopes_matches_brute_force(seed):
    # Proves the LP search's polytope rows against brute force (HiGHS certificates with the same
    # rows), pattern set against pattern set, where it is easy to get wrong: polytopes that do
    # not contain the box centre (the search must start and re-centre inside the polytope), more
    # inputs than first-layer units (the polytope takes the x-space path even there), 1-3 hidden
    # layers, margin "active", two threads, and shards that partition the count.
    rng = np.random.default_rng(1000 + seed)
    n0 = int(rng.integers(3, 7))
    widths = [int(rng.integers(2, 6)) for _ in range(int(rng.integers(1, 4)))][:2 if seed % 3 else 3]
    net = random_network(rng, n0, widths)
    m = int(rng.integers(1, 6))
    A = rng.normal(size=(m, n0))
    p = rng.uniform(-0.9, 0.9, n0)
    c = A @ p + rng.uniform(0.02, 0.6, m)  # contains p, a point away from the centre
    margin = "active" if seed % 4 == 0 else "both"
    truth = _brute(net, -1.0, 1.0, A, c, margin=margin)
    dom = lr.polytope(A, c, -1.0, 1.0)
    r = _count(net, "lp", margin=margin, domain=dom, threads=1 + seed % 2)
    assert r.path == "lp-x" and r.complete and r.rejected == 0
    assert np.array_equal(r.patterns, truth)
    assert r.diagnostics["zeta_lps"] == 0 and r.diagnostics["columns"] == 0
    if seed % 6 == 0:
        parts = [_count(net, "lp", margin=margin, domain=dom, shard=(i, 3)) for i in range(3)]
        assert sum(q.regions for q in parts) == len(truth)
        assert np.array_equal(sort_packed(np.concatenate([q.patterns for q in parts])), truth)


@pytest.mark.slow  # 5-8 s; in `make test-fast`, test_lp_search_on_polytopes_matches_brute_force covers the same ground
def test_lp_search_on_a_polytope_away_from_the_box_centre():
    # Proves the search starts inside the polytope: a small simplex in a corner of the box, far
    # from the box centre, on a network whose first layer is wider than the input; the count is
    # brute force's and smaller than the box's.
    rng = np.random.default_rng(5)
    net = random_network(rng, 3, [6, 4])
    A = np.vstack([-np.eye(3), np.ones((1, 3))])
    c = np.array([-0.5, -0.5, -0.5, 2.0])  # x >= 0.5 in every coordinate, sum <= 2
    truth = _brute(net, -1.0, 1.0, A, c)
    r = _count(net, "lp", domain=lr.polytope(A, c, -1.0, 1.0))
    assert np.array_equal(r.patterns, truth) and 1 < len(truth) < len(_brute(net, -1.0, 1.0))


def test_a_flat_polytope_is_refused_by_the_lp_search_in_one_line():
    # Proves a polytope with no interior (here x0 = 0.3 written as two inequalities) stops the LP
    # search with one DomainError line that says how to count it (a slice), not a wrong count.
    net = random_network(np.random.default_rng(0), 3, [4])
    A = np.array([[1.0, 0.0, 0.0], [-1.0, 0.0, 0.0]])
    with pytest.raises(lr.DomainError) as info:
        lr.count_regions(net, domain=lr.polytope(A, np.array([0.3, -0.3]), -1.0, 1.0))
    assert "no interior point" in str(info.value) and "\n" not in str(info.value)


def test_estimate_on_a_polytope_probes_the_polytope():
    # Proves method "estimate" takes a polytope of dimension > 2, here the l1 ball of radius 0.6
    # around a point (16 rows): its 95 % interval (seeded) holds the exact lp count of the ball,
    # which is far below the box's count.
    rng = np.random.default_rng(7)
    net = random_network(rng, 4, [8, 8, 8])
    A = np.array(list(itertools.product([-1.0, 1.0], repeat=4)))
    c = A @ np.full(4, 0.2) + 0.6
    dom = lr.polytope(A, c, -1.0, 1.0)
    exact = lr.count_regions(net, domain=dom).regions
    e = lr.count_regions(net, domain=dom, method="estimate", samples=400, exact_below=2)
    assert e.estimate and e.path == "lp-x"
    assert e.interval[0] <= exact <= e.interval[1]
    assert exact < lr.count_regions(net, -1.0, 1.0).regions / 2


def test_slice_matches_x_space_equality_constraints():
    # Proves a 1-D slice on a generic network equals brute force in x space with the line written
    # as equalities (pairs of inequalities N^T x = N^T x0), an independent formulation.
    rng = np.random.default_rng(9)
    net = random_network(rng, 3, [4, 3])
    x0 = np.array([0.4, 0.5, 0.6])
    v = np.array([0.5, -0.3, 0.2])
    Nt = np.linalg.svd(v[None, :])[2][1:]  # the two directions orthogonal to v
    A = np.vstack([Nt, -Nt])
    c = np.concatenate([Nt @ x0, -(Nt @ x0)])
    truth = _brute(net, 0.0, 1.0, A, c)
    r = _count(net, "lp", domain=lr.affine_slice(x0, v))
    assert r.path == "interval" and len(truth) > 2 and np.array_equal(r.patterns, truth)


def test_plane_through_three_points():
    # Proves plane(a, b, c) = the slice a + t1 (b - a) + t2 (c - a), all of it inside the box;
    # lp (planar), brute and milp agree on a 6-input network, and the t-box cuts it to a triangle.
    rng = np.random.default_rng(4)
    net = random_network(rng, 6, [4, 3], bias_scale=1.0)
    a, b, c = rng.uniform(0, 1, (3, 6))
    dom = lr.plane(a, b, c)
    same = lr.affine_slice(a, np.stack([b - a, c - a], axis=1))
    ref = _count(net, "brute", domain=same).patterns
    for method in ("lp", "brute", "milp"):
        assert np.array_equal(_count(net, method, domain=dom).patterns, ref), method
    r = _count(net, "lp", domain=dom)
    assert r.domain["label"] == "plane" and "plane through three points" in r.summary()
    tri = lr.plane(a, b, c, t_lower=0.0, t_upper=1.0)
    inner = _count(net, "lp", domain=tri).patterns
    assert np.array_equal(inner, _count(net, "brute", domain=tri).patterns)
    assert {bytes(p) for p in inner} <= {bytes(p) for p in ref}


def test_slice_inside_the_box_reduces_to_a_box():
    # Proves the reduction drops constraints no point of the t-box can violate: a small slice
    # through the box centre is a plain box in t (so the LP search takes it in any dimension).
    net = random_network(np.random.default_rng(0), 4, [3])
    red = lr.affine_slice(np.full(4, 0.5), np.eye(4)[:, :3] * 0.1, -1.0, 1.0).reduce(net)
    assert red.is_box and red.dim == 3


BAD = {
    "wrong shape": (lambda: lr.box(np.zeros(3), np.ones(3)), "network has 2 inputs"),
    "lower > upper": (lambda: lr.box(np.array([0.0, 1.0]), np.array([1.0, 0.5])), "coordinate 1"),
    "scalar lower > upper": (lambda: lr.box(1.0, 0.0), "lower < upper"),
    "non-finite": (lambda: lr.box(np.array([0.0, -np.inf]), 1.0), "not finite"),
    "empty polytope": (lambda: lr.polytope(np.array([[1.0, 0.0]]), np.array([-0.5])), "is empty"),
    "rank": (lambda: lr.affine_slice(np.full(2, 0.5), np.array([[1.0, 2.0], [2.0, 4.0]])), "full column rank"),
    "collinear": (lambda: lr.plane(np.zeros(2), np.full(2, 0.5), np.ones(2)), "collinear"),
    "outside": (lambda: lr.plane(np.zeros(2), np.array([1.0, 0.0]), np.array([0.0, 1.5])), "point c is outside the box at coordinate 1"),
    "around outside": (lambda: lr.around(np.array([0.5, 2.0]), 0.1), "outside the box at coordinate 1"),
    "negative radius": (lambda: lr.around(np.array([0.5, 0.5]), -1.0), "radius"),
    "slice shape": (lambda: lr.affine_slice(np.full(3, 0.5), np.eye(3)[:, :1]), "network has 2 inputs"),
    "not a domain": (lambda: "box", "must be a linregions Domain"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_domains_fail_in_one_line(name):
    # Proves each bad domain stops with one DomainError line that names the problem.
    make, phrase = BAD[name]
    net = lr.from_arrays([(np.eye(2), np.zeros(2))])
    with pytest.raises(lr.DomainError) as info:
        lr.count_regions(net, method="brute", domain=make())
    msg = str(info.value)
    assert phrase in msg and "\n" not in msg
    assert isinstance(info.value, ValueError)


def test_domain_and_bounds_together_are_refused():
    net = lr.from_arrays([(np.eye(2), np.zeros(2))])
    with pytest.raises(lr.DomainError, match="not both"):
        lr.count_regions(net, lower=-1.0, method="brute", domain=lr.box())


def test_cli_domains(tmp_path, capsys):
    # Proves the CLI flags: --lower/--upper FILE.npy, --around X --radius R and --plane A B C count
    # what the API counts on the same Domain, and bad input is one line with exit code 2.
    rng = np.random.default_rng(5)
    net = random_network(rng, 3, [4, 3])
    model = tmp_path / "m.npz"
    np.savez(model, W1=net.layers[0][0], b1=net.layers[0][1], W2=net.layers[1][0], b2=net.layers[1][1])
    lo, up = np.array([0.0, 0.1, 0.2]), np.array([1.0, 0.9, 0.8])
    pts = rng.uniform(0.2, 0.8, (3, 3))
    for name, arr in {"lo": lo, "up": up, "a": pts[0], "b": pts[1], "c": pts[2]}.items():
        np.save(tmp_path / f"{name}.npy", arr)
    cases = [
        (["--lower", str(tmp_path / "lo.npy"), "--upper", str(tmp_path / "up.npy"), "--method", "brute"],
         lr.box(lo, up), "brute"),
        (["--around", str(tmp_path / "a.npy"), "--radius", "0.2", "--method", "brute"], lr.around(pts[0], 0.2), "brute"),
        (["--plane", *(str(tmp_path / f"{n}.npy") for n in "abc"), "--method", "lp"], lr.plane(*pts), "lp"),
    ]
    for flags, dom, method in cases:
        assert cli_main(["count", str(model), "--json", *flags]) == 0
        out = json.loads(capsys.readouterr().out)
        assert out["regions"] == lr.count_regions(net, method=method, domain=dom).regions > 1
        assert out["domain"]["label"] == dom.label
    assert out["path"] == "planar"
    assert cli_main(["count", str(model), "--plane", str(tmp_path / "a.npy"), str(tmp_path / "a.npy"),
                     str(tmp_path / "b.npy")]) == 2
    err = capsys.readouterr().err
    assert "collinear" in err and err.count("\n") == 1
    assert cli_main(["count", str(model), "--lower", str(tmp_path / "missing.npy")]) == 2
    err = capsys.readouterr().err
    assert "neither a number nor a readable .npy file" in err and err.count("\n") == 1
