"""The constructions' exact counts against independent truths: brute force over all 2^N patterns
(one certificate LP each), the MILP and the LP enumerator, and the formulas of linregions.bounds."""

from functools import lru_cache

import numpy as np
import pytest

from linregions import bounds, constructions as C
from linregions.certificate import brute_force_patterns
from linregions.count import count_regions
from linregions.network import load_network
from linregions.regions import DEFAULT_EPS

# (name, n0, widths) small enough for brute force: N <= 12 units.
SMALL = [
    ("zaslavsky", 1, (5,)),
    ("zaslavsky", 2, (6,)),
    ("zaslavsky", 3, (8,)),
    ("zaslavsky", 4, (10,)),
    ("zaslavsky", 3, (2,)),  # fewer hyperplanes than dimensions: 2^m regions
    ("pascanu2014", 1, (2, 2, 2)),
    ("pascanu2014", 2, (4, 4)),
    ("pascanu2014", 3, (6,)),
    ("montufar2014", 1, (3, 3, 3)),
    ("montufar2014", 1, (2, 3, 4)),
    ("montufar2014", 2, (5, 4)),  # one unit left over in layer 1: constant, inactive
    ("montufar2014", 2, (4, 2, 3)),
    ("montufar2014", 3, (3, 3, 3)),  # one piece a coordinate: no folding
    ("serra2018", 1, (3, 4, 2)),
    ("serra2018", 1, (5, 5)),
    ("serra2018", 1, (4, 1)),
    ("serra2018", 1, (3, 3, 3, 3)),
]


@lru_cache(maxsize=None)
def built(name, n0, widths, seed=0):
    """Each construction is built once per session (the arrangement's LPs take a moment)."""
    return C.build(name, n0, widths, seed)


def formula(name, n0, widths):
    """The count each construction claims, from the bounds module (independent code)."""
    if name == "zaslavsky":
        return bounds.zaslavsky(n0, widths[0])
    if name == "pascanu2014":
        return bounds.pascanu2014_2n0_lower(n0, len(widths))
    if name == "montufar2014":
        if min(widths) >= n0:
            return bounds.montufar2014_lower(n0, widths)
        return int(np.prod([(n // n0) ** n0 for n in widths[:-1]])) * bounds.zaslavsky(n0, widths[-1])
    if name == "serra2018":
        return int(np.prod([n + 1 for n in widths]))
    raise AssertionError(name)


# The three largest brute-force cases run in the full suite only (make test-fast leaves them out).
BRUTE_SLOW = {("zaslavsky", 4, (10,)), ("serra2018", 1, (5, 5)), ("serra2018", 1, (3, 3, 3, 3))}


@pytest.mark.parametrize("name, n0, widths",
                         [pytest.param(*c, marks=pytest.mark.slow) if c in BRUTE_SLOW else c for c in SMALL])
def test_brute_force_finds_exactly_count(name, n0, widths):
    """Every one of the 2^N patterns through the certificate LP: exactly ``count`` are regions,
    and ``count`` is the paper's formula."""
    c = built(name, n0, widths)
    assert c.network.n0 == n0 and c.network.widths == widths
    assert c.count == formula(name, n0, widths)
    pats = brute_force_patterns(c.network, c.lower, c.upper, DEFAULT_EPS)
    assert len(pats) == c.count


def test_brute_force_other_seeds():
    """Seeds jitter and re-orient the arrangement; the count does not move."""
    for seed in (1, 2, 3):
        c = C.zaslavsky(2, 7, seed)
        assert len(brute_force_patterns(c.network, 0.0, 1.0, DEFAULT_EPS)) == c.count == 29
    c = C.build("pascanu2014", 2, (4, 4), seed=5)
    assert len(brute_force_patterns(c.network, 0.0, 1.0, DEFAULT_EPS)) == c.count == 44


@pytest.mark.parametrize(
    "name, n0, widths",
    [("zaslavsky", 2, (6,)), ("montufar2014", 1, (3, 3, 3)), ("montufar2014", 2, (5, 4)),
     ("serra2018", 1, (3, 4, 2))],
)
def test_one_sided_margin_counts_the_same_without_shared_hyperplanes(name, n0, widths):
    """No two units are zero on a common hyperplane, so margin="active" adds no pattern."""
    c = built(name, n0, widths)
    assert len(brute_force_patterns(c.network, 0.0, 1.0, DEFAULT_EPS, margin="active")) == c.count


@pytest.mark.parametrize("L", [2, 3, 4])
def test_one_sided_margin_adds_the_fold_points_of_pascanu(L):
    """n0 = 1: the fold of layer l (both units of its pair at 0) has 2^{l-1} preimages in [0, 1],
    each fixing every later layer, so margin="active" counts 2^{L-1} - 1 more patterns."""
    c = C.pascanu2014(1, L)
    n = len(brute_force_patterns(c.network, 0.0, 1.0, DEFAULT_EPS, margin="active"))
    assert c.count == 3 * 2 ** (L - 1)
    assert n == c.count + 2 ** (L - 1) - 1


def test_one_sided_margin_counts_more_on_pascanu_2d():
    c = C.pascanu2014(2, 2)
    assert len(brute_force_patterns(c.network, 0.0, 1.0, DEFAULT_EPS, margin="active")) > c.count


MILP_CASES = [
    ("zaslavsky", 3, (8,)),
    ("pascanu2014", 2, (4, 4)),
    ("montufar2014", 2, (4, 4, 3)),
    ("montufar2014", 1, (4, 4, 4, 4)),
    ("serra2018", 1, (5, 5, 5)),
]


@pytest.mark.parametrize("name, n0, widths", MILP_CASES)
def test_milp_agrees(name, n0, widths):
    pytest.importorskip("linregions.milp")
    c = built(name, n0, widths)
    r = count_regions(c.network, c.lower, c.upper, method="milp")
    assert r.complete and r.regions == c.count and r.rejected == 0


def test_milp_one_sided_on_pascanu():
    pytest.importorskip("linregions.milp")
    c = C.pascanu2014(1, 4)
    r = count_regions(c.network, 0.0, 1.0, method="milp", margin="active")
    assert r.complete and r.regions == c.count + 7


# Large: the LP enumerator against the exact counts at 10^3 to 2 * 10^5 regions (no brute force
# reaches these sizes; about 15 s together).
LP_LARGE = [
    ("serra2018", 1, (9, 9, 9, 9, 9)),  # 100,000 regions
    ("pascanu2014", 2, (4,) * 8),  # 180,224 regions
    ("montufar2014", 2, (6, 6, 6, 8, 4)),  # 128,304 regions
    ("montufar2014", 3, (6, 6, 6, 6, 3)),  # 32,768 regions
    ("zaslavsky", 4, (14,)),  # 1,471 regions, arrangement in 4-D
]


@pytest.mark.slow
@pytest.mark.parametrize("name, n0, widths", LP_LARGE)
def test_lp_enumerator_agrees_at_scale(name, n0, widths):
    pytest.importorskip("linregions.lpenum")
    c = built(name, n0, widths)
    assert c.count == formula(name, n0, widths)
    # The formula is a theorem for margins in the construction's own units (c.min_margin >= 1e-3):
    # scale="absolute". Under the default row scale serra2018's deep zigzags (whose layers weigh
    # many copies with cancelling signs) have canonical margins below 1e-6 (9-9-9-9: 2,000 of
    # 10,000 regions at eps 1e-6, all 10,000 at 1e-9).
    r = count_regions(c.network, c.lower, c.upper, method="lp", scale="absolute")
    assert r.complete and r.regions == c.count


def test_lp_enumerator_agrees_on_small():
    pytest.importorskip("linregions.lpenum")
    for name, n0, widths in SMALL:
        c = built(name, n0, widths)
        assert count_regions(c.network, c.lower, c.upper, method="lp").regions == c.count, (name, widths)


SIZES = SMALL + LP_LARGE + [
    ("pascanu2014", 4, (8, 8, 8)),
    ("montufar2014", 2, (6, 9, 4)),
    ("montufar2014", 4, (12, 9, 5)),
    ("serra2018", 1, (3, 10, 7, 1)),
]


@pytest.mark.parametrize("name, n0, widths", SIZES)
def test_counts_against_bounds(name, n0, widths):
    """A construction's count is at least every lower bound that applies and at most Theorem 1."""
    c = built(name, n0, widths)
    t1 = bounds.theorem1(n0, widths)
    assert c.count <= t1
    for key, value in bounds.all_bounds(n0, widths).items():
        if key.endswith("_lower") and key != "serra2018_lower":
            assert c.count >= value, key
    if name == "pascanu2014":
        assert c.count == bounds.pascanu2014_2n0_lower(n0, len(widths))
    if name == "montufar2014" and min(widths) >= n0:
        assert c.count == bounds.montufar2014_lower(n0, widths)
    if name == "serra2018":
        # n0 = 1: Theorem 1 is prod (n_l + 1) when every n_l >= 2 for l < L, so the bound is tight.
        if min(widths[:-1], default=3) >= 3:
            assert c.count == t1
        if min(widths) >= 3:
            assert c.count == bounds.serra2018_lower(1, widths)
    if name == "zaslavsky":
        assert c.count == t1


@pytest.mark.parametrize("name, n0, widths", SIZES)
def test_margins_are_certified_far_above_eps(name, n0, widths):
    c = built(name, n0, widths)
    assert c.min_margin >= C.TARGET_MARGIN >= 1000 * DEFAULT_EPS
    assert (c.lower, c.upper) == (0.0, 1.0) and c.source


def test_one_dimensional_maps_have_full_pieces():
    """Each piece of a fold, sawtooth or zigzag maps onto [0, 1] (sampled densely)."""
    maps = [C._fold()] + [C._sawtooth(p) for p in range(1, 7)] + [C._serra_zigzag(n) for n in range(3, 10)]
    for mp in maps:
        t = np.linspace(0.0, 1.0, 100_001)
        z = mp.a[None, :] * t[:, None] + mp.b[None, :]
        h = mp.c + np.maximum(z, 0.0) @ mp.w
        assert h.min() > -1e-12 and h.max() < 1 + 1e-12
        breaks = np.unique(-mp.b[mp.b * mp.a < 0] / mp.a[mp.b * mp.a < 0])
        edges = np.concatenate([[0.0], breaks[(breaks > 0) & (breaks < 1)], [1.0]])
        assert len(edges) - 1 == mp.pieces
        ends = mp.c + np.maximum(mp.a[None, :] * edges[:, None] + mp.b[None, :], 0.0) @ mp.w
        assert np.allclose(np.abs(np.diff(ends)), 1.0)


def test_zigzag_needs_three_units():
    with pytest.raises(ValueError, match="n >= 3"):
        C._serra_zigzag(2)


def test_as_sequential_round_trip():
    c = C.montufar2014(2, (5, 4))
    seq = c.as_sequential(n_out=3)
    net = load_network(seq)
    assert net.widths == c.network.widths
    for (W, b), (W2, b2) in zip(net.layers, c.network.layers):
        assert np.array_equal(W, W2) and np.array_equal(b, b2)


def test_leftover_units_are_constant_and_inactive():
    c = C.montufar2014(2, (5, 4))
    W, b = c.network.layers[0]
    assert not W[4].any() and b[4] < 0


@pytest.mark.parametrize(
    "args, word",
    [
        (("nope", 2, (4,)), "unknown construction"),
        (("zaslavsky", 2, (4, 4)), "one hidden layer"),
        (("pascanu2014", 2, (4, 5)), "2 \\* n0 = 4"),
        (("montufar2014", 3, (2, 4)), "n1 = 2"),
        (("serra2018", 2, (6, 6)), "n0 = 1"),
        (("serra2018", 1, (2, 6)), "n1 = 2"),
        (("zaslavsky", 0, (4,)), "n0"),
        (("zaslavsky", 2, (0,)), "n1"),
        (("zaslavsky", 2, ()), "empty"),
        (("zaslavsky", 8, (40,)), "certifies at most"),
    ],
)
def test_build_rejects_bad_arguments(args, word):
    with pytest.raises(ValueError, match=word):
        C.build(*args)


def test_build_rejects_bad_seed():
    with pytest.raises(ValueError, match="seed"):
        C.build("zaslavsky", 2, (4,), seed=-1)
