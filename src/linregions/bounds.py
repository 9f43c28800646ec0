"""Exact integer bounds on the number of linear regions of a ReLU network, from its widths alone.

Every function returns a Python ``int`` (exact, any number of layers) and names its source.
Widths are written as in the papers: ``n0`` inputs, ``widths = (n1, ..., nL)`` hidden widths.
Upper bounds hold for every network of those widths; a lower bound is the count of one
network of those widths, so it holds for the *maximal* number of regions only, and only under
its paper's conditions (the functions raise ``ValueError`` outside them; :func:`all_bounds`
skips them instead).
"""

from __future__ import annotations

import itertools
import numbers
from dataclasses import dataclass
from math import comb, prod
from typing import Sequence


def _check_int(name: str, value: object) -> int:
    """A positive int (numpy ints accepted, bools and floats refused)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or int(value) < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _check_widths(widths: Sequence[int]) -> tuple[int, ...]:
    if isinstance(widths, (str, bytes)) or not hasattr(widths, "__iter__"):
        raise ValueError(f"widths must be a sequence of positive integers, got {widths!r}")
    ws = tuple(widths)
    if not ws:
        raise ValueError("widths must name at least one hidden layer, got an empty sequence")
    return tuple(_check_int(f"widths[{i}] (n{i + 1})", w) for i, w in enumerate(ws))


def _partial_binomial_sum(n: int, d: int) -> int:
    """sum_{j=0}^{d} C(n, j): the regions of n hyperplanes in general position in d dimensions."""
    return sum(comb(n, j) for j in range(0, min(d, n) + 1))


def theorem1(n0: int, widths: Sequence[int]) -> int:
    """Theorem 1 of Serra, Tjandraatmadja & Ramalingam (ICML 2018): the upper bound

    sum over (j_1..j_L) in J of prod_l C(n_l, j_l), with
    J = {0 <= j_l <= min(n0, n1 - j1, ..., n_{l-1} - j_{l-1}, n_l) for all l}.

    Computed by dynamic programming over layers on the running minimum
    d_l = min(n0, n1 - j1, ..., n_{l-1} - j_{l-1}), not by enumerating J. A state d feeding a
    layer of width n with j active units goes to min(d, n - j): to d itself for
    j <= min(d, n - d), and to k = n - j < d for larger j <= d. So the next state k collects
    w_k * sum_{j <= min(k, n - k)} C(n, j) + C(n, k) * sum_{d >= max(k + 1, n - k)} w_d,
    which prefix and suffix sums give in O(n0 + n) big-integer operations per layer.
    """
    n0 = _check_int("n0", n0)
    ws = _check_widths(widths)
    w = [0] * n0 + [1]  # w[d]: sum over the partial tuples reaching state d of prod C(n_k, j_k)
    for n in ws:
        binom = [comb(n, j) for j in range(n + 1)]
        prefix = list(itertools.accumulate(binom))  # prefix[t] = sum_{j <= t} C(n, j)
        suffix = list(itertools.accumulate(reversed(w)))[::-1] + [0]  # suffix[t] = sum_{d >= t} w_d
        top = len(w) - 1
        nxt = [0] * (min(top, n) + 1)
        for k in range(len(nxt)):
            own = w[k] * prefix[min(k, n - k)] if k <= n else 0
            start = max(k + 1, n - k)
            nxt[k] = own + (binom[k] * suffix[start] if start <= top else 0)
        w = nxt
    return sum(w)


def montufar2017(n0: int, widths: Sequence[int]) -> int:
    """Montufar (2017), "Notes on the number of linear regions of deep neural networks":

    prod_l sum_{j=0}^{d_l} C(n_l, j) with d_l = min(n0, n1, ..., n_l).
    """
    n0 = _check_int("n0", n0)
    ws = _check_widths(widths)
    out, d = 1, n0
    for n in ws:
        d = min(d, n)
        out *= _partial_binomial_sum(n, d)
    return out


def trivial(widths: Sequence[int]) -> int:
    """2^N with N = n1 + ... + nL: one region per activation pattern at most."""
    return 2 ** sum(_check_widths(widths))


def zaslavsky(n0: int, m: int) -> int:
    """Zaslavsky (1975): m hyperplanes in R^{n0} cut it into at most sum_{j=0}^{n0} C(m, j) regions.

    The maximal number of regions of one hidden layer of m ReLUs; attained in general position.
    """
    n0 = _check_int("n0", n0)
    m = _check_int("m", m)
    return _partial_binomial_sum(m, n0)


def _require_min_width(name: str, n0: int, ws: tuple[int, ...], factor: int) -> None:
    for l, n in enumerate(ws, start=1):
        if n < factor * n0:
            need = f"{factor} * n0 = {factor * n0}" if factor > 1 else f"n0 = {n0}"
            raise ValueError(f"{name} needs every width >= {need}, got n{l} = {n}")


def pascanu2014_lower(n0: int, widths: Sequence[int]) -> int:
    """Pascanu, Montufar & Bengio (ICLR 2014), for n_l >= n0 for all l: the lower bound

    (prod_{l<L} floor(n_l / n0)) * sum_{j=0}^{n0} C(n_L, j).
    """
    n0 = _check_int("n0", n0)
    ws = _check_widths(widths)
    _require_min_width("pascanu2014_lower", n0, ws, 1)
    return prod(n // n0 for n in ws[:-1]) * _partial_binomial_sum(ws[-1], n0)


def pascanu2014_2n0_lower(n0: int, L: int) -> int:
    """Pascanu, Montufar & Bengio (ICLR 2014), L hidden layers of width 2*n0: the lower bound

    2^{(L-1) n0} * sum_{j=0}^{n0} C(2 n0, j) (every layer but the last folds each coordinate in two).
    """
    n0 = _check_int("n0", n0)
    L = _check_int("L", L)
    return 2 ** ((L - 1) * n0) * _partial_binomial_sum(2 * n0, n0)


def montufar2014_lower(n0: int, widths: Sequence[int]) -> int:
    """Montufar, Pascanu, Cho & Bengio (NeurIPS 2014), for n_l >= n0 for all l: the lower bound

    (prod_{l<L} floor(n_l / n0)^{n0}) * sum_{j=0}^{n0} C(n_L, j).
    """
    n0 = _check_int("n0", n0)
    ws = _check_widths(widths)
    _require_min_width("montufar2014_lower", n0, ws, 1)
    return prod((n // n0) ** n0 for n in ws[:-1]) * _partial_binomial_sum(ws[-1], n0)


def serra2018_lower(n0: int, widths: Sequence[int]) -> int:
    """Serra, Tjandraatmadja & Ramalingam (ICML 2018), Theorem 8, for n_l >= 3 n0 for all l:

    (prod_{l<L} (floor(n_l / n0) + 1)^{n0}) * sum_{j=0}^{n0} C(n_L, j).
    """
    n0 = _check_int("n0", n0)
    ws = _check_widths(widths)
    _require_min_width("serra2018_lower", n0, ws, 3)
    return prod((n // n0 + 1) ** n0 for n in ws[:-1]) * _partial_binomial_sum(ws[-1], n0)


def maxout_upper(n0: int, widths: Sequence[int], k: int) -> int:
    """Serra, Tjandraatmadja & Ramalingam (ICML 2018), rank-k maxout networks: the upper bound

    prod_l sum_{j=0}^{d_l} C(k(k-1)/2 * n_l, j), d_l = min(n0, n1, ..., n_l)
    (a rank-k maxout unit acts like k(k-1)/2 hyperplanes, one per pair of its k pieces).
    """
    n0 = _check_int("n0", n0)
    ws = _check_widths(widths)
    k = _check_int("k", k)
    pairs = k * (k - 1) // 2
    out, d = 1, n0
    for n in ws:
        d = min(d, n)
        out *= _partial_binomial_sum(pairs * n, d)
    return out


@dataclass(frozen=True)
class Bound:
    """One bound on the maximal number of regions of a width profile, with where it comes from."""

    name: str
    kind: str  # "upper" or "lower"
    value: int | None  # None where the bound's conditions do not hold
    source: str
    applies: bool
    condition: str  # when it holds


def bound_table(n0: int, widths: Sequence[int]) -> list[Bound]:
    """Every ReLU bound the library computes, upper bounds first, each with its source; bounds
    whose conditions fail are listed with ``applies=False`` and no value (never a wrong number).
    (``maxout_upper`` is for maxout networks and is not listed.)"""
    n0 = _check_int("n0", n0)
    ws = _check_widths(widths)
    rows = [
        ("theorem1", "upper", lambda: theorem1(n0, ws), True,
         "Serra, Tjandraatmadja & Ramalingam (ICML 2018), Theorem 1", "any widths"),
        ("montufar2017", "upper", lambda: montufar2017(n0, ws), True,
         "Montufar (2017), Notes on the number of linear regions of deep neural networks", "any widths"),
        ("zaslavsky", "upper", lambda: zaslavsky(n0, ws[0]), len(ws) == 1,
         "Zaslavsky (1975): n1 hyperplanes in R^n0; attained in general position", "one hidden layer"),
        ("trivial", "upper", lambda: trivial(ws), True, "2^N: one region per activation pattern", "any widths"),
        ("serra2018_lower", "lower", lambda: serra2018_lower(n0, ws), min(ws) >= 3 * n0,
         "Serra, Tjandraatmadja & Ramalingam (ICML 2018), Theorem 8", "every n_l >= 3 n0"),
        ("montufar2014_lower", "lower", lambda: montufar2014_lower(n0, ws), min(ws) >= n0,
         "Montufar, Pascanu, Cho & Bengio (NeurIPS 2014)", "every n_l >= n0"),
        ("pascanu2014_lower", "lower", lambda: pascanu2014_lower(n0, ws), min(ws) >= n0,
         "Pascanu, Montufar & Bengio (ICLR 2014)", "every n_l >= n0"),
        ("pascanu2014_2n0_lower", "lower", lambda: pascanu2014_2n0_lower(n0, len(ws)),
         all(n == 2 * n0 for n in ws), "Pascanu, Montufar & Bengio (ICLR 2014), width 2 n0", "every n_l = 2 n0"),
    ]
    return [Bound(name, kind, value() if ok else None, source, ok, cond)
            for name, kind, value, ok, source, cond in rows]


def all_bounds(n0: int, widths: Sequence[int]) -> dict[str, int]:
    """Every bound that applies to these widths, by name (see :func:`bound_table`)."""
    return {b.name: b.value for b in bound_table(n0, widths) if b.applies}
