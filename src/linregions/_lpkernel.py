"""Compiled core of the LP region search: a depth-first search over the hidden units with an
explicit stack, and a bounded dual simplex specialised to its tiny LPs (numba, no GIL).

The search is resumable: :func:`run` works until the subtree is finished, a step budget is
spent, the pattern buffer is full, or an LP needs the robust fallback solve (done in Python);
all its state lives in the arrays of a :class:`Work` bundle, so calling :func:`run` again
continues exactly where it stopped.

The LP of a side is  max sg*(a x + c)  s.t.  R_i x + rc_i >= e_i  (the fixed units' signed rows)
and lo <= x_j <= up.  It is solved in the standard form R x - r = h (h = e - rc), r >= 0, from the
dual-feasible basis of all slacks with every x_j at the bound its objective prefers.

Tolerances (absolute; pre-activations of trained networks are O(1)):

* ``PTOL`` 1e-9: primal feasibility of basic variables. A point the LP returns is never
  trusted: every row is re-evaluated at it (clipped to the box) in float64.
* ``PIVTOL`` 1e-9 (relative to the largest |alpha| of the row): smallest pivot accepted in the
  ratio test.
* ``PRUNE_TOL`` 1e-11: a side is pruned only when the Lagrangian bound
  max_box (q + R^T y) x - y h + qc, valid for any y >= 0 whatever the basis' rounding, is below
  thr - PRUNE_TOL. So a prune is a proof up to the rounding of one dot product.
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
I_FAILS = 14  # 14..19: counts of fast-LP failures by reason (diagnostics)
I_NST = 20

PTOL = 1e-9
PIVTOL = 1e-9
PRUNE_TOL = 1e-11
DTOL = 1e-9


@njit(cache=True, nogil=True)
def _dot(a, b, n):
    s = 0.0
    for j in range(n):
        s += a[j] * b[j]
    return s


@njit(cache=True, nogil=True)
def compute_layer(l, Wflat, Woff, bflat, lstart, S, Araw, craw, nonconst, n0):
    """Affine maps of layer l's units given the states of layer l-1 (A_l = W diag(s) A_{l-1})."""
    a0 = lstart[l - 1]
    a1 = lstart[l]
    nprev = a1 - a0
    for u in range(lstart[l], lstart[l + 1]):
        row = Araw[u]
        for j in range(n0):
            row[j] = 0.0
        cc = 0.0
        base = Woff[l] + (u - lstart[l]) * nprev
        for i in range(a0, a1):
            if S[i] == 1:
                w = Wflat[base + i - a0]
                if w != 0.0:
                    src = Araw[i]
                    for j in range(n0):
                        row[j] += w * src[j]
                    cc += w * craw[i]
        craw[u] = cc + bflat[lstart[l] + (u - lstart[l])]
        nz = 0
        for j in range(n0):
            if row[j] != 0.0:
                nz = 1
                break
        nonconst[u] = nz


@njit(cache=True, nogil=True)
def _refactor(R, rows, m, n, head, Binv, B, xB, x, pos, d, q, h):
    for i in range(m):
        for k in range(m):
            v = head[k]
            if v < n:
                B[i, k] = R[rows[i], v]
            else:
                B[i, k] = -1.0 if (v - n) == i else 0.0
    Bi = np.linalg.inv(B[:m, :m])
    for i in range(m):
        for k in range(m):
            Binv[i, k] = Bi[i, k]
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


@njit(cache=True, nogil=True)
def _lagrange_bound(R, rows, m, n, q, qc, d, pos, h, lo, up, g):
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
        s += gj * up if gj > 0.0 else gj * lo
    return s


@njit(cache=True, nogil=True)
def dual_simplex(R, rc, eth, rows, m, q, qc, thr, lo, up, n, maxit,
                 x, atup, pos, d, alpha, Binv, B, xB, head, cand, tval, flips, col, aF, h, g):
    """Decide whether max q x + qc >= thr over {box, rows}; on success the optimal point is in x.

    Returns (status, objective, iterations): LP_FEAS (optimum reached; x holds the clipped
    optimal point), LP_INFEAS (a Lagrangian bound proves the optimum < thr) or LP_FAIL
    (iteration limit or numerical trouble: the caller falls back to a robust solver).
    """
    nt = n + m
    obj = qc
    for j in range(n):
        if q[j] > 0.0:
            x[j] = up
            atup[j] = 1
        else:
            x[j] = lo
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
        best = PTOL
        for i in range(m):
            v = head[i]
            if v >= n:
                lb = 0.0
                inf = lb - xB[i]
            else:
                inf = lo - xB[i]
                if xB[i] - up > inf:
                    inf = xB[i] - up
            if inf > best:
                best = inf
                p = i
        if p < 0:
            for j in range(n):
                v = xB[pos[j]] if pos[j] >= 0 else x[j]
                if v < lo:
                    v = lo
                elif v > up:
                    v = up
                x[j] = v
            if obj < thr - PRUNE_TOL:
                ub = _lagrange_bound(R, rows, m, n, q, qc, d, pos, h, lo, up, g)
                if ub < thr - PRUNE_TOL:
                    return LP_INFEAS, obj, it
            return LP_FEAS, obj, it
        if it >= maxit:
            return LP_FAIL, obj, -1
        it += 1
        lv = head[p]
        if lv >= n:
            lbp = 0.0
            delta = xB[p]
            bound_l = 0.0
        else:
            if xB[p] < lo:
                delta = xB[p] - lo
                bound_l = lo
            else:
                delta = xB[p] - up
                bound_l = up
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
        order = np.argsort(tval[:nc])
        slope = abs(delta)
        qe = -1
        nflip = 0
        width = up - lo
        for kk in range(nc):
            j = cand[order[kk]]
            if j >= n:
                qe = j
                break
            slope -= abs(alpha[j]) * width
            if slope <= 0.0:
                qe = j
                break
            flips[nflip] = j
            nflip += 1
        if qe < 0:
            return LP_FAIL, obj, -3
        # Harris-like tie break: among candidates with (nearly) the entering ratio, prefer the
        # largest pivot for stability
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
                j = flips[f]
                if atup[j] == 1:
                    dx = lo - up
                    atup[j] = 0
                    x[j] = lo
                else:
                    dx = up - lo
                    atup[j] = 1
                    x[j] = up
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
        inv = 1.0 / pv
        for k in range(m):
            Binv[p, k] *= inv
        for i in range(m):
            if i != p:
                f = col[i]
                if f != 0.0:
                    for k in range(m):
                        Binv[i, k] -= f * Binv[p, k]
        since_refactor += 1
        if bad or since_refactor >= 40:
            _refactor(R, rows, m, n, head, Binv, B, xB, x, pos, d, q, h)
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
            ub = _lagrange_bound(R, rows, m, n, q, qc, d, pos, h, lo, up, g)
            if ub < thr - PRUNE_TOL:
                return LP_INFEAS, obj, it


@njit(cache=True, nogil=True)
def side_lp(dep, side, X, Araw, craw, nonconst, R, rc, eth, n0, lo, up, need, ist,
            rows, qv, x, atup, pos, d, alpha, Binv, B, xB, head, cand, tval, flips, col, aF, h, g):
    """The LP of one side of unit ``dep``; on LP_FEAS a certified interior witness is in X[dep+1]."""
    m = 0
    for j in range(dep):
        if nonconst[j] == 1:
            rows[m] = j
            m += 1
    sg = 1.0 if side == 1 else -1.0
    a = Araw[dep]
    for j in range(n0):
        qv[j] = sg * a[j]
    qc = sg * craw[dep]
    st, obj, its = dual_simplex(R, rc, eth, rows, m, qv, qc, need, lo, up, n0, 20 * m + 60,
                                x, atup, pos, d, alpha, Binv, B, xB, head, cand, tval, flips, col, aF, h, g)
    if its < 0:
        ist[I_FAILS - its] += 1
    else:
        ist[I_ITERS] += its
    if st != LP_FEAS:
        return st
    xw = X[dep]
    val_v = sg * (_dot(a, x, n0) + craw[dep])
    val_w = sg * (_dot(a, xw, n0) + craw[dep])
    if not val_v >= need:
        ist[I_FAILS] += 1
        return LP_FAIL
    # move from the vertex toward the parent witness so the new row sits half way to its max
    target = need + 0.5 * (val_v - need)
    lam = (target - val_w) / (val_v - val_w)
    if lam > 1.0:
        lam = 1.0
    xn = X[dep + 1]
    for tries in range(2):
        for j in range(n0):
            v = xw[j] + lam * (x[j] - xw[j])
            if v < lo:
                v = lo
            elif v > up:
                v = up
            xn[j] = v
        ok = sg * (_dot(a, xn, n0) + craw[dep]) >= need
        if ok:
            for i in range(m):
                r = rows[i]
                if _dot(R[r], xn, n0) + rc[r] < eth[r]:
                    ok = False
                    break
        if ok:
            return LP_FEAS
        lam = 1.0
    ist[I_FAILS + 5] += 1
    return LP_FAIL


@njit(cache=True, nogil=True)
def set_state(dep, side, S, Araw, craw, nonconst, R, rc, eth, n0, eps, mode):
    S[dep] = side
    if nonconst[dep] == 1:
        sg = 1.0 if side == 1 else -1.0
        a = Araw[dep]
        r = R[dep]
        for j in range(n0):
            r[j] = sg * a[j]
        rc[dep] = sg * craw[dep]
        eth[dep] = eps if (side == 1 or mode == 0) else 0.0


@njit(cache=True, nogil=True)
def arrive(dep, Wflat, Woff, bflat, lstart, layer_of, S, Araw, craw, nonconst, nside, sides, nxt, n0, ist):
    """Set up node ``dep``: affine maps when it opens a layer, and the sides to explore."""
    l = layer_of[dep]
    if l >= 1 and dep == lstart[l]:
        compute_layer(l, Wflat, Woff, bflat, lstart, S, Araw, craw, nonconst, n0)
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
def init_task(prefix, D, witness, stop, Wflat, Woff, bflat, lstart, layer_of, N, n0, eps, mode,
              X, S, Araw, craw, nonconst, R, rc, eth, nside, sides, nxt, ist):
    """Start a task at the node given by the first D unit states ``prefix`` and its witness."""
    n1 = lstart[1]
    for u in range(n1):
        nz = 0
        for j in range(n0):
            v = Wflat[u * n0 + j]
            Araw[u, j] = v
            if v != 0.0:
                nz = 1
        craw[u] = bflat[u]
        nonconst[u] = nz
    for dep in range(D):
        l = layer_of[dep]
        if l >= 1 and dep == lstart[l]:
            compute_layer(l, Wflat, Woff, bflat, lstart, S, Araw, craw, nonconst, n0)
        set_state(dep, prefix[dep], S, Araw, craw, nonconst, R, rc, eth, n0, eps, mode)
    for j in range(n0):
        X[D, j] = witness[j]
    ist[I_BASE] = D
    ist[I_STOP] = stop
    ist[I_DEPTH] = D
    ist[I_FB_REPLY] = 0
    if D < stop:
        arrive(D, Wflat, Woff, bflat, lstart, layer_of, S, Araw, craw, nonconst, nside, sides, nxt, n0, ist)


@njit(cache=True, nogil=True)
def run(budget, Wflat, Woff, bflat, lstart, layer_of, N, n0, lo, up, eps,
        X, S, Araw, craw, nonconst, R, rc, eth, nside, sides, nxt, ist, xfb, outpat, outwit,
        rows, qv, x, atup, pos, d, alpha, Binv, B, xB, head, cand, tval, flips, col, aF, h, g):
    """Continue the depth-first search of the current task; see the module docstring."""
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
            for j in range(n0):
                X[dep + 1, j] = X[dep, j]
            feas = True
        else:
            need = eps if (side == 1 or mode == 0) else 0.0
            v = _dot(Araw[dep], X[dep], n0) + craw[dep]
            val = v if side == 1 else -v
            if val >= need:
                for j in range(n0):
                    X[dep + 1, j] = X[dep, j]
                feas = True
            elif ist[I_FB_REPLY] != 0 and ist[I_FB_DEPTH] == dep and ist[I_FB_SIDE] == side:
                if ist[I_FB_REPLY] == 1:
                    for j in range(n0):
                        X[dep + 1, j] = xfb[j]
                    feas = True
                ist[I_FB_REPLY] = 0
            else:
                ist[I_LPS] += 1
                r = side_lp(dep, side, X, Araw, craw, nonconst, R, rc, eth, n0, lo, up, need, ist,
                            rows, qv, x, atup, pos, d, alpha, Binv, B, xB, head, cand, tval, flips, col, aF, h, g)
                if r == LP_FAIL:
                    ist[I_FB_DEPTH] = dep
                    ist[I_FB_SIDE] = side
                    ist[I_FALLBACKS] += 1
                    return ST_FALLBACK
                feas = r == LP_FEAS
        nxt[dep] += 1
        if feas:
            set_state(dep, side, S, Araw, craw, nonconst, R, rc, eth, n0, eps, mode)
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
                arrive(dep + 1, Wflat, Woff, bflat, lstart, layer_of, S, Araw, craw, nonconst,
                       nside, sides, nxt, n0, ist)
                ist[I_DEPTH] = dep + 1
        steps += 1
        if steps >= budget:
            return ST_BUDGET
