"""``count_regions``: one entry point for every counting method and every domain."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from .certificate import ScaleError, brute_force_patterns, check_rounding
from .domain import Domain, DomainError, Reduced, as_domain
from .network import load_network, scaled
from .options import CountOptions
from .regions import DEFAULT_EPS, CountResult, pack_patterns

METHODS = ("lp", "milp", "brute", "estimate")


def count_regions(
    model: Any,
    lower: Any = 0.0,
    upper: Any = 1.0,
    method: str = "lp",
    eps: float = DEFAULT_EPS,
    threads: int = 1,
    time_limit: float | None = None,
    margin: str = "both",
    return_patterns: bool = False,
    domain: Domain | None = None,
    scale: str = "row",
    **options: Any,
) -> CountResult:
    """Count the linear regions of ``model`` on a domain: the box [lower, upper] (scalars, or
    per-coordinate arrays of shape (n0,)), or ``domain`` (a :class:`linregions.domain.Domain`:
    :func:`~linregions.domain.box`, :func:`~linregions.domain.around`,
    :func:`~linregions.domain.polytope`, :func:`~linregions.domain.affine_slice`,
    :func:`~linregions.domain.plane`), given instead of lower/upper.

    ``model`` is anything :func:`load_network` reads. ``method`` is ``"lp"`` (the default: exact and
    certified, without a MILP solver), ``"milp"`` (the paper's mixed-integer program with Gurobi,
    size-limited by pip's licence) or ``"brute"`` (every one of the 2^N patterns through the
    certificate LP; N <= 20). The three take every domain and give the same regions. With ``"lp"``
    the search picks its path by the domain's dimension d (``result.path``): d = 2 runs the exact
    planar polygon split (:mod:`linregions.planar`, no LP), d = 1 the same on intervals, larger
    domains the depth-first LP search (:mod:`linregions.lpenum`), in the input's coordinates when
    the domain has fewer dimensions than the first layer has units, or is a polytope or slice (its
    rows join every LP: "lp-x"), else in the first layer's ("lp-zeta"). Further keyword options go
    to the method (for the MILP: ``seed``, ``bounds``; for the LP search: ``shard``,
    ``checkpoint``, ``progress``; a count with ``shard`` or ``checkpoint`` always runs the LP
    search; for the planar/interval path: ``progress`` and ``return_polygons``).

    ``"estimate"`` is not a count: an unbiased estimate of the count ``"lp"`` would give, with a
    95 % confidence interval (:mod:`linregions.estimate`; ``result.estimate`` is True, ``complete``
    False, ``regions`` the point estimate, ``interval`` and ``samples``). It needs a limit:
    ``time_limit`` and/or ``half_width`` (the target relative half-width, 0 < h < 1) or
    ``samples``; other options ``seed`` (default 0), ``scheme``, ``strata``, ``exact_below``,
    ``learn``, ``progress``. On a domain of dimension <= 2 it runs the exact planar/interval path
    and, if that finishes (within ``time_limit``), returns the exact count (``complete`` True,
    ``estimate`` False, a zero-width interval); on larger domains it probes the LP search's tree.

    ``scale`` says how eps is measured (:mod:`linregions.regions`): ``"row"`` (the default) on
    the canonical form of the network (each unit's pre-activation over its row's norm, a
    distance), ``"absolute"`` on the weights as written. Raises
    :class:`~linregions.certificate.ScaleError` when float64 rounding over the domain is not far
    below eps, or when no region is found.
    """
    given = load_network(model)
    opts = CountOptions(eps=eps, margin=margin, scale=scale, threads=threads, time_limit=time_limit,
                        return_patterns=return_patterns)
    eps, margin, scale = opts.eps, opts.margin, opts.scale
    net = scaled(given, scale)
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    if domain is not None and not (_is(lower, 0.0) and _is(upper, 1.0)):
        raise DomainError("give either domain= or lower/upper, not both (a Domain carries its own box)")
    dom = as_domain(domain, lower, upper)
    red = dom.reduce(net)
    check_rounding(red.net, red.lower, red.upper, eps, scale)
    lo_f, up_f = dom.box_range()
    desc = dom.describe(net)
    desc["dim"] = red.dim
    # every method decides exact zeros and constant signs on the weights as written
    given_net = dom.reduce(given).net if scale == "row" else red.net
    if method == "estimate":
        res = _estimate(red, opts, options, given_net)
        path = res.path
    elif method == "milp":
        from .milp import count_milp

        lo, up = _bounds(red)
        res = count_milp(red.net, lo, up, opts, A_dom=red.A, c_dom=red.c, given=given_net, **options)
        path = "milp"
    elif method == "brute":
        if options:
            raise TypeError(f"method 'brute' takes no options, got {sorted(options)}")
        t0 = time.perf_counter()
        lo, up = _bounds(red)
        pats = brute_force_patterns(red.net, lo, up, eps, margin, red.A, red.c, scale="absolute", given=given_net)
        res = CountResult(
            regions=len(pats), complete=True, method="brute", eps=eps, margin=margin,
            seconds=time.perf_counter() - t0, widths=net.widths, n0=net.n0, lower=lo_f,
            upper=up_f, lps=2**net.n_units, threads=1,
            patterns=pack_patterns(pats) if opts.return_patterns else None,
        )
        path = "brute"
    else:
        lp_only = "shard" in options or "checkpoint" in options
        if red.dim <= 2 and not lp_only:
            res = _count_planar(red, opts, options, given_net)
            path = res.path
        else:
            from .lpenum import count_lp
            from .search import lp_path

            lo, up = _bounds(red)
            res = count_lp(red.net, lo, up, opts, given=given_net, A_dom=red.A, c_dom=red.c, **options)
            path = lp_path(red.net, not red.is_box)
    if res.complete and res.regions == 0:
        fix = "use scale='row' (the default) or lower eps" if scale == "absolute" else "lower eps"
        raise ScaleError(f"no pattern of this network has a margin of eps = {eps:g} anywhere in the domain, "
                         f"but a domain has at least one region; {fix}")
    res.lower, res.upper, res.n0 = lo_f, up_f, net.n0
    res.path = path
    res.scale = scale
    res.domain = desc
    return res


def _estimate(red: Reduced, opts: CountOptions, options: dict, given=None) -> CountResult:
    """Method 'estimate': the exact planar/interval path in 1-D/2-D when it finishes, else the
    probes of :func:`linregions.estimate.estimate_lp` on the (reduced) box."""
    from .estimate import check_estimate_options, estimate_lp
    from .search import lp_path

    time_limit = opts.time_limit
    if opts.return_patterns:
        raise ValueError("method 'estimate' finds no pattern set; count with method 'lp' to get patterns")
    known = {"half_width", "samples", "seed", "scheme", "strata", "exact_below", "learn", "progress"}
    unknown = sorted(set(options) - known)
    if unknown:
        raise ValueError(f"unknown option {unknown[0]!r} for method 'estimate'; it takes {', '.join(sorted(known))}")
    check_estimate_options(time_limit, options.get("half_width"), options.get("samples"), options.get("seed", 0),
                           options.get("scheme", "knuth"), options.get("strata", 32), options.get("exact_below", 4))
    t0 = time.perf_counter()
    if red.dim <= 2:
        res = _count_planar(red, opts, {}, given)  # opts.return_patterns is False here
        if res.complete:
            res.method, res.interval, res.estimator = "estimate", (float(res.regions), float(res.regions)), \
                f"exact ({res.path} path, finished within the limit)"
            return res
        if not red.is_box:  # a stopped planar count of a polytope/slice: a lower bound, said so
            res.method = "estimate"
            return res
    left = None if time_limit is None else max(float(time_limit) - (time.perf_counter() - t0), 1e-3)
    lo, up = _bounds(red)
    res = estimate_lp(red.net, lo, up, opts.eps, opts.margin, time_limit=left, given=given, A_dom=red.A,
                      c_dom=red.c, **options)
    res.seconds = time.perf_counter() - t0  # with the planar attempt, if any
    res.path = lp_path(red.net, not red.is_box)
    return res


def _is(value: Any, scalar: float) -> bool:
    return np.ndim(value) == 0 and float(value) == scalar


def _bounds(red: Reduced) -> tuple[Any, Any]:
    """The reduced box as two floats when it is a cube (the counters' fast, old form), else arrays."""
    if red.uniform:
        return float(red.lower[0]), float(red.upper[0])
    return red.lower, red.upper


def _count_planar(red: Reduced, opts: CountOptions, options: dict, given=None) -> CountResult:
    """The planar (d = 2) or interval (d = 1) path of method 'lp' as a CountResult."""
    from .planar import count_planar

    progress = options.pop("progress", None)
    return_polygons = bool(options.pop("return_polygons", False))
    if options:
        raise ValueError(f"unknown option(s) {sorted(options)} for the {'planar' if red.dim == 2 else 'interval'} "
                         "path of method 'lp'; it takes progress and return_polygons")
    r = count_planar(red.net, red.lower, red.upper, red.A, red.c, eps=opts.eps, margin=opts.margin,
                     return_patterns=opts.return_patterns, return_polygons=return_polygons,
                     time_limit=opts.time_limit, given=given)
    if progress is not None:
        progress(r.regions, r.seconds, 1.0 if r.complete else 0.0)
    return CountResult(
        regions=r.regions, complete=r.complete, method="lp", eps=opts.eps, margin=opts.margin, seconds=r.seconds,
        widths=red.net.widths, n0=red.net.n0, lower=0.0, upper=0.0, nodes=r.stats["nodes"], lps=0,
        status="complete" if r.complete else "time_limit", threads=1,
        patterns=r.patterns, path="planar" if red.dim == 2 else "interval", polygons=r.polygons,
    )
