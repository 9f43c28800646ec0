"""The LP solver of the region search: a bounded dual simplex and a small primal simplex,
specialised to tiny dense LPs (a few dozen rows) and compiled with numba (no GIL).

:func:`dual_simplex` decides  max q x + qc >= thr  over  {R_i x + rc_i >= e_i for i in rows,
lob <= x <= upb}.  It solves the standard form R x - r = h (h = e - rc), r >= 0, from the
dual-feasible basis of all slacks with every x_j at the bound its objective prefers, with dual
steepest-edge pricing (exact weights: m is tiny), a bound-flipping ratio test by weighted
selection (:func:`_bfrt`), and an explicit m x m basis inverse updated in product form
(:func:`_pivot_inverse`) and refactorised (:func:`_refactor`) every ``REFACTOR_EVERY``
iterations or when a pivot disagrees. While it runs, the objective of its basic solution is a
dual bound; once that is below thr, the Lagrangian bound (:func:`lagrange_bound`), valid for any
y >= 0 whatever the basis' rounding, proves the LP's optimum < thr.

:func:`master_simplex` is the warm-started primal simplex of the column-generation master:
max mq.t  s.t.  sum_k MT[k, i] t_k + mrc_i >= meth_i,  sum t <= 1,  t >= 0, feasible at t = 0.

Tolerances (absolute; pre-activations of trained networks are O(1)):

* ``PTOL`` 1e-9: primal feasibility of basic variables. A point an LP returns is never trusted
  by the search: it is clipped to the box and every row is re-evaluated in float64.
* ``PIVTOL`` 1e-9 (relative to the largest |alpha| of the row): smallest pivot accepted in the
  ratio test.
* ``PRUNE_TOL`` 1e-11: a side is pruned only when the Lagrangian bound
  max_box (q + R^T y) x - y h + qc is below thr - PRUNE_TOL. So a prune is a proof up to the
  rounding of one dot product.
* ``DTOL`` 1e-9: dual infeasibility tolerated (and clamped) after a refactorisation.

The workspaces are named tuples of arrays (:class:`SimplexWork`, :class:`MasterWork`), made by
:func:`simplex_work` and :func:`master_work`, so that one allocation serves every LP of a search.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np
from numba import njit

#: How every function of the region search's kernel (this module and :mod:`linregions.search`) is
#: compiled: cached, without the GIL, and without numba's runtime (``_nrt=False``). The kernel
#: allocates nothing (all its arrays come from the workspaces), so the runtime's only work was an
#: atomic reference count on every array taken from a named tuple or sliced, and that was half of
#: the run time: a 4-16-16-16-16 count took 2.36 s with it, 1.19 s without, with the same LPs.
KERNEL = {"cache": True, "nogil": True, "_nrt": False}

# dual_simplex outcomes
LP_FEAS = 0  # optimum reached: x holds the clipped optimal point (its value may still be < thr)
LP_INFEAS = 1  # a Lagrangian bound proves the optimum < thr
LP_FAIL = 2  # iteration limit or numerical trouble: the caller needs another solver

# dual_simplex failure codes (its third return value, negative)
FAIL_ITERATIONS = -1  # iteration limit
FAIL_UNBOUNDED = -2  # no entering candidate: the dual is unbounded, the rows are infeasible
FAIL_SLOPE = -3  # flipping every candidate leaves the leaving row infeasible: the dual is unbounded too
FAIL_DUAL = -4  # a dual infeasibility above DTOL after a refactorisation
FAIL_SINGULAR = -5  # the basis became singular at a refactorisation

PTOL = 1e-9
PIVTOL = 1e-9
PRUNE_TOL = 1e-11
DTOL = 1e-9
#: Product-form updates between refactorisations of the basis inverse: with m <= a few dozen a
#: refactorisation costs about as much as 40 updates, and 40 keeps the drift of the inverse far
#: below PTOL.
REFACTOR_EVERY = 40
#: A pivot is recomputed (refactorisation) when the entering column's pivot element and the
#: tableau row's disagree by more than this, relative to 1 + |pivot|, or when |pivot| < PIV_MIN.
PIV_AGREE = 1e-7
PIV_MIN = 1e-12
#: Gauss-Jordan treats a pivot below this, relative to the largest |entry|, as singular.
SINGULAR_TOL = 1e-13
#: Master simplex: a column enters when its reduced cost exceeds MASTER_DTOL; a ratio-test
#: pivot must exceed MASTER_PIVTOL (the master's coefficients are O(1) layer-1 pre-activations).
MASTER_DTOL = 1e-11
MASTER_PIVTOL = 1e-11

#: Workspace of :func:`dual_simplex` for n structural columns and at most m rows (nt = n + m).
SimplexWork = namedtuple("SimplexWork", [
    "x",  # (n,) float64: the nonbasic columns' values; on LP_FEAS the clipped optimal point
    "atup",  # (n,) int8: 1 if nonbasic column j sits at its upper bound
    "pos",  # (nt,) int64: basic position of column j (slacks are n..n+m-1), -1 if nonbasic
    "d",  # (nt,) float64: reduced costs; d[n + i] >= 0 of a nonbasic slack is row i's dual
    "alpha",  # (nt,) float64: the pivot row of the tableau
    "Binv",  # (m, m) float64: the basis inverse
    "B",  # (m, m) float64: the basis, rebuilt at each refactorisation
    "xB",  # (m,) float64: values of the basic variables
    "head",  # (m,) int64: the column basic at each position
    "cand",  # (nt,) int64: candidates of the ratio test
    "tval",  # (nt,) float64: their ratios
    "col",  # (m,) float64: B^-1 times the entering column
    "aF",  # (m,) float64: the rows' change from the bound flips
    "h",  # (m,) float64: right-hand sides e - rc of the rows in the LP
    "grad",  # (n,) float64: q + R^T y of the Lagrangian bound
])

#: Workspace of :func:`master_simplex` for at most kd columns and m rows (slacks kd..kd+m).
MasterWork = namedtuple("MasterWork", [
    "Binv",  # (m + 1, m + 1) float64: basis inverse (row m: the convexity row sum t <= 1)
    "head",  # (m + 1,) int64: the column basic at each position (kd + i: slack of row i)
    "pos",  # (kd + m + 1,) int64: basic position of each column, -1 if nonbasic
    "xB",  # (m + 1,) float64: values of the basic variables
    "y",  # (m + 1,) float64: the duals c_B B^-1 (y_i >= 0 for the rows at an optimum)
    "col",  # (m + 1,) float64: B^-1 times the entering column
])


def simplex_work(n: int, m: int) -> SimplexWork:
    """A :class:`SimplexWork` for LPs of n columns and at most m rows (m >= 1)."""
    m = max(m, 1)
    nt = n + m
    return SimplexWork(
        x=np.zeros(n), atup=np.zeros(n, dtype=np.int8), pos=np.zeros(nt, dtype=np.int64), d=np.zeros(nt),
        alpha=np.zeros(nt), Binv=np.zeros((m, m)), B=np.zeros((m, m)), xB=np.zeros(m),
        head=np.zeros(m, dtype=np.int64), cand=np.zeros(nt, dtype=np.int64), tval=np.zeros(nt), col=np.zeros(m),
        aF=np.zeros(m), h=np.zeros(m), grad=np.zeros(n),
    )


def master_work(kd: int, m: int) -> MasterWork:
    """A :class:`MasterWork` for masters of at most kd columns and m rows."""
    return MasterWork(Binv=np.zeros((m + 1, m + 1)), head=np.zeros(m + 1, dtype=np.int64),
                      pos=np.zeros(kd + m + 1, dtype=np.int64), xB=np.zeros(m + 1), y=np.zeros(m + 1),
                      col=np.zeros(m + 1))


@njit(**KERNEL, fastmath={"reassoc"})
def dot(a, b, n):
    """sum_j a[j] b[j] over j < n (a, b float64 of shape >= (n,))."""
    # reassociation lets the compiler split the sum over SIMD lanes: about 5x faster at n = 784
    # than an ordered sum, which made the whole search about 1.8x faster. The order is fixed by the
    # compiled kernel, so a count is reproducible on a machine and independent of the threads.
    s = 0.0
    for j in range(n):
        s += a[j] * b[j]
    return s


@njit(**KERNEL, fastmath={"reassoc"})
def support(p, lo, up):
    """max over the box lo <= x <= up of p.x (p, lo, up float64 of shape (n,)), and the sum of the
    magnitudes of its terms (the scale of its rounding)."""
    psi = 0.0
    mag = 0.0
    for j in range(p.shape[0]):
        v = p[j]
        t = v * up[j] if v > 0.0 else v * lo[j]
        psi += t
        mag += abs(t)
    return psi, mag

@njit(**KERNEL)
def _gauss_jordan(A, Y, n, k):
    """Solve A X = Y in place (A n x n overwritten, Y n x k becomes X) with partial pivoting;
    False if A is singular to working precision."""
    amax = 0.0
    for i in range(n):
        for j in range(n):
            if abs(A[i, j]) > amax:
                amax = abs(A[i, j])
    tol = SINGULAR_TOL * max(amax, 1e-300)
    for c in range(n):
        p = c
        best = abs(A[c, c])
        for i in range(c + 1, n):
            if abs(A[i, c]) > best:
                best = abs(A[i, c])
                p = i
        if best <= tol:
            return False
        if p != c:
            for j in range(n):
                A[c, j], A[p, j] = A[p, j], A[c, j]
            for j in range(k):
                Y[c, j], Y[p, j] = Y[p, j], Y[c, j]
        inv = 1.0 / A[c, c]
        for j in range(n):
            A[c, j] *= inv
        for j in range(k):
            Y[c, j] *= inv
        for i in range(n):
            if i != c:
                f = A[i, c]
                if f != 0.0:
                    for j in range(n):
                        A[i, j] -= f * A[c, j]
                    for j in range(k):
                        Y[i, j] -= f * Y[c, j]
    return True


@njit(**KERNEL)
def _refactor(R, rows, m, q, ws):
    """Rebuild the basis inverse ``ws.Binv`` from the basic columns ``ws.head``, and from it the
    basic values ``ws.xB`` and the reduced costs ``ws.d``. R (rows x n) holds the rows, rows[:m]
    the ones in the LP, q (n,) the objective. False if the basis is singular."""
    n = q.shape[0]
    head, Binv, B, xB, x, pos, d, h = ws.head, ws.Binv, ws.B, ws.xB, ws.x, ws.pos, ws.d, ws.h
    for i in range(m):
        for k in range(m):
            v = head[k]
            if v < n:
                B[i, k] = R[rows[i], v]
            else:
                B[i, k] = -1.0 if (v - n) == i else 0.0
    for i in range(m):
        for k in range(m):
            Binv[i, k] = 1.0 if i == k else 0.0
    if not _gauss_jordan(B, Binv, m, m):
        return False
    # xB = Binv (h - sum_nonbasic a_j x_j); ws.aF and ws.col are free here (the kernel runs without
    # numba's runtime, so nothing may allocate)
    rhs = ws.aF
    for i in range(m):
        row = R[rows[i]]
        s = h[i]
        for j in range(n):
            if pos[j] < 0:
                s -= row[j] * x[j]
        rhs[i] = s
    for i in range(m):
        s = 0.0
        for k in range(m):
            s += Binv[i, k] * rhs[k]
        xB[i] = s
    # y^T = c_B^T Binv, c_j = -q_j for x, 0 for slacks; d_j = c_j - y^T a_j
    y = ws.col
    for i in range(m):
        y[i] = 0.0
    for k in range(m):
        v = head[k]
        if v < n:
            cb = -q[v]
            if cb != 0.0:
                for i in range(m):
                    y[i] += cb * Binv[k, i]
    for j in range(n):
        s = -q[j]
        for i in range(m):
            s -= y[i] * R[rows[i], j]
        d[j] = s
    for i in range(m):
        d[n + i] = y[i]
    for k in range(m):
        d[head[k]] = 0.0
    return True


@njit(**KERNEL)
def lagrange_bound(R, rows, m, q, qc, lob, upb, ws):
    """max_box (q + R^T y) x - y h + qc with y_i = max(d_slack_i, 0) (the duals of the nonbasic
    slacks in ``ws.d``): an upper bound on the LP's optimum valid for any y >= 0. Arguments as in
    :func:`dual_simplex`."""
    n = q.shape[0]
    d, pos, h, g = ws.d, ws.pos, ws.h, ws.grad
    for j in range(n):
        g[j] = q[j]
    yh = 0.0
    for i in range(m):
        if pos[n + i] >= 0:
            continue
        y = d[n + i]
        if y <= 0.0:
            continue
        row = R[rows[i]]
        for j in range(n):
            g[j] += y * row[j]
        yh += y * h[i]
    s = qc - yh
    for j in range(n):
        gj = g[j]
        s += gj * upb[j] if gj > 0.0 else gj * lob[j]
    return s


@njit(**KERNEL)
def _bfrt_weight(j, n, alpha, lob, upb):
    """Slope the dual objective loses when candidate j (a column < n or a slack) flips bound."""
    if j >= n:
        return np.inf  # a slack has no upper bound: it cannot flip
    return abs(alpha[j]) * (upb[j] - lob[j])


@njit(**KERNEL)
def _swap(cand, tval, i, k):
    """Exchange candidates i and k of the ratio test (indices and ratios)."""
    cand[i], cand[k] = cand[k], cand[i]
    tval[i], tval[k] = tval[k], tval[i]


@njit(**KERNEL)
def _bfrt(cand, tval, nc, alpha, n, lob, upb, slope0):
    """Bound-flipping ratio test by weighted selection (expected O(nc), no full sort): returns
    the position k of the entering candidate after rearranging, so that cand[:k] are the
    candidates to flip (ratios below the entering one); -1 if the slope never turns.

    cand (nt,) int64 / tval (nt,) float64: the nc candidates and their ratios; alpha (nt,): the
    pivot row; n: structural columns (a slack, index >= n, cannot flip); lob, upb (n,): bounds;
    slope0: the initial slope |primal infeasibility of the leaving variable|."""
    lo_i = np.int64(0)  # np.int64: a literal 0 would make numba compile the callees twice
    hi_i = nc
    rem = slope0
    while hi_i - lo_i > 16:
        a = tval[lo_i]
        b = tval[(lo_i + hi_i) // 2]
        c = tval[hi_i - 1]
        if a > b:
            a, b = b, a
        if b > c:
            b = c
        piv = a if a > b else b
        i = lo_i
        lt = lo_i
        gt = hi_i
        while i < gt:
            if tval[i] < piv:
                _swap(cand, tval, i, lt)
                lt += 1
                i += 1
            elif tval[i] > piv:
                gt -= 1
                _swap(cand, tval, i, gt)
            else:
                i += 1
        wl = 0.0
        for k in range(lo_i, lt):
            wl += _bfrt_weight(cand[k], n, alpha, lob, upb)
        if wl >= rem:
            hi_i = lt
            continue
        rem -= wl
        weq = 0.0
        for k in range(lt, gt):
            weq += _bfrt_weight(cand[k], n, alpha, lob, upb)
        if weq >= rem:
            lo_i = lt
            hi_i = gt
            break
        rem -= weq
        lo_i = gt
    # insertion sort of the small remaining range, then scan
    for i in range(lo_i + 1, hi_i):
        k = i
        while k > lo_i and tval[k - 1] > tval[k]:
            _swap(cand, tval, k - 1, k)
            k -= 1
    for k in range(lo_i, hi_i):
        wk = _bfrt_weight(cand[k], n, alpha, lob, upb)
        if rem - wk <= 0.0:
            return k
        rem -= wk
    return -1


@njit(**KERNEL)
def _pivot_inverse(Binv, col, p, m):
    """Product-form update of the m x m basis inverse when the column whose B^-1 image is
    ``col`` replaces basic position ``p``."""
    inv = 1.0 / col[p]
    for k in range(m):
        Binv[p, k] *= inv
    for i in range(m):
        if i != p:
            f = col[i]
            if f != 0.0:
                for k in range(m):
                    Binv[i, k] -= f * Binv[p, k]


@njit(**KERNEL)
def dual_simplex(R, rc, eth, rows, m, q, qc, thr, lob, upb, maxit, ws):
    """Decide whether max q x + qc >= thr over {lob <= x <= upb, R_i x + rc_i >= eth_i, i in rows[:m]}.

    R (rows x n) float64, rc and eth (rows,) float64: the rows, of which rows[:m] (int64) are in
    the LP; q (n,) float64 and qc: the objective; thr: the threshold; lob, upb (n,) float64: the
    bounds; maxit: the iteration limit; ws: a :class:`SimplexWork` of n columns and >= m rows.

    Returns (status, objective, iterations): LP_FEAS (optimum reached; ws.x holds the clipped
    optimal point), LP_INFEAS (a Lagrangian bound proves the optimum < thr) or LP_FAIL (then the
    iterations are a negative FAIL_* code; the caller falls back to a robust solver).
    """
    n = q.shape[0]
    x, atup, pos, d, alpha, Binv = ws.x, ws.atup, ws.pos, ws.d, ws.alpha, ws.Binv
    xB, head, cand, tval, col, aF, h = ws.xB, ws.head, ws.cand, ws.tval, ws.col, ws.aF, ws.h
    nt = n + m
    obj = qc
    for j in range(n):
        if q[j] > 0.0:
            x[j] = upb[j]
            atup[j] = 1
        else:
            x[j] = lob[j]
            atup[j] = 0
        d[j] = -q[j]
        pos[j] = -1
        obj += q[j] * x[j]
    if obj < thr - PRUNE_TOL:
        return LP_INFEAS, obj, 0
    for i in range(m):
        r = rows[i]
        h[i] = eth[r] - rc[r]
        pos[n + i] = i
        head[i] = n + i
        d[n + i] = 0.0
        xB[i] = dot(R[r], x, n) - h[i]
        for k in range(m):
            Binv[i, k] = 0.0
        Binv[i, i] = -1.0
    it = 0
    since_refactor = 0
    while True:
        # pricing: the most infeasible basic variable leaves
        p = np.int64(-1)
        best = 0.0
        for i in range(m):
            v = head[i]
            if v >= n:
                lb = 0.0
                inf = lb - xB[i]
            else:
                inf = lob[v] - xB[i]
                if xB[i] - upb[v] > inf:
                    inf = xB[i] - upb[v]
            if inf > PTOL:
                # dual steepest edge: infeasibility^2 / ||row i of B^-1||^2 (exact, m is tiny)
                beta = 0.0
                for k in range(m):
                    beta += Binv[i, k] * Binv[i, k]
                score = inf * inf / beta
                if score > best:
                    best = score
                    p = i
        if p < 0:
            for j in range(n):
                v = xB[pos[j]] if pos[j] >= 0 else x[j]
                if v < lob[j]:
                    v = lob[j]
                elif v > upb[j]:
                    v = upb[j]
                x[j] = v
            if obj < thr - PRUNE_TOL:
                ub = lagrange_bound(R, rows, m, q, qc, lob, upb, ws)
                if ub < thr - PRUNE_TOL:
                    return LP_INFEAS, obj, it
            return LP_FEAS, obj, it
        if it >= maxit:
            return LP_FAIL, obj, FAIL_ITERATIONS
        it += 1
        lv = head[p]
        if lv >= n:
            delta = xB[p]
            bound_l = 0.0
        else:
            if xB[p] < lob[lv]:
                delta = xB[p] - lob[lv]
                bound_l = lob[lv]
            else:
                delta = xB[p] - upb[lv]
                bound_l = upb[lv]
        # row p of the tableau
        for j in range(n):
            alpha[j] = 0.0
        for i in range(m):
            rr = Binv[p, i]
            if rr != 0.0:
                row = R[rows[i]]
                for j in range(n):
                    alpha[j] += rr * row[j]
        for i in range(m):
            alpha[n + i] = -Binv[p, i]
        sgn = 1.0 if delta > 0.0 else -1.0
        amax = 0.0
        for j in range(nt):
            if pos[j] < 0:
                a = abs(alpha[j])
                if a > amax:
                    amax = a
        piv = PIVTOL * max(1.0, amax)
        nc = np.int64(0)
        for j in range(nt):
            if pos[j] >= 0:
                continue
            a = sgn * alpha[j]
            up_now = j < n and atup[j] == 1
            if (not up_now and a > piv) or (up_now and a < -piv):
                t = d[j] / a
                if t < 0.0:
                    t = 0.0
                cand[nc] = j
                tval[nc] = t
                nc += 1
        if nc == 0:
            return LP_FAIL, obj, FAIL_UNBOUNDED  # cannot happen when the fixed rows are feasible
        kq = _bfrt(cand, tval, nc, alpha, n, lob, upb, abs(delta))
        if kq < 0:
            return LP_FAIL, obj, FAIL_SLOPE
        qe = cand[kq]
        nflip = kq
        theta_d = d[qe] / alpha[qe]
        for j in range(nt):
            if pos[j] < 0:
                d[j] -= theta_d * alpha[j]
        d[qe] = 0.0
        d[lv] = -theta_d
        # bound flips
        if nflip > 0:
            for i in range(m):
                aF[i] = 0.0
            for f in range(nflip):
                j = cand[f]
                if atup[j] == 1:
                    dx = lob[j] - upb[j]
                    atup[j] = 0
                    x[j] = lob[j]
                else:
                    dx = upb[j] - lob[j]
                    atup[j] = 1
                    x[j] = upb[j]
                for i in range(m):
                    aF[i] += R[rows[i], j] * dx
            for i in range(m):
                s = 0.0
                for k in range(m):
                    s += Binv[i, k] * aF[k]
                xB[i] -= s
        # entering column
        if qe < n:
            for i in range(m):
                s = 0.0
                for k in range(m):
                    s += Binv[i, k] * R[rows[k], qe]
                col[i] = s
            xq = x[qe]
        else:
            kq = qe - n
            for i in range(m):
                col[i] = -Binv[i, kq]
            xq = 0.0
        pv = col[p]
        bad = abs(pv - alpha[qe]) > PIV_AGREE * (1.0 + abs(pv)) or abs(pv) < PIV_MIN
        theta_p = (xB[p] - bound_l) / pv
        for i in range(m):
            xB[i] -= theta_p * col[i]
        xB[p] = xq + theta_p
        if lv < n:
            x[lv] = bound_l
            atup[lv] = 1 if delta > 0.0 else 0
        pos[lv] = -1
        pos[qe] = p
        head[p] = qe
        _pivot_inverse(Binv, col, p, m)
        since_refactor += 1
        if bad or since_refactor >= REFACTOR_EVERY:
            if not _refactor(R, rows, m, q, ws):
                return LP_FAIL, obj, FAIL_SINGULAR
            since_refactor = 0
            # rounding may leave tiny dual infeasibilities: clamp them (moves the bound by < DTOL*width)
            for j in range(nt):
                if pos[j] < 0:
                    up_now = j < n and atup[j] == 1
                    if up_now and d[j] > 0.0:
                        if d[j] > DTOL:
                            return LP_FAIL, obj, FAIL_DUAL
                        d[j] = 0.0
                    elif (not up_now) and d[j] < 0.0:
                        if d[j] < -DTOL:
                            return LP_FAIL, obj, FAIL_DUAL
                        d[j] = 0.0
        # objective of the basic solution = dual bound (non-increasing)
        obj = qc
        for j in range(n):
            v = xB[pos[j]] if pos[j] >= 0 else x[j]
            obj += q[j] * v
        if obj < thr - PRUNE_TOL:
            ub = lagrange_bound(R, rows, m, q, qc, lob, upb, ws)
            if ub < thr - PRUNE_TOL:
                return LP_INFEAS, obj, it



@njit(**KERNEL)
def master_simplex(MT, mrc, meth, m, mq, K, K0, maxit, mw):
    """Primal simplex for the column-generation master: max mq.t  s.t.  MR_i t + mrc_i >= meth_i
    (i < m), sum t <= 1, t >= 0, with column k's coefficients MR_.k stored as the row MT[k].

    MT (kd, >= m) float64: columns 0..K-1 in use (kd = MT.shape[0] column slots; the slacks are
    kd..kd+m); mrc, meth (>= m,) float64: the rows' constants and thresholds (mrc >= meth: t = 0,
    the witness, is feasible); mq (kd,) float64: the objective; K0: columns K0..K-1 are new, the
    basis of the previous call is kept (K0 == 0 starts from the slack basis); maxit: iteration
    limit; mw: a :class:`MasterWork`. On return mw.y holds the duals (y_i >= 0 at an optimum).
    Returns the iterations, or -1 on failure (iteration limit or unbounded)."""
    kd = MT.shape[0]
    Binv, head, pos, xB, y, col = mw.Binv, mw.head, mw.pos, mw.xB, mw.y, mw.col
    mm = m + 1
    if K0 == 0:
        for i in range(mm):
            for k in range(mm):
                Binv[i, k] = 1.0 if i == k else 0.0
            head[i] = kd + i
            pos[kd + i] = i
            b = mrc[i] - meth[i] if i < m else 1.0
            xB[i] = b if b > 0.0 else 0.0
    for k in range(K0, K):
        pos[k] = -1
    # the duals y = c_B B^-1, computed once per call and then updated by each pivot
    for k in range(mm):
        y[k] = 0.0
    for i in range(mm):
        v = head[i]
        if v < kd:
            c = mq[v]
            if c != 0.0:
                for k in range(mm):
                    y[k] += c * Binv[i, k]
    it = 0
    while True:
        best = MASTER_DTOL
        q = -1
        for k in range(K):
            if pos[k] < 0:
                r = mq[k] - y[m] + dot(y, MT[k], m)
                if r > best:
                    best = r
                    q = k
        for i in range(mm):
            if pos[kd + i] < 0 and -y[i] > best:
                best = -y[i]
                q = kd + i
        if q < 0:
            return it
        if it >= maxit:
            return -1
        if q < kd:
            a = MT[q]
            for i in range(mm):
                col[i] = Binv[i, m] - dot(Binv[i], a, m)
        else:
            for i in range(mm):
                col[i] = Binv[i, q - kd]
        p = np.int64(-1)
        tmin = np.inf
        for i in range(mm):
            if col[i] > MASTER_PIVTOL:
                xi = xB[i] if xB[i] > 0.0 else 0.0
                t = xi / col[i]
                if t < tmin:
                    tmin = t
                    p = i
        if p < 0:
            return -1
        for i in range(mm):
            xB[i] -= tmin * col[i]
        xB[p] = tmin
        pos[head[p]] = -1
        head[p] = q
        pos[q] = p
        f = best / col[p]  # y += (reduced cost / pivot) * row p of the old inverse
        for k in range(mm):
            y[k] += f * Binv[p, k]
        _pivot_inverse(Binv, col, p, mm)
        it += 1

