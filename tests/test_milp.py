"""The MILP counter against independent truth: brute force over all 2^N patterns, Zaslavsky's count."""

import itertools
import json
import math
import subprocess
import sys

import numpy as np
import pytest
from conftest import brute_patterns, random_network, seeds

import linregions as lr
from linregions.milp import LicenceError, check_licence, licence_size_limit


def degenerate_network(rng, kind):
    """Networks with the cases tolerances get wrong: dead, always-on, repeated and zero rows."""
    W1 = rng.normal(size=(4, 2))
    b1 = 0.3 * rng.normal(size=4)
    if kind == "dead":
        b1[0] = -50.0  # inactive on the whole box
    elif kind == "always_on":
        b1[1] = 50.0  # active on the whole box
    elif kind == "repeated":
        W1[2], b1[2] = W1[1], b1[1]  # two units share one hyperplane
    elif kind == "opposite":
        W1[2], b1[2] = -W1[1], -b1[1]  # a folding pair: t and -t
    elif kind == "zero_row":
        W1[3] = 0.0  # constant unit everywhere: its state is the sign of its bias
    W2 = rng.normal(size=(3, 4))
    b2 = 0.3 * rng.normal(size=3)
    return lr.from_arrays([(W1, b1), (W2, b2)])




@pytest.mark.parametrize("seed", seeds(24, 8))
def test_milp_equals_brute_force_on_random_networks(seed):
    # The pattern sets of the MILP and of brute force (all 2^N patterns through the certificate)
    # are identical, on random networks with 1-3 layers, n0 in {1, 2, 3} and random boxes.
    rng = np.random.default_rng(seed)
    n0 = int(rng.integers(1, 4))
    L = int(rng.integers(1, 4))
    widths = [int(w) for w in rng.integers(1, 5, size=L)]
    if sum(widths) > 9:
        widths = widths[:2]
    net = random_network(rng, n0, widths)
    lo = float(rng.uniform(-2, 0))
    up = lo + float(rng.uniform(0.5, 3))
    margin = "both" if seed % 3 else "active"
    res = lr.count_regions(net, lo, up, method="milp", margin=margin, return_patterns=True)
    assert res.complete and res.status == "complete"
    truth = brute_patterns(net, lo, up, margin)
    assert res.regions == len(truth)
    assert np.array_equal(res.patterns, truth)


@pytest.mark.parametrize("kind", ["dead", "always_on", "repeated", "opposite", "zero_row"])
@pytest.mark.parametrize("margin", ["both", "active"])
def test_milp_equals_brute_force_on_degenerate_networks(kind, margin):
    # Degenerate units (dead, always active, shared or opposite hyperplanes, all-zero rows) are
    # where big-M values and tolerances go wrong; the MILP must still match brute force.
    net = degenerate_network(np.random.default_rng(7), kind)
    res = lr.count_regions(net, -1, 1, method="milp", margin=margin, return_patterns=True)
    assert np.array_equal(res.patterns, brute_patterns(net, -1, 1, margin))


def test_one_sided_margin_overcounts_a_shared_hyperplane():
    # With t and -t (a folding pair), the two-sided definition sees 2 regions on [-1, 1]; the
    # paper's one-sided one also counts the point t = 0 where both units are inactive.
    net = lr.from_arrays([(np.array([[1.0], [-1.0]]), np.zeros(2))])
    assert lr.count_regions(net, -1, 1, method="milp").regions == 2
    assert lr.count_regions(net, -1, 1, method="milp", margin="active").regions == 3


def general_position_arrangement(rng, n0, m, radius=0.1):
    """m hyperplanes tangent to a small sphere: all n0-fold intersections lie near the centre."""
    if n0 == 1:  # m distinct points of the line, with random orientations
        t = rng.permutation(np.linspace(-0.8, 0.8, m))
        w = rng.choice([-1.0, 1.0], size=m)
        return lr.from_arrays([(w[:, None], -w * t)])
    for _ in range(1000):
        normals = rng.normal(size=(m, n0))
        normals /= np.linalg.norm(normals, axis=1, keepdims=True)
        normals[:, 0] = np.abs(normals[:, 0]) + 0.3  # keep normals in a cone: no near-parallel pairs
        normals /= np.linalg.norm(normals, axis=1, keepdims=True)
        W, b = normals, -radius * np.ones(m)
        points = []
        ok = True
        for S in itertools.combinations(range(m), n0):
            M = W[list(S)]
            if abs(np.linalg.det(M)) < 1e-3:
                ok = False
                break
            points.append(np.linalg.solve(M, -b[list(S)]))
        if not ok:
            continue
        points = np.array(points)
        # Independent check of the premise: every intersection is inside [-1, 1]^n0, and no
        # n0 + 1 hyperplanes meet in a point (general position).
        if np.abs(points).max() < 0.95 and all(
            np.abs(W[k] @ p + b[k]).min() > 1e-6 for p, S in zip(points, itertools.combinations(range(m), n0))
            for k in set(range(m)) - set(S)
        ):
            return lr.from_arrays([(W, b)])
    raise RuntimeError("no arrangement in general position found")


@pytest.mark.parametrize("n0, m", [(1, 5), (2, 6), (2, 9), (3, 6)])
def test_zaslavsky_arrangements(n0, m):
    # One layer of m hyperplanes in general position with all intersections inside the box has
    # exactly sum_{j<=n0} C(m, j) regions (Zaslavsky 1975).
    net = general_position_arrangement(np.random.default_rng(n0 * 100 + m), n0, m)
    expected = sum(math.comb(m, j) for j in range(n0 + 1))
    assert lr.count_regions(net, -1, 1, method="milp").regions == expected


def test_mnist_sized_input():
    # n0 = 784 as in the experiment: a random 784-3-3 network against brute force.
    rng = np.random.default_rng(3)
    net = random_network(rng, 784, (3, 3), bias_scale=1.0)
    net = lr.from_arrays([(W / 20, b) for W, b in net.layers])
    res = lr.count_regions(net, 0, 1, method="milp", return_patterns=True)
    assert np.array_equal(res.patterns, brute_patterns(net, 0, 1))


def test_time_limit_gives_a_lower_bound():
    # A stopped count says so: complete is false and the count is at most the true one.
    net = general_position_arrangement(np.random.default_rng(5), 2, 9)
    res = lr.count_regions(net, -1, 1, method="milp", time_limit=0.0)
    assert not res.complete and res.status == "time_limit"
    assert res.regions <= 46


needs_limited_licence = pytest.mark.skipif(licence_size_limit() is None, reason="Gurobi licence is unlimited")


@needs_limited_licence
@pytest.mark.slow
def test_model_beyond_licence_fails_before_solving(tmp_path):
    # 2100 inputs make more than 2000 variables: one line with the size, the limit and remedies.
    net = lr.from_arrays([(np.ones((2, 2100)), np.zeros(2))])
    with pytest.raises(LicenceError) as exc:
        check_licence(net)
    msg = str(exc.value)
    assert "2107 variables" in msg and "2000" in msg and "method='lp'" in msg and "\n" not in msg
    # The command line prints that line alone (no traceback) and writes no output file.
    np.savez(tmp_path / "big.npz", W1=np.ones((2, 2100)), b1=np.zeros(2))
    out = tmp_path / "patterns.npy"
    proc = subprocess.run([sys.executable, "-m", "linregions.cli", "count", str(tmp_path / "big.npz"),
                           "--method", "milp", "--patterns", str(out)], capture_output=True, text=True)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().count("\n") == 0 and "size-limited" in proc.stderr
    assert not out.exists()


def test_paper_sized_model_fits_the_licence():
    # The paper's 784-input, 22-unit model is within the pip licence.
    net = lr.from_arrays([(np.ones((11, 784)), np.zeros(11)), (np.ones((11, 11)), np.zeros(11))])
    check_licence(net)


@pytest.mark.slow
@pytest.mark.parametrize("method", ["milp", None])
def test_cli_count_json(tmp_path, method):
    # The command line reads a torch.save'd model and prints the result as JSON: 16 regions of 5
    # lines in general position in the plane (Zaslavsky), with --method milp and with the
    # default method, lp.
    import torch

    net = general_position_arrangement(np.random.default_rng(1), 2, 5)
    torch.save(lr.network.network_to_sequential(net, n_out=2), tmp_path / "m.pt")
    chosen = ["--method", method] if method else []
    proc = subprocess.run([sys.executable, "-m", "linregions.cli", "count", str(tmp_path / "m.pt"),
                           "--lower", "-1", "--upper", "1", "--json", *chosen], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["regions"] == 16 and out["complete"] and out["method"] == (method or "lp") and out["rejected"] == 0


def test_cli_bad_box_is_one_line(tmp_path):
    np.savez(tmp_path / "m.npz", W1=np.ones((2, 2)), b1=np.zeros(2))
    proc = subprocess.run([sys.executable, "-m", "linregions.cli", "count", str(tmp_path / "m.npz"),
                           "--lower", "1", "--upper", "0"], capture_output=True, text=True)
    assert proc.returncode == 2 and "lower < upper" in proc.stderr and "Traceback" not in proc.stderr


EPS_MILP = lr.DEFAULT_EPS


@pytest.mark.parametrize("rows", [0, 5])
def test_model_size_is_the_size_gurobi_reports(tmp_path, rows):
    # Proves model_size (what check_licence compares with the licence) against Gurobi's own count of
    # the model it solves ("Optimize a model with R rows, C columns" in its log), with and without
    # rows of a polytope domain A x <= c: equal, but for the one row of each unit of layers >= 2
    # that cannot take one of its states with a margin on the box (which only the box tells).
    import re

    from linregions.domain import polytope
    from linregions.milp import interval_bounds, model_size

    rng = np.random.default_rng(3)
    net = lr.from_arrays([(rng.normal(size=(4, 3)), 0.1 * rng.normal(size=4)),
                          (rng.normal(size=(3, 4)), 0.1 * rng.normal(size=3)),
                          (rng.normal(size=(2, 3)), 0.1 * rng.normal(size=2))])
    kw = {}
    if rows:
        normals = rng.normal(size=(rows, 3))
        normals /= np.linalg.norm(normals, axis=1, keepdims=True)
        kw["domain"] = polytope(normals, normals @ np.full(3, 0.5) + 0.3)  # every row a facet
    log = tmp_path / "gurobi.log"
    lr.count_regions(net, method="milp", gurobi_log=str(log), **kw)
    m = re.search(r"Optimize a model with (\d+) rows, (\d+) columns", log.read_text())
    assert m, log.read_text()[:2000]
    one_sided = sum(int(np.sum(hi < EPS_MILP)) + int(np.sum(-lo < EPS_MILP))
                    for lo, hi in interval_bounds(lr.canonical(net), 0.0, 1.0)[1:])  # the net the MILP solves
    assert one_sided > 0  # the case the box decides is in this network
    n_vars, n_cons = model_size(net, "both", rows)
    assert (n_vars, n_cons + one_sided) == (int(m.group(2)), int(m.group(1)))


@needs_limited_licence
def test_domain_rows_count_towards_the_licence():
    # Proves that check_licence counts the domain's rows: the paper-sized model fits, and the same
    # model with 2,000 more linear constraints does not, refused in one line that says why.
    net = lr.from_arrays([(np.ones((11, 784)), np.zeros(11)), (np.ones((11, 11)), np.zeros(11))])
    check_licence(net, "both", 0)
    with pytest.raises(LicenceError, match="2000 of them the domain's") as exc:
        check_licence(net, "both", 2000)
    assert "\n" not in str(exc.value)
