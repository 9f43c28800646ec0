"""Unit tests of the LP building blocks (linregions.simplex) against HiGHS (scipy's linprog) on
random bounded LPs of the forms the search solves, degenerate ones included."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import linprog

from linregions.simplex import (
    FAIL_SLOPE,
    FAIL_UNBOUNDED,
    LP_FAIL,
    LP_FEAS,
    LP_INFEAS,
    dual_simplex,
    lagrange_bound,
    master_simplex,
    master_work,
    simplex_work,
)

MAXIT = 10_000


def _bounded_lp(rng, n, m, kind):
    """max q x + qc  s.t.  R x + rc >= e (all m rows), lob <= x <= upb, feasible by construction
    (rows hold at an interior point x*, some tightly). ``kind`` adds a degeneracy."""
    lob = rng.uniform(-2.0, 0.0, n)
    upb = lob + rng.uniform(0.1, 3.0, n)
    R = rng.normal(size=(m, n))
    q = rng.normal(size=n)
    if kind == "repeated" and m >= 2:  # two copies of a row (and of its threshold)
        R[1] = R[0]
    if kind == "zero" and m >= 2:  # a row with no coefficients: a constant that holds
        R[1] = 0.0
    if kind == "ties":  # equal objective coefficients, and a row parallel to the objective
        q[:] = 1.0
        R[0] = -1.0
    if kind == "span":  # objective in the span of the rows: dual degenerate, like layers >= 2
        q = rng.normal(size=m) @ R
    if kind == "flat":  # zero objective: every feasible point is optimal
        q[:] = 0.0
    xs = lob + rng.uniform(0.2, 0.8, n) * (upb - lob)
    slack = rng.uniform(0.0, 1.0, m)
    slack[rng.random(m) < 0.3] = 0.0  # rows tight at x*: primal degenerate
    if kind == "repeated" and m >= 2:
        slack[1] = slack[0]
    e = rng.normal(size=m)
    rc = e - R @ xs + slack
    return R, rc, e, q, float(rng.normal()), lob, upb


def _highs(R, rc, e, q, qc, lob, upb):
    """The optimum of the same LP by HiGHS, or None if infeasible."""
    res = linprog(-q, A_ub=-R, b_ub=rc - e, bounds=list(zip(lob, upb)), method="highs")
    if res.status == 2:
        return None
    assert res.status == 0, res.message
    return float(-res.fun + qc)


def _solve(R, rc, e, q, qc, lob, upb, thr=-np.inf):
    m, n = R.shape
    ws = simplex_work(n, m)
    rows = np.arange(m, dtype=np.int64)
    status, obj, its = dual_simplex(R, rc, e, rows, m, q, qc, thr, lob, upb, MAXIT, ws)
    return status, obj, its, ws, rows


KINDS = ["plain", "repeated", "zero", "ties", "span", "flat"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("shape", [(1, 1), (3, 1), (2, 5), (8, 4), (20, 12), (60, 9)])
def test_dual_simplex_optimum_matches_highs(kind, shape):
    # Proves the bounded dual simplex optimal and its point feasible: on random feasible LPs
    # (and degenerate ones: repeated, zero and tight rows, ties, an objective in the rows' span or
    # zero) its optimum equals HiGHS's, its point lies in the box and satisfies every row, and the
    # Lagrangian bound from its final duals equals the optimum (strong duality) and is not below it.
    n, m = shape
    rng = np.random.default_rng(hash((kind, shape)) % 2**32)
    for _ in range(10):
        R, rc, e, q, qc, lob, upb = _bounded_lp(rng, n, m, kind)
        want = _highs(R, rc, e, q, qc, lob, upb)
        status, obj, its, ws, rows = _solve(R, rc, e, q, qc, lob, upb)
        assert status == LP_FEAS and its >= 0
        scale = 1.0 + abs(want)
        assert abs(obj - want) <= 1e-7 * scale
        x = ws.x
        assert np.all(x >= lob) and np.all(x <= upb)
        assert np.all(R @ x + rc >= e - 1e-7)
        assert abs(q @ x + qc - want) <= 1e-7 * scale
        ub = lagrange_bound(R, rows, m, q, qc, lob, upb, ws)
        assert want - 1e-7 * scale <= ub <= want + 1e-6 * scale


@pytest.mark.parametrize("kind", KINDS)
def test_dual_simplex_decides_thresholds_like_highs(kind):
    # Proves the decision form used by the search: with the threshold just above HiGHS's optimum
    # it never reports a value that reaches it (it proves LP_INFEAS, or stops at the optimum below
    # it), and a proof of LP_INFEAS only ever comes when the optimum is truly below the threshold;
    # with the threshold below the optimum it reaches the optimum.
    rng = np.random.default_rng(KINDS.index(kind))
    proved = 0
    for _ in range(40):
        n, m = int(rng.integers(1, 15)), int(rng.integers(1, 25))
        R, rc, e, q, qc, lob, upb = _bounded_lp(rng, n, m, kind)
        want = _highs(R, rc, e, q, qc, lob, upb)
        gap = 1e-4 * (1.0 + abs(want))
        status, obj, _, _, _ = _solve(R, rc, e, q, qc, lob, upb, thr=want + gap)
        assert status in (LP_INFEAS, LP_FEAS)
        if status == LP_FEAS:
            assert obj < want + gap
        proved += status == LP_INFEAS
        status, obj, _, _, _ = _solve(R, rc, e, q, qc, lob, upb, thr=want - gap)
        assert status == LP_FEAS and abs(obj - want) <= 1e-7 * (1.0 + abs(want))
    assert proved > 0


def test_dual_simplex_never_claims_an_infeasible_lp():
    # Proves infeasibility is recognised: LPs made infeasible (a row and its negation that cannot
    # both hold, or a row whose maximum over the box is below its threshold) are infeasible for
    # HiGHS, and the dual simplex never returns LP_FEAS for them: it proves LP_INFEAS against a
    # finite threshold or reports the unbounded dual (no candidate, or the slope never turns).
    rng = np.random.default_rng(5)
    for k in range(60):
        n, m = int(rng.integers(1, 10)), int(rng.integers(2, 12))
        R, rc, e, q, qc, lob, upb = _bounded_lp(rng, n, m, "plain")
        i = int(rng.integers(0, m))
        if k % 2 == 0:  # a x + c >= 1 and -(a x + c) >= 0
            j = (i + 1) % m
            R[j], rc[j], e[j] = -R[i], -rc[i], 0.0
            e[i] = 1.0
        else:  # the row's maximum over the box, plus one
            best = np.where(R[i] > 0, upb, lob) @ R[i] + rc[i]
            e[i] = best + 1.0
        assert _highs(R, rc, e, q, qc, lob, upb) is None
        for thr in (-np.inf, -1e3):
            status, _, its, _, _ = _solve(R, rc, e, q, qc, lob, upb, thr=thr)
            assert status != LP_FEAS
            if status == LP_FAIL:
                assert its in (FAIL_UNBOUNDED, FAIL_SLOPE)  # no candidate, or flipping all leaves it infeasible


def _master_lp(rng, m, K, kind):
    """max mq.t  s.t.  sum_k MT[k, i] t_k + mrc_i >= meth_i,  sum t <= 1,  t >= 0 (t = 0 feasible)."""
    MT = rng.normal(size=(K, m))
    mq = rng.normal(size=K)
    meth = rng.normal(size=m)
    mrc = meth + rng.uniform(0.0, 1.0, m)
    tight = rng.random(m) < 0.3
    mrc[tight] = meth[tight]  # rows tight at t = 0: degenerate
    if kind == "repeated" and K >= 2:
        MT[1], mq[1] = MT[0], mq[0]
    if kind == "zero" and K >= 2:
        MT[1] = 0.0
    if kind == "ties":
        mq[:] = 1.0
    return MT, mrc, meth, mq


def _master_highs(MT, mrc, meth, mq):
    K = MT.shape[0]
    A = np.vstack([-MT.T, np.ones((1, K))])
    b = np.concatenate([mrc - meth, [1.0]])
    res = linprog(-mq, A_ub=A, b_ub=b, bounds=[(0, None)] * K, method="highs")
    assert res.status == 0, res.message
    return float(-res.fun)


def _master_value(mw, mq, m, kd):
    return sum(mq[v] * mw.xB[i] for i, v in enumerate(mw.head[: m + 1]) if v < kd)


@pytest.mark.parametrize("kind", ["plain", "repeated", "zero", "ties"])
def test_master_simplex_matches_highs_and_warm_starts(kind):
    # Proves the column-generation master optimal, cold and warm: its optimum equals HiGHS's on
    # random masters (repeated and zero columns, tied costs, rows tight at t = 0); after more
    # columns are added and it restarts from its previous basis, it matches HiGHS on all columns;
    # its duals are >= 0 and their dual objective equals the optimum.
    rng = np.random.default_rng(["plain", "repeated", "zero", "ties"].index(kind) + 40)
    for _ in range(25):
        m, K = int(rng.integers(1, 12)), int(rng.integers(1, 30))
        kd = K + 3
        MT0, mrc, meth, mq0 = _master_lp(rng, m, K, kind)
        MT = np.zeros((kd, m))
        MT[:K] = MT0
        mq = np.zeros(kd)
        mq[:K] = mq0
        mw = master_work(kd, m)
        K1 = max(1, K // 2)
        its = master_simplex(MT, mrc, meth, m, mq, K1, 0, MAXIT, mw)
        assert its >= 0
        assert abs(_master_value(mw, mq, m, kd) - _master_highs(MT0[:K1], mrc, meth, mq0[:K1])) <= 1e-8
        its = master_simplex(MT, mrc, meth, m, mq, K, K1, MAXIT, mw)
        assert its >= 0
        want = _master_highs(MT0, mrc, meth, mq0)
        assert abs(_master_value(mw, mq, m, kd) - want) <= 1e-8
        y = mw.y
        assert np.all(y >= -1e-9)
        assert abs(y[:m] @ (mrc - meth) + y[m] - want) <= 1e-8
