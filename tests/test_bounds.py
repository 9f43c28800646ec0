"""Tests of the exact bounds in linregions.bounds against independent truths."""

import itertools
import random
from math import comb

import numpy as np
import pytest

from linregions import bounds


def theorem1_brute(n0, widths):
    """Theorem 1 by enumerating every tuple of J (tests only: exponential in L)."""
    total = 0
    for js in itertools.product(*[range(n + 1) for n in widths]):
        ok = True
        for l, j in enumerate(js):
            cap = min([n0, widths[l]] + [widths[k] - js[k] for k in range(l)])
            if j > cap:
                ok = False
                break
        if ok:
            prod = 1
            for n, j in zip(widths, js):
                prod *= comb(n, j)
            total += prod
    return total


def theorem1_state_dp(n0, widths):
    """Theorem 1 by the plain dynamic program over (running minimum d, j): O(d * n) per layer."""
    state = {n0: 1}
    for n in widths:
        nxt = {}
        for d, weight in state.items():
            for j in range(min(d, n) + 1):
                key = min(d, n - j)
                nxt[key] = nxt.get(key, 0) + weight * comb(n, j)
        state = nxt
    return sum(state.values())


def random_widths(rng, max_layers=4, max_width=9):
    return tuple(rng.randint(1, max_width) for _ in range(rng.randint(1, max_layers)))


def test_theorem1_one_layer_is_zaslavsky():
    """For L = 1 the set J is {0..min(n0, m)}, so Theorem 1 is Zaslavsky's count of m hyperplanes."""
    for n0 in range(1, 12):
        for m in range(1, 25):
            assert bounds.theorem1(n0, (m,)) == bounds.zaslavsky(n0, m) == sum(
                comb(m, j) for j in range(min(n0, m) + 1)
            )


def test_theorem1_dp_equals_enumeration_of_J():
    """The dynamic program sums over exactly the tuples of J: compare with enumerating J."""
    rng = random.Random(0)
    for _ in range(150):
        n0 = rng.randint(1, 6)
        widths = random_widths(rng, max_layers=4, max_width=7)
        assert bounds.theorem1(n0, widths) == theorem1_brute(n0, widths), (n0, widths)


def test_theorem1_equals_plain_dp_at_larger_sizes():
    """The prefix/suffix-sum recursion equals the plain DP where enumeration is out of reach."""
    rng = random.Random(3)
    for _ in range(60):
        n0 = rng.randint(1, 60)
        widths = random_widths(rng, max_layers=6, max_width=60)
        assert bounds.theorem1(n0, widths) == theorem1_state_dp(n0, widths), (n0, widths)


def test_theorem1_for_mnist_sizes_is_below_montufar():
    """n0 = 784 and ten layers of 1000 units: Theorem 1 is computed (the state DP, not the
    exponential sum) and is at most Montufar's bound."""
    value = bounds.theorem1(784, (1000,) * 10)
    assert 0 < value <= bounds.montufar2017(784, (1000,) * 10)


def test_theorem1_mnist_values():
    """Values for the paper's MNIST networks (n0 = 784), checked by hand:
    (4, 18): sum_j1 C(4, j1) * sum_{j2 <= 4 - j1} C(18, j2) = 4048 + 4*988 + 6*172 + 4*19 + 1."""
    assert bounds.theorem1(784, (4, 18)) == 9109
    assert bounds.theorem1(784, (11, 11)) == 2_449_868
    assert bounds.theorem1(784, (11, 11)) == sum(
        comb(11, j) * sum(comb(11, k) for k in range(11 - j + 1)) for j in range(12)
    )
    assert bounds.montufar2017(784, (11, 11)) == 2**22


def test_upper_bounds_are_ordered():
    """Theorem 1 refines Montufar 2017, which never exceeds 2^N (each factor is <= 2^{n_l})."""
    rng = random.Random(1)
    for _ in range(300):
        n0 = rng.randint(1, 30)
        widths = random_widths(rng, max_layers=6, max_width=30)
        t1 = bounds.theorem1(n0, widths)
        m17 = bounds.montufar2017(n0, widths)
        assert 1 <= t1 <= m17 <= bounds.trivial(widths), (n0, widths)


def test_wide_input_theorem1_is_trivial_and_deep_is_exact_int():
    """With n0 >= N nothing constrains J beyond j_l <= n_l - ..., yet the bound is below 2^N for
    L >= 2 (the first layer's active units limit the next). Python ints: no overflow at L = 40."""
    assert bounds.theorem1(784, (10,)) == 2**10
    assert bounds.theorem1(784, (3, 3)) < 2**6
    big = bounds.theorem1(8, (16,) * 40)
    assert isinstance(big, int) and big > 2**64
    assert big <= bounds.montufar2017(8, (16,) * 40)


def test_lower_bounds_below_theorem1_where_they_apply():
    """A lower bound is the count of one network; it cannot exceed the upper bound of Theorem 1."""
    rng = random.Random(2)
    checked = {"pascanu2014_lower": 0, "montufar2014_lower": 0, "serra2018_lower": 0}
    for _ in range(400):
        n0 = rng.randint(1, 5)
        widths = random_widths(rng, max_layers=5, max_width=20)
        t1 = bounds.theorem1(n0, widths)
        allb = bounds.all_bounds(n0, widths)
        for name in checked:
            if name in allb:
                checked[name] += 1
                assert allb[name] <= t1, (name, n0, widths)
    for n0 in range(1, 6):
        for L in range(1, 6):
            lb = bounds.pascanu2014_2n0_lower(n0, L)
            assert lb <= bounds.theorem1(n0, (2 * n0,) * L)
            assert lb == bounds.montufar2014_lower(n0, (2 * n0,) * L)
    assert all(v > 20 for v in checked.values()), checked


def test_hand_computed_small_values():
    """Each formula at a size small enough to do on paper."""
    # Theorem 1, n0 = 1, widths (2, 2): J = {(0,0),(0,1),(1,0),(1,1)} -> 1 + 2 + 2 + 4.
    assert bounds.theorem1(1, (2, 2)) == 9
    # Theorem 1, n0 = 2, widths (2, 2): j1=0: 1+2+1; j1=1: 2*(1+2); j1=2: 1*1 -> 4 + 6 + 1.
    assert bounds.theorem1(2, (2, 2)) == 11
    # Montufar 2017, n0 = 2, widths (3, 1): (1+3+3) * (1+1).
    assert bounds.montufar2017(2, (3, 1)) == 14
    assert bounds.trivial((3, 4)) == 128
    assert bounds.zaslavsky(2, 4) == 1 + 4 + 6
    # Pascanu 2014, n0 = 2, widths (5, 4): floor(5/2) * (1 + 4 + 6).
    assert bounds.pascanu2014_lower(2, (5, 4)) == 22
    # 2 n0 = 4, L = 3: 2^{2*2} * (1 + 4 + 6).
    assert bounds.pascanu2014_2n0_lower(2, 3) == 176
    # Montufar 2014, n0 = 2, widths (5, 4): floor(5/2)^2 * 11.
    assert bounds.montufar2014_lower(2, (5, 4)) == 44
    # Serra 2018, n0 = 1, widths (3, 4, 5): 4 * 5 * (1 + 5); n0 = 2, (6, 6): (3+1)^2 * (1+6+15).
    assert bounds.serra2018_lower(1, (3, 4, 5)) == 120
    assert bounds.serra2018_lower(2, (6, 6)) == 352
    # Maxout rank 2 is one hyperplane per unit: the ReLU bound of Montufar 2017.
    assert bounds.maxout_upper(2, (3, 1), 2) == bounds.montufar2017(2, (3, 1))
    # Rank 3: 3 pairs per unit; n0 = 1, widths (2,): sum_{j<=1} C(6, j) = 7.
    assert bounds.maxout_upper(1, (2,), 3) == 7
    # n0 = 2, widths (2, 1): d = (2, 1): (1 + 6 + 15) * (1 + 3).
    assert bounds.maxout_upper(2, (2, 1), 3) == 88


def test_all_bounds_keys_and_skips():
    """all_bounds reports the upper bounds always and a lower bound only where it applies."""
    b = bounds.all_bounds(784, (11, 11))
    assert b == {"theorem1": 2_449_868, "montufar2017": 2**22, "trivial": 2**22}
    b = bounds.all_bounds(2, (6, 6, 6))
    assert set(b) == {"theorem1", "montufar2017", "trivial", "pascanu2014_lower",
                      "montufar2014_lower", "serra2018_lower"}
    b = bounds.all_bounds(2, (4, 4))
    assert "pascanu2014_2n0_lower" in b and "serra2018_lower" not in b
    assert all(isinstance(v, int) for v in b.values())


@pytest.mark.parametrize(
    "call, word",
    [
        (lambda: bounds.theorem1(0, (3,)), "n0"),
        (lambda: bounds.theorem1(2, ()), "empty"),
        (lambda: bounds.theorem1(2, (3, -1)), "n2"),
        (lambda: bounds.theorem1(2.5, (3,)), "2.5"),
        (lambda: bounds.montufar2017(True, (3,)), "True"),
        (lambda: bounds.trivial((3, 0)), "n2"),
        (lambda: bounds.zaslavsky(2, 0), "m"),
        (lambda: bounds.pascanu2014_lower(3, (2, 5)), "n1 = 2"),
        (lambda: bounds.montufar2014_lower(3, (5, 2)), "n2 = 2"),
        (lambda: bounds.serra2018_lower(2, (6, 5)), "n2 = 5"),
        (lambda: bounds.maxout_upper(2, (3,), 0), "k"),
        (lambda: bounds.pascanu2014_2n0_lower(2, 0), "L"),
    ],
)
def test_bad_input_names_the_value(call, word):
    with pytest.raises(ValueError, match=word):
        call()


def test_numpy_ints_accepted():
    assert bounds.theorem1(np.int64(3), np.array([4, 4])) == bounds.theorem1(3, (4, 4))


def test_bound_table_lists_every_bound_with_its_source():
    """The table `linregions bounds` prints: every ReLU bound, upper bounds first, each with its
    source; a bound whose conditions fail has no value. With one hidden layer, Zaslavsky's count,
    Theorem 1 and Montufar's bound coincide (all are the arrangement of n1 hyperplanes)."""
    rows = bounds.bound_table(2, (12,))
    names = [b.name for b in rows]
    assert names == ["theorem1", "montufar2017", "zaslavsky", "trivial", "serra2018_lower",
                     "montufar2014_lower", "pascanu2014_lower", "pascanu2014_2n0_lower"]
    kinds = [b.kind for b in rows]
    assert kinds == sorted(kinds, key=lambda k: k != "upper") and all(b.source for b in rows)
    got = {b.name: b.value for b in rows}
    assert got["zaslavsky"] == got["theorem1"] == got["montufar2017"] == 79
    deep = {b.name: b for b in bounds.bound_table(784, (11, 11))}
    assert not deep["zaslavsky"].applies and deep["zaslavsky"].value is None
    assert bounds.all_bounds(784, (11, 11)) == {b.name: b.value for b in deep.values() if b.applies}


def test_bounds_cli_prints_every_bound(capsys):
    """`linregions bounds 2 4 4 4` names every bound, its value where it applies, and why not
    where it does not."""
    from linregions.cli import main

    assert main(["bounds", "2", "4", "4", "4"]) == 0
    out = capsys.readouterr().out
    for b in bounds.bound_table(2, (4, 4, 4)):
        line = next(l for l in out.splitlines() if f" {b.name} " in l)
        assert (f"{b.value:,}" in line) if b.applies else ("does not apply" in line), line
