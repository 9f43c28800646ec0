"""The LP certificate of a pattern: its largest margin over the box, with a witness point.

For a pattern, the pre-activations on its region are affine in x (:func:`affine_maps`). An LP
maximises t subject to s_i (A_i x + c_i) >= t for every non-constant unit (s_i = +1 if active,
-1 if inactive; with ``margin="active"`` the inactive rows are only -(A_i x + c_i) >= 0) and x
in the domain (the box, per coordinate, and any constraints A x <= c of a polytope or of a
slice's t-polytope, :mod:`linregions.domain`). The LP is solved with HiGHS (through SciPy), a
solver independent of the MILP's Gurobi. The reported margin is the margin *evaluated* at the
LP's optimal point clipped to the box (and checked against A x <= c up to :data:`DOMAIN_TOL`),
so a margin >= eps is a witness, not a solver's claim. The pattern is a region iff the margin
is >= eps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog

from .network import Network, affine_maps, box_arrays

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
    # rows: -s_i A_i x + t <= s_i c_i   (margin rows)   or  -s_i A_i x <= s_i c_i (sign-only rows)
    with_t = s.astype(float) if margin == "active" else np.ones(len(s))
    A_ub = np.hstack([-sign[:, None] * A, with_t[:, None]])
    b_ub = sign * c
    if A_dom is not None:  # the domain's rows, without the margin variable
        A_ub = np.vstack([A_ub, np.hstack([A_dom, np.zeros((A_dom.shape[0], 1))])])
        b_ub = np.concatenate([b_ub, c_dom])
    n0 = A.shape[1]
    cost = np.zeros(n0 + 1)
    cost[-1] = -1.0
    res = linprog(
        cost,
        A_ub=A_ub,
        b_ub=b_ub,
        bounds=list(zip(lo, up)) + [(None, _T_CAP)],
        method="highs",
        # presolve costs more than it saves on these dense LPs (about 3x slower in a trial)
        options={"presolve": False, "primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10},
    )
    if res.status == 2:  # infeasible
        return -np.inf, None
    if res.status != 0 or res.x is None:
        raise RuntimeError(f"certificate LP failed: {res.message}")
    return float(-res.fun), np.clip(res.x[:n0], lo, up)


def certify(net: Network, pattern, lower, upper, margin: str = "both",
            A_dom: np.ndarray | None = None, c_dom: np.ndarray | None = None) -> Certificate:
    """Solve the certificate LP of ``pattern`` on the domain with :func:`max_margin` and evaluate
    the margin at its optimum. The domain is the box lower <= x <= upper (numbers, or arrays of
    shape (n0,)) and, if given, the constraints ``A_dom x <= c_dom``."""
    s = np.asarray(pattern, dtype=bool).reshape(-1)
    A, c = affine_maps(net, s)
    const = ~A.any(axis=1)
    if np.any(const & (s != (c > 0))):
        return Certificate(-np.inf, None)
    rows = ~const
    _, x = max_margin(A[rows], c[rows], s[rows], margin, lower, upper, A_dom, c_dom)
    if x is None or not in_constraints(x, A_dom, c_dom):
        return Certificate(-np.inf, None)
    return Certificate(evaluate_margin(A, c, s, x, margin), x)


def brute_force_patterns(net: Network, lower, upper, eps: float, margin: str = "both",
                         A_dom: np.ndarray | None = None, c_dom: np.ndarray | None = None) -> np.ndarray:
    """Every pattern among all 2^N that the certificate accepts (bool, k x N); for N <= 20.

    An independent count for tests and small networks: no search, no pruning, one LP a pattern.
    The domain is the box [lower, upper] (scalars or arrays) and the optional ``A_dom x <= c_dom``.
    """
    N = net.n_units
    if N > 20:
        raise ValueError(f"brute force over 2^{N} patterns is too slow; it takes N <= 20")
    lower, upper = box_arrays(lower, upper, net.n0)
    found = []
    for code in range(2**N):
        s = np.array([(code >> (N - 1 - i)) & 1 for i in range(N)], dtype=bool)
        if certify(net, s, lower, upper, margin, A_dom, c_dom).certifies(eps):
            found.append(s)
    return np.array(found, dtype=bool).reshape(-1, N)
