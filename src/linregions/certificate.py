"""The LP certificate of a pattern: its largest margin over the box, with a witness point.

For a pattern, the pre-activations on its region are affine in x (:func:`affine_maps`). An LP
maximises t subject to s_i (A_i x + c_i) >= t for every non-constant unit (s_i = +1 if active,
-1 if inactive; with ``margin="active"`` the inactive rows are only -(A_i x + c_i) >= 0) and x
in the domain (the box, per coordinate, and any constraints A x <= c of a polytope or of a
slice's t-polytope, :mod:`linregions.domain`). The LP is solved with HiGHS (through its own
Python bindings, ``highspy``), a solver independent of the MILP's Gurobi. The reported margin
is the margin *evaluated* at the LP's optimal point clipped to the box (and checked against
A x <= c up to :data:`DOMAIN_TOL`), so a margin >= eps is a witness, not a solver's claim. The pattern is a region iff the margin
is >= eps.

Rounding: the margin at the witness is computed in float64 from the pattern's affine maps, so
:func:`margin_error` bounds its error (the maps' own rounding, then that of A x + c). A margin
within that bound of eps (or a constant unit whose row or constant is within its bound of 0) is
ambiguous in float64; :func:`certify` then evaluates the pattern exactly at the witness, in
rational arithmetic (:mod:`fractions`) on the float weights, and the exact margin decides. The
margin is measured on the weights given; :func:`certify` and :func:`brute_force_patterns` take
``scale`` (:data:`linregions.network.SCALES`, default ``"row"``: the canonical form, as
:func:`linregions.count_regions`).
"""

from __future__ import annotations

import os
import sys
import threading
from dataclasses import dataclass
from fractions import Fraction

import highspy
import numpy as np

from .network import Network, affine_maps, box_arrays, scaled

#: The unit roundoff of float64.
UNIT_ROUNDOFF = 2.0**-53


def gamma(n: int) -> float:
    """gamma_n = n u / (1 - n u): the relative error bound of a float64 sum of n products."""
    nu = n * UNIT_ROUNDOFF
    return nu / (1.0 - nu)

#: Cap on the margin variable so the LP is bounded when few rows constrain it.
_T_CAP = 1e6

#: With ``margin="active"`` an inactive unit needs only pre-activation <= 0, and the optimum
#: often sits exactly on such a hyperplane; evaluated there, rounding leaves about 1e-16 of
#: either sign. An inactive row is accepted up to this absolute tolerance.
SIGN_TOL = 1e-9


@dataclass(frozen=True)
class Certificate:
    """Largest margin of a pattern found by the LP (-inf if infeasible) and its witness x."""

    margin: float
    x: np.ndarray | None
    #: True when float64 could not decide and the margin was evaluated exactly at the witness.
    exact: bool = False

    def certifies(self, eps: float) -> bool:
        return self.margin >= eps


def evaluate_margin(A: np.ndarray, c: np.ndarray, pattern: np.ndarray, x: np.ndarray, margin: str = "both") -> float:
    """The margin of ``pattern`` at the point x (inf if no unit asks a margin, -inf if violated)."""
    s = np.asarray(pattern, dtype=bool)
    z = A @ x + c
    const = ~A.any(axis=1)
    if np.any(const & (s != (c > 0))):
        return -np.inf
    vals = np.where(s, z, -z)[~const]
    ask = s[~const] if margin == "active" else np.ones(vals.size, dtype=bool)
    if margin == "active" and np.any(vals[~ask] < -SIGN_TOL):
        return -np.inf
    return float(vals[ask].min()) if ask.any() else np.inf


#: A witness may violate a domain constraint A x <= c by this much (relative to 1 + |c|): the
#: LP's own feasibility tolerance, far below any margin eps.
DOMAIN_TOL = 1e-9


def in_constraints(x: np.ndarray, A_dom: np.ndarray | None, c_dom: np.ndarray | None) -> bool:
    """True if x satisfies the domain's constraints A x <= c (up to :data:`DOMAIN_TOL`)."""
    if A_dom is None:
        return True
    return bool(np.all(A_dom @ x <= c_dom + DOMAIN_TOL * (1.0 + np.abs(c_dom))))


def max_margin(A: np.ndarray, c: np.ndarray, signs: np.ndarray, margin: str, lower, upper,
               A_dom: np.ndarray | None = None, c_dom: np.ndarray | None = None) -> tuple[float, np.ndarray | None]:
    """The max-min-margin LP of the rows s_i (A_i x + c_i), with HiGHS: max t subject to
    s_i (A_i x + c_i) >= t for every row (with ``margin="active"`` the inactive rows are only
    s_i (A_i x + c_i) >= 0), lower <= x <= upper and, if given, the domain's A_dom x <= c_dom.

    A (k, n0) and c (k,) are the rows (all non-constant), signs (k,) bool their states (True
    active), lower and upper numbers or (n0,) arrays. Returns the solver's optimal t (capped at
    1e6; t = -inf when infeasible, which only the sign-only rows of ``margin="active"`` or the
    domain's rows can be) and its optimal point clipped to the box (None when infeasible); with no
    rows at all, t = inf at the box centre. Raises RuntimeError if HiGHS fails otherwise. The point
    is the solver's: callers evaluate the margin there themselves before trusting it.
    """
    lo, up = box_arrays(lower, upper, A.shape[1])
    s = np.asarray(signs, dtype=bool)
    if A.shape[0] == 0 and A_dom is None:
        return np.inf, 0.5 * (lo + up)
    sign = np.where(s, 1.0, -1.0)
    # The rows are divided by their largest entry (the optimum point does not change, t scales by
    # it): HiGHS fails on rows of 1e15 or 1e-12, which unnormalised weights give deep in a network.
    g = max(float(np.abs(A).max(initial=0.0)), float(np.abs(c).max(initial=0.0)))
    g = g if g > 0 and not 1e-3 <= g <= 1e3 else 1.0
    # rows: -s_i A_i x + t <= s_i c_i   (margin rows)   or  -s_i A_i x <= s_i c_i (sign-only rows)
    with_t = s.astype(float) if margin == "active" else np.ones(len(s))
    A_ub = np.hstack([-sign[:, None] * A / g, with_t[:, None]])
    b_ub = sign * c / g
    if A_dom is not None:  # the domain's rows, without the margin variable
        A_ub = np.vstack([A_ub, np.hstack([A_dom, np.zeros((A_dom.shape[0], 1))])])
        b_ub = np.concatenate([b_ub, c_dom])
    n0 = A.shape[1]
    cost = np.zeros(n0 + 1)
    cost[-1] = -1.0
    col_lo, col_up = np.r_[lo, -highspy.kHighsInf], np.r_[up, _T_CAP]
    # presolve costs more than it saves on these dense LPs (about 3x slower in a trial); it is
    # the fallback when HiGHS fails without it
    for presolve in (False, True):
        status, fun, x = _solve_lp(cost, A_ub, b_ub, col_lo, col_up, presolve)
        if status in (_OPTIMAL, _INFEASIBLE):
            break
    if status == _INFEASIBLE:
        return -np.inf, None
    if status != _OPTIMAL:
        raise RuntimeError(f"certificate LP failed: HiGHS says {status}")
    return float(-fun) * g, np.clip(x[:n0], lo, up)


_OPTIMAL, _INFEASIBLE = "optimal", "infeasible"


_local = threading.local()


def _solver() -> highspy.Highs:
    """This thread's HiGHS instance, made once: its options persist, each passModel replaces the
    model. HiGHS 1.16 prints its banner to the process's stdout (file descriptor 1) when an
    instance is made, whatever output_flag says, which would corrupt ``linregions count --json``;
    the banner goes to /dev/null."""
    h = getattr(_local, "highs", None)
    if h is None:
        try:
            sys.stdout.flush()
            saved = os.dup(1)
        except (OSError, ValueError):  # no stdout to protect
            h = highspy.Highs()
        else:
            null = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(null, 1)
                h = highspy.Highs()
            finally:
                os.dup2(saved, 1)
                os.close(saved)
                os.close(null)
        for name, value in (("output_flag", False), ("primal_feasibility_tolerance", 1e-10),
                            ("dual_feasibility_tolerance", 1e-10)):
            h.setOptionValue(name, value)
        _local.highs = h
    return h


def _solve_lp(cost: np.ndarray, A_ub: np.ndarray, b_ub: np.ndarray, col_lo: np.ndarray,
              col_up: np.ndarray, presolve: bool) -> tuple[str, float, np.ndarray | None]:
    """min cost @ x subject to A_ub x <= b_ub and col_lo <= x <= col_up, by HiGHS called directly.

    Returns ("optimal", objective, x), ("infeasible", nan, None) or (HiGHS's status text, nan,
    None). SciPy's ``linprog(method="highs")`` solves the same model with the same solver but
    spends about 1 ms a call in its Python front end (option checks, sparse conversions), 4x the
    solve of a certificate's LP of a few dozen rows (measured 0.3 against 1.2 ms a call); the
    certificate runs once per region and per brute-force pattern, so the front end was most of
    the test suite's time.
    """
    m, n = A_ub.shape
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n, m
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = cost, col_lo, col_up
    lp.row_lower_, lp.row_upper_ = np.full(m, -highspy.kHighsInf), b_ub
    rows, cols = np.nonzero(A_ub)  # row-major order, so rows are sorted
    mat = lp.a_matrix_
    mat.format_ = highspy.MatrixFormat.kRowwise
    mat.num_col_, mat.num_row_ = n, m
    mat.start_ = np.searchsorted(rows, np.arange(m + 1)).astype(np.int32)
    mat.index_, mat.value_ = cols.astype(np.int32), A_ub[rows, cols]
    h = _solver()
    h.setOptionValue("presolve", "on" if presolve else "off")
    h.passModel(lp)
    h.run()
    status = h.getModelStatus()
    if status == highspy.HighsModelStatus.kOptimal:
        return _OPTIMAL, h.getInfo().objective_function_value, np.asarray(h.getSolution().col_value)
    # t <= _T_CAP and the box bound every variable, so "unbounded or infeasible" is infeasible
    if status in (highspy.HighsModelStatus.kInfeasible, highspy.HighsModelStatus.kUnboundedOrInfeasible):
        return _INFEASIBLE, np.nan, None
    return h.modelStatusToString(status), np.nan, None


#: A count is refused when float64's resolution at some pre-activation's magnitude reaches this
#: fraction of eps (:func:`check_rounding`).
ROUNDING_FRACTION = 0.1

#: Points of the box at which :func:`float_resolution` evaluates the forward pass.
ROUNDING_POINTS = 256


class ScaleError(ValueError):
    """A network and box whose scale leaves eps below the float64 resolution of the pre-activations."""


def float_resolution(net: Network, lower, upper, points: int = ROUNDING_POINTS, seed: int = 0) -> np.ndarray:
    """Per unit (layers in order), the float64 resolution of its pre-activation: the unit
    roundoff times the largest magnitude |W_i| |h^{l-1}| + |b_i| of the terms it sums, over the
    box's centre, its two extreme corners and ``points`` seeded uniform points (the forward pass).
    A margin below this is rounding noise wherever it is computed. (The rigorous error bound of a
    whole forward pass compounds worst cases layer by layer and refused deep constructions whose
    margins are 1000 times eps; the certificate bounds each witness rigorously instead.)"""
    lo, up = box_arrays(lower, upper, net.n0)
    rng = np.random.default_rng(seed)
    h = np.vstack([0.5 * (lo + up), lo, up, lo + (up - lo) * rng.random((points, net.n0))])
    out = []
    for W, b in net.layers:
        out.append(UNIT_ROUNDOFF * (np.abs(h) @ np.abs(W).T + np.abs(b)).max(axis=0))
        h = np.maximum(h @ W.T + b, 0.0)
    return np.concatenate(out)


def check_rounding(net: Network, lower, upper, eps: float, scale: str = "row") -> float:
    """The largest :func:`float_resolution` over the units; raises :class:`ScaleError` (one line)
    when it is not below ROUNDING_FRACTION * eps: at such a scale float64 cannot tell a margin of
    eps from rounding noise."""
    res = float_resolution(net, lower, upper)
    worst = int(np.argmax(res))
    if not res[worst] < ROUNDING_FRACTION * eps:
        ends = np.cumsum(net.widths)
        layer = int(np.searchsorted(ends, worst, side="right"))
        unit = worst - (int(ends[layer - 1]) if layer else 0)
        fix = ("scale='row' (the default) measures eps as a distance" if scale == "absolute"
               else "shrink the box, or raise eps")
        raise ScaleError(
            f"the pre-activations reach magnitudes where float64 resolves only {res[worst]:.3g} (unit {unit} of "
            f"layer {layer + 1}), not far below eps = {eps:g}, so the count would be meaningless; {fix}")
    return float(res[worst])


def affine_errors(net: Network, pattern: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Bounds (EA, ec) on the rounding error of :func:`affine_maps`: |fl(A) - A| <= EA and
    |fl(c) - c| <= ec entrywise, A and c the exact maps of the float weights.

    Layer by layer A_l = W_l D A_{l-1} (D the states of layer l-1): the error of a product of
    computed factors is |W| E_{l-1} + gamma_n |W| |fl(A_{l-1})| (n the inner dimension)."""
    s = np.asarray(pattern, dtype=bool).reshape(-1)
    M = np.eye(net.n0)
    m = np.zeros(net.n0)
    EM = np.zeros_like(M)
    em = np.zeros(net.n0)
    EA, ec = [], []
    k = 0
    for W, b in net.layers:
        aW = np.abs(W)
        g = gamma(W.shape[1] + 1)
        A = W @ M
        c = W @ m + b
        E = aW @ EM + (g * (aW @ np.abs(M)) if k else 0.0)  # layer 1: A = W1 exactly
        e = aW @ em + (g * (aW @ np.abs(m) + np.abs(b)) if k else 0.0)
        EA.append(E * np.ones_like(A))
        ec.append(e * np.ones_like(c))
        act = s[k:k + W.shape[0]]
        M, m = A * act[:, None], c * act
        EM, em = EA[-1] * act[:, None], ec[-1] * act
        k += W.shape[0]
    return np.vstack(EA), np.concatenate(ec)


def margin_error(A: np.ndarray, c: np.ndarray, EA: np.ndarray, ec: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Per unit, a bound on |fl(A_i x + c_i) - (A_i x + c_i)| with A, c exact: the maps' errors
    (EA, ec from :func:`affine_errors`) plus the rounding of the product."""
    ax = np.abs(x)
    return EA @ ax + ec + gamma(A.shape[1] + 1) * (np.abs(A) @ ax + np.abs(c)) * (1.0 + 1e-15)


def composed_bounds(net: Network) -> tuple[np.ndarray, np.ndarray]:
    """Per unit (layers in order), bounds (eb, ec) on the rounding error of its affine map on
    *any* region as a search kernel composes it in float64 (A_l = W_l D A_{l-1} by sums of
    products, with any states D): every entry of the computed row is within eb of the exact one,
    the computed constant within ec. They hold for every pattern at once because they use
    |W_l| ... |W_1| (and |W_l| ... |b_1| + ... + |b_l|), which bound the terms of every pattern's
    sums; twice gamma of all the terms summed on the way covers the compounding. Layer 1 is
    exact (eb = ec = 0). A kernel decides a row or constant within these of 0 exactly
    (:func:`exact_layer`), so the cheap test runs on every row and the slow one on few."""
    P = np.abs(np.asarray(net.layers[0][0], dtype=np.float64))
    C = np.abs(np.asarray(net.layers[0][1], dtype=np.float64))
    eb, ec = [np.zeros(P.shape[0])], [np.zeros(P.shape[0])]
    terms = 0
    for W, b in net.layers[1:]:
        aW = np.abs(W)
        terms += W.shape[1] + 1
        P = aW @ P
        C = aW @ C + np.abs(b)
        g = 2.0 * gamma(terms)
        eb.append(g * P.max(axis=1))
        ec.append(g * C)
    return np.concatenate(eb), np.concatenate(ec)


def exact_layer(net: Network, states: np.ndarray, layer: int) -> tuple[list[bool], list[int]]:
    """For each unit of hidden layer ``layer`` (0-based), given the states of the units of the
    layers before it (``states``, bool, at least that long; later entries are ignored): whether
    its affine map's row is exactly 0 on that region, and the sign (-1, 0, 1) of its constant,
    in rational arithmetic on the float weights (:func:`exact_maps`). What a kernel asks when a
    computed row or constant is within :func:`composed_bounds` of 0."""
    start = sum(net.widths[:layer])
    s = np.zeros(net.n_units, dtype=bool)
    s[:start] = np.asarray(states, dtype=bool).reshape(-1)[:start]
    rows, consts = exact_maps(net, s, layers=layer + 1)
    end = start + net.widths[layer]
    return ([not any(r) for r in rows[start:end]],
            [(c > 0) - (c < 0) for c in consts[start:end]])


def exact_maps(net: Network, pattern: np.ndarray, layers: int | None = None) -> tuple[list, list]:
    """The pattern's affine maps (:func:`affine_maps`) in exact rational arithmetic on the float
    weights: lists of N rows (lists of Fractions) and N constants (only the first ``layers``
    layers' units, if given). Slow; for the few patterns whose maps float64 cannot decide (a row
    that may be exactly 0, a constant that may be 0)."""
    s = np.asarray(pattern, dtype=bool).reshape(-1)
    M = [[Fraction(1) if i == j else Fraction(0) for j in range(net.n0)] for i in range(net.n0)]
    m = [Fraction(0)] * net.n0
    rows, consts, k = [], [], 0
    for W, b in net.layers[:layers]:
        Wf = [[Fraction(float(w)) for w in row] for row in W]
        A = [[sum((Wf[i][j] * M[j][q] for j in range(len(M)) if Wf[i][j] and M[j][q]), Fraction(0))
              for q in range(net.n0)] for i in range(len(Wf))]
        c = [sum((Wf[i][j] * m[j] for j in range(len(m)) if Wf[i][j] and m[j]), Fraction(0)) + Fraction(float(b[i]))
             for i in range(len(Wf))]
        rows += A
        consts += c
        act = s[k:k + len(Wf)]
        M = [[a if act[i] else Fraction(0) for a in A[i]] for i in range(len(Wf))]
        m = [c[i] if act[i] else Fraction(0) for i in range(len(Wf))]
        k += len(Wf)
    return rows, consts


def exact_margin(net: Network, pattern: np.ndarray, x: np.ndarray, margin: str = "both", maps=None) -> float:
    """The margin of ``pattern`` at x computed exactly (rational arithmetic on the float weights
    and x, ``maps`` from :func:`exact_maps` if already computed), as a float rounded down; -inf if
    a unit's state is wrong at x. Slow: for the few witnesses that float64 cannot decide."""
    s = np.asarray(pattern, dtype=bool).reshape(-1)
    rows, consts = maps if maps is not None else exact_maps(net, s)
    xs = [Fraction(float(v)) for v in x]
    vals = []
    for i, (A, c) in enumerate(zip(rows, consts)):
        active = bool(s[i])
        if not any(A):  # constant on the region: the sign decides, no margin
            if active != (c > 0):
                return -np.inf
            continue
        z = sum((a * v for a, v in zip(A, xs)), Fraction(0)) + c
        signed = z if active else -z
        if margin == "active" and not active:
            if signed < -SIGN_TOL:
                return -np.inf
            continue
        vals.append(signed)
    if not vals:
        return np.inf
    low = min(vals)
    f = float(low)
    return f if Fraction(f) <= low else float(np.nextafter(f, -np.inf))


def sure_witness(net: Network, pattern: np.ndarray, x: np.ndarray, eps: float, margin: str = "both") -> bool:
    """True if float64 proves that x is a witness of ``pattern`` (margin >= eps at x beyond every
    rounding bound, every constant unit's sign beyond its bound); False means "not proven"."""
    s = np.asarray(pattern, dtype=bool).reshape(-1)
    A, c = affine_maps(net, s)
    EA, ec = affine_errors(net, s)
    const = ~A.any(axis=1)
    if np.any(const & ((s != (c > 0)) | (np.abs(c) <= ec))) or np.any(~const & np.all(np.abs(A) <= EA, axis=1)):
        return False
    z = A @ x + c
    err = margin_error(A, c, EA, ec, x)
    vals = np.where(s, z, -z) - err
    ask = ~const & (s | (margin == "both"))
    sign_only = ~const & ~ask
    return bool(np.all(vals[ask] >= eps) and np.all(vals[sign_only] >= -SIGN_TOL))


def certify(net: Network, pattern, lower, upper, margin: str = "both",
            A_dom: np.ndarray | None = None, c_dom: np.ndarray | None = None, *, eps: float | None = None,
            scale: str = "row", given: Network | None = None) -> Certificate:
    """Solve the certificate LP of ``pattern`` on the domain with :func:`max_margin` and evaluate
    the margin at its optimum. The domain is the box lower <= x <= upper (numbers, or arrays of
    shape (n0,)) and, if given, the constraints ``A_dom x <= c_dom``; ``scale`` says how the
    margin is measured (the canonical form by default). Given ``eps``, a witness whose float64
    margin is within its rounding bound of eps, or a constant unit within its bound of 0, is
    decided by :func:`exact_margin` (``Certificate.exact``). Which rows are exactly 0 and the
    signs of the constants are decided on the weights as given (``given``, when ``net`` is
    already a canonical form): positive rescaling keeps them exactly, the rounded canonical
    weights need not."""
    if given is None:
        given = net
    net = scaled(net, scale)
    s = np.asarray(pattern, dtype=bool).reshape(-1)
    A, c = affine_maps(net, s)
    const = ~A.any(axis=1)
    maps = None
    if eps is not None:
        EA, ec = affine_errors(net, s)
        # a computed row within its error of 0 may be exactly 0 (a constant unit, e.g. two equal
        # rows with opposite weights, whose float products need not cancel), and a constant within
        # its error of 0 may have either sign: the exact maps decide
        if np.any((~const & np.all(np.abs(A) <= EA, axis=1)) | (const & (np.abs(c) <= ec))):
            rows0, consts0 = exact_maps(given, s)
            const = np.array([not any(r) for r in rows0])
            if any(bool(s[i]) != (consts0[i] > 0) for i in np.flatnonzero(const)):
                return Certificate(-np.inf, None, exact=True)
            maps = exact_maps(net, s) if net is not given else (rows0, consts0)
            maps = ([[Fraction(0)] * net.n0 if const[i] else r for i, r in enumerate(maps[0])],
                    [consts0[i] if const[i] else c for i, c in enumerate(maps[1])])
    if maps is None and np.any(const & (s != (c > 0))):
        return Certificate(-np.inf, None)
    rows = ~const
    _, x = max_margin(A[rows], c[rows], s[rows], margin, lower, upper, A_dom, c_dom)
    if x is None or not in_constraints(x, A_dom, c_dom):
        return Certificate(-np.inf, None, exact=maps is not None)
    if maps is not None:
        return Certificate(exact_margin(net, s, x, margin, maps), x, exact=True)
    value = evaluate_margin(A, c, s, x, margin)
    if eps is not None and np.isfinite(value):
        err = margin_error(A, c, EA, ec, x)
        vals = np.where(s, A @ x + c, -(A @ x + c))
        ask = rows & (s | (margin == "both"))
        # (the sign-only rows of margin "active" keep SIGN_TOL, as evaluate_margin: their optimum
        # lies on the hyperplane, where no float point decides the sign)
        if np.any(ask & (np.abs(vals - eps) <= err)):
            return Certificate(exact_margin(net, s, x, margin), x, exact=True)
    return Certificate(value, x)


def brute_force_patterns(net: Network, lower, upper, eps: float, margin: str = "both",
                         A_dom: np.ndarray | None = None, c_dom: np.ndarray | None = None,
                         scale: str = "row", given: Network | None = None) -> np.ndarray:
    """Every pattern among all 2^N that the certificate accepts (bool, k x N); for N <= 20.

    An independent count for tests and small networks: no search, no pruning, one LP a pattern.
    The domain is the box [lower, upper] (scalars or arrays) and the optional ``A_dom x <= c_dom``;
    eps is measured as ``scale`` says (the canonical form by default); ``given`` as in :func:`certify`.
    """
    given = net if given is None else given
    net = scaled(net, scale)
    N = net.n_units
    if N > 20:
        raise ValueError(f"brute force over 2^{N} patterns is too slow; it takes N <= 20")
    lower, upper = box_arrays(lower, upper, net.n0)
    found = []
    for code in range(2**N):
        s = np.array([(code >> (N - 1 - i)) & 1 for i in range(N)], dtype=bool)
        if certify(net, s, lower, upper, margin, A_dom, c_dom, eps=eps, scale="absolute", given=given).certifies(eps):
            found.append(s)
    return np.array(found, dtype=bool).reshape(-1, N)
