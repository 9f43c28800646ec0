"""The region definition shared by every counter, and the result of a count.

A linear region is an activation pattern of all hidden units (one bit per unit, layers in
order, 1 = active) that is realised on an open subset of the box [lower, upper]^{n0}: there is
an x in the box at which every active unit's pre-activation is >= eps and every inactive
unit's is <= -eps (``margin="both"``, the default). The paper's program asks the margin of the
active units only (``margin="active"``: inactive units need only <= 0); that variant also
admits lower-dimensional pieces where an inactive unit sits exactly at 0, so it can overcount
when two units share a hyperplane. On generic networks, trained ones included, both agree.

A unit whose pre-activation is constant on a region (its affine map there has an all-zero
row, as for a second-layer unit all of whose inputs are inactive) is not a hyperplane there:
it takes the state of its constant's sign, active iff the constant is > 0 (so 0 and small
negative constants are inactive, small positive constants active, however close to 0), and
asks no margin.

The margin is a distance (``scale="row"``, the default): eps applies to each unit's
pre-activation divided by the norm of its row in its own input space, which is the network's
canonical form (:func:`linregions.network.canonical`, computed once per count: layer by layer
each row is normalised and the next layer's columns compensate). A count is then a property of
the function's partition, not of how its weights are written: multiplying a unit's (W_i, b_i)
by c > 0 and dividing column i of the next layer by c changes nothing, nor does permuting,
duplicating or adding a dead unit. ``scale="absolute"`` is the definition before issue 15 (eps on
the pre-activations as written), kept as an option: a unit scaled down loses its thin regions,
and weights of 1e5 or 1e-5 make it meaningless. Every method (lp, milp, brute, the certificate,
the tolerance study) applies the same ``scale``; a count records it (``CountResult.scale``).

float64: a count is refused (:class:`linregions.certificate.ScaleError`, one line) when the
resolution at the magnitude of some pre-activation reaches 10% of eps, and when it finds no region at
all (no domain has none: eps is above every margin). The certificate bounds the rounding of the
margin at each witness and decides the undecidable ones exactly
(:func:`linregions.certificate.certify`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

#: The default margin eps of the region definition: see the module docstring.
DEFAULT_EPS = 1e-6

Margin = Literal["both", "active"]
MARGINS = ("both", "active")


def check_eps(eps: float) -> float:
    """Validate eps (> 0 and finite)."""
    e = float(eps)
    if not (np.isfinite(e) and e > 0):
        raise ValueError(f"eps must be a positive finite number, got {eps!r}")
    return e


def as_number(value) -> float:
    """``value`` as a float, or NaN when it is not a number (so a range check rejects it)."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def check_margin(margin: str) -> str:
    if margin not in MARGINS:
        raise ValueError(f"margin must be one of {MARGINS}, got {margin!r}")
    return margin


def pack_patterns(patterns: np.ndarray) -> np.ndarray:
    """Bit-pack boolean patterns (k x N) row by row into uint8 (k x ceil(N/8)), big-endian bits."""
    p = np.asarray(patterns, dtype=bool)
    if p.ndim == 1:
        p = p[None, :]
    return np.packbits(p, axis=1)


def unpack_patterns(packed: np.ndarray, n_units: int) -> np.ndarray:
    """Inverse of :func:`pack_patterns`."""
    return np.unpackbits(np.asarray(packed, dtype=np.uint8), axis=1, count=n_units).astype(bool)


def sort_packed(packed: np.ndarray) -> np.ndarray:
    """Patterns in a canonical (lexicographic) order, so two methods' outputs compare with ==."""
    packed = np.asarray(packed, dtype=np.uint8)
    if packed.size == 0:
        return packed.reshape(0, packed.shape[1] if packed.ndim == 2 else 0)
    order = np.lexsort(packed.T[::-1])
    return packed[order]


@dataclass
class CountResult:
    """The outcome of one count.

    ``regions`` is exact only when ``complete`` is true; a count stopped by a limit is a lower
    bound. ``rejected`` counts patterns a solver proposed that the LP certificate refused.
    ``lower``/``upper`` are the smallest lower and largest upper bound of the input box (the
    cube's ends for a uniform box); ``domain`` describes the domain in full
    (:meth:`linregions.domain.Domain.describe`: kind, label, dim, ...), and ``path`` says which
    search ran: "planar" (d = 2) or "interval" (d = 1) geometry, "lp-zeta" (the LP search in the
    first layer's coordinates), "lp-x" (the LP search in the input's, when n0 < n1), "milp" or "brute". ``polygons`` (planar/interval path, if asked
    with ``return_polygons=True``) are the regions' vertex arrays in the domain's coordinates, in
    the order of ``patterns``.
    """

    regions: int
    complete: bool
    method: str
    eps: float
    margin: str
    seconds: float
    widths: tuple[int, ...]
    n0: int
    lower: float
    upper: float
    rejected: int = 0
    nodes: int = 0  # branch-and-bound nodes (milp) or search nodes (lp)
    callbacks: int = 0  # solutions seen by the MILP callback
    lps: int = 0  # linear programs solved
    status: str = "complete"
    threads: int = 1
    shard: tuple[int, int] = (0, 1)
    patterns: np.ndarray | None = field(default=None, repr=False)
    version: str = ""
    path: str = ""
    domain: dict = field(default_factory=dict)
    polygons: list | None = field(default=None, repr=False)
    #: Work counters of the method, by name (for the lp method: linregions.search.DIAGNOSTICS).
    diagnostics: dict[str, int] = field(default_factory=dict)
    #: True when ``regions`` is an estimate (method "estimate"), never a count: see ``interval``.
    estimate: bool = False
    #: The 95 % confidence interval (low, high) of an estimate (zero width for an exact answer).
    interval: tuple[float, float] | None = None
    #: Probes (or tasks) the estimate averaged.
    samples: int = 0
    #: How the estimate was made (scheme, strata, seed), for the record.
    estimator: str = ""
    #: A stopped lp count's rough estimates of the total number of regions and of the seconds
    #: left (from its finished tasks and the progress of its unfinished ones; not an interval).
    estimated_total: float | None = None
    estimated_seconds_left: float | None = None
    #: How eps is measured (:data:`linregions.network.SCALES`): "row" (canonical form) or "absolute".
    scale: str = "row"

    def __post_init__(self):
        if not self.version:
            from ._version import __version__

            self.version = __version__

    def to_dict(self) -> dict:
        """A JSON-friendly dict of the result, without the patterns."""
        polygons, self.polygons = self.polygons, None  # asdict would deep-copy every vertex array
        try:
            d = dataclasses.asdict(self)
        finally:
            self.polygons = polygons
        d.pop("patterns")
        d.pop("polygons")
        d["widths"] = list(self.widths)
        d["shard"] = list(self.shard)
        if self.interval is not None:
            d["interval"] = [float(v) for v in self.interval]
        return d

    def summary(self) -> str:
        if self.estimate:
            lo, hi = self.interval if self.interval is not None else (float("nan"), float("nan"))
            return (
                f"estimated regions: {self.regions:,} (95% CI {lo:,.0f}-{hi:,.0f}, {self.samples} samples; "
                f"an estimate, not a count); network {self.n0}-{'-'.join(map(str, self.widths))} on "
                f"{self.domain_text()}; method estimate ({self.estimator}), eps {self.eps:g}, margin {self.margin}, "
                f"scale {self.scale}; "
                f"{self.seconds:.2f} s, stopped by {self.status}"
            )
        kind = "regions" if self.complete else f"regions at least (stopped: {self.status})"
        rate = self.regions / self.seconds if self.seconds > 0 else float("inf")
        guess = ""
        if not self.complete and self.estimated_total is not None:
            left = self.estimated_seconds_left
            guess = (f"; rough estimate (not a count): ~{self.estimated_total:,.0f} regions in all"
                     + (f", ~{left:,.0f} s left" if left is not None else "")
                     + " (method estimate gives a confidence interval)")
        return (
            f"{self.regions} {kind}; network {self.n0}-{'-'.join(map(str, self.widths))} on "
            f"{self.domain_text()}; method {self.method}"
            f"{f' (path {self.path})' if self.path and self.path != self.method else ''}, eps {self.eps:g}, "
            f"margin {self.margin}, scale {self.scale}; {self.rejected} rejected by the certificate; "
            f"{self.seconds:.2f} s ({rate:.0f} regions/s){guess}"
        )


    def domain_text(self) -> str:
        """The domain in words: the cube, or the kind of domain and the box it lies in."""
        cube = f"[{self.lower:g}, {self.upper:g}]^{self.n0}"
        d = self.domain or {}
        label = d.get("label", "box")
        if label == "box" and d.get("uniform_box", True):
            return cube
        if label in ("box", "around"):
            what = "a per-coordinate box" if label == "box" else f"the box of radius {d.get('radius', 0):g} around a point"
            return f"{what} within {cube}"
        if label == "polytope":
            return f"a polytope ({d.get('constraints', 0)} constraints) in {cube}"
        dim = d.get("slice_dim", d.get("dim", 0))
        what = "the plane through three points" if label == "plane" else f"a {dim}-D affine slice"
        return f"{what}, cut by {cube}"


#: Fields every shard of one count must share.
_SHARD_SAME = ("method", "eps", "margin", "scale", "widths", "n0", "lower", "upper", "domain", "path")


def sum_shards(records: list[dict]) -> dict:
    """One count record from the records (:meth:`CountResult.to_dict`) of its ``k`` shards.

    The shards must be exactly ``(0, k) .. (k - 1, k)`` of the same count (method, eps, margin,
    network widths, box); their regions add up (the shards partition the search tree). The sum is
    complete only if every shard is; ``seconds`` is the total over shards and
    ``seconds_max_shard`` the longest one (the wall time when they ran side by side). An estimate
    is one record of the whole network (shard (0, 1)) and passes through unchanged.
    """
    if not records:
        raise ValueError("no shard records to sum")
    if any(r.get("estimate") for r in records):
        if len(records) == 1 and list(records[0]["shard"]) == [0, 1]:
            return dict(records[0], shards=1)  # one job estimated the whole network
        raise ValueError("an estimate (method 'estimate') has no shards to sum; only counts do")
    k = int(records[0]["shard"][1])
    got = sorted(int(r["shard"][0]) for r in records)
    if any(int(r["shard"][1]) != k for r in records) or got != list(range(k)):
        raise ValueError(f"shards {sorted(tuple(r['shard']) for r in records)} are not 0..{k - 1} of {k}")
    for key in _SHARD_SAME:
        values = {repr(r.get(key)) for r in records}  # domain/path are absent from older records
        if len(values) > 1:
            raise ValueError(f"shards disagree on {key}: {', '.join(sorted(values))}")
    first = records[0]
    stopped = [r["status"] for r in records if not r["complete"]]
    out = dict(first)
    out.update(
        regions=sum(int(r["regions"]) for r in records),
        complete=not stopped,
        status=stopped[0] if stopped else "complete",
        seconds=sum(float(r["seconds"]) for r in records),
        seconds_max_shard=max(float(r["seconds"]) for r in records),
        shard=[0, 1],
        shards=k,
    )
    for key in ("rejected", "nodes", "callbacks", "lps"):
        out[key] = sum(int(r.get(key, 0)) for r in records)
    names = sorted({k for r in records for k in r.get("diagnostics", {})})
    out["diagnostics"] = {k: sum(int(r.get("diagnostics", {}).get(k, 0)) for r in records) for k in names}
    return out
