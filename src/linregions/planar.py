"""The exact planar (d = 2) and interval (d = 1) paths: regions by splitting polygons, no LP.

On a domain of dimension d <= 2 (a network with n0 <= 2 on a box or polytope, or a plane or
line through the input space, :mod:`linregions.domain`), every region is a convex polygon and can
be found exactly by geometry. The search starts from the domain polygon (the reduced box clipped
by each constraint ``A t <= c``) and splits it by each hidden unit's line, unit by unit, layer
by layer, depth-first. On a polygon P where unit i's pre-activation is ``a . t + c``:

- the child "active" is P ∩ {a . t + c >= eps}, the child "inactive" P ∩ {a . t + c <= -eps}
  (with ``margin="active"``: <= 0, up to the certificate's tolerance
  :data:`linregions.certificate.SIGN_TOL`, since such a region may be a segment on a line where
  rounding leaves about 1e-17 of either sign); a child is nonempty iff one of P's vertices satisfies it,
  since a linear function is largest on a convex polygon at a vertex;
- a unit whose affine map is constant on P (an all-zero row ``a``, as for a deeper unit all of
  whose inputs are inactive) takes the state of its constant's sign (active iff c > 0) and P
  passes unchanged;
- when every vertex satisfies a side, the child is P itself (no clip): most units of deeper
  layers do not cross a small polygon.

Each nonempty child continues; a leaf after the last unit is a region whose polygon is exactly
the set of domain points with every margin, so it is certified by the same closed inequalities
as the LP certificate (:mod:`linregions.certificate`) and the count equals every other method's.
Polygons may collapse to a segment or a point: they stay nonempty (the inequalities are closed).
An interval (d = 1) is handled by the same kernel as a segment of the plane (a polygon with two
vertices, the second coordinate fixed at 0).

The affine maps are propagated per polygon: layer 1's map is the composed first layer
(n1 x d, computed once by the domain's reduction); entering layer l, the map of h^{l-1} on the
current polygon is the previous layer's rows of active units, so layer l's map is
``W_l @ M_{l-1}`` (two columns), O(n_l n_{l-1}) per polygon per layer.

The kernel (numba, ``nogil``) is resumable: it returns when its output buffer is full, its
polygon stack must grow, or a step budget is used up, so Python can flush results, enlarge
buffers and check a time limit without losing work.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import numpy as np
from numba import njit

from .certificate import SIGN_TOL, composed_bounds, exact_layer
from .network import Network
from .regions import sort_packed

log = logging.getLogger(__name__)

# kernel return codes
_DONE, _OUT_FULL, _GROW, _BUDGET, _EXACT = 0, 1, 2, 3, 4
# state slots (_S_REPLY: 1 when Python has decided the ambiguous units of the layer entered at
# depth _S_K, in ``cst``; _S_EXACT: layers decided so)
_S_K, _S_REGIONS, _S_NODES, _S_CLIPS, _S_OUT, _S_VOUT, _S_MAXV, _S_MAPS, _S_REPLY, _S_EXACT = range(10)
_N_STATE = 10

#: Kernel steps between returns to Python (latency of the time limit).
_BUDGET_STEPS = 1 << 20
#: Regions in the output buffer before it is flushed to Python (vertices: 16 per region).
_OUT_CAP = 1 << 14


@njit(nogil=True, cache=True, inline="always")
def _clip(P, start, nv, a0, a1, cc, sign, thr, out):
    """Write P[start:start+nv] ∩ {sign (a0 x + a1 y + cc) - thr >= 0} at out[0..]; returns its
    vertex count. The intersection point of an edge is interpolated from its kept endpoint, so both
    directions of a (degenerate) edge give the same point; exact duplicates are dropped."""
    m = 0
    for i in range(nv):
        j = i + 1 if i + 1 < nv else 0
        px, py = P[start + i, 0], P[start + i, 1]
        qx, qy = P[start + j, 0], P[start + j, 1]
        fp = sign * (a0 * px + a1 * py + cc) - thr
        fq = sign * (a0 * qx + a1 * qy + cc) - thr
        if fp >= 0.0:
            if m == 0 or out[m - 1, 0] != px or out[m - 1, 1] != py:
                out[m, 0] = px
                out[m, 1] = py
                m += 1
        if (fp > 0.0 and fq < 0.0) or (fp < 0.0 and fq > 0.0):
            if fp > 0.0:
                ux, uy, fu, vx, vy, fv = px, py, fp, qx, qy, fq
            else:
                ux, uy, fu, vx, vy, fv = qx, qy, fq, px, py, fp
            s = fu / (fu - fv)
            ix = ux + s * (vx - ux)
            iy = uy + s * (vy - uy)
            if m == 0 or out[m - 1, 0] != ix or out[m - 1, 1] != iy:
                out[m, 0] = ix
                out[m, 1] = iy
                m += 1
    if m > 1 and out[m - 1, 0] == out[0, 0] and out[m - 1, 1] == out[0, 1]:
        m -= 1
    return m


@njit(nogil=True, cache=True)
def clip_polygon(P, a0, a1, cc, sign, thr):
    """P ∩ {sign (a0 x + a1 y + cc) - thr >= 0} for a convex polygon P (k x 2), as a new array."""
    out = np.empty((2 * P.shape[0] + 2, 2))
    m = _clip(P, 0, P.shape[0], a0, a1, cc, sign, thr, out)
    return out[:m].copy()


@njit(nogil=True, cache=True, inline="always")
def _push(k, s0, nv, whole, a0, a1, cc, sign, thr, V, pstart, pnv, top, choice, st):
    """Enter depth k + 1 with the polygon of depth k cut by sign (a0 x + a1 y + cc) >= thr, or with
    all of it when ``whole`` (the polygon lies on that side already, or the unit is constant)."""
    if whole:
        pstart[k + 1] = s0
        pnv[k + 1] = nv
        top[k + 1] = top[k]
    else:
        t0 = top[k]
        m = _clip(V, s0, nv, a0, a1, cc, sign, thr, V[t0:])
        st[_S_CLIPS] += 1
        pstart[k + 1] = t0
        pnv[k + 1] = m
        top[k + 1] = t0 + m
        if m > st[_S_MAXV]:
            st[_S_MAXV] = m
    choice[k + 1] = 0
    st[_S_K] = k + 1


@njit(nogil=True, cache=True)
def _search(Wf, woff, widths, offs, layer_of, b, eps, eps_in, Gm, gm, bits, choice, pstart, pnv, top,
            smin, smax, V, st, out_pat, rec, out_nv, out_v, budget, cst, eb, ec):
    """Resumable depth-first split of the polygon stack V (see the module docstring).

    Depth k holds the polygon of the first k units' states at V[pstart[k] : pstart[k] + pnv[k]];
    choice[k] is 0 (unit k not tried), 1 (active tried) or 2 (both tried); Gm/gm hold the affine
    maps (2 columns and constant) of every unit of the layers entered on the current path, and
    cst whether each is constant there (its state, 0 or 1) or not (-1). A row that received a
    term and is within eb of 0 (or an all-zero row whose constant received one and is within ec
    of 0) is ambiguous in float64: the kernel marks it -2 and returns _EXACT at the layer's
    entry, and Python decides it exactly (cst, and a zero row or constant written to Gm/gm).
    """
    N = bits.shape[0]
    nbytes = out_pat.shape[1]
    steps = 0
    while True:
        k = st[_S_K]
        if k < 0:
            return _DONE
        if steps >= budget:
            return _BUDGET
        steps += 1
        if k == N:  # a leaf: a certified region
            o = st[_S_OUT]
            if o >= out_pat.shape[0]:
                return _OUT_FULL
            if rec:
                vo = st[_S_VOUT]
                if vo + pnv[N] > out_v.shape[0]:
                    return _OUT_FULL
                for q in range(pnv[N]):
                    out_v[vo + q, 0] = V[pstart[N] + q, 0]
                    out_v[vo + q, 1] = V[pstart[N] + q, 1]
                out_nv[o] = pnv[N]
                st[_S_VOUT] = vo + pnv[N]
            for j in range(nbytes):
                out_pat[o, j] = 0
            for u in range(N):
                if bits[u]:
                    out_pat[o, u >> 3] |= np.uint8(1 << (7 - (u & 7)))
            st[_S_OUT] = o + 1
            st[_S_REGIONS] += 1
            st[_S_K] = k - 1
            continue
        c = choice[k]
        s0 = pstart[k]
        nv = pnv[k]
        if top[k] + 2 * nv + 2 > V.shape[0]:
            return _GROW
        if c == 0:
            st[_S_NODES] += 1
            l = layer_of[k]
            if l > 0 and k == offs[l] and st[_S_REPLY] == 0:  # entering layer l: its maps on the polygon
                st[_S_MAPS] += 1
                n_prev = widths[l - 1]
                p0 = offs[l - 1]
                base = woff[l]
                for i in range(widths[l]):
                    gm[k + i] = b[k + i]
                    Gm[k + i, 0] = 0.0
                    Gm[k + i, 1] = 0.0
                    cst[k + i] = 0  # here: 1 = the row received a term, 2 = only the constant did
                for j in range(n_prev):
                    if bits[p0 + j]:
                        g0 = Gm[p0 + j, 0]
                        g1 = Gm[p0 + j, 1]
                        gc = gm[p0 + j]
                        live = cst[p0 + j] < 0  # a constant unit's row is exactly 0
                        row = base + j * widths[l]
                        for i in range(widths[l]):
                            w = Wf[row + i]
                            if w != 0.0:
                                cst[k + i] = 1 if live or cst[k + i] == 1 else 2
                            Gm[k + i, 0] += w * g0
                            Gm[k + i, 1] += w * g1
                            gm[k + i] += w * gc
                ask = False
                for i in range(widths[l]):
                    u = k + i
                    t = cst[u]
                    if t == 1 and abs(Gm[u, 0]) <= eb[u] and abs(Gm[u, 1]) <= eb[u]:
                        cst[u] = -2
                        ask = True
                    elif t == 1 or Gm[u, 0] != 0.0 or Gm[u, 1] != 0.0:
                        cst[u] = -1
                    elif t == 2 and abs(gm[u]) <= ec[u]:
                        cst[u] = -2
                        ask = True
                    else:
                        cst[u] = 1 if gm[u] > 0.0 else 0
                if ask:  # undo this visit's counters: the node is visited again after the reply
                    st[_S_NODES] -= 1
                    return _EXACT
            st[_S_REPLY] = 0
            a0 = Gm[k, 0]
            a1 = Gm[k, 1]
            cc = gm[k]
            if cst[k] >= 0:  # constant on the polygon: the sign decides, no margin
                bits[k] = cst[k]
                choice[k] = 2
                _push(k, s0, nv, True, a0, a1, cc, 1.0, 0.0, V, pstart, pnv, top, choice, st)
                continue
            lo = np.inf
            hi = -np.inf
            for q in range(nv):
                v = a0 * V[s0 + q, 0] + a1 * V[s0 + q, 1] + cc
                if v < lo:
                    lo = v
                if v > hi:
                    hi = v
            smin[k] = lo
            smax[k] = hi
            choice[k] = 1
            if hi >= eps:  # the active child is nonempty
                bits[k] = 1
                _push(k, s0, nv, lo >= eps, a0, a1, cc, 1.0, eps, V, pstart, pnv, top, choice, st)
                continue
            c = 1
        if c == 1:
            choice[k] = 2
            lo = smin[k]
            hi = smax[k]
            if lo <= -eps_in:  # the inactive child is nonempty
                bits[k] = 0
                _push(k, s0, nv, hi <= -eps_in, Gm[k, 0], Gm[k, 1], gm[k], -1.0, eps_in, V, pstart, pnv, top, choice, st)
                continue
        st[_S_K] = k - 1


@dataclass
class PlanarResult:
    """Regions of a network on a polygon (d = 2) or interval (d = 1) domain.

    ``patterns`` are bit-packed (:func:`linregions.regions.pack_patterns`, sorted); ``polygons``
    (if asked) are the regions' vertex arrays in the domain's coordinates t (k x 2, or the
    interval's two ends as 2 x 1 for d = 1), in the order of ``patterns``. A polygon may be a
    segment or a point. ``complete`` is False when a time limit stopped the search (a lower
    bound)."""

    regions: int
    complete: bool
    patterns: np.ndarray | None
    polygons: list[np.ndarray] | None
    seconds: float
    stats: dict = field(default_factory=dict)


def domain_polygon(lower: np.ndarray, upper: np.ndarray, A: np.ndarray | None, c: np.ndarray | None) -> np.ndarray:
    """Vertices of the box [lower, upper] (d = 2: a rectangle; d = 1: a segment on t2 = 0) clipped
    by each row of A t <= c; DomainError-free: an empty result has zero rows."""
    lower = np.asarray(lower, dtype=np.float64)
    upper = np.asarray(upper, dtype=np.float64)
    if lower.size == 1:
        P = np.array([[lower[0], 0.0], [upper[0], 0.0]])
    else:
        P = np.array([[lower[0], lower[1]], [upper[0], lower[1]], [upper[0], upper[1]], [lower[0], upper[1]]])
    if A is not None:
        A2 = np.zeros((A.shape[0], 2))
        A2[:, : A.shape[1]] = A
        for (r0, r1), ci in zip(A2, c):
            if P.shape[0] == 0:
                break
            P = clip_polygon(P, float(r0), float(r1), -float(ci), -1.0, 0.0)  # c - A t >= 0
    return P


def count_planar(net: Network, lower: np.ndarray, upper: np.ndarray, A: np.ndarray | None = None,
                 c: np.ndarray | None = None, *, eps: float, margin: str = "both", return_patterns: bool = True,
                 return_polygons: bool = False, time_limit: float | None = None,
                 given: Network | None = None) -> PlanarResult:
    """Every region of ``net`` (n0 = d in {1, 2}) on {t in [lower, upper] : A t <= c}, exactly.

    ``net`` is the network on the domain's space (for a slice, the composed network of
    :meth:`linregions.domain.Domain.reduce`). ``given`` is the same network as written (when
    ``net`` is its canonical form): a row or constant that float64 cannot tell from 0 is decided
    exactly on it (:func:`linregions.certificate.exact_layer`), as the certificate does."""
    t_start = time.perf_counter()
    given = net if given is None else given
    d = net.n0
    if d not in (1, 2):
        raise ValueError(f"the planar path needs a domain of dimension 1 or 2, got {d}")
    P0 = domain_polygon(lower, upper, A, c)
    widths = np.array(net.widths, dtype=np.int64)
    L = len(widths)
    N = int(widths.sum())
    nbytes = (N + 7) // 8
    offs = np.concatenate([[0], np.cumsum(widths)]).astype(np.int64)
    layer_of = np.repeat(np.arange(L), widths).astype(np.int64)
    b = np.concatenate([bl for _, bl in net.layers]).astype(np.float64)
    # layers 2.. transposed (row j holds the weights out of unit j), so the inner loop is contiguous
    Wf = np.concatenate([np.ascontiguousarray(np.asarray(W, dtype=np.float64).T).reshape(-1) if l else np.zeros(0)
                         for l, (W, _) in enumerate(net.layers)]) if L > 1 else np.zeros(0)
    woff = np.zeros(L, dtype=np.int64)
    pos = 0
    for l in range(1, L):
        woff[l] = pos
        pos += net.layers[l][0].size
    Gm = np.zeros((N, 2))
    gm = np.zeros(N)
    W1 = np.asarray(net.layers[0][0], dtype=np.float64)
    Gm[: widths[0], :d] = W1
    gm[: widths[0]] = net.layers[0][1]
    cst = np.full(N, -1, dtype=np.int8)  # layer 1: constant iff its row is 0 (exact: no sum)
    zero1 = ~W1.any(axis=1)
    cst[: widths[0]][zero1] = (net.layers[0][1][zero1] > 0).astype(np.int8)
    eb, ec = composed_bounds(net)
    # margin="active": inactive units need only <= 0, accepted up to the certificate's SIGN_TOL
    # (a region of that margin may be a segment on a line, where rounding leaves +-1e-17)
    eps_in = eps if margin == "both" else -SIGN_TOL

    bits = np.zeros(N, dtype=np.uint8)
    choice = np.zeros(N + 1, dtype=np.int8)
    pstart = np.zeros(N + 1, dtype=np.int64)
    pnv = np.zeros(N + 1, dtype=np.int64)
    top = np.zeros(N + 1, dtype=np.int64)
    smin = np.zeros(N + 1)
    smax = np.zeros(N + 1)
    V = np.zeros((max(4 * (P0.shape[0] + N) + 64, 1024), 2))
    V[: P0.shape[0]] = P0
    pnv[0] = P0.shape[0]
    top[0] = P0.shape[0]
    st = np.zeros(_N_STATE, dtype=np.int64)
    st[_S_K] = 0 if P0.shape[0] else -1
    cap = _OUT_CAP
    out_pat = np.zeros((cap, max(nbytes, 1)), dtype=np.uint8)
    out_nv = np.zeros(cap if return_polygons else 1, dtype=np.int64)
    out_v = np.zeros((16 * cap if return_polygons else 1, 2))
    chunks, polys = [], []
    deadline = None if time_limit is None else t_start + float(time_limit)
    complete = True

    def flush():
        o = int(st[_S_OUT])
        if return_patterns or return_polygons:
            chunks.append(out_pat[:o, :nbytes].copy())
        if return_polygons:
            vo = 0
            for q in range(o):
                k = int(out_nv[q])
                poly = out_v[vo: vo + k].copy()
                polys.append(poly[:, :1] if d == 1 else poly)
                vo += k
        st[_S_OUT] = 0
        st[_S_VOUT] = 0

    while True:
        code = _search(Wf, woff, widths, offs, layer_of, b, float(eps), float(eps_in), Gm, gm, bits, choice,
                       pstart, pnv, top, smin, smax, V, st, out_pat, bool(return_polygons), out_nv, out_v,
                       _BUDGET_STEPS, cst, eb, ec)
        if code == _DONE:
            break
        if code == _OUT_FULL:
            if st[_S_OUT] == 0:  # one region's polygon does not fit the empty vertex buffer
                out_v = np.zeros((2 * out_v.shape[0], 2))
            else:
                flush()
        elif code == _EXACT:
            _decide_exactly(given, int(st[_S_K]), offs, layer_of, bits, cst, Gm, gm)
            st[_S_REPLY] = 1
            st[_S_EXACT] += 1
        elif code == _GROW:
            bigger = np.zeros((2 * V.shape[0], 2))
            bigger[: V.shape[0]] = V
            V = bigger
        if deadline is not None and time.perf_counter() >= deadline:
            complete = False
            break
    flush()
    patterns = None
    polygons = None
    if return_patterns or return_polygons:
        packed = np.concatenate(chunks) if chunks else np.zeros((0, nbytes), np.uint8)
        if return_polygons:
            order = np.lexsort(packed.T[::-1]) if len(packed) else np.zeros(0, dtype=np.int64)
            polygons = [polys[i] for i in order]
            packed = packed[order]
        else:
            packed = sort_packed(packed)
        patterns = packed if return_patterns else None
    seconds = time.perf_counter() - t_start
    stats = {"nodes": int(st[_S_NODES]), "clips": int(st[_S_CLIPS]), "layer_maps": int(st[_S_MAPS]),
             "max_vertices": int(max(st[_S_MAXV], P0.shape[0])), "domain_vertices": int(P0.shape[0]),
             "exact_layers": int(st[_S_EXACT])}
    log.info("planar count: %d regions, %d nodes, %d clips, %.3f s", int(st[_S_REGIONS]), stats["nodes"],
             stats["clips"], seconds)
    return PlanarResult(int(st[_S_REGIONS]), complete, patterns, polygons, seconds, stats)


def _decide_exactly(given: Network, k: int, offs: np.ndarray, layer_of: np.ndarray, bits: np.ndarray,
                    cst: np.ndarray, Gm: np.ndarray, gm: np.ndarray) -> None:
    """The kernel's reply to _EXACT at depth k (a layer's first unit): each unit of the layer
    marked -2 gets its exact state, from the weights as given: constant (its row set to 0, its
    constant to 0 or given the exact sign) or not."""
    l = int(layer_of[k])
    zero, sign = exact_layer(given, bits[:k].astype(bool), l)
    for i in range(int(offs[l + 1] - offs[l])):
        u = k + i
        if cst[u] != -2:
            continue
        if not zero[i]:
            cst[u] = -1
            continue
        cst[u] = 1 if sign[i] > 0 else 0
        Gm[u] = 0.0
        gm[u] = 0.0 if sign[i] == 0 else sign[i] * abs(gm[u])
