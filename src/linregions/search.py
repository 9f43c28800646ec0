"""The compiled region search: a depth-first search over the hidden units with an explicit
stack, deciding each unit's sides with the LPs of :mod:`linregions.simplex` (numba, no GIL).

The search is resumable: :func:`run` works until the subtree is finished, a step budget is
spent, the pattern buffer is full, an LP needs the robust fallback solve, or a layer's maps
need an exact decision (a row or constant within its rounding bound of 0: :func:`decide_layer`;
both done in Python); all its state lives in the arrays of a :class:`Worker`, so calling
:func:`run` again continues exactly where it stopped.

Deciding one side of a unit (is max sg*(a x + c) >= thr over {x in box, fixed rows >= e}?) is
a cascade, cheapest first. For a layer-1 unit, when the first layer's hyperplanes meet inside the
box, a point of every layer-1 cell follows from one point where they all meet (the hub, one LP
per count: :func:`hub`); that point is tried first (:func:`hub_side`). Then the LPs
(:func:`side_lp`):

When the input is the smaller space (n0 < n1, e.g. a low-dimensional box or slice:
``Geometry.xspace``, path "lp-x"), steps 1 and 2 are skipped and every side goes to the x-space
LP (step 3), which is then small and settles in a few iterations: on seeded random networks
(one core) 4 inputs against 16-16-16-16 units took 1.9 s instead of 6.8 s, 3 against 24-24-24
1.4 s instead of 10.1 s, 11 against 12-12 11.9 s instead of 17.4 s; at 24 against 12-12 zeta was
faster again (16.8 s against 19.7 s), and at 784 inputs it is far ahead.

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

A point an LP returns is never trusted: it is clipped to the box, its layer-1 coordinates
zeta = W1 x are computed, and every row is re-evaluated from them in float64 (rows are affine in
zeta on the region: this is the network's forward pass with the fixed states). Each witness keeps
its zeta (``Search.ZW``), so deciding which side of a unit holds the witness costs n1 operations,
not n0.

The box is per coordinate: lo <= x <= up with lo, up of shape (n0,). A polytope or slice adds
its own rows DA x <= Dc (``Geometry.DA``, ``Geometry.Dc``): they join every x-space LP as rows of
threshold 0 after the units' rows, every witness is checked against them, and such a domain
always takes path "lp-x" (the zeta relaxation and the box corners of column generation ignore
them, so they would only pass sides on to the x LP). The data travel in named
tuples of arrays, all made by :func:`make_worker`: :class:`Net` (the network), :class:`Geometry`
(the box, the zonotope's bounding box and the hub; shared by the workers of a count),
:class:`Search` (the DFS stack and its rows), :class:`SideWork`, :class:`ColumnWork` and two
:class:`linregions.simplex.SimplexWork` (x and zeta space), gathered in one :class:`Worker`.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np
from numba import njit
from scipy import sparse
from scipy.optimize import linprog

from .certificate import composed_bounds
from .domain import interior_point
from .network import Network
from .simplex import (
    KERNEL,
    LP_FAIL,
    LP_FEAS,
    LP_INFEAS,
    PRUNE_TOL,
    dot,
    dual_simplex,
    master_simplex,
    master_work,
    simplex_work,
    support,
)

# return codes of run()
ST_DONE = 0
ST_BUDGET = 1
ST_FALLBACK = 2
ST_FLUSH = 3
ST_EXACT = 4  # a layer's maps need the exact decision (decide_layer) at depth ist[I_DEPTH]

# indices into the int64 state vector ``Search.ist``
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
I_XFAIL = 14  # x-space LPs that gave no witness (solver failure, or its optimum failed evaluation)
I_PRUNE_Z = 15  # sides pruned by the zonotope's bounding box (the zeta LP, or a layer-1 unit's range)
I_ZLP = 16  # zeta-space LPs solved
I_DW_FEAS = 17  # sides made feasible by column generation
I_DW_PRUNE = 18  # sides pruned by column generation's true-support bound
I_DW_COLS = 19  # columns (box corners) generated
I_XLP = 20  # x-space LPs
I_HUB = 21  # layer-1 sides settled by the hub's candidate point, without an LP
I_EXACT = 22  # layers whose maps had a row or constant decided in exact arithmetic (decide_layer)
I_NST = 23

#: The counters a count reports (``CountResult.diagnostics``): name -> index into ``Search.ist``.
#: Besides them a count reports nodes (I_NODES) and lps (I_LPS, the sides that needed an LP).
DIAGNOSTICS = {
    "hub_sides": I_HUB,
    "zeta_lps": I_ZLP,
    "zeta_prunes": I_PRUNE_Z,
    "columns": I_DW_COLS,
    "column_feasible": I_DW_FEAS,
    "column_prunes": I_DW_PRUNE,
    "x_lps": I_XLP,
    "x_lp_failures": I_XFAIL,
    "simplex_iterations": I_ITERS,
    "fallbacks": I_FALLBACKS,
    "exact_layers": I_EXACT,
}

#: Weight of the best-bound duals in the prices of column generation (Wentges smoothing).
SMOOTH = 0.5
#: Most recent box corners of the task that join column generation's first master as columns
#: (8 -> 16 corners: 18,900 -> 24,000 regions/s on 784-11-11, with the cheaper master).
POOL = 16
#: Most box corners (columns) generated for one side before the x-space LP (at least 1). At 40,
#: 0.6 % of the sides of a trained 784-16-6 went on to the slow x-space LP; at 120, 0.01 %.
DW_COLUMNS = 120
#: Iterations of one master simplex call (a warm start adds one or a few columns).
MASTER_ITERATIONS = 50
#: Extra margin asked of every row by the second x-space LP, when the first one's vertex fails
#: evaluation (the regions behind those failures have max-min margins around 1, not 1e-5).
XSHIFT = 1e-5
#: Column generation prunes when its bound is below need - PRUNE_TOL by more than this times the
#: magnitude of the bound's terms: the rounding of the support over n0 = 784 terms.
SUPPORT_ROUNDING = 1e-12
#: The zonotope's bounding box is widened by this times (1 + its radius), so that rounding in
#: its n0-term sums never cuts off a point of the box.
ZONOTOPE_PAD = 1e-12


@njit(**KERNEL)
def _zeta_iterations(m, n1):
    """Iteration limit of the zeta-space LP (m rows, n1 columns): it ends in a few m + n1."""
    return 20 * (m + n1) + 60


@njit(**KERNEL)
def _x_iterations(m):
    """Iteration limit of the x-space LP (m rows): the dual degenerate LP takes about 100."""
    return 40 * m + 400


#: The network: hidden layers l = 0..L-1 of widths n_l, N units in all, units numbered in order.
Net = namedtuple("Net", [
    "W",  # (sum_l n_l n_{l-1},) float64: every layer's weight matrix, row-major, one after another
    "Woff",  # (L,) int64: where layer l's weights start in W
    "b",  # (N,) float64: every unit's bias
    "lstart",  # (L + 1,) int64: the first unit of layer l (lstart[L] = N)
    "layer_of",  # (N,) int64: the layer of each unit
    "eb",  # (N,) float64: bound on the rounding error of every entry of a unit's computed row, on any region
    "ec",  # (N,) float64: the same for its constant (certificate.composed_bounds; 0 in layer 1, which is exact)
    "n0",  # int: inputs
    "n1",  # int: units of the first layer
    "N",  # int: hidden units
])

#: The domain and what depends only on it and the first layer (read-only, shared by the workers).
Geometry = namedtuple("Geometry", [
    "lo",  # (n0,) float64: the box's lower bounds
    "up",  # (n0,) float64: the box's upper bounds
    "cen",  # (n0,) float64: the box's centre (a polytope's interior_point), toward which witnesses are moved
    "W1",  # (n1, n0) float64, C-contiguous: the first layer's weights
    "zlo",  # (n1,) float64: lower corner of the bounding box of the zonotope {W1 x : x in box} (rounded outward)
    "zhi",  # (n1,) float64: its upper corner
    "zcen",  # (n1,) float64: W1 cen
    "P1T",  # (n1, n0) float64: pinv(W1) transposed: row i moves layer-1 unit i alone
    "x0",  # (n0,) float64: the hub, a box point on every layer-1 hyperplane (see hub)
    "tau",  # float: the hub's step; 0 = no hub
    "xspace",  # bool: decide sides by the LP in x alone (n0 < n1: x is the smaller space, see side_lp)
    "DA",  # (md, n0) float64: the domain's own rows DA x <= Dc (a polytope or slice; md = 0 for a box)
    "Dc",  # (md,) float64
])

#: The depth-first search: its stack by depth and the rows of the fixed units.
Search = namedtuple("Search", [
    "X",  # (N + 1, n0) float64: the witness of the node at each depth
    "ZW",  # (N + 1, n1) float64: its layer-1 coordinates W1 X[d]
    "S",  # (N,) int8: the fixed units' states (1 active)
    "Araw",  # (N, n0) float64: each unit's affine map in x on the current node's region ...
    "Az",  # (N, n1) float64: ... the same in layer-1 coordinates zeta ...
    "craw",  # (N,) float64: ... and its constant
    "nonconst",  # (N,) int8: 1 if the unit's map is not constant on the region (it is a row), 0 if it
    # is; 2 while float64 cannot tell (a row or constant within its rounding bound of 0, see decide_layer)
    "R",  # (N + md, n0) float64: the fixed units' rows in x, signed so that a row holds when R x + rc >= eth,
    # then the domain's md rows (-DA, Dc, threshold 0), which every x-space LP takes
    "Rz",  # (N, n1) float64: the same rows in zeta
    "rc",  # (N + md,) float64: their constants
    "eth",  # (N + md,) float64: their thresholds (eps, or 0 for an inactive unit under margin "active")
    "nside",  # (N + 1,) int64: sides to explore at each depth (1 for a constant unit, else 2)
    "sides",  # (N + 1, 2) int8: those sides in order
    "nxt",  # (N + 1,) int64: the next side to explore at each depth
    "HX",  # (N + 1, n0) float64: the hub's candidate point for the prefix at each layer-1 depth
    "ist",  # (I_NST,) int64: the scalar state and counters (the I_* indices)
    "xfb",  # (n0,) float64: the fallback's witness (reply I_FB_REPLY == 1)
    "outpat",  # (rows, ceil(N/8)) uint8: buffer of emitted patterns, bit-packed
    "outwit",  # (rows or 0, n0) float64: buffer of their witnesses (0 rows: not recorded)
])

#: Arrays of one side decision.
SideWork = namedtuple("SideWork", [
    "rows",  # (N,) int64: the LP's rows (fixed non-constant units), the first m in use
    "qx",  # (n0,) float64: the side's objective in x
    "qz",  # (n1,) float64: the side's objective in zeta
    "xt",  # (n0,) float64: a trial point (hub candidate, or column generation's combination)
    "keep_x",  # (n0,) float64: the witness before a re-centring, restored if it fails
    "keep_z",  # (n1,) float64: its zeta
    "eth_saved",  # (N,) float64: the rows' thresholds while the shifted x-space LP runs
])

#: Arrays of column generation (:func:`_dw`): kd = DW_COLUMNS + POOL column slots, a ring of
#: P = kd + POOL box corners, N rows at most.
ColumnWork = namedtuple("ColumnWork", [
    "V",  # (P, n0) float64: the ring of box corners of the task
    "WV",  # (P, n1) float64: their images W1 V
    "pool",  # (2,) int64: the ring's next slot, and the corners it holds
    "src",  # (kd,) int64: the ring slot of each column of the master
    "C",  # (kd, n1) float64: column k in zeta, relative to the witness: W1 V[src[k]] - zeta_w
    "MT",  # (kd, N) float64: the rows' coefficients of column k (master rows, transposed)
    "mrc",  # (N,) float64: the rows' values at the witness
    "meth",  # (N,) float64: their thresholds
    "pv",  # (n0,) float64: the price (q + R^T y) W1 in x, whose box maximiser is the next corner
    "gg",  # (n1,) float64: the price q + R^T y in zeta
    "mq",  # (kd,) float64: the objective's gain of each column
    "yp",  # (N,) float64: the prices y of the current round
    "yb",  # (N,) float64: the prices that gave the best bound (the stability centre)
    "master",  # MasterWork for kd columns and N rows
])

#: Everything one search (one thread) works on.
Worker = namedtuple("Worker", [
    "net",  # Net
    "geo",  # Geometry (shared)
    "st",  # Search
    "sw",  # SideWork
    "sx",  # SimplexWork, x space (n0 columns, N rows)
    "sz",  # SimplexWork, zeta space (n1 columns, N rows)
    "cg",  # ColumnWork
])


def make_net(net: Network) -> Net:
    """The :class:`Net` of a network."""
    W = [np.ascontiguousarray(Wl, dtype=np.float64) for Wl, _ in net.layers]
    eb, ec = composed_bounds(net)
    return Net(
        W=np.concatenate([w.ravel() for w in W]),
        Woff=np.cumsum([0] + [w.size for w in W])[:-1].astype(np.int64),
        b=np.concatenate([np.asarray(b, dtype=np.float64) for _, b in net.layers]),
        lstart=np.cumsum([0] + list(net.widths)).astype(np.int64),
        layer_of=np.repeat(np.arange(len(net.widths)), net.widths).astype(np.int64),
        eb=eb, ec=ec, n0=int(net.n0), n1=int(net.widths[0]), N=int(net.n_units),
    )


#: The hub is used only when the rows of W1 are independent to this accuracy (|W1 pinv(W1) - I|).
HUB_RANK_TOL = 1e-9
#: ... and when its step clears this many times eps plus the hub's residual |W1 x0 + b1|.
HUB_CLEARANCE = 10.0


def hub(W1: np.ndarray, b1: np.ndarray, lo: np.ndarray, up: np.ndarray, eps: float) -> tuple:
    """A point x0 of the box lo <= x <= up (arrays of shape (n0,)) where every layer-1 hyperplane
    passes, as deep in the box as an LP finds, and a step tau such that x0 + tau * pinv(W1) s
    stays in the box for every s in {-1, 0, 1}^n1. Its layer-1 pre-activations are then tau * s:
    one point in every cell of the first layer, which the search tries before an LP (and checks
    like any witness). Returns (pinv(W1) transposed, x0, tau); tau = 0 (no hub) when W1 has
    dependent rows, the hyperplanes do not meet inside the box, or tau would be too small to
    clear eps."""
    W1 = np.asarray(W1, dtype=np.float64)
    b1 = np.asarray(b1, dtype=np.float64)
    n1, n0 = W1.shape
    P1T = np.ascontiguousarray(np.linalg.pinv(W1).T)
    none = (P1T, 0.5 * (lo + up), 0.0)
    live = np.abs(W1).sum(axis=1) > 0
    if not live.all() or np.abs(W1 @ P1T.T - np.eye(n1)).max() > HUB_RANK_TOL:
        return none
    # max t  s.t.  W1 x = -b1,  lo_j + t <= x_j <= up_j - t
    cost = np.zeros(n0 + 1)
    cost[-1] = -1.0
    eye = sparse.identity(n0, format="csr")
    ones = sparse.csr_matrix(np.ones((n0, 1)))
    A_ub = sparse.vstack([sparse.hstack([-eye, ones]), sparse.hstack([eye, ones])], format="csr")
    b_ub = np.concatenate([-lo, up])
    res = linprog(cost, A_ub=A_ub, b_ub=b_ub, A_eq=np.hstack([W1, np.zeros((n1, 1))]), b_eq=-b1,
                  bounds=list(zip(lo, up)) + [(0.0, 0.5 * float(np.min(up - lo)))], method="highs")
    if res.status != 0 or res.x is None:
        return none
    x0 = np.clip(res.x[:n0], lo, up)
    slack = np.minimum(x0 - lo, up - x0)
    reach = np.abs(P1T).sum(axis=0)  # max over s of |pinv(W1) s|_j
    tau = 0.5 * float(np.min(slack / np.maximum(reach, 1e-300)))
    resid = float(np.abs(W1 @ x0 + b1).max())
    if not tau > HUB_CLEARANCE * (eps + resid):
        return none
    return P1T, x0, tau


def lp_path(net: Network, constrained: bool = False) -> str:
    """The name of the LP search's path for ``net`` (``CountResult.path``): "lp-x" when the input
    is the smaller space (n0 < n1: sides are decided by the LP in x alone) or the domain has rows
    of its own (``constrained``: a polytope or slice, whose rows only the x-space LP holds
    exactly), else "lp-zeta"."""
    return "lp-x" if constrained or net.n0 < net.widths[0] else "lp-zeta"


def make_geometry(net: Network, lo: np.ndarray, up: np.ndarray, eps: float, A: np.ndarray | None = None,
                  c: np.ndarray | None = None) -> Geometry:
    """The :class:`Geometry` of a network on the box lo <= x <= up (float64 arrays of shape (n0,)),
    and on A x <= c in it if given (then witnesses move toward
    :func:`linregions.domain.interior_point` instead of the box centre), with its hub (one LP:
    compute it once per count and share it)."""
    # fresh writable copies: numba types a read-only array apart, so a network whose weights are
    # read-only (canonical's) would compile the whole kernel a second time
    W1 = np.array(net.layers[0][0], dtype=np.float64, order="C")
    lo = np.array(lo, dtype=np.float64, order="C")
    up = np.array(up, dtype=np.float64, order="C")
    P1T, x0, tau = hub(W1, net.layers[0][1], lo, up, eps)
    zlo = np.minimum(lo * W1, up * W1).sum(axis=1)
    zhi = np.maximum(lo * W1, up * W1).sum(axis=1)
    pad = ZONOTOPE_PAD * (1.0 + (np.abs(W1) * np.maximum(np.abs(lo), np.abs(up))).sum(axis=1))
    n0 = lo.size
    if A is None:
        DA, Dc, cen = np.zeros((0, n0)), np.zeros(0), 0.5 * (lo + up)
    else:
        DA, Dc = np.array(A, dtype=np.float64, order="C"), np.array(c, dtype=np.float64)
        cen = interior_point(DA, Dc, lo, up)
    return Geometry(lo=lo, up=up, cen=cen, W1=W1, zlo=zlo - pad, zhi=zhi + pad, zcen=W1 @ cen,
                    P1T=P1T, x0=np.ascontiguousarray(x0, dtype=np.float64), tau=float(tau),
                    xspace=lp_path(net, A is not None) == "lp-x", DA=DA, Dc=Dc)


def make_worker(net: Network, geo: Geometry, margin: str, record: bool, witnesses: bool, buffer: int,
                columns: int | None = None) -> Worker:
    """The one factory of the search's arrays: a :class:`Worker` for ``net`` on ``geo``.

    ``record``: emitted patterns go to a buffer of ``buffer`` rows (with their witnesses if
    ``witnesses``); ``columns``: the corners column generation may add for one side (default
    DW_COLUMNS)."""
    N, n0, n1 = net.n_units, net.n0, int(net.widths[0])
    md = geo.Dc.shape[0]  # the domain's rows follow the units' in R, rc and eth (threshold 0)
    ist = np.zeros(I_NST, dtype=np.int64)
    ist[I_MODE] = 1 if margin == "active" else 0
    ist[I_RECORD] = 1 if record else 0
    HX = np.zeros((N + 1, n0))
    HX[0] = geo.x0
    st = Search(
        X=np.zeros((N + 1, n0)), ZW=np.zeros((N + 1, n1)), S=np.zeros(N, dtype=np.int8), Araw=np.zeros((N, n0)),
        Az=np.zeros((N, n1)), craw=np.zeros(N), nonconst=np.zeros(N, dtype=np.int8),
        R=np.vstack([np.zeros((N, n0)), -geo.DA]), Rz=np.zeros((N, n1)), rc=np.concatenate([np.zeros(N), geo.Dc]),
        eth=np.zeros(N + md), nside=np.zeros(N + 1, dtype=np.int64),
        sides=np.zeros((N + 1, 2), dtype=np.int8), nxt=np.zeros(N + 1, dtype=np.int64), HX=HX, ist=ist,
        xfb=np.zeros(n0), outpat=np.zeros((buffer if record else 1, (N + 7) // 8), dtype=np.uint8),
        outwit=np.zeros((buffer if witnesses else 0, n0)),
    )
    sw = SideWork(rows=np.zeros(max(N + md, 1), dtype=np.int64), qx=np.zeros(n0), qz=np.zeros(n1), xt=np.zeros(n0),
                  keep_x=np.zeros(n0), keep_z=np.zeros(n1), eth_saved=np.zeros(N))
    kd = (DW_COLUMNS if columns is None else columns) + POOL
    ring = kd + POOL  # corners: this side's columns never overwrite each other
    cg = ColumnWork(V=np.zeros((ring, n0)), WV=np.zeros((ring, n1)), pool=np.zeros(2, dtype=np.int64),
                    src=np.zeros(kd, dtype=np.int64), C=np.zeros((kd, n1)), MT=np.zeros((kd, N)), mrc=np.zeros(N),
                    meth=np.zeros(N), pv=np.zeros(n0), gg=np.zeros(n1), mq=np.zeros(kd), yp=np.zeros(N),
                    yb=np.zeros(N), master=master_work(kd, N))
    return Worker(net=make_net(net), geo=geo, st=st, sw=sw, sx=simplex_work(n0, N + md), sz=simplex_work(n1, N), cg=cg)


@njit(**KERNEL)
def compute_layer(l, net, st):
    """Affine maps of layer l's units given the states of layer l-1 (A_l = W diag(s) A_{l-1}),
    both in x (st.Araw, n0 columns) and in the layer-1 space zeta = W1 x (st.Az, n1 columns).

    A unit whose row received no term from a non-constant unit is constant (its row is exactly 0).
    A row that received one but whose every entry is within the rounding bound net.eb of 0, or a
    zero row whose constant received terms and is within net.ec of 0, may be an exact
    cancellation that float64 does not show: it is marked nonconst = 2 and True is returned, for
    the caller to decide it exactly (:func:`decide_layer`)."""
    Wflat, Woff, bflat, lstart, n0, n1 = net.W, net.Woff, net.b, net.lstart, net.n0, net.n1
    S, Araw, Az, craw, nonconst = st.S, st.Araw, st.Az, st.craw, st.nonconst
    a0 = lstart[l - 1]
    a1 = lstart[l]
    nprev = a1 - a0
    ask = False
    for u in range(lstart[l], lstart[l + 1]):
        row = Araw[u]
        rz = Az[u]
        for j in range(n0):
            row[j] = 0.0
        for j in range(n1):
            rz[j] = 0.0
        cc = 0.0
        terms = 0  # 1: the row received a term; 2: only the constant did (from constant units)
        base = Woff[l] + (u - lstart[l]) * nprev
        for i in range(a0, a1):
            if S[i] == 1:
                w = Wflat[base + i - a0]
                if w != 0.0:
                    if nonconst[i] == 1:  # a constant unit's row is exactly 0: nothing to add
                        terms = 1
                        src = Araw[i]
                        for j in range(n0):
                            row[j] += w * src[j]
                        sz = Az[i]
                        for j in range(n1):
                            rz[j] += w * sz[j]
                    elif terms == 0:
                        terms = 2
                    cc += w * craw[i]
        craw[u] = cc + bflat[u]
        state = 0
        if terms == 1:
            state = 2
            e = net.eb[u]
            for j in range(n0):
                if abs(row[j]) > e:
                    state = 1
                    break
        elif terms == 2 and abs(craw[u]) <= net.ec[u]:
            state = 2
        nonconst[u] = state
        if state == 2:
            ask = True
    return ask


def decide_layer(k, zero, sign, w):
    """The exact decision of the units of the layer that starts at depth k marked nonconst = 2
    by :func:`compute_layer`: ``zero`` ((n_l,) bool) whether each one's row is exactly 0 on the
    region, ``sign`` ((n_l,) int) the sign of its constant, from
    :func:`linregions.certificate.exact_layer` on the weights as given. A unit with a nonzero row
    keeps its computed row; a constant one gets a zero row and a constant of the exact sign (its
    computed magnitude, or the least positive float if that is not positive), which is its state."""
    st = w.st
    for i in range(len(zero)):
        u = k + i
        if st.nonconst[u] != 2:
            continue
        if not zero[i]:
            st.nonconst[u] = 1
            continue
        st.nonconst[u] = 0
        st.Araw[u] = 0.0
        st.Az[u] = 0.0
        st.craw[u] = 0.0 if sign[i] == 0 else sign[i] * max(abs(float(st.craw[u])), 5e-324)
    st.ist[I_EXACT] += 1


@njit(**KERNEL, inline="always")
def _zeta(W1, x, z):
    """z = W1 x (W1 (n1, n0), x (n0,), z (n1,)): the layer-1 coordinates of a point, from which
    every row is evaluated."""
    n0 = W1.shape[1]
    for i in range(W1.shape[0]):
        z[i] = dot(W1[i], x, n0)


@njit(**KERNEL, inline="always")
def _rows_hold(dep, sg, need, m, rows, zn, st):
    """True if unit ``dep``'s side sg (+1 active, -1 inactive) clears ``need`` and each of the m
    rows (indices rows[:m]) its threshold at the point of layer-1 coordinates zn (n1,)."""
    n1 = zn.shape[0]
    Rz, rc, eth = st.Rz, st.rc, st.eth
    if not sg * (dot(st.Az[dep], zn, n1) + st.craw[dep]) >= need:
        return False
    for i in range(m):
        r = rows[i]
        if not dot(Rz[r], zn, n1) + rc[r] >= eth[r]:
            return False
    return True


@njit(**KERNEL, inline="always")
def _in_domain(x, geo):
    """True if x (n0,) satisfies the domain's rows DA x <= Dc (always, for a box), in float64."""
    DA, Dc = geo.DA, geo.Dc
    n0 = x.shape[0]
    for k in range(Dc.shape[0]):
        if not dot(DA[k], x, n0) <= Dc[k]:
            return False
    return True


@njit(**KERNEL, inline="always")
def _zwitness(dep, sg, need, m, rows, xw, xt, lam, xn, zn, geo, st):
    """x_w + lam (x_t - x_w) (xw, xt (n0,)) clipped to the box into xn and its zeta = W1 xn into
    zn; True if every row holds there (:func:`_rows_hold`, evaluated in float64 from zn: rows
    are affine in zeta) and xn is in the domain (:func:`_in_domain`)."""
    lo, up = geo.lo, geo.up
    for j in range(xn.shape[0]):
        v = xw[j] + lam * (xt[j] - xw[j])
        if v < lo[j]:
            v = lo[j]
        elif v > up[j]:
            v = up[j]
        xn[j] = v
    _zeta(geo.W1, xn, zn)
    return _rows_hold(dep, sg, need, m, rows, zn, st) and _in_domain(xn, geo)


@njit(**KERNEL, inline="always")
def _zrecenter(dep, sg, need, m, rows, xn, zn, geo, st, sw):
    """Move the new witness xn (n0,) (zeta zn (n1,)) half way toward the centre geo.cen, as far as
    the rows allow (the first row to cross its threshold on the way bounds the step; the domain's
    rows too, so the witness stays in the domain): a witness
    deep inside its region settles more of the next units' sides without an LP. Undone, from
    sw.keep_x and sw.keep_z, if rounding breaks a tight row."""
    n0 = xn.shape[0]
    n1 = zn.shape[0]
    cen, zcen = geo.cen, geo.zcen
    Rz, rc, eth = st.Rz, st.rc, st.eth
    keep, zkeep = sw.keep_x, sw.keep_z
    a = st.Az[dep]
    c = st.craw[dep]
    v0 = sg * (dot(a, zn, n1) + c) - need
    v1 = sg * (dot(a, zcen, n1) + c) - need
    tmax = 1.0
    if v1 < 0.0 and v0 > 0.0:
        tmax = min(tmax, v0 / (v0 - v1))
    for i in range(m):
        r = rows[i]
        v0 = dot(Rz[r], zn, n1) + rc[r] - eth[r]
        v1 = dot(Rz[r], zcen, n1) + rc[r] - eth[r]
        if v1 < 0.0 and v0 > 0.0:
            t = v0 / (v0 - v1)
            if t < tmax:
                tmax = t
    DA, Dc = geo.DA, geo.Dc
    for k in range(Dc.shape[0]):
        v0 = Dc[k] - dot(DA[k], xn, n0)
        v1 = Dc[k] - dot(DA[k], cen, n0)
        if v1 < 0.0 and v0 > 0.0:
            t = v0 / (v0 - v1)
            if t < tmax:
                tmax = t
    t = 0.5 * tmax
    if t <= 0.0:
        return
    for j in range(n0):
        keep[j] = xn[j]
        xn[j] += t * (cen[j] - xn[j])
    for i in range(n1):
        zkeep[i] = zn[i]
    _zeta(geo.W1, xn, zn)
    if not (_rows_hold(dep, sg, need, m, rows, zn, st) and _in_domain(xn, geo)):  # undo (rare: rounding at a tight row)
        for j in range(n0):
            xn[j] = keep[j]
        for i in range(n1):
            zn[i] = zkeep[i]


@njit(**KERNEL)
def _dw(dep, sg, need, m, qc, seeded, w):
    """Column generation (Dantzig-Wolfe) for side sg (+1/-1) of unit ``dep`` in layer-1 space:
    the LP over the convex hull of the witness st.X[dep] and a few box corners (columns) is exact
    to realise, and each round's duals y price the next corner and give the bound
    psi(q + R^T y) - y h + qc with the true support psi of the zonotope (a rigorous prune: any
    y >= 0 gives a valid bound, so prices may be smoothed toward the best bound found).

    m: the rows in w.sw.rows; qc: the objective's constant (the side's objective in zeta is
    w.sw.qz); need: its threshold; seeded: the zeta LP in w.sz ended at an optimum, whose duals
    are the first prices. On LP_FEAS the witness is in st.X[dep + 1]; LP_FAIL means undecided
    after the rounds."""
    geo, st, sw, cg = w.geo, w.st, w.sw, w.cg
    rows, zq = sw.rows, sw.qz
    lo, up, W1 = geo.lo, geo.up, geo.W1
    Rz, rc, eth, ist = st.Rz, st.rc, st.eth, st.ist
    n0 = lo.shape[0]
    n1 = zq.shape[0]
    xw = st.X[dep]
    zw = st.ZW[dep]
    xn = st.X[dep + 1]
    zn = st.ZW[dep + 1]
    yd, ypos = w.sz.d, w.sz.pos  # the zeta LP's reduced costs: d[n1 + i] is row i's dual
    V, WV, pst, src, C, MT, mrc, meth = cg.V, cg.WV, cg.pool, cg.src, cg.C, cg.MT, cg.mrc, cg.meth
    pv, gg, mq, yp, yb, mw = cg.pv, cg.gg, cg.mq, cg.yp, cg.yb, cg.master
    mhead, mpos, mxB, my = mw.head, mw.pos, mw.xB, mw.y  # hoisted out of the loops below
    kmax = C.shape[0]
    P = V.shape[0]
    for i in range(m):
        r = rows[i]
        mrc[i] = dot(Rz[r], zw, n1) + rc[r]
        meth[i] = eth[r]
    mqc = qc + dot(zq, zw, n1)
    for i in range(m):  # first prices: the duals (yd, ypos) of the relaxed zeta LP, if it was solved
        yp[i] = yd[n1 + i] if seeded and ypos[n1 + i] < 0 and yd[n1 + i] > 0.0 else 0.0
    best = np.inf
    K = np.int64(0)  # not a literal 0: see simplex._bfrt
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
        psi, mag = support(pv, lo, up)
        if psi - yh + qc < need - PRUNE_TOL - SUPPORT_ROUNDING * (mag + abs(yh) + abs(qc)):
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
            vk[j] = up[j] if pv[j] > 0.0 else lo[j]
        for i in range(n1):
            WV[slot, i] = dot(W1[i], vk, n0)
        src[K] = slot
        K += 1
        ist[I_DW_COLS] += 1
        for k in range(K0, K):
            wv = WV[src[k]]
            for i in range(n1):
                C[k, i] = wv[i] - zw[i]
            for i in range(m):
                MT[k, i] = dot(Rz[rows[i]], C[k], n1)
            mq[k] = dot(zq, C[k], n1)
        its = master_simplex(MT, mrc, meth, m, mq, K, K0, MASTER_ITERATIONS, mw)
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
            xt = sw.xt
            for j in range(n0):
                xt[j] = xw[j]
            for k in range(K):
                tk = mxB[mpos[k]] if mpos[k] >= 0 else 0.0
                if tk > 0.0:
                    vk = V[src[k]]
                    for j in range(n0):
                        xt[j] += tk * (vk[j] - xw[j])
            for tries in range(2):
                if _zwitness(dep, sg, need, m, rows, xw, xt, lam, xn, zn, geo, st):
                    ist[I_DW_FEAS] += 1
                    _zrecenter(dep, sg, need, m, rows, xn, zn, geo, st, sw)
                    return LP_FEAS
                lam = 1.0
            break
        # next prices: the master's duals, smoothed toward the centre (Wentges) unless the last
        # column did not move the master (then smoothing could price the same corner again)
        al = SMOOTH if its > 0 else 0.0
        for i in range(m):
            y = my[i] if my[i] > 0.0 else 0.0
            yp[i] = al * yb[i] + (1.0 - al) * y
    return LP_FAIL


@njit(**KERNEL, inline="always")
def _fixed_rows(dep, nonconst, rows):
    """The rows of an LP at depth ``dep``: the fixed units that are not constant (nonconst (N,)
    int8), written to rows (N,) int64. Returns their number (an int64 from the start: a literal 0
    would give every LP routine downstream a second compiled specialisation for m = 0)."""
    m = np.int64(0)
    for j in range(dep):
        if nonconst[j] == 1:
            rows[m] = j
            m += 1
    return m


@njit(**KERNEL, inline="always")
def hub_side(dep, side, need, w):
    """Try the layer-1 hub's candidate for side ``side`` (1 active, 0 inactive) of layer-1 unit
    ``dep`` with threshold ``need``: HX[dep] (the hub moved by tau along pinv(W1) to the fixed
    units' sides) moved once more for this unit. True (the candidate, checked by evaluation like
    any witness, is in st.X[dep+1]) or False."""
    geo, st, sw = w.geo, w.st, w.sw
    rows, x = sw.rows, sw.xt
    m = _fixed_rows(dep, st.nonconst, rows)
    sg = 1.0 if side == 1 else -1.0
    t = sg * geo.tau
    hx = st.HX[dep]
    p = geo.P1T[dep]
    for j in range(x.shape[0]):
        x[j] = hx[j] + t * p[j]
    if _zwitness(dep, sg, need, m, rows, st.X[dep], x, 1.0, st.X[dep + 1], st.ZW[dep + 1], geo, st):
        _zrecenter(dep, sg, need, m, rows, st.X[dep + 1], st.ZW[dep + 1], geo, st, sw)
        return True
    return False


@njit(**KERNEL)
def side_lp(dep, side, need, w):
    """Decide side ``side`` (1 active, 0 inactive) of unit ``dep`` with threshold ``need``; on
    LP_FEAS a certified interior witness is in st.X[dep+1].

    First the LP in zeta = W1 x space over the bounding box of the zonotope (a proof of
    infeasibility prunes); then column generation over box corners (:func:`_dw`), seeded with
    that LP's duals; only if that stays undecided, the exact LP in x space (n0 columns, massively
    dual degenerate for layers >= 2), and once more with every row asked to clear its threshold by
    XSHIFT if its vertex fails evaluation; if that fails too, LP_FAIL asks for the robust fallback.
    """
    geo, st, sw = w.geo, w.st, w.sw
    rows, qv, zq, eth_saved = sw.rows, sw.qx, sw.qz, sw.eth_saved
    Araw, Az, craw, rc, eth, ist = st.Araw, st.Az, st.craw, st.rc, st.eth, st.ist
    n0 = qv.shape[0]
    n1 = zq.shape[0]
    m = _fixed_rows(dep, st.nonconst, rows)
    sg = 1.0 if side == 1 else -1.0
    qc = sg * craw[dep]
    xw = st.X[dep]
    for j in range(n1):
        zq[j] = sg * Az[dep, j]
    seeded = False
    if dep < n1:
        # a layer-1 unit is the coordinate zeta_dep, and every row is a bound on another coordinate:
        # the zeta LP below would only compare the zonotope's range of zeta_dep with need (its row
        # duals are zero), so do just that
        if sg * (geo.zhi[dep] if sg > 0.0 else geo.zlo[dep]) + qc < need - PRUNE_TOL:
            ist[I_PRUNE_Z] += 1
            return LP_INFEAS
    elif not geo.xspace:
        # ---- zeta-space LP over the bounding box of the zonotope Z = {W1 x : x in box}
        st_z, obj, its = dual_simplex(st.Rz, rc, eth, rows, m, zq, qc, need, geo.zlo, geo.zhi,
                                      _zeta_iterations(m, n1), w.sz)
        ist[I_ZLP] += 1
        if its >= 0:
            ist[I_ITERS] += its
        if st_z == LP_INFEAS:
            ist[I_PRUNE_Z] += 1
            return LP_INFEAS
        seeded = st_z == LP_FEAS
    # ---- column generation over box corners, priced first with the relaxed LP's duals; not when
    # the input is the smaller space (n0 < n1): there the x-space LP has the fewer columns,
    # and the zeta relaxation of a zonotope of dimension n0 in R^n1 is loose
    if not geo.xspace:
        r = _dw(dep, sg, need, m, qc, seeded, w)
        if r != LP_FAIL:
            return r
    # ---- exact x-space LP; if its optimum fails evaluation (rows tight at the vertex), once more
    # with every row and the objective asked to clear its threshold by XSHIFT
    a = Araw[dep]
    for j in range(n0):
        qv[j] = sg * a[j]
    val_w = sg * (dot(a, xw, n0) + craw[dep])
    x = w.sx.x
    N = st.nonconst.shape[0]
    mx = m
    for k in range(geo.Dc.shape[0]):  # the domain's rows (R[N + k]), after the units'
        rows[mx] = N + k
        mx += 1
    for shift in (0.0, XSHIFT):
        for i in range(m):
            eth_saved[i] = eth[rows[i]]  # restored exactly below: eps + 1e-5 - 1e-5 is not eps
            eth[rows[i]] += shift
        r, _, its = dual_simplex(st.R, rc, eth, rows, mx, qv, qc, need + shift, geo.lo, geo.up,
                                 _x_iterations(mx), w.sx)
        for i in range(m):
            eth[rows[i]] = eth_saved[i]
        ist[I_XLP] += 1
        if its < 0:
            ist[I_XFAIL] += 1
        else:
            ist[I_ITERS] += its
        if r != LP_FEAS:
            return r if shift == 0.0 else LP_FAIL  # a shifted LP's infeasibility proves nothing
        val_v = sg * (dot(a, x, n0) + craw[dep])
        if val_v >= need:
            # move from the vertex toward the parent witness so the new row sits half way to its max
            target = need + 0.5 * (val_v - need)
            lam = (target - val_w) / (val_v - val_w)
            if lam > 1.0:
                lam = 1.0
            for lam_try in (lam, 1.0):
                if _zwitness(dep, sg, need, m, rows, xw, x, lam_try, st.X[dep + 1], st.ZW[dep + 1], geo, st):
                    _zrecenter(dep, sg, need, m, rows, st.X[dep + 1], st.ZW[dep + 1], geo, st, sw)
                    return LP_FEAS
        ist[I_XFAIL] += 1
    return LP_FAIL


@njit(**KERNEL, inline="always")
def set_state(dep, side, eps, mode, st):
    """Fix unit ``dep`` to ``side`` (1 active, 0 inactive) and, if it is not constant, add its row
    (threshold eps, or 0 for an inactive unit when mode == 1, margin "active")."""
    st.S[dep] = side
    if st.nonconst[dep] == 1:
        sg = 1.0 if side == 1 else -1.0
        a = st.Araw[dep]
        r = st.R[dep]
        for j in range(a.shape[0]):
            r[j] = sg * a[j]
        az = st.Az[dep]
        rz = st.Rz[dep]
        for j in range(az.shape[0]):
            rz[j] = sg * az[j]
        st.rc[dep] = sg * st.craw[dep]
        st.eth[dep] = eps if (side == 1 or mode == 0) else 0.0


@njit(**KERNEL, inline="always")
def arrive(dep, net, st):
    """Set up node ``dep``: affine maps when it opens a layer, and the sides to explore. False
    when the layer's maps need an exact decision first (:func:`compute_layer`): the node is then
    opened by :func:`open_node` after :func:`decide_layer`."""
    l = net.layer_of[dep]
    if l >= 1 and dep == net.lstart[l]:
        if compute_layer(l, net, st):
            return False
    open_node(dep, st)
    return True


@njit(**KERNEL, inline="always")
def open_node(dep, st):
    """The sides to explore at node ``dep``: both for a row, the constant's sign for a constant."""
    if st.nonconst[dep] == 1:
        st.nside[dep] = 2
        st.sides[dep, 0] = 1
        st.sides[dep, 1] = 0
    else:
        st.nside[dep] = 1
        st.sides[dep, 0] = 1 if st.craw[dep] > 0.0 else 0
    st.nxt[dep] = 0
    st.ist[I_NODES] += 1


@njit(**KERNEL)
def init_task(prefix, witness, stop, eps, w, start):
    """Start a task at the node given by the states ``prefix`` ((D,) int8) of the first D units,
    with its witness ((n0,) float64); nodes are emitted at depth ``stop``. Returns -1 when the
    task is ready; else the depth k of a layer whose maps need :func:`decide_layer`, after which
    the call is repeated with ``start = k`` (it goes on from there; ``start = 0`` starts afresh)."""
    net, st = w.net, w.st
    Wflat, bflat, n0, n1 = net.W, net.b, net.n0, net.n1
    Araw, Az, X, ZW = st.Araw, st.Az, st.X, st.ZW
    D = prefix.shape[0]
    mode = st.ist[I_MODE]
    if start == 0:
        geo, HX = w.geo, st.HX
        for d in range(min(D, n1)):  # the hub's candidate points along the prefix
            s = geo.tau if prefix[d] else -geo.tau
            for j in range(n0):
                HX[d + 1, j] = HX[d, j] + s * geo.P1T[d, j]
        for u in range(n1):
            nz = 0
            for j in range(n0):
                v = Wflat[u * n0 + j]
                Araw[u, j] = v
                if v != 0.0:
                    nz = 1
            for j in range(n1):
                Az[u, j] = 1.0 if j == u else 0.0
            st.craw[u] = bflat[u]
            st.nonconst[u] = nz
    for dep in range(start, D):
        l = net.layer_of[dep]
        if l >= 1 and dep == net.lstart[l] and dep != start:
            if compute_layer(l, net, st):
                return dep
        set_state(dep, prefix[dep], eps, mode, st)
    for j in range(n0):
        X[D, j] = witness[j]
    for i in range(n1):
        ZW[D, i] = dot(Wflat[i * n0:(i + 1) * n0], witness, n0)
    ist = st.ist
    ist[I_BASE] = D
    ist[I_STOP] = stop
    ist[I_DEPTH] = D
    ist[I_FB_REPLY] = 0
    if D < stop:
        if D == start:  # its layer's maps were computed and decided before this repeated call
            open_node(D, st)
        elif not arrive(D, net, st):
            return D
    return -1


@njit(**KERNEL, inline="always")
def _copy_witness(X, ZW, dep):
    """The child at depth dep + 1 keeps its parent's witness (X (N + 1, n0), ZW (N + 1, n1))."""
    for j in range(X.shape[1]):
        X[dep + 1, j] = X[dep, j]
    for i in range(ZW.shape[1]):
        ZW[dep + 1, i] = ZW[dep, i]


@njit(**KERNEL)
def run(budget, eps, w):
    """Continue the depth-first search of the current task for at most ``budget`` steps, with
    margin ``eps``, on the worker ``w``; returns ST_*; see the module docstring."""
    net, geo, st = w.net, w.geo, w.st
    n0, n1 = net.n0, net.n1
    X, ZW, S, Az, craw, nonconst = st.X, st.ZW, st.S, st.Az, st.craw, st.nonconst
    nside, sides, nxt, ist, xfb, outpat, outwit, HX = st.nside, st.sides, st.nxt, st.ist, st.xfb, st.outpat, st.outwit, st.HX
    tau = geo.tau
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
            _copy_witness(X, ZW, dep)
            feas = True
        else:
            need = eps if (side == 1 or mode == 0) else 0.0
            v = dot(Az[dep], ZW[dep], n1) + craw[dep]
            val = v if side == 1 else -v
            if val >= need:
                _copy_witness(X, ZW, dep)
                feas = True
            elif ist[I_FB_REPLY] != 0 and ist[I_FB_DEPTH] == dep and ist[I_FB_SIDE] == side:
                if ist[I_FB_REPLY] == 1:
                    for j in range(n0):
                        X[dep + 1, j] = xfb[j]
                    _zeta(geo.W1, xfb, ZW[dep + 1])
                    feas = True
                ist[I_FB_REPLY] = 0
            elif dep < n1 and tau > 0.0 and hub_side(dep, side, need, w):
                ist[I_HUB] += 1
                feas = True
            else:
                ist[I_LPS] += 1
                r = side_lp(dep, side, need, w)
                if r == LP_FAIL:
                    ist[I_FB_DEPTH] = dep
                    ist[I_FB_SIDE] = side
                    ist[I_FALLBACKS] += 1
                    return ST_FALLBACK
                feas = r == LP_FEAS
        nxt[dep] += 1
        if feas:
            set_state(dep, side, eps, mode, st)
            if dep < n1 and tau > 0.0:  # the hub's candidate point for the prefix, one step further
                t = tau if side == 1 else -tau
                p = geo.P1T[dep]
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
                ist[I_DEPTH] = dep + 1
                if not arrive(dep + 1, net, st):
                    return ST_EXACT
        steps += 1
        if steps >= budget:
            return ST_BUDGET
