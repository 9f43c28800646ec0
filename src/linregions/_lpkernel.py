"""Compiled core of the LP region search: a depth-first search over the hidden units with an
explicit stack, and a bounded dual simplex specialised to its tiny LPs (numba, no GIL).

The search is resumable: :func:`run` works until the subtree is finished, a step budget is
spent, the pattern buffer is full, or an LP needs the robust fallback solve (done in Python);
all its state lives in the arrays of a worker, so calling :func:`run` again continues exactly
where it stopped.

Deciding one side of a unit (is max sg*(a x + c) >= thr over {x in box, fixed rows >= e}?) is
a cascade, cheapest first. For a layer-1 unit, when the first layer's hyperplanes meet inside the
box, a point of every layer-1 cell follows from one point where they all meet (the hub, one LP
per count: lpenum._hub); that point is tried first (:func:`hub_side`). Then the LPs
(:func:`side_lp`):

1. the same LP in zeta = W1 x space (n1 columns instead of n0; every row of every layer is
   affine in zeta on the region), with the zonotope W1*box relaxed to its bounding box. Its
   Lagrangian bound is valid for the true LP, so "infeasible" prunes. For a layer-1 unit every row
   bounds another coordinate, so this reduces to comparing the range of zeta_dep with the need;
2. column generation (Dantzig-Wolfe with the box as subproblem, :func:`_dw`): the LP over the
   convex hull of the witness and a few box corners, solved in zeta space. Its optimum is a
   convex combination of box points, hence realised exactly (and checked by evaluation); its
   duals y price the next corner, argmax_box (q + R^T y) W1 x, and give the bound
   psi(q + R^T y) - y h + qc with the true support psi of the zonotope, which prunes. It starts
   from the duals of step 1 and settles almost every side in a few columns;
3. the exact LP in x space. For layers >= 2 the objective lies in the span of the rows (all
   are combinations of W1's rows), which makes it massively dual degenerate: it takes ~100
   dual simplex iterations, which is why it comes last. When its vertex fails evaluation (rows
   tight there), it is solved once more with every row asked to clear its threshold by XSHIFT;
4. if even that fails (iteration limit, rounding), the caller's robust HiGHS solve.

The x/zeta LP is  max q x + qc  s.t.  R_i x + rc_i >= e_i  and  lob <= x <= upb,  solved in the
standard form R x - r = h (h = e - rc), r >= 0, from the dual-feasible basis of all slacks with
every x_j at the bound its objective prefers, with dual steepest-edge pricing (exact weights:
m is tiny), a bound-flipping ratio test by weighted selection, an explicit m x m basis inverse
updated in product form and refactorised every 40 iterations or when a pivot disagrees.

Tolerances (absolute; pre-activations of trained networks are O(1)):

* ``PTOL`` 1e-9: primal feasibility of basic variables. A point an LP returns is never
  trusted: it is clipped to the box, its layer-1 coordinates zeta = W1 x are computed, and every
  row is re-evaluated from them in float64 (rows are affine in zeta on the region: this is the
  network's forward pass with the fixed states). Each witness keeps its zeta (``ZW``), so
  deciding which side of a unit holds the witness costs n1 operations, not n0.
* ``PIVTOL`` 1e-9 (relative to the largest |alpha| of the row): smallest pivot accepted in the
  ratio test.
* ``PRUNE_TOL`` 1e-11: a side is pruned only when the Lagrangian bound
  max_box (q + R^T y) x - y h + qc, valid for any y >= 0 whatever the basis' rounding, is below
  thr - PRUNE_TOL. So a prune is a proof up to the rounding of one dot product.
* ``DTOL`` 1e-9: dual infeasibility tolerated (and clamped) after a refactorisation.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# return codes of run()
ST_DONE = 0
ST_BUDGET = 1
ST_FALLBACK = 2
ST_FLUSH = 3

# side LP outcomes
LP_FEAS = 0
LP_INFEAS = 1
LP_FAIL = 2

# indices into the int64 state vector ``ist``
I_DEPTH = 0  # current node depth (number of fixed units)
I_BASE = 1  # depth of the task's root; the task is finished when depth < base
I_STOP = 2  # depth at which nodes are emitted (N for leaves, smaller for prefixes)
I_COUNT = 3  # nodes emitted (regions when stop == N)
I_NODES = 4  # search nodes visited
I_LPS = 5  # LPs solved
I_NOUT = 6  # rows used in the output buffers
I_FB_DEPTH = 7  # fallback request: depth
I_FB_SIDE = 8  # fallback request: side
I_FB_REPLY = 9  # fallback reply: 0 none, 1 feasible (witness in xfb), 2 infeasible
I_ITERS = 10  # simplex iterations
I_FALLBACKS = 11  # fallback solves requested
I_RECORD = 12  # 1: write emitted patterns to the buffer
I_MODE = 13  # 0: margin "both", 1: margin "active"
I_FAILS = 14  # 14..19: x-space LPs that failed (14: optimum failed evaluation, 15..19: LP failure codes 1..5)
I_PRUNE_Z = 20  # sides pruned by the zeta LP over the zonotope's bounding box
I_DW_FEAS = 21  # sides made feasible by column generation
I_DW_PRUNE = 22  # sides pruned by column generation's true-support bound
I_DW_COLS = 23  # columns (box corners) generated
I_XLP = 24  # x-space LPs
I_HUB = 25  # layer-1 sides settled by the hub's candidate point, without an LP
I_NST = 26

PTOL = 1e-9
PIVTOL = 1e-9
PRUNE_TOL = 1e-11
DTOL = 1e-9
#: Weight of the best-bound duals in the prices of column generation (Wentges smoothing).
SMOOTH = 0.5
#: Most recent box corners of the task that join column generation's first master as columns.
POOL = 16
#: Extra margin asked of every row by the second x-space LP, when the first one's vertex fails
#: evaluation (the regions behind those failures have max-min margins around 1, not 1e-5).
XSHIFT = 1e-5


@njit(cache=True, nogil=True, fastmath={"reassoc"})
def _dot(a, b, n):
    # reassociation lets the compiler split the sum over SIMD lanes: about 5x faster at n = 784
    # than an ordered sum, which made the whole search about 1.8x faster. The order is fixed by the
    # compiled kernel, so a count is reproducible on a machine and independent of the threads.
    s = 0.0
    for j in range(n):
        s += a[j] * b[j]
    return s


@njit(cache=True, nogil=True, fastmath={"reassoc"})
def _support(p, n, lo, up):
    """max over the box [lo, up]^n of p.x, and the sum of the magnitudes of its terms."""
    psi = 0.0
    mag = 0.0
    for j in range(n):
        v = p[j]
        t = v * up if v > 0.0 else v * lo
        psi += t
        mag += abs(t)
    return psi, mag


@njit(cache=True, nogil=True)
def compute_layer(l, Wflat, Woff, bflat, lstart, S, Araw, Az, craw, nonconst, n0, n1):
    """Affine maps of layer l's units given the states of layer l-1 (A_l = W diag(s) A_{l-1}),
    both in x (Araw, n0 columns) and in the layer-1 space zeta = W1 x (Az, n1 columns)."""
    a0 = lstart[l - 1]
    a1 = lstart[l]
    nprev = a1 - a0
    for u in range(lstart[l], lstart[l + 1]):
        row = Araw[u]
        rz = Az[u]
        for j in range(n0):
            row[j] = 0.0
        for j in range(n1):
            rz[j] = 0.0
        cc = 0.0
        base = Woff[l] + (u - lstart[l]) * nprev
        for i in range(a0, a1):
            if S[i] == 1:
                w = Wflat[base + i - a0]
                if w != 0.0:
                    src = Araw[i]
                    for j in range(n0):
                        row[j] += w * src[j]
                    sz = Az[i]
                    for j in range(n1):
                        rz[j] += w * sz[j]
                    cc += w * craw[i]
        craw[u] = cc + bflat[lstart[l] + (u - lstart[l])]
        nz = 0
        for j in range(n0):
            if row[j] != 0.0:
                nz = 1
                break
        nonconst[u] = nz


@njit(cache=True, nogil=True)
def _gauss_jordan(A, Y, n, k):
    """Solve A X = Y in place (A n x n overwritten, Y n x k becomes X) with partial pivoting;
    False if A is singular to working precision."""
    amax = 0.0
    for i in range(n):
        for j in range(n):
            if abs(A[i, j]) > amax:
                amax = abs(A[i, j])
    tol = 1e-13 * max(amax, 1e-300)
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


@njit(cache=True, nogil=True)
def _refactor(R, rows, m, n, head, Binv, B, xB, x, pos, d, q, h):
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
    # xB = Binv (h - sum_nonbasic a_j x_j)
    rhs = np.empty(m)
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
    y = np.zeros(m)
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


@njit(cache=True, nogil=True)
def _lagrange_bound(R, rows, m, n, q, qc, d, pos, h, lob, upb, g):
    """max_box (q + R^T y) x - y h + qc with y_i = max(d_slack_i, 0): an upper bound valid for any y >= 0."""
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


@njit(cache=True, nogil=True)
def _bfrt_weight(j, n, alpha, lob, upb):
    if j >= n:
        return np.inf  # a slack has no upper bound: it cannot flip
    return abs(alpha[j]) * (upb[j] - lob[j])


@njit(cache=True, nogil=True)
def _swap(cand, tval, i, k):
    cand[i], cand[k] = cand[k], cand[i]
    tval[i], tval[k] = tval[k], tval[i]


@njit(cache=True, nogil=True)
def _bfrt(cand, tval, nc, alpha, n, lob, upb, slope0):
    """Bound-flipping ratio test by weighted selection (expected O(nc), no full sort): returns
    the position k of the entering candidate after rearranging, so that cand[:k] are the
    candidates to flip (ratios below the entering one); -1 if the slope never turns."""
    lo_i = 0
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


@njit(cache=True, nogil=True)
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


@njit(cache=True, nogil=True)
def dual_simplex(R, rc, eth, rows, m, q, qc, thr, lob, upb, n, maxit,
                 x, atup, pos, d, alpha, Binv, B, xB, head, cand, tval, col, aF, h, g):
    """Decide whether max q x + qc >= thr over {box, rows}; on success the optimal point is in x.

    Returns (status, objective, iterations): LP_FEAS (optimum reached; x holds the clipped
    optimal point), LP_INFEAS (a Lagrangian bound proves the optimum < thr) or LP_FAIL
    (iteration limit or numerical trouble: the caller falls back to a robust solver).
    """
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
        xB[i] = _dot(R[r], x, n) - h[i]
        for k in range(m):
            Binv[i, k] = 0.0
        Binv[i, i] = -1.0
    it = 0
    since_refactor = 0
    while True:
        # pricing: the most infeasible basic variable leaves
        p = -1
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
                ub = _lagrange_bound(R, rows, m, n, q, qc, d, pos, h, lob, upb, g)
                if ub < thr - PRUNE_TOL:
                    return LP_INFEAS, obj, it
            return LP_FEAS, obj, it
        if it >= maxit:
            return LP_FAIL, obj, -1
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
        nc = 0
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
            return LP_FAIL, obj, -2  # dual unbounded: cannot happen when the fixed rows are feasible
        kq = _bfrt(cand, tval, nc, alpha, n, lob, upb, abs(delta))
        if kq < 0:
            return LP_FAIL, obj, -3
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
        bad = abs(pv - alpha[qe]) > 1e-7 * (1.0 + abs(pv)) or abs(pv) < 1e-12
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
        if bad or since_refactor >= 40:
            if not _refactor(R, rows, m, n, head, Binv, B, xB, x, pos, d, q, h):
                return LP_FAIL, obj, -5
            since_refactor = 0
            # rounding may leave tiny dual infeasibilities: clamp them (moves the bound by < DTOL*width)
            for j in range(nt):
                if pos[j] < 0:
                    up_now = j < n and atup[j] == 1
                    if up_now and d[j] > 0.0:
                        if d[j] > DTOL:
                            return LP_FAIL, obj, -4
                        d[j] = 0.0
                    elif (not up_now) and d[j] < 0.0:
                        if d[j] < -DTOL:
                            return LP_FAIL, obj, -4
                        d[j] = 0.0
        # objective of the basic solution = dual bound (non-increasing)
        obj = qc
        for j in range(n):
            v = xB[pos[j]] if pos[j] >= 0 else x[j]
            obj += q[j] * v
        if obj < thr - PRUNE_TOL:
            ub = _lagrange_bound(R, rows, m, n, q, qc, d, pos, h, lob, upb, g)
            if ub < thr - PRUNE_TOL:
                return LP_INFEAS, obj, it


@njit(cache=True, nogil=True)
def _zeta(W1, x, z, n0, n1):
    """z = W1 x: the layer-1 coordinates of a point, from which every row is evaluated."""
    for i in range(n1):
        z[i] = _dot(W1[i], x, n0)


@njit(cache=True, nogil=True)
def _zwitness(dep, sg, need, m, rows, xw, xt, lam, xn, zn, W1, Az, craw, Rz, rc, eth, n0, n1, lo, up):
    """x_w + lam (x_t - x_w) clipped to the box into xn and its zeta = W1 xn into zn; True if
    every row holds there, evaluated in float64 from zn (rows are affine in zeta)."""
    for j in range(n0):
        v = xw[j] + lam * (xt[j] - xw[j])
        if v < lo:
            v = lo
        elif v > up:
            v = up
        xn[j] = v
    _zeta(W1, xn, zn, n0, n1)
    if not sg * (_dot(Az[dep], zn, n1) + craw[dep]) >= need:
        return False
    for i in range(m):
        r = rows[i]
        if not _dot(Rz[r], zn, n1) + rc[r] >= eth[r]:
            return False
    return True


@njit(cache=True, nogil=True)
def _zrecenter(dep, sg, need, m, rows, xn, zn, W1, Az, craw, Rz, rc, eth, n0, n1, lo, up, keep, zkeep, zcen):
    """:func:`_recenter` with every row evaluated from zeta (zcen = W1 times the box centre)."""
    cen = 0.5 * (lo + up)
    a = Az[dep]
    v0 = sg * (_dot(a, zn, n1) + craw[dep]) - need
    v1 = sg * (_dot(a, zcen, n1) + craw[dep]) - need
    tmax = 1.0
    if v1 < 0.0 and v0 > 0.0:
        tmax = min(tmax, v0 / (v0 - v1))
    for i in range(m):
        r = rows[i]
        v0 = _dot(Rz[r], zn, n1) + rc[r] - eth[r]
        v1 = _dot(Rz[r], zcen, n1) + rc[r] - eth[r]
        if v1 < 0.0 and v0 > 0.0:
            t = v0 / (v0 - v1)
            if t < tmax:
                tmax = t
    t = 0.5 * tmax
    if t <= 0.0:
        return
    for j in range(n0):
        keep[j] = xn[j]
        xn[j] += t * (cen - xn[j])
    for i in range(n1):
        zkeep[i] = zn[i]
    _zeta(W1, xn, zn, n0, n1)
    ok = sg * (_dot(a, zn, n1) + craw[dep]) >= need
    if ok:
        for i in range(m):
            r = rows[i]
            if not _dot(Rz[r], zn, n1) + rc[r] >= eth[r]:
                ok = False
                break
    if not ok:  # undo (rare: rounding at a tight row)
        for j in range(n0):
            xn[j] = keep[j]
        for i in range(n1):
            zn[i] = zkeep[i]


@njit(cache=True, nogil=True)
def _master(MT, mrc, meth, m, mq, K, K0, kd, Binv, head, pos, xB, y, col, maxit):
    """Primal simplex for the master LP of :func:`_dw`: max mq.t s.t. MR_i t + mrc_i >= meth_i
    (i < m), sum t <= 1, t >= 0, with column k's coefficients MR_.k stored as the row MT[k].
    Warm-started: columns K0..K-1 are new, the basis of the previous call is kept (K0 == 0 starts
    from the slack basis, feasible at t = 0, the witness). On return y holds the duals (y_i >= 0
    at an optimum). Returns the iterations, or -1 on failure."""
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
        best = 1e-11
        q = -1
        for k in range(K):
            if pos[k] < 0:
                r = mq[k] - y[m] + _dot(y, MT[k], m)
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
                col[i] = Binv[i, m] - _dot(Binv[i], a, m)
        else:
            for i in range(mm):
                col[i] = Binv[i, q - kd]
        p = -1
        tmin = np.inf
        for i in range(mm):
            if col[i] > 1e-11:
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


@njit(cache=True, nogil=True)
def _dw(dep, sg, need, m, rows, xw, zw, zq, qc, W1, Az, craw, Rz, rc, eth, n0, n1, lo, up, xt, xn, zn, keep,
        zkeep, zcen, ist, wsd, yd, ypos, seeded):
    """Column generation (Dantzig-Wolfe) for one side in layer-1 space: the LP over the convex
    hull of the witness and a few box corners (columns) is exact to realise, and each round's
    duals y price the next corner and give the bound psi(q + R^T y) - y h + qc with the true
    support psi of the zonotope (a rigorous prune: any y >= 0 gives a valid bound, so prices may
    be smoothed toward the best bound found). LP_FAIL means undecided after the rounds."""
    V, WV, pst, src, C, MT, mrc, meth, pv, gg, mq, mBinv, mhead, mpos, mxB, mh, mcol, yp, yb = wsd
    kmax = C.shape[0]
    P = V.shape[0]
    for i in range(m):
        r = rows[i]
        mrc[i] = _dot(Rz[r], zw, n1) + rc[r]
        meth[i] = eth[r]
    mqc = qc + _dot(zq, zw, n1)
    for i in range(m):  # first prices: the duals (yd, ypos) of the relaxed zeta LP, if it was solved
        yp[i] = yd[n1 + i] if seeded and ypos[n1 + i] < 0 and yd[n1 + i] > 0.0 else 0.0
    best = np.inf
    K = 0
    while True:
        for j in range(n1):
            gg[j] = zq[j]
        yh = 0.0
        for i in range(m):
            y = yp[i]
            if y > 0.0:
                r = rows[i]
                for j in range(n1):
                    gg[j] += y * Rz[r, j]
                yh += y * (eth[r] - rc[r])
        # price: the corner maximising gg.W1 x, and the bound it gives
        for j in range(n0):
            pv[j] = 0.0
        for i in range(n1):
            gi = gg[i]
            if gi != 0.0:
                wi = W1[i]
                for j in range(n0):
                    pv[j] += gi * wi[j]
        psi, mag = _support(pv, n0, lo, up)
        if psi - yh + qc < need - PRUNE_TOL - 1e-12 * (mag + abs(yh) + abs(qc)):
            ist[I_DW_PRUNE] += 1
            return LP_INFEAS
        if psi - yh < best:  # the best bound so far: the stability centre of the prices
            best = psi - yh
            for i in range(m):
                yb[i] = yp[i]
        if K == kmax:
            break
        K0 = K
        if K == 0:  # first round: the task's most recent corners join as columns (n1 + m n1 each)
            for s in range(min(pst[1], POOL)):
                src[K] = (pst[0] - 1 - s) % P
                K += 1
        slot = pst[0]  # the new corner goes to the pool's ring
        pst[0] = (slot + 1) % P
        if pst[1] < P:
            pst[1] += 1
        vk = V[slot]
        for j in range(n0):
            vk[j] = up if pv[j] > 0.0 else lo
        for i in range(n1):
            WV[slot, i] = _dot(W1[i], vk, n0)
        src[K] = slot
        K += 1
        ist[I_DW_COLS] += 1
        for k in range(K0, K):
            wv = WV[src[k]]
            for i in range(n1):
                C[k, i] = wv[i] - zw[i]
            for i in range(m):
                MT[k, i] = _dot(Rz[rows[i]], C[k], n1)
            mq[k] = _dot(zq, C[k], n1)
        its = _master(MT, mrc, meth, m, mq, K, K0, kmax, mBinv, mhead, mpos, mxB, mh, mcol, 50)
        if its < 0:
            break
        obj = mqc
        for i in range(m + 1):
            v = mhead[i]
            if v < kmax:
                obj += mq[v] * mxB[i]
        if obj >= need:
            val_w = mqc
            target = need + 0.5 * (obj - need)
            lam = (target - val_w) / (obj - val_w)
            if lam > 1.0:
                lam = 1.0
            for j in range(n0):
                xt[j] = xw[j]
            for k in range(K):
                tk = mxB[mpos[k]] if mpos[k] >= 0 else 0.0
                if tk > 0.0:
                    vk = V[src[k]]
                    for j in range(n0):
                        xt[j] += tk * (vk[j] - xw[j])
            for tries in range(2):
                if _zwitness(dep, sg, need, m, rows, xw, xt, lam, xn, zn, W1, Az, craw, Rz, rc, eth, n0, n1, lo, up):
                    ist[I_DW_FEAS] += 1
                    _zrecenter(dep, sg, need, m, rows, xn, zn, W1, Az, craw, Rz, rc, eth, n0, n1, lo, up, keep,
                               zkeep, zcen)
                    return LP_FEAS
                lam = 1.0
            break
        # next prices: the master's duals, smoothed toward the centre (Wentges) unless the last
        # column did not move the master (then smoothing could price the same corner again)
        al = SMOOTH if its > 0 else 0.0
        for i in range(m):
            y = mh[i] if mh[i] > 0.0 else 0.0
            yp[i] = al * yb[i] + (1.0 - al) * y
    return LP_FAIL


@njit(cache=True, nogil=True)
def _fixed_rows(dep, nonconst, rows):
    """The rows of an LP at depth ``dep``: the fixed units that are not constant. Returns their number."""
    m = 0
    for j in range(dep):
        if nonconst[j] == 1:
            rows[m] = j
            m += 1
    return m


@njit(cache=True, nogil=True)
def hub_side(dep, side, need, X, Az, craw, Rz, rc, eth, nonconst, n0, n1, lo, up, geo, wsx, wsz):
    """Try the layer-1 hub's candidate for this side of layer-1 unit ``dep``: HX[dep] (the hub
    moved by tau along pinv(W1) to the fixed units' sides) moved once more for this unit. True
    (the candidate, checked by evaluation like any witness, is in X[dep+1]) or False."""
    W1, zlo, zhi, xlo, xhi, zcen, P1T, HX, htau = geo
    rows, qv, x, atup, pos, d, alpha, Binv, B, xB, head, cand, tval, col, aF, h, g = wsx
    zx = wsz[1]
    ZW = wsz[-1]
    m = _fixed_rows(dep, nonconst, rows)
    sg = 1.0 if side == 1 else -1.0
    t = sg * htau[0]
    hx = HX[dep]
    p = P1T[dep]
    for j in range(n0):
        x[j] = hx[j] + t * p[j]
    if _zwitness(dep, sg, need, m, rows, X[dep], x, 1.0, X[dep + 1], ZW[dep + 1], W1, Az, craw, Rz, rc, eth, n0,
                 n1, lo, up):
        _zrecenter(dep, sg, need, m, rows, X[dep + 1], ZW[dep + 1], W1, Az, craw, Rz, rc, eth, n0, n1, lo, up, g,
                   zx, zcen)
        return True
    return False


@njit(cache=True, nogil=True)
def side_lp(dep, side, need, X, Araw, Az, craw, R, Rz, rc, eth, nonconst, n0, n1, lo, up, ist, geo, wsx, wsz,
            wsd):
    """Decide one side of unit ``dep``; on LP_FEAS a certified interior witness is in X[dep+1].

    First the LP in zeta = W1 x space over the bounding box of the zonotope (a proof of
    infeasibility prunes); then column generation over box corners (:func:`_dw`), seeded with
    that LP's duals; only if that stays undecided, the exact LP in x space (784 columns, massively
    dual degenerate for layers >= 2), and once more with every row asked to clear its threshold by
    XSHIFT if its vertex fails evaluation; if that fails too, LP_FAIL asks for the robust fallback.
    """
    W1, zlo, zhi, xlo, xhi, zcen, P1T, HX, htau = geo
    rows, qv, x, atup, pos, d, alpha, Binv, B, xB, head, cand, tval, col, aF, h, g = wsx
    zq, zx, zatup, zpos, zd, zalpha, zBinv, zB, zxB, zhead, zcand, ztval, zcol, zaF, zh, zg, ZW = wsz
    m = _fixed_rows(dep, nonconst, rows)
    sg = 1.0 if side == 1 else -1.0
    qc = sg * craw[dep]
    xw = X[dep]
    xn = X[dep + 1]
    zw = ZW[dep]
    zn = ZW[dep + 1]
    for j in range(n1):
        zq[j] = sg * Az[dep, j]
    if dep < n1:
        # a layer-1 unit is the coordinate zeta_dep, and every row is a bound on another coordinate:
        # the zeta LP below would only compare the zonotope's range of zeta_dep with need (its row
        # duals are zero), so do just that
        if sg * (zhi[dep] if sg > 0.0 else zlo[dep]) + qc < need - PRUNE_TOL:
            ist[I_PRUNE_Z] += 1
            return LP_INFEAS
        seeded = False
    else:
        # ---- zeta-space LP over the bounding box of the zonotope Z = {W1 x : x in box}
        st, obj, its = dual_simplex(Rz, rc, eth, rows, m, zq, qc, need, zlo, zhi, n1, 20 * (m + n1) + 60,
                                    zx, zatup, zpos, zd, zalpha, zBinv, zB, zxB, zhead, zcand, ztval,
                                    zcol, zaF, zh, zg)
        if its >= 0:
            ist[I_ITERS] += its
        if st == LP_INFEAS:
            ist[I_PRUNE_Z] += 1
            return LP_INFEAS
        seeded = st == LP_FEAS
    # ---- column generation over box corners, priced first with the relaxed LP's duals
    st = _dw(dep, sg, need, m, rows, xw, zw, zq, qc, W1, Az, craw, Rz, rc, eth, n0, n1, lo, up, x, xn, zn, g,
             zx, zcen, ist, wsd, zd, zpos, seeded)
    if st != LP_FAIL:
        return st
    # ---- exact x-space LP; if its optimum fails evaluation (rows tight at the vertex), once more
    # with every row and the objective asked to clear its threshold by XSHIFT
    a = Araw[dep]
    for j in range(n0):
        qv[j] = sg * a[j]
    val_w = sg * (_dot(a, xw, n0) + craw[dep])
    for shift in (0.0, XSHIFT):
        for i in range(m):
            zh[i] = eth[rows[i]]  # restored exactly below: eps + 1e-5 - 1e-5 is not eps
            eth[rows[i]] += shift
        st, obj, its = dual_simplex(R, rc, eth, rows, m, qv, qc, need + shift, xlo, xhi, n0, 40 * m + 400,
                                    x, atup, pos, d, alpha, Binv, B, xB, head, cand, tval, col, aF, h, g)
        for i in range(m):
            eth[rows[i]] = zh[i]
        ist[I_XLP] += 1
        if its < 0:
            ist[I_FAILS - its] += 1
        else:
            ist[I_ITERS] += its
        if st != LP_FEAS:
            return st if shift == 0.0 else LP_FAIL  # a shifted LP's infeasibility proves nothing
        val_v = sg * (_dot(a, x, n0) + craw[dep])
        if val_v >= need:
            # move from the vertex toward the parent witness so the new row sits half way to its max
            target = need + 0.5 * (val_v - need)
            lam = (target - val_w) / (val_v - val_w)
            if lam > 1.0:
                lam = 1.0
            for lam_try in (lam, 1.0):
                if _zwitness(dep, sg, need, m, rows, xw, x, lam_try, xn, zn, W1, Az, craw, Rz, rc, eth, n0, n1,
                             lo, up):
                    _zrecenter(dep, sg, need, m, rows, xn, zn, W1, Az, craw, Rz, rc, eth, n0, n1, lo, up, g, zx,
                               zcen)
                    return LP_FEAS
        ist[I_FAILS] += 1
    return LP_FAIL


@njit(cache=True, nogil=True)
def set_state(dep, side, S, Araw, Az, craw, nonconst, R, Rz, rc, eth, n0, n1, eps, mode):
    S[dep] = side
    if nonconst[dep] == 1:
        sg = 1.0 if side == 1 else -1.0
        a = Araw[dep]
        r = R[dep]
        for j in range(n0):
            r[j] = sg * a[j]
        for j in range(n1):
            Rz[dep, j] = sg * Az[dep, j]
        rc[dep] = sg * craw[dep]
        eth[dep] = eps if (side == 1 or mode == 0) else 0.0


@njit(cache=True, nogil=True)
def arrive(dep, netd, S, Araw, Az, craw, nonconst, nside, sides, nxt, n0, n1, ist):
    """Set up node ``dep``: affine maps when it opens a layer, and the sides to explore."""
    Wflat, Woff, bflat, lstart, layer_of = netd
    l = layer_of[dep]
    if l >= 1 and dep == lstart[l]:
        compute_layer(l, Wflat, Woff, bflat, lstart, S, Araw, Az, craw, nonconst, n0, n1)
    if nonconst[dep] == 1:
        nside[dep] = 2
        sides[dep, 0] = 1
        sides[dep, 1] = 0
    else:
        nside[dep] = 1
        sides[dep, 0] = 1 if craw[dep] > 0.0 else 0
    nxt[dep] = 0
    ist[I_NODES] += 1


@njit(cache=True, nogil=True)
def init_task(prefix, D, witness, stop, netd, N, n0, n1, eps, mode,
              X, ZW, S, Araw, Az, craw, nonconst, R, Rz, rc, eth, nside, sides, nxt, ist):
    """Start a task at the node given by the first D unit states ``prefix`` and its witness."""
    Wflat, Woff, bflat, lstart, layer_of = netd
    for u in range(n1):
        nz = 0
        for j in range(n0):
            v = Wflat[u * n0 + j]
            Araw[u, j] = v
            if v != 0.0:
                nz = 1
        for j in range(n1):
            Az[u, j] = 1.0 if j == u else 0.0
        craw[u] = bflat[u]
        nonconst[u] = nz
    for dep in range(D):
        l = layer_of[dep]
        if l >= 1 and dep == lstart[l]:
            compute_layer(l, Wflat, Woff, bflat, lstart, S, Araw, Az, craw, nonconst, n0, n1)
        set_state(dep, prefix[dep], S, Araw, Az, craw, nonconst, R, Rz, rc, eth, n0, n1, eps, mode)
    for j in range(n0):
        X[D, j] = witness[j]
    for i in range(n1):
        ZW[D, i] = _dot(Wflat[i * n0:(i + 1) * n0], witness, n0)
    ist[I_BASE] = D
    ist[I_STOP] = stop
    ist[I_DEPTH] = D
    ist[I_FB_REPLY] = 0
    if D < stop:
        arrive(D, netd, S, Araw, Az, craw, nonconst, nside, sides, nxt, n0, n1, ist)


@njit(cache=True, nogil=True)
def _copy_witness(X, ZW, dep, n0, n1):
    for j in range(n0):
        X[dep + 1, j] = X[dep, j]
    for i in range(n1):
        ZW[dep + 1, i] = ZW[dep, i]


@njit(cache=True, nogil=True)
def run(budget, netd, N, n0, n1, lo, up, eps, X, S, Araw, Az, craw, nonconst, R, Rz, rc, eth,
        nside, sides, nxt, ist, xfb, outpat, outwit, geo, wsx, wsz, wsd):
    """Continue the depth-first search of the current task; see the module docstring."""
    ZW = wsz[-1]
    mode = ist[I_MODE]
    base = ist[I_BASE]
    stop = ist[I_STOP]
    cap = outpat.shape[0]
    steps = 0
    while True:
        dep = ist[I_DEPTH]
        if dep < base:
            return ST_DONE
        if nxt[dep] >= nside[dep]:
            ist[I_DEPTH] = dep - 1
            continue
        side = sides[dep, nxt[dep]]
        feas = False
        if nonconst[dep] == 0:
            _copy_witness(X, ZW, dep, n0, n1)
            feas = True
        else:
            need = eps if (side == 1 or mode == 0) else 0.0
            v = _dot(Az[dep], ZW[dep], n1) + craw[dep]
            val = v if side == 1 else -v
            if val >= need:
                _copy_witness(X, ZW, dep, n0, n1)
                feas = True
            elif ist[I_FB_REPLY] != 0 and ist[I_FB_DEPTH] == dep and ist[I_FB_SIDE] == side:
                if ist[I_FB_REPLY] == 1:
                    for j in range(n0):
                        X[dep + 1, j] = xfb[j]
                    _zeta(geo[0], xfb, ZW[dep + 1], n0, n1)
                    feas = True
                ist[I_FB_REPLY] = 0
            elif dep < n1 and geo[8][0] > 0.0 and hub_side(dep, side, need, X, Az, craw, Rz, rc, eth, nonconst,
                                                           n0, n1, lo, up, geo, wsx, wsz):
                ist[I_HUB] += 1
                feas = True
            else:
                ist[I_LPS] += 1
                r = side_lp(dep, side, need, X, Araw, Az, craw, R, Rz, rc, eth, nonconst, n0, n1, lo, up,
                            ist, geo, wsx, wsz, wsd)
                if r == LP_FAIL:
                    ist[I_FB_DEPTH] = dep
                    ist[I_FB_SIDE] = side
                    ist[I_FALLBACKS] += 1
                    return ST_FALLBACK
                feas = r == LP_FEAS
        nxt[dep] += 1
        if feas:
            set_state(dep, side, S, Araw, Az, craw, nonconst, R, Rz, rc, eth, n0, n1, eps, mode)
            if dep < n1 and geo[8][0] > 0.0:  # the hub's candidate point for the prefix, one step further
                HX = geo[7]
                t = geo[8][0] if side == 1 else -geo[8][0]
                p = geo[6][dep]
                for j in range(n0):
                    HX[dep + 1, j] = HX[dep, j] + t * p[j]
            if dep + 1 == stop:
                ist[I_COUNT] += 1
                if ist[I_RECORD] == 1:
                    k = ist[I_NOUT]
                    nb = outpat.shape[1]
                    for b in range(nb):
                        outpat[k, b] = 0
                    for u in range(stop):
                        if S[u] == 1:
                            outpat[k, u >> 3] |= np.uint8(1 << (7 - (u & 7)))
                    if outwit.shape[0] > 0:
                        for j in range(n0):
                            outwit[k, j] = X[dep + 1, j]
                    ist[I_NOUT] = k + 1
                    if k + 1 >= cap:
                        return ST_FLUSH
            else:
                arrive(dep + 1, netd, S, Araw, Az, craw, nonconst, nside, sides, nxt, n0, n1, ist)
                ist[I_DEPTH] = dep + 1
        steps += 1
        if steps >= budget:
            return ST_BUDGET
