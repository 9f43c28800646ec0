"""The input domain of a count: a box, a polytope in a box, or an affine slice of a box.

Every counter (lp, milp, brute, the planar and interval paths) takes the same :class:`Domain`:

- a **box** ``[lower, upper]`` with per-coordinate bounds (scalars broadcast to every input);
  :func:`around` is the box ``[x - r, x + r] ∩ [lower, upper]`` around a data point;
- a **polytope** ``{x : A x <= c}`` inside a box (:func:`polytope`);
- an **affine slice** ``{x0 + V t : t in a t-box}`` ∩ box (:func:`affine_slice`; the t-box may
  be unbounded), whose part of the input box becomes linear constraints on t, so every counted
  point is a valid input; :func:`plane` is the slice through three inputs,
  ``x = a + t1 (b - a) + t2 (c - a)``.

A domain reduces (:meth:`Domain.reduce`) to what the counters work on: a network on some space
of dimension d, a finite per-coordinate box there, and optional constraints ``A z <= c``. A box
or polytope keeps the network and its input space (d = n0); a slice composes the network's
first layer with the slice (``W1 V`` and ``b1 + W1 x0``), so the regions on the slice are the
regions of the composed network on the t-polytope (d = number of columns of V). The reduced box
of a slice is the t-polytope's bounding box (found by LP, which also proves it nonempty and
bounded); constraints that no point of the reduced box can violate are dropped, so a slice whose
t-box lies inside the input box reduces to a plain box.

A bad domain raises :class:`DomainError` (a ``ValueError``) with one line naming the bad value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import linprog

from .network import BoxError, Network, array_digest

#: A constraint row is redundant on the reduced box when its largest value there is below its
#: bound by this relative margin (so rounding can never make a dropped row matter).
_REDUNDANT_TOL = 1e-9


class DomainError(BoxError):
    """A domain that is malformed, empty, unbounded, or not inside the input box."""


def _vector(name: str, value: Any, n: int | None = None) -> np.ndarray:
    """A finite float64 vector (scalars stay 0-d when n is None)."""
    try:
        v = np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise DomainError(f"{name} must be a number or an array of numbers, got {type(value).__name__}") from None
    if v.ndim > 1:
        raise DomainError(f"{name} must be a scalar or a vector, got an array of shape {v.shape}")
    if n is not None:
        if v.ndim == 0:
            v = np.full(n, float(v))
        elif v.shape != (n,):
            raise DomainError(f"{name} has shape {v.shape}, but the network has {n} inputs; give shape ({n},) or a scalar")
    return v


def _finite(name: str, v: np.ndarray) -> None:
    bad = np.flatnonzero(~np.isfinite(np.atleast_1d(v)))
    if bad.size:
        i = int(bad[0])
        where = f"[{i}]" if np.ndim(v) else ""
        raise DomainError(f"{name}{where} = {np.atleast_1d(v)[i]} is not finite; give finite values")


def _check_bounds(lower: np.ndarray, upper: np.ndarray, what: str = "box") -> None:
    """Finite, and lower <= upper at every coordinate (strict for a scalar box, as check_box)."""
    _finite(f"the {what}'s lower", lower)
    _finite(f"the {what}'s upper", upper)
    if lower.ndim == 0 and upper.ndim == 0:
        if not lower < upper:
            raise DomainError(f"the {what} needs lower < upper, got lower={float(lower)}, upper={float(upper)}")
        return
    lo, up = np.broadcast_arrays(lower, upper)
    bad = np.flatnonzero(lo > up)
    if bad.size:
        i = int(bad[0])
        raise DomainError(f"the {what} has lower > upper at coordinate {i} (lower[{i}]={lo[i]}, upper[{i}]={up[i]}) "
                          f"and {bad.size - 1} more; give lower <= upper")


@dataclass(frozen=True)
class Reduced:
    """A domain as the counters see it: the network on the domain's space (composed with the
    slice for a slice), a finite box ``lower <= z <= upper`` there, and ``A z <= c`` (or None)."""

    net: Network
    lower: np.ndarray
    upper: np.ndarray
    A: np.ndarray | None = None
    c: np.ndarray | None = None

    @property
    def dim(self) -> int:
        """Dimension d of the domain's space."""
        return int(self.lower.size)

    @property
    def is_box(self) -> bool:
        return self.A is None

    @property
    def uniform(self) -> bool:
        """True when the box is [lo, up]^d with one lo and one up."""
        return bool(np.all(self.lower == self.lower[0]) and np.all(self.upper == self.upper[0]))


@dataclass(frozen=True, eq=False)
class Domain:
    """An input domain (see the module docstring); build it with :func:`box`, :func:`around`,
    :func:`polytope`, :func:`affine_slice` or :func:`plane`.

    ``lower``/``upper`` bound the inputs x (scalars or vectors of shape (n0,)). A polytope adds
    ``A x <= c``. A slice has ``x0`` (n0,) and ``V`` (n0 x k) and a t-box ``t_lower``/``t_upper``
    (shape (k,), entries may be infinite).
    """

    kind: str  # "box", "polytope" or "slice"
    lower: np.ndarray
    upper: np.ndarray
    A: np.ndarray | None = None
    c: np.ndarray | None = None
    x0: np.ndarray | None = None
    V: np.ndarray | None = None
    t_lower: np.ndarray | None = None
    t_upper: np.ndarray | None = None
    label: str = ""  # how it was made: "box", "around", "polytope", "slice", "plane"
    info: dict = field(default_factory=dict)  # JSON-friendly extras of the maker (e.g. radius)

    # -- description -----------------------------------------------------------------------
    def box_range(self) -> tuple[float, float]:
        """(min of lower, max of upper): the scalar bounds a CountResult records."""
        return float(np.min(self.lower)), float(np.max(self.upper))

    def describe(self, net: Network | None = None) -> dict:
        """A JSON-friendly description: kind, maker, dimension, box range, sizes and a digest."""
        lo, up = self.box_range()
        uniform = bool(np.all(self.lower == lo) and np.all(self.upper == up))
        d: dict = {"kind": self.kind, "label": self.label or self.kind, "lower": lo, "upper": up,
                   "uniform_box": uniform}
        if self.kind == "polytope":
            d["constraints"] = int(self.A.shape[0])
        if self.kind == "slice":
            d["slice_dim"] = int(self.V.shape[1])
            d["t_lower"] = [float(v) for v in self.t_lower]
            d["t_upper"] = [float(v) for v in self.t_upper]
        d["dim"] = int(self.V.shape[1]) if self.kind == "slice" else (net.n0 if net is not None else None)
        arrays = [np.atleast_1d(self.lower), np.atleast_1d(self.upper)]
        arrays += [a for a in (self.A, self.c, self.x0, self.V) if a is not None]
        d["digest"] = array_digest(*arrays)[:16]
        d.update(self.info)
        return d

    # -- reduction -------------------------------------------------------------------------
    def input_box(self, n0: int) -> tuple[np.ndarray, np.ndarray]:
        """The input box broadcast to (n0,) arrays, checked against the network's n0."""
        lo = _vector("lower", self.lower, n0)
        up = _vector("upper", self.upper, n0)
        return lo, up

    def reduce(self, net: Network) -> Reduced:
        """The (network, box, constraints) the counters work on; raises DomainError if the
        domain does not fit the network or is empty."""
        n0 = net.n0
        lo, up = self.input_box(n0)
        if self.kind == "box":
            return Reduced(net, lo, up)
        if self.kind == "polytope":
            if self.A.shape[1] != n0:
                raise DomainError(f"the polytope's A has {self.A.shape[1]} columns, but the network has {n0} inputs")
            _check_nonempty(self.A, self.c, lo, up, "the polytope {x : A x <= c} in the box")
            A, c = _drop_redundant(self.A, self.c, lo, up)
            return Reduced(net, lo, up, A, c)
        # slice
        x0, V = self.x0, self.V
        if x0.shape != (n0,) or V.shape[0] != n0:
            raise DomainError(f"the slice has x0 of shape {x0.shape} and V of shape {V.shape}, but the network "
                              f"has {n0} inputs; give x0 (n0,) and V (n0, k)")
        _inside("the slice's point x0", x0, lo, up)
        # lower <= x0 + V t <= upper  ->  V t <= upper - x0,  -V t <= x0 - lower
        A = np.vstack([V, -V])
        c = np.concatenate([up - x0, x0 - lo])
        blo, bup = _bounding_box(A, c, self.t_lower, self.t_upper, "the slice's part of the box")
        A, c = _drop_redundant(A, c, blo, bup)
        W1, b1 = net.layers[0]
        first = (W1 @ V, b1 + W1 @ x0)
        composed = Network(layers=(first,) + tuple(net.layers[1:]))
        return Reduced(composed, blo, bup, A, c)


def _inside(name: str, x: np.ndarray, lo: np.ndarray, up: np.ndarray) -> None:
    bad = np.flatnonzero((x < lo) | (x > up))
    if bad.size:
        i = int(bad[0])
        raise DomainError(f"{name} is outside the box at coordinate {i} ({x[i]} not in [{lo[i]}, {up[i]}]) and "
                          f"{bad.size - 1} more; give a point inside the box or widen the box")


def _check_nonempty(A: np.ndarray, c: np.ndarray, lo: np.ndarray, up: np.ndarray, what: str) -> None:
    """DomainError unless some z in the box [lo, up] has A z <= c (one feasibility LP, HiGHS)."""
    res = linprog(np.zeros(A.shape[1]), A_ub=A, b_ub=c, bounds=np.column_stack([lo, up]), method="highs")
    if res.status == 2:
        raise DomainError(f"{what} is empty (no point satisfies every constraint); check A, c and the bounds")
    if res.status != 0:
        raise DomainError(f"{what}: the LP that checks it is nonempty failed ({res.message})")


def _bounding_box(A: np.ndarray, c: np.ndarray, lo: np.ndarray, up: np.ndarray, what: str) -> tuple[np.ndarray, np.ndarray]:
    """The bounding box of {z : A z <= c, lo <= z <= up} by 2d LPs (HiGHS), widened by rounding
    and intersected with [lo, up]; DomainError if the set is empty or unbounded."""
    d = A.shape[1]
    bounds = [(None if not np.isfinite(a) else float(a), None if not np.isfinite(b) else float(b)) for a, b in zip(lo, up)]
    opts = {"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10}
    blo, bup = np.empty(d), np.empty(d)
    for j in range(d):
        for sign, out in ((1.0, blo), (-1.0, bup)):
            cost = np.zeros(d)
            cost[j] = sign
            res = linprog(cost, A_ub=A, b_ub=c, bounds=bounds, method="highs", options=opts)
            if res.status == 2:
                raise DomainError(f"{what} is empty (no point satisfies every constraint); check A, c and the bounds")
            if res.status == 3:
                raise DomainError(f"{what} is unbounded in coordinate {j}; give finite bounds")
            if res.status != 0:
                raise DomainError(f"{what}: the LP of its bounding box failed ({res.message})")
            out[j] = sign * res.fun
    pad = 1e-9 * (1.0 + np.maximum(np.abs(blo), np.abs(bup)))
    return np.maximum(blo - pad, lo), np.minimum(bup + pad, up)


def interior_point(A: np.ndarray, c: np.ndarray, lo: np.ndarray, up: np.ndarray) -> np.ndarray:
    """A point deep inside {x in [lo, up] : A x <= c}: the centre of the largest ball inside it
    after the box is scaled to the unit cube (one HiGHS LP), checked in float64. Raises
    DomainError when float64 cannot certify any point strictly inside (a flat or empty polytope)."""
    n0 = lo.size
    wid = up - lo
    As = A * wid  # rows in u, x = lo + wid * u, u in [0, 1]^n0
    cs = c - A @ lo
    norm = np.sqrt((As * As).sum(axis=1))
    # max t  s.t.  As u + t |As_k| <= cs,  t <= u_j <= 1 - t
    eye = np.eye(n0)
    A_ub = np.vstack([np.hstack([As, norm[:, None]]), np.hstack([-eye, np.ones((n0, 1))]),
                      np.hstack([eye, np.ones((n0, 1))])])
    b_ub = np.concatenate([cs, np.zeros(n0), np.ones(n0)])
    cost = np.zeros(n0 + 1)
    cost[-1] = -1.0
    res = linprog(cost, A_ub=A_ub, b_ub=b_ub, bounds=[(0.0, 1.0)] * n0 + [(0.0, 0.5)], method="highs")
    if res.status == 0 and res.x is not None and res.x[-1] > 0.0:
        x = np.clip(lo + wid * res.x[:n0], lo, up)
        if np.all(A @ x < c):
            return x
    raise DomainError("the domain has no interior point that float64 can certify (it is flat, or too thin); "
                     "widen its constraints, or give a flat set as an affine_slice")


def _drop_redundant(A: np.ndarray, c: np.ndarray, lo: np.ndarray, up: np.ndarray):
    """Rows of A z <= c that some point of the box [lo, up] could violate (None if none)."""
    worst = np.maximum(A * lo, A * up).sum(axis=1)  # max of A_i z over the box
    keep = ~(worst <= c - _REDUNDANT_TOL * (1.0 + np.abs(c) + np.abs(A).sum(axis=1) * np.maximum(np.abs(lo), np.abs(up)).max()))
    keep &= A.any(axis=1)
    if not keep.any():
        return None, None
    return np.ascontiguousarray(A[keep]), np.ascontiguousarray(c[keep])


# -- makers -------------------------------------------------------------------------------------
def box(lower: Any = 0.0, upper: Any = 1.0) -> Domain:
    """The box [lower, upper]: scalars (the cube) or per-coordinate vectors of shape (n0,)."""
    lo, up = _vector("lower", lower), _vector("upper", upper)
    if lo.ndim and up.ndim and lo.shape != up.shape:
        raise DomainError(f"lower has shape {lo.shape} but upper has shape {up.shape}; give the same shape")
    _check_bounds(lo, up)
    return Domain("box", lo, up, label="box")


def around(x: Any, radius: float, lower: Any = 0.0, upper: Any = 1.0) -> Domain:
    """The box [x - radius, x + radius] ∩ [lower, upper] around the input x (the neighbourhood of
    a data point; the pixel box [0, 1] by default)."""
    xv = _vector("x", x)
    if xv.ndim != 1:
        raise DomainError(f"x must be a vector (one input), got shape {xv.shape}")
    _finite("x", xv)
    r = float(radius)
    if not (np.isfinite(r) and r >= 0):
        raise DomainError(f"radius must be a finite number >= 0, got {radius!r}")
    lo = _vector("lower", lower, xv.size)
    up = _vector("upper", upper, xv.size)
    _check_bounds(lo, up)
    _inside("the point x", xv, lo, up)
    d = box(np.maximum(xv - r, lo), np.minimum(xv + r, up))
    return Domain("box", d.lower, d.upper, label="around", info={"radius": r, "center_digest": array_digest(xv)[:16]})


def polytope(A: Any, c: Any, lower: Any = 0.0, upper: Any = 1.0) -> Domain:
    """The polytope {x : A x <= c} inside the box [lower, upper] (A of shape m x n0)."""
    try:
        Am = np.array(A, dtype=np.float64)
        cv = np.array(c, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise DomainError("A and c of a polytope must be arrays of numbers") from None
    if Am.ndim != 2 or Am.shape[0] == 0 or cv.shape != (Am.shape[0],):
        raise DomainError(f"a polytope needs A of shape (m, n0) with m >= 1 and c of shape (m,), got {Am.shape} and {cv.shape}")
    _finite("A", Am.reshape(-1))
    _finite("c", cv)
    b = box(lower, upper)
    if b.lower.ndim and b.lower.size != Am.shape[1]:
        raise DomainError(f"A has {Am.shape[1]} columns but the box has {b.lower.size} coordinates")
    return Domain("polytope", b.lower, b.upper, A=Am, c=cv, label="polytope")


def affine_slice(x0: Any, V: Any, t_lower: Any = -np.inf, t_upper: Any = np.inf, lower: Any = 0.0,
                 upper: Any = 1.0, label: str = "slice") -> Domain:
    """The slice {x0 + V t : t_lower <= t <= t_upper} ∩ [lower, upper] (V of shape n0 x k, full
    column rank; the t-box may be infinite, the input box bounds it)."""
    xv = _vector("x0", x0)
    if xv.ndim != 1:
        raise DomainError(f"x0 must be a vector (one input), got shape {xv.shape}")
    _finite("x0", xv)
    try:
        Vm = np.array(V, dtype=np.float64)
    except (TypeError, ValueError):
        raise DomainError("V must be an array of numbers") from None
    if Vm.ndim == 1:
        Vm = Vm[:, None]
    if Vm.ndim != 2 or Vm.shape[0] != xv.size or Vm.shape[1] == 0:
        raise DomainError(f"V must have shape ({xv.size}, k) with k >= 1 to match x0, got {Vm.shape}")
    _finite("V", Vm.reshape(-1))
    k = Vm.shape[1]
    if k > xv.size or np.linalg.matrix_rank(Vm) < k:
        raise DomainError(f"V (shape {Vm.shape}) does not have full column rank {k}; give linearly independent directions")
    tl, tu = _vector("t_lower", t_lower, k), _vector("t_upper", t_upper, k)
    if np.any(np.isnan(tl)) or np.any(np.isnan(tu)):
        raise DomainError("t_lower/t_upper contain NaN; give numbers or +-inf")
    bad = np.flatnonzero(tl > tu)
    if bad.size:
        i = int(bad[0])
        raise DomainError(f"the t-box has t_lower > t_upper at coordinate {i} ({tl[i]} > {tu[i]}); give t_lower <= t_upper")
    b = box(lower, upper)
    if b.lower.ndim and b.lower.size != xv.size:
        raise DomainError(f"x0 has {xv.size} coordinates but the box has {b.lower.size}")
    return Domain("slice", b.lower, b.upper, x0=xv, V=Vm, t_lower=tl, t_upper=tu, label=label)


def plane(a: Any, b: Any, c: Any, lower: Any = 0.0, upper: Any = 1.0, t_lower: Any = -np.inf,
          t_upper: Any = np.inf) -> Domain:
    """The plane through the inputs a, b, c as the slice x = a + t1 (b - a) + t2 (c - a), cut by the
    box [lower, upper] (and by an optional t-box; t in [0, 1]^2 with t1 + t2 <= 1 is the triangle).
    The three points must lie in the box and must not be collinear."""
    pts = [_vector(name, p) for name, p in (("a", a), ("b", b), ("c", c))]
    for name, p in zip("abc", pts):
        if p.ndim != 1 or p.shape != pts[0].shape:
            raise DomainError(f"the plane's points must be vectors of one shape, got {name} of shape {p.shape}")
        _finite(name, p)
    bx = box(lower, upper)
    lo = _vector("lower", bx.lower, pts[0].size)
    up = _vector("upper", bx.upper, pts[0].size)
    for name, p in zip("abc", pts):
        _inside(f"the plane's point {name}", p, lo, up)
    V = np.stack([pts[1] - pts[0], pts[2] - pts[0]], axis=1)
    if np.linalg.matrix_rank(V) < 2:
        raise DomainError("the plane's points a, b, c are collinear (b - a and c - a are dependent); give three points not on one line")
    d = affine_slice(pts[0], V, t_lower, t_upper, lower, upper, label="plane")
    return Domain("slice", d.lower, d.upper, x0=d.x0, V=d.V, t_lower=d.t_lower, t_upper=d.t_upper, label="plane",
                  info={"points_digest": array_digest(*pts)[:16]})


def as_domain(domain: Domain | None, lower: Any = 0.0, upper: Any = 1.0) -> Domain:
    """``domain`` itself, or the box [lower, upper] when it is None."""
    if domain is None:
        return box(lower, upper)
    if not isinstance(domain, Domain):
        raise DomainError(f"domain must be a linregions Domain (box, around, polytope, affine_slice, plane), "
                          f"got {type(domain).__name__}")
    return domain
