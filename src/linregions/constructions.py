"""Networks whose number of linear regions is known exactly: the constructions behind the lower bounds.

Each function returns a :class:`Construction`: a :class:`~linregions.network.Network`, its exact
region count on the box [0, 1]^{n0} and the paper the construction comes from. They prove the
counters against theory at sizes where no brute force reaches.

Counts are for the default region definition of :mod:`linregions.regions` (two-sided margin,
``margin="both"``, eps = 1e-6). Every construction is built the same way:

* layers 1..L-1 apply one piecewise linear map [0, 1] -> [0, 1] to every input coordinate
  separately (a fold, a sawtooth), each of whose p pieces maps *onto* [0, 1]; the coordinates
  are independent, so layer l splits the box into p_l^{n0} cells, each mapped affinely onto the
  whole box, and the pieces compose: prod_l p_l^{n0} cells after L-1 layers;
* layer L is an arrangement of n_L hyperplanes in general position in [0, 1]^{n0} with every
  vertex inside the box (:func:`arrangement`), which cuts the image of every cell into
  sum_{j<=n0} C(n_L, j) regions (Zaslavsky).

Distinct cells and arrangement regions have distinct activation patterns (a layer's pattern
determines the piece of each coordinate; an arrangement region is its sign vector) and every
pattern with a positive margin lies inside one of them, so the count is exact once every
region has a margin >= eps. The margins are certified, not assumed: each arrangement region's
largest margin (with the point kept at that distance from the box boundary) is computed by an
LP, each earlier layer's margin is bounded below through the pieces' slopes, and every layer is
then scaled by a power of two (exact in floating point; ReLU is positively homogeneous, so the
next layer divides it out) until every region has a margin >= :data:`TARGET_MARGIN` = 1000 eps.
:attr:`Construction.min_margin` is that certified lower bound.

The one-sided definition (``margin="active"``) counts the same on :func:`zaslavsky`,
:func:`montufar2014` and :func:`serra2018_1d`: no two of their units are ever zero on the same
hyperplane (breakpoints of a layer are distinct; the arrangement is in general position), so a
lower-dimensional piece where some inactive units sit at 0 has a neighbouring open region with
the same pattern. It counts more on :func:`pascanu2014`: a fold pair computes relu(2t - 1) and
relu(1 - 2t), whose hyperplanes coincide, so where t = 1/2 both units are inactive at 0, a
pattern no open region has. There the folded coordinate is 0 (a face of the box) and stays
fixed through the later layers, so the one-sided definition adds one pattern for every piece
that the later layers cut that lower-dimensional set into: for n0 = 1, the fold of layer l has
2^{l-1} preimages and adds 2^{l-1} patterns, 2^{L-1} - 1 in all (tested); for n0 > 1 the
number depends on how the last layer's arrangement meets the faces of the box.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
from scipy.optimize import linprog

from . import bounds
from .network import Network, from_arrays, network_to_sequential

#: Every region of a construction has a margin at least this (1000 times the default eps).
TARGET_MARGIN = 1e-3

#: Most regions an arrangement may have: each one's margin is certified by an LP.
MAX_ARRANGEMENT_REGIONS = 20_000

#: Below this relative margin an arrangement is too thin to be exact in floating point.
_MIN_RELATIVE_MARGIN = 1e-9

BOX = (0.0, 1.0)


@dataclass(frozen=True)
class Construction:
    """A network with its exact number of regions on the box [lower, upper]^{n0}."""

    name: str
    network: Network
    count: int
    lower: float
    upper: float
    source: str
    min_margin: float = 0.0  # certified lower bound on every region's margin

    def as_sequential(self, n_out: int | None = None):
        """The network as a torch ``nn.Sequential`` (float64), e.g. to save with ``torch.save``."""
        return network_to_sequential(self.network, n_out)


# --------------------------------------------------------------------------------------------
# The last layer: an arrangement of hyperplanes in general position inside the box
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Arrangement:
    """Hyperplanes A y = b (unit normals) in [0, 1]^{n0}: ``regions`` sign vectors, each with a
    point at distance >= ``margin`` from every hyperplane and from the box boundary."""

    A: np.ndarray
    b: np.ndarray
    regions: int
    margin: float


def _region_signs(A: np.ndarray, b: np.ndarray) -> set[tuple[int, ...]]:
    """Sign vectors of the regions having a vertex (k = min(n0, m) hyperplanes meeting) in their
    closure: at each vertex, the 2^k sides of its hyperplanes and the signs of the others."""
    m, n0 = A.shape
    k = min(n0, m)
    centre = np.full(n0, 0.5)
    flips = np.array(list(itertools.product((-1, 1), repeat=k)), dtype=int)
    signs: set[tuple[int, ...]] = set()
    for S in itertools.combinations(range(m), k):
        S = list(S)
        N = A[S]
        p = centre + np.linalg.pinv(N) @ (b[S] - N @ centre)
        if np.any(p <= 0.0) or np.any(p >= 1.0):
            raise ValueError(f"arrangement vertex {p} of hyperplanes {S} is not inside the box")
        base = np.sign(A @ p - b).astype(int)
        rows = np.tile(base, (len(flips), 1))
        rows[:, S] = flips
        signs.update(map(tuple, rows))
    return signs


def _region_margin(A: np.ndarray, b: np.ndarray, s: np.ndarray) -> float:
    """Largest t with a y in the region of sign vector s at distance >= t from each hyperplane
    and from the box boundary, evaluated at the LP's optimum (a witness, like the certificate)."""
    m, n0 = A.shape
    one = np.ones((n0, 1))
    A_ub = np.vstack([
        np.hstack([-s[:, None] * A, np.ones((m, 1))]),  # t - s_i (a_i y - b_i) <= 0
        np.hstack([-np.eye(n0), one]),  # t - y_k <= 0
        np.hstack([np.eye(n0), one]),  # y_k + t <= 1
    ])
    b_ub = np.concatenate([-s * b, np.zeros(n0), np.ones(n0)])
    res = linprog(np.r_[np.zeros(n0), -1.0], A_ub=A_ub, b_ub=b_ub,
                  bounds=[(0.0, 1.0)] * n0 + [(None, 1.0)], method="highs")
    if res.status != 0:
        return -np.inf
    y = res.x[:n0]
    return float(min(np.min(s * (A @ y - b)), np.min(y), np.min(1.0 - y)))


def arrangement(n0: int, m: int, seed: int | None = None) -> Arrangement:
    """m hyperplanes in general position in [0, 1]^{n0} with all their vertices inside the box.

    The cyclic arrangement: hyperplane i is {y : sum_k y_k t_i^k = sum_k c t_i^k + e t_i^{n0}}
    (k = 0..n0-1, c = 1/2, unit-normalised) for distinct nodes t_i in [-1, 1] (Chebyshev nodes,
    evenly spaced for n0 = 1; jittered and with random orientations if ``seed`` is given). Any n0 normals form a
    Vandermonde matrix with distinct nodes, so they are independent; the vertex of a set S is
    c + e * (coefficients of t^{n0} - prod_{i in S}(t - t_i) below t^{n0}), within e * 2^{n0}
    of the centre, so e = 0.4 / 2^{n0} keeps it in [0.1, 0.9]^{n0}; hyperplane j misses it by
    e * prod_{i in S} |t_j - t_i| / |a_j| > 0, so no n0 + 1 hyperplanes share a point. When
    m >= n0 every region has a vertex (a polyhedron whose normals span R^{n0} is pointed), and
    when m < n0 all 2^m regions meet along the flat where the m hyperplanes cross (a point of it
    lies in the box the same way); so all sum_{j<=n0} C(m, j) regions meet the box. They are
    enumerated from the vertices (every side of each vertex's hyperplanes), their number is
    checked against the formula, and each region's margin is certified by an LP.
    """
    n0 = bounds._check_int("n0", n0)
    m = bounds._check_int("m", m)
    expected = bounds.zaslavsky(n0, m)
    if expected > MAX_ARRANGEMENT_REGIONS:
        raise ValueError(
            f"{m} hyperplanes in {n0} dimensions make {expected} regions; a construction certifies "
            f"at most {MAX_ARRANGEMENT_REGIONS}: use fewer hyperplanes or a smaller n0"
        )
    u = np.arange(m) + 0.5
    sign = np.ones(m)
    if seed is not None:
        rng = np.random.default_rng(seed)
        u = u + rng.uniform(-0.25, 0.25, size=m)
        sign = rng.choice([-1.0, 1.0], size=m)
    # n0 = 1: evenly spaced points (the widest gaps); n0 >= 2: Chebyshev nodes (better conditioned)
    t = -1.0 + 2.0 * u / m if n0 == 1 else np.cos(np.pi * u / m)
    V = t[:, None] ** np.arange(n0)[None, :]
    e = 0.4 / 2**n0
    rhs = V @ np.full(n0, 0.5) + e * t**n0
    norm = np.linalg.norm(V, axis=1)
    A = sign[:, None] * V / norm[:, None]
    b = sign * rhs / norm
    signs = _region_signs(A, b)
    if len(signs) != expected:
        raise ValueError(
            f"the arrangement of {m} hyperplanes in {n0} dimensions has {len(signs)} regions, "
            f"not {expected}: it is not in general position in floating point; use fewer hyperplanes"
        )
    margin = min(_region_margin(A, b, np.array(s, dtype=float)) for s in signs)
    if not margin >= _MIN_RELATIVE_MARGIN:
        raise ValueError(
            f"the arrangement of {m} hyperplanes in {n0} dimensions has a region of margin "
            f"{margin:.3g}, too thin to be exact in floating point; use fewer hyperplanes"
        )
    return Arrangement(A, b, expected, margin)


# --------------------------------------------------------------------------------------------
# Layers 1..L-1: one map [0, 1] -> [0, 1] per coordinate, every piece onto [0, 1]
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Map1D:
    """h(t) = c + sum_i w_i relu(a_i t + b_i) on [0, 1], with ``pieces`` pieces each onto [0, 1].

    Proven for each map below: (1) min_i |a_i t + b_i| >= dist(h(t), {0, 1}) (a unit's margin
    is at least the distance of the output from the ends), and (2) dist(h(t), {0, 1}) >= d
    implies dist(t, {0, 1}) >= d / ``shrink`` (so margins propagate back through the layer).
    """

    a: np.ndarray
    b: np.ndarray
    w: np.ndarray
    c: float
    pieces: int
    shrink: int


def _fold() -> _Map1D:
    """Pascanu et al. 2014: relu(2t - 1) + relu(1 - 2t) = |2t - 1|, two pieces.

    Both units' pre-activations are +-(2t - 1), of absolute value h(t); h(t) >= d forces
    |t - 1/2| >= d/2 and h(t) <= 1 - d forces d/2 <= t <= 1 - d/2: shrink 2.
    """
    return _Map1D(np.array([2.0, -2.0]), np.array([-1.0, 1.0]), np.array([1.0, 1.0]), 0.0, 2, 2)


def _sawtooth(p: int) -> _Map1D:
    """Montufar et al. 2014: p pieces from p units, h(t) = (u_1 - 1) - 2 u_2 + 2 u_3 - ...,
    u_1 = relu(p t + 1) (active everywhere, margin >= 1: it carries the slope of the first
    piece), u_i = relu(p t - (i - 1)) for i = 2..p.

    On piece j (p t in [j, j + 1]) h = p t - j or j + 1 - p t, so the distance of p t to the
    nearest breakpoint integer is at least dist(h, {0, 1}); and t = (j + h or j + 1 - h)/p is
    at least dist(h, {0, 1})/p from 0 and 1: shrink p.
    """
    a = np.full(p, float(p))
    b = -np.arange(p, dtype=float)
    b[0] = 1.0
    w = np.array([1.0] + [2.0 * (-1) ** (i - 1) for i in range(2, p + 1)])
    return _Map1D(a, b, w, -1.0, p, p)


def _serra_zigzag(n: int) -> _Map1D:
    """Serra et al. 2018: n >= 3 units, n + 1 pieces alternating up/down, each onto [0, 1].

    Breakpoints beta_1 < ... < beta_n split [0, 1] into pieces of lengths l_0..l_n, slopes
    s_j = (-1)^j / l_j. A unit with breakpoint beta_j changes the slope by its weight times its
    scale, wherever it faces; the first piece's slope must come from units facing left (active
    to the left of their breakpoint), which needs sum_{left} (s_j - s_{j-1}) = -s_0:
    with a = 1/(2n + 1), for n odd all l_j = 2a but l_0 = a, unit n facing left
    (s_n - s_{n-1} = -1/a = -s_0); for n even all l_j = 2a but l_{n-2} = a, units n-1, n facing
    left (s_n - s_{n-2} = -1/(2a) = -s_0). No solution exists for n <= 2 (the slope changes
    are all +-(1/l_j + 1/l_{j-1})), which is why the paper asks n_l >= 3 n0.

    Unit j's pre-activation is +-alpha_j (t - beta_j), alpha_j = max(1/l_{j-1}, 1/l_j), at least
    the change of h from beta_j (where h is 0 or 1) on both neighbouring pieces: property (1);
    the slopes are at most 1/a, so shrink 2n + 1.
    """
    if n < 3:
        raise ValueError(f"a zigzag of n + 1 full pieces from n units needs n >= 3, got n = {n}")
    a = 1.0 / (2 * n + 1)
    lengths = np.full(n + 1, 2 * a)
    if n % 2:
        lengths[0] = a
        left = {n}
    else:
        lengths[n - 2] = a
        left = {n - 1, n}
    beta = np.cumsum(lengths)[:-1]  # beta_1..beta_n
    slopes = np.array([(-1) ** j / lengths[j] for j in range(n + 1)])
    alpha = np.maximum(1.0 / lengths[:-1], 1.0 / lengths[1:])
    direction = np.array([-1.0 if j in left else 1.0 for j in range(1, n + 1)])
    w = np.diff(slopes) / alpha
    c = -sum(w[j - 1] * alpha[j - 1] * beta[j - 1] for j in left)
    return _Map1D(direction * alpha, -direction * alpha * beta, w, float(c), n + 1, 2 * n + 1)


# --------------------------------------------------------------------------------------------
# Assembly with power-of-two scaling
# --------------------------------------------------------------------------------------------


def _pow2_at_least(x: float) -> float:
    """The smallest power of two >= max(x, 1)."""
    return 1.0 if x <= 1.0 else float(2.0 ** math.ceil(math.log2(x)))


def _assemble(n0: int, maps: Sequence[_Map1D], widths: Sequence[int], arr: Arrangement) -> tuple[Network, float]:
    """Layers 1..L-1 apply ``maps[l]`` to every coordinate (units beyond pieces-per-coordinate
    times n0 get zero weights and bias -1: constant, inactive, no margin asked), layer L the
    arrangement. Returns the network and the certified lower bound on every region's margin."""
    L = len(maps) + 1
    # margin bound of layer l in the unscaled units: arr.margin / prod of the later shrinks
    later = [math.prod(mp.shrink for mp in maps[l + 1:]) for l in range(L - 1)] + [1]
    scale = [_pow2_at_least(TARGET_MARGIN * later[l] / arr.margin) for l in range(L)]
    layers = []
    R = np.eye(n0)  # y = R h + r: the previous layer's coordinates from its outputs h
    r = np.zeros(n0)
    for l, mp in enumerate(maps):
        k = len(mp.a)
        n = widths[l]
        W = np.zeros((n, R.shape[1]))
        bias = np.full(n, -1.0)
        R_next = np.zeros((n0, n))
        for j in range(n0):
            rows = slice(j * k, (j + 1) * k)
            W[rows] = mp.a[:, None] * R[j][None, :]
            bias[rows] = mp.a * r[j] + mp.b
            R_next[j, rows] = mp.w
        W[n0 * k:] = 0.0
        layers.append((scale[l] * W, scale[l] * bias))
        R, r = R_next / scale[l], np.full(n0, mp.c)
    layers.append((scale[-1] * (arr.A @ R), scale[-1] * (arr.A @ r - arr.b)))
    margin = min(scale[l] * arr.margin / later[l] for l in range(L))
    return from_arrays(layers), margin


# --------------------------------------------------------------------------------------------
# The constructions
# --------------------------------------------------------------------------------------------


def zaslavsky(n0: int, m: int, seed: int | None = 0) -> Construction:
    """One hidden layer of m ReLUs whose hyperplanes are in general position with every vertex
    inside [0, 1]^{n0} (:func:`arrangement`): sum_{j=0}^{n0} C(m, j) regions, the most any
    m hyperplanes make in R^{n0} (Zaslavsky 1975). ``seed`` jitters the nodes and orients the
    units at random (None: the plain cyclic arrangement)."""
    n0 = bounds._check_int("n0", n0)
    m = bounds._check_int("m", m)
    arr = arrangement(n0, m, seed)
    net, margin = _assemble(n0, [], (m,), arr)
    return Construction(
        "zaslavsky", net, arr.regions, *BOX,
        source="Zaslavsky (1975), Facing up to arrangements: m hyperplanes in general position in "
               "R^n0 make sum_{j<=n0} C(m, j) regions",
        min_margin=margin,
    )


def pascanu2014(n0: int, L: int, seed: int | None = None) -> Construction:
    """Pascanu, Montufar & Bengio (ICLR 2014): n0 inputs, L hidden layers of width 2 n0.

    Layers 1..L-1 fold every coordinate of [0, 1]^{n0} in two with a pair of ReLUs,
    relu(2t - 1) + relu(1 - 2t) = |2t - 1| (2^{n0} cells per layer, each mapped onto the box);
    layer L is 2 n0 hyperplanes in general position inside the box. On [0, 1]^{n0}:
    2^{(L-1) n0} sum_{j=0}^{n0} C(2 n0, j) regions, :func:`bounds.pascanu2014_2n0_lower`.
    Under ``margin="active"`` the count is larger (see the module docstring).
    """
    n0 = bounds._check_int("n0", n0)
    L = bounds._check_int("L", L)
    arr = arrangement(n0, 2 * n0, seed)
    net, margin = _assemble(n0, [_fold()] * (L - 1), (2 * n0,) * L, arr)
    count = 2 ** ((L - 1) * n0) * arr.regions
    return Construction(
        "pascanu2014", net, count, *BOX,
        source="Pascanu, Montufar & Bengio (ICLR 2014), On the number of response regions of deep "
               "feedforward networks with piecewise linear activations: width 2 n0, folds",
        min_margin=margin,
    )


def montufar2014(n0: int, widths: Sequence[int], seed: int | None = None) -> Construction:
    """Montufar, Pascanu, Cho & Bengio (NeurIPS 2014): widths n_l >= n0 for l < L.

    Layer l < L applies a sawtooth of p_l = floor(n_l / n0) pieces to every coordinate
    (p_l units a coordinate, each piece onto [0, 1]; the n_l - p_l n0 units left over have zero
    weights and bias -1, so they are constant and inactive and ask no margin); layer L is n_L
    hyperplanes in general position inside [0, 1]^{n0}. On [0, 1]^{n0}:
    (prod_{l<L} floor(n_l/n0)^{n0}) sum_{j=0}^{n0} C(n_L, j) regions,
    :func:`bounds.montufar2014_lower`.
    """
    n0 = bounds._check_int("n0", n0)
    ws = bounds._check_widths(widths)
    for l, n in enumerate(ws[:-1], start=1):
        if n < n0:
            raise ValueError(f"montufar2014 needs n_l >= n0 = {n0} for l < L, got n{l} = {n}")
    arr = arrangement(n0, ws[-1], seed)
    maps = [_sawtooth(n // n0) for n in ws[:-1]]
    net, margin = _assemble(n0, maps, ws, arr)
    count = math.prod((n // n0) ** n0 for n in ws[:-1]) * arr.regions
    return Construction(
        "montufar2014", net, count, *BOX,
        source="Montufar, Pascanu, Cho & Bengio (NeurIPS 2014), On the number of linear regions "
               "of deep neural networks: sawtooth folds of floor(n_l/n0) pieces a coordinate",
        min_margin=margin,
    )


def serra2018_1d(widths: Sequence[int]) -> Construction:
    """Serra, Tjandraatmadja & Ramalingam (ICML 2018), Theorem 8 with n0 = 1: widths n_l >= 3
    for l < L (any n_L), prod_l (n_l + 1) regions on [0, 1].

    Layer l < L is a zigzag of n_l units with n_l + 1 pieces, each mapping onto [0, 1]
    (:func:`_serra_zigzag`: one more piece than the sawtooth of the same units, because the
    first piece's slope comes from units facing left instead of a unit active everywhere);
    layer L is n_L breakpoints inside (0, 1). Equals :func:`bounds.serra2018_lower` for n0 = 1
    (when also n_L >= 3), and Theorem 1 itself (for n0 = 1 and n_l >= 2, Theorem 1 is
    prod_l (n_l + 1)): in one dimension the upper bound is attained.
    """
    ws = bounds._check_widths(widths)
    for l, n in enumerate(ws[:-1], start=1):
        if n < 3:
            raise ValueError(f"serra2018 needs n_l >= 3 for l < L, got n{l} = {n}")
    arr = arrangement(1, ws[-1], None)
    net, margin = _assemble(1, [_serra_zigzag(n) for n in ws[:-1]], ws, arr)
    return Construction(
        "serra2018", net, math.prod(n + 1 for n in ws), *BOX,
        source="Serra, Tjandraatmadja & Ramalingam (ICML 2018), Bounding and counting linear "
               "regions of deep neural networks, Theorem 8 (n0 = 1): zigzags of n_l + 1 pieces",
        min_margin=margin,
    )


def _build_zaslavsky(n0: int, widths: tuple[int, ...], seed: int) -> Construction:
    if len(widths) != 1:
        raise ValueError(f"zaslavsky has one hidden layer: give one width, got {len(widths)} ({widths})")
    return zaslavsky(n0, widths[0], seed)


def _build_pascanu(n0: int, widths: tuple[int, ...], seed: int) -> Construction:
    if any(n != 2 * n0 for n in widths):
        raise ValueError(f"pascanu2014 needs every width = 2 * n0 = {2 * n0}, got {widths}")
    return pascanu2014(n0, len(widths), seed)


def _build_serra(n0: int, widths: tuple[int, ...], seed: int) -> Construction:
    if n0 != 1:
        raise ValueError(f"serra2018 is built for n0 = 1 only, got n0 = {n0}")
    return serra2018_1d(widths)


#: Name -> builder(n0, widths, seed), for ``linregions construct NAME --n0 .. --widths ..``.
CONSTRUCTIONS: dict[str, Callable[[int, tuple[int, ...], int], Construction]] = {
    "zaslavsky": _build_zaslavsky,
    "pascanu2014": _build_pascanu,
    "montufar2014": lambda n0, widths, seed: montufar2014(n0, widths, seed),
    "serra2018": _build_serra,
}


def build(name: str, n0: int, widths: Sequence[int], seed: int = 0) -> Construction:
    """The construction ``name`` (a key of :data:`CONSTRUCTIONS`) with n0 inputs and these widths.

    Raises ValueError with a one-line message for an unknown name or widths the construction
    does not take.
    """
    if name not in CONSTRUCTIONS:
        raise ValueError(f"unknown construction {name!r}; choose one of {', '.join(CONSTRUCTIONS)}")
    n0 = bounds._check_int("n0", n0)
    ws = bounds._check_widths(widths)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    return CONSTRUCTIONS[name](n0, ws, int(seed))
