"""``method="estimate"``: an unbiased estimate of the number of regions, with a 95 % confidence
interval, for networks too large to count exactly in the time one has.

The estimator walks the same search tree as the exact counter (:mod:`linregions.lpenum`: one
level per hidden unit, a node is a feasible prefix of unit states with a witness point; the
children of a node are decided by the same compiled kernel, ``_Work.start(prefix, witness,
depth + 1)``), so every node a probe passes through is a region of the partial network certified
by the kernel's LPs, and the quantity estimated is exactly the count ``method="lp"`` returns.

Scheme ``"knuth"`` (the default): stratified random probes (Knuth 1975, *Estimating the
efficiency of backtrack programs*). The top of the tree is enumerated exactly down to the depth
D at which it has at least ``strata`` nodes (the lp counter's split into tasks); each such node
is a stratum. A probe starts at a stratum's node and goes down one random feasible child at a
time, multiplying a weight by 1/p (p the probability of the child taken; p = 1/k among k
feasible children, or the learned probabilities below); once at most ``exact_below`` levels are
left it counts that subtree exactly and returns weight x count. E[probe] is the stratum's
number of leaves, exactly (an induction over the levels), so the sum over strata of the probe
means is unbiased. The variance is estimated per stratum (s_t^2 / n_t) and the interval is
Student's t with Welch-Satterthwaite degrees of freedom. Probes go to the strata in turn (even
allocation). An allocation by the observed variances (Neyman) was measured and dropped: a probe's
value is right-skewed, so a stratum whose first probes came out low also shows a low variance,
stops being sampled and keeps its low mean; on a 20-10-10 network (145,560 regions) with 64 and
256 strata, 8 of 8 such intervals lay below the count; with even allocation 16 of 16 covered it.

The top ``LEARN_DEPTH`` levels below each stratum's node are remembered (children and
witnesses), so their LPs are solved once for all the probes of the stratum.

Importance sampling of the sides (``learn=True``, off by default): at a remembered node the
estimator keeps, per child, the running mean square of the probe values seen through it, and
takes a child with probability proportional to its square root (the variance-optimal choice),
mixed with the uniform choice so that no child's probability falls below ``1 / (4 k)``. The
probabilities of a probe depend only on earlier probes, so each probe is still conditionally
unbiased and so is their mean, and with thousands of probes per stratum its variance was half
the uniform one (784-8-8). But with few probes per stratum its variance estimate is too low:
on 16 hyperplanes in 4-D (2517 regions, 200 probes in 4 strata) 85 % of its 95 % intervals
covered the count against 100 % for uniform sides; coverage is the point of an interval, so the
default is uniform (Knuth's estimator as published).

Scheme ``"tasks"``: the top-level tasks counted exactly, in a seeded random order, T x the mean
with the finite-population variance. It needs no probe but a whole task per sample: on a
random 20-10-10 network (145,560 regions) it averaged 23 tasks in 3 s for an interval of
+-19 %, where the probes reached +-5.5 % (1,269 probes) in the same time, which is why "knuth" is the default.

Heuristic sampling (Chen 1992: level by level, nodes of the same type merged into one drawn in
proportion to its weight) was measured and dropped. With the type (the dimension of the region's
image entering the layer, the inactive units fixed in it), on a trained 784-32-32 network in the
same 300 s run it reached +-16 % (204 passes of 1.5 s, each about 1,500 node expansions) where
these probes reached +-10 % (7,165 probes); finer types (with the last layer's inactive units)
halved a pass's spread at 7 times its cost.

The interval is clipped to what is known for certain: at least the most regions certified below
one node (distinct regions of the network), at most Theorem 1's bound for the widths. The point
estimate is not clipped, so that it stays unbiased: near the bound it can exceed it.

Determinism: the probes, their strata and their random choices are a function of the seed and
of the probes before them, so the first n probes are the same on every run with the same seed; a
time limit decides only n. ``samples=result.samples`` (with the same seed) reproduces a result
exactly.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Any, Callable

import numpy as np

from . import search as S
from .bounds import theorem1
from .lpenum import COUNTERS, _split, _Work
from .network import Network, box_arrays
from .regions import CountResult, as_number

logger = logging.getLogger(__name__)

SCHEMES = ("knuth", "tasks")
#: Confidence level of the interval.
LEVEL = 0.95
#: Default number of strata (nodes of the exactly enumerated top of the tree).
STRATA = 32
#: Default number of levels at the bottom of a probe that are counted exactly.
EXACT_BELOW = 4
#: Probes per stratum before a target half-width may stop the estimate.
FIRST_PROBES = 3
#: Levels below a stratum's node whose children are remembered (learned side probabilities).
LEARN_DEPTH = 12
#: Least probes in all before a target half-width may stop the estimate.
MIN_SAMPLES = 200
#: The half-width is compared with its target only when the probes reach MIN_SAMPLES * LOOK_GROWTH^k:
#: each look is a chance to stop at a moment when the sample variance happens to be low, which
#: erodes coverage (looking after every probe covered 38 of 42 benchmark networks).
LOOK_GROWTH = 1.25
_PROGRESS_EVERY = 2.0


def check_estimate_options(time_limit: Any, half_width: Any, samples: Any, seed: Any, scheme: Any,
                           strata: Any, exact_below: Any) -> None:
    """One clear line for each bad option of the estimator."""
    if time_limit is not None:
        tl = as_number(time_limit)
        if not tl > 0:
            raise ValueError(f"time_limit must be a number of seconds > 0 for method 'estimate', got {time_limit!r}")
    if half_width is not None:
        hw = as_number(half_width)
        if not 0 < hw < 1:
            raise ValueError(f"half_width must be a relative half-width between 0 and 1 (e.g. 0.05 for +-5 %), "
                             f"got {half_width!r}")
    if samples is not None and (isinstance(samples, bool) or not isinstance(samples, (int, np.integer)) or samples < 2):
        raise ValueError(f"samples must be an integer >= 2, got {samples!r}")
    if time_limit is None and half_width is None and samples is None:
        raise ValueError("method 'estimate' needs a limit: give time_limit (seconds), half_width (e.g. 0.05) "
                         "or samples, or any of them together")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0, got {seed!r}")
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {SCHEMES}, got {scheme!r}")
    if isinstance(strata, bool) or not isinstance(strata, (int, np.integer)) or strata < 1:
        raise ValueError(f"strata must be an integer >= 1, got {strata!r}")
    if isinstance(exact_below, bool) or not isinstance(exact_below, (int, np.integer)) or exact_below < 0:
        raise ValueError(f"exact_below must be an integer >= 0, got {exact_below!r}")


class _Prober:
    """Children of a node and exact subtree counts, by the compiled kernel; its work counters."""

    def __init__(self, net: Network, lo, up, eps: float, margin: str, geo: S.Geometry, given: Network | None = None):
        self.N = net.n_units
        self.kids = _Work(net, lo, up, eps, margin, record=True, witnesses=True, geo=geo, buffer=4, given=given,
                          fresh_pool=False)
        self.leaves = _Work(net, lo, up, eps, margin, record=False, witnesses=False, geo=geo, buffer=1, given=given,
                            fresh_pool=False)
        self.totals = dict.fromkeys(COUNTERS, 0)
        #: The most regions certified below one node so far: distinct regions, so a lower bound of the count.
        self.found = 0

    def _run(self, work: _Work) -> None:
        while not work.step(10**9):
            pass
        for k, v in work.counters().items():
            self.totals[k] += v

    def children(self, prefix: np.ndarray, wit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The feasible children (states of the first d + 1 units, int8) and their witnesses."""
        d = len(prefix)
        self.kids.start(prefix, wit, d + 1)
        self._run(self.kids)
        if not self.kids.chunks:
            return np.zeros((0, d + 1), np.int8), np.zeros((0, len(wit)))
        pats = np.concatenate(self.kids.chunks)
        return (np.unpackbits(pats, axis=1, count=d + 1).astype(np.int8),
                np.concatenate(self.kids.witness_chunks))

    def subtree(self, prefix: np.ndarray, wit: np.ndarray) -> int:
        """The exact number of leaves (regions) below the node."""
        if len(prefix) == self.N:
            return self.leaves_found(1)
        self.leaves.start(prefix, wit, self.N)
        self._run(self.leaves)
        return self.leaves_found(int(self.leaves.ist[S.I_COUNT]))

    def leaves_found(self, k: int) -> int:
        """Record k regions certified below one node (for the interval's lower end); returns k."""
        self.found = max(self.found, k)
        return k


class _Node:
    """A remembered node of the learned probes: its children and, per child, the probes through it."""

    __slots__ = ("kids", "wits", "nodes", "n", "sq")

    def __init__(self, kids: np.ndarray, wits: np.ndarray):
        self.kids, self.wits = kids, wits
        self.nodes: list[_Node | None] = [None] * len(kids)
        self.n = np.zeros(len(kids))
        self.sq = np.zeros(len(kids))  # sum of the squared subtree estimates seen through each child


def _probe(pr: _Prober, node: _Node | None, prefix, wit, rng: np.random.Generator, exact_below: int,
           learn_depth: int, learn: bool) -> tuple[float, _Node | None]:
    """One probe from a node; returns (its estimate of the node's leaves, the node's memory)."""
    N = pr.N
    path: list[tuple[_Node, int, float]] = []  # remembered nodes passed: (node, child taken, weight at the child)
    weight = 1.0
    level = 0
    root = node
    while True:
        d = len(prefix)
        if N - d <= exact_below:
            value = weight * pr.subtree(prefix, wit)
            break
        if node is None:
            kids, kw = pr.children(prefix, wit)
            if level < learn_depth:
                node = _Node(kids, kw)
                if path:
                    parent, i, _ = path[-1]
                    parent.nodes[i] = node
                elif root is None:
                    root = node
        else:
            kids, kw = node.kids, node.wits
        k = len(kids)
        if k == 0:  # a dead end: the node's region lies within eps of the next hyperplane
            value = 0.0
            break
        if d + 1 == N:
            value = weight * pr.leaves_found(k)
            break
        if k == 1:
            i, p = 0, 1.0
        elif learn and node is not None and node.n.min() > 0:
            rms = np.sqrt(node.sq / node.n)
            q = rms / rms.sum() if rms.sum() > 0 else np.full(k, 1.0 / k)
            q = 0.75 * q + 0.25 / k  # no child below 1/(4k): the estimator's weights stay bounded
            i = int(rng.random() >= q[0]) if k == 2 else int(rng.choice(k, p=q))
            p = float(q[i])
        else:
            i = int(rng.integers(k))
            p = 1.0 / k
        weight /= p
        if node is not None:
            path.append((node, i, weight))
        prefix, wit = kids[i], kw[i]
        node = node.nodes[i] if node is not None else None
        level += 1
    for nd, i, w in path:  # value = w * (this probe's estimate of child i's leaves), w the weight at the child
        sub = value / w
        nd.n[i] += 1
        nd.sq[i] += sub * sub
    return value, root


def _t_quantile(df: float) -> float:
    from scipy.stats import t as student

    return float(student.ppf(0.5 + LEVEL / 2, max(df, 1.0)))


def _summary(n: np.ndarray, mean: np.ndarray, m2: np.ndarray) -> tuple[float, float, float]:
    """(estimate, variance of the estimate, Welch-Satterthwaite degrees of freedom)."""
    est = float(mean.sum())
    v = np.where(n > 1, m2 / np.maximum(n - 1, 1) / np.maximum(n, 1), 0.0)
    var = float(v.sum())
    den = float(np.sum(np.where(n > 1, v * v / np.maximum(n - 1, 1), 0.0)))
    df = var * var / den if den > 0 else float("inf")
    return est, var, df


def estimate_lp(
    net: Network,
    lower: float | np.ndarray,
    upper: float | np.ndarray,
    eps: float,
    margin: str = "both",
    time_limit: float | None = None,
    half_width: float | None = None,
    samples: int | None = None,
    seed: int = 0,
    scheme: str = "knuth",
    strata: int = STRATA,
    exact_below: int = EXACT_BELOW,
    learn: bool = False,
    progress: Callable[..., Any] | None = None,
    given: Network | None = None,
    A_dom: np.ndarray | None = None,
    c_dom: np.ndarray | None = None,
) -> CountResult:
    """Estimate the number of regions of ``net`` on the box lower <= x <= upper, or on the polytope
    ``A_dom x <= c_dom`` in it (see the module docstring; ``given`` as in
    :func:`linregions.lpenum.count_lp`), stopping at the first of:
    ``time_limit`` seconds, a 95 % interval of relative half-width <= ``half_width`` (after at
    least MIN_SAMPLES probes), ``samples`` probes (but at least two in every stratum, whose
    variance the interval needs: ``result.samples`` says how many were taken).

    The result has ``estimate=True``, ``complete=False``, ``regions`` the point estimate
    (rounded), ``interval`` the 95 % interval and ``samples`` the probes (tasks for scheme
    "tasks"). If the top of the tree is enumerated exactly before any probe is needed (small
    networks), the result is the exact count: ``complete=True``, ``estimate=False`` and a
    zero-width interval.
    """
    t0 = time.perf_counter()
    check_estimate_options(time_limit, half_width, samples, seed, scheme, strata, exact_below)
    if progress is not None and not callable(progress):
        raise ValueError(f"progress must be a callable or None, got {progress!r}")
    deadline = None if time_limit is None else t0 + float(time_limit)
    N, n0 = net.n_units, net.n0
    lo, up = box_arrays(lower, upper, n0)
    geo = S.make_geometry(net, lo, up, eps, A_dom, c_dom)
    D, prefixes, wits, totals = _split(net, lo, up, eps, margin, int(strata), geo, given)
    T = len(prefixes)
    rng = np.random.default_rng(int(seed))
    pr = _Prober(net, lo, up, eps, margin, geo, given)
    common = dict(method="estimate", eps=eps, margin=margin, widths=net.widths, n0=n0, lower=float(lo.min()),
                  upper=float(up.max()), threads=1)

    def result(est: float, var: float, df: float, n_samples: int, status: str) -> CountResult:
        for k, v in pr.totals.items():
            totals[k] += v
        exact = var == 0.0 and status == "complete"
        half = 0.0 if var == 0 else _t_quantile(df) * math.sqrt(var)
        # The count lies in [known_lo, known_hi] (at least the regions certified below one node, at most
        # Theorem 1's bound), so clipping the interval to it can only raise its coverage. The point
        # estimate is left as it is, to stay unbiased.
        known_lo, known_hi = float(pr.found), float(theorem1(n0, net.widths))
        low, high = (min(max(v, known_lo), known_hi) for v in (est - half, est + half))
        return CountResult(
            regions=int(round(est)), complete=exact, seconds=time.perf_counter() - t0, status=status,
            nodes=totals["nodes"], lps=totals["lps"], rejected=totals["rejected"],
            diagnostics={k: totals[k] for k in S.DIAGNOSTICS}, estimate=not exact,
            interval=(low, high), samples=n_samples,
            estimator=f"{scheme}, {T} strata at depth {D}" + (f", exact below {exact_below} levels" if scheme == "knuth" else "")
            + (", learned sides" if scheme == "knuth" and learn else "") + f", seed {seed}",
            **common,
        )

    if D == N or T == 0:  # the whole tree is enumerated: the exact count
        return result(float(T), 0.0, float("inf"), 0, "complete")

    if scheme == "tasks":
        return _tasks(pr, prefixes, wits, rng, deadline, half_width, samples, t0, progress, result)

    n = np.zeros(T)
    mean = np.zeros(T)
    m2 = np.zeros(T)
    roots: list[_Node | None] = [None] * T
    learn_depth = LEARN_DEPTH  # remembered nodes: their children's LPs are solved once
    total = 0
    last = t0
    status = "samples"
    look = max(MIN_SAMPLES, 2 * T)
    while True:
        now = time.perf_counter()
        if samples is not None and total >= samples and n.min() >= 2:  # every stratum needs its variance
            status = "samples"
            break
        if deadline is not None and now >= deadline and total >= 2 * T:
            status = "time_limit"
            break
        if half_width is not None and total >= look and n.min() >= FIRST_PROBES:
            look = max(look + 1, int(math.ceil(look * LOOK_GROWTH)))
            est, var, df = _summary(n, mean, m2)
            if est > 0 and _t_quantile(df) * math.sqrt(var) <= half_width * est:
                status = "half_width"
                break
        if progress is not None and now - last >= _PROGRESS_EVERY:
            last = now
            est, var, df = _summary(n, mean, m2)
            progress(est, now - t0, _t_quantile(df) * math.sqrt(var) if var > 0 else float("nan"), total)
        t = int(np.argmin(n))  # even allocation, round robin: see the module docstring
        x, roots[t] = _probe(pr, roots[t], prefixes[t], wits[t], rng, exact_below, learn_depth, bool(learn))
        n[t] += 1
        delta = x - mean[t]
        mean[t] += delta / n[t]
        m2[t] += delta * (x - mean[t])
        total += 1
        if deadline is not None and time.perf_counter() >= deadline and n.min() >= 2:
            status = "time_limit"
            break
    est, var, df = _summary(n, mean, m2)
    return result(est, var, df, total, status)


def _tasks(pr: _Prober, prefixes, wits, rng, deadline, half_width, samples, t0, progress, result) -> CountResult:
    """Scheme "tasks": whole tasks counted exactly in a seeded random order (simple random sample
    without replacement); T x mean, variance T^2 (1 - n/T) s^2 / n."""
    T = len(prefixes)
    order = rng.permutation(T)
    vals: list[float] = []
    status = "complete"
    last = t0
    for j, t in enumerate(order):
        now = time.perf_counter()
        if samples is not None and j >= samples:
            status = "samples"
            break
        if deadline is not None and now >= deadline and j >= 2:
            status = "time_limit"
            break
        if half_width is not None and j >= 2:
            est, var, df = _tasks_summary(vals, T)
            if est > 0 and _t_quantile(df) * math.sqrt(var) <= half_width * est:
                status = "half_width"
                break
        if progress is not None and now - last >= _PROGRESS_EVERY:
            last = now
            est, var, df = _tasks_summary(vals, T)
            progress(est, now - t0, _t_quantile(df) * math.sqrt(var) if var > 0 else float("nan"), j)
        vals.append(float(pr.subtree(prefixes[t], wits[t])))
    est, var, df = _tasks_summary(vals, T)
    return result(est, var, df, len(vals), status)


def _tasks_summary(vals: list[float], T: int) -> tuple[float, float, float]:
    n = len(vals)
    if n == 0:
        return 0.0, float("inf"), 1.0
    v = np.asarray(vals)
    est = T * float(v.mean())
    if n == T:
        return est, 0.0, float("inf")
    var = T * T * (1 - n / T) * float(v.var(ddof=1)) / n if n > 1 else float("inf")
    return est, var, float(n - 1)
