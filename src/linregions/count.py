"""``count_regions``: one entry point for every counting method."""

from __future__ import annotations

import time
from typing import Any

from .certificate import brute_force_patterns
from .network import check_box, load_network
from .regions import DEFAULT_EPS, CountResult, check_eps, check_margin, pack_patterns

METHODS = ("lp", "milp", "brute")


def count_regions(
    model: Any,
    lower: float = 0.0,
    upper: float = 1.0,
    method: str = "lp",
    eps: float = DEFAULT_EPS,
    threads: int = 1,
    time_limit: float | None = None,
    margin: str = "both",
    return_patterns: bool = False,
    **options: Any,
) -> CountResult:
    """Count the linear regions of ``model`` on the box [lower, upper]^{n0}.

    ``model`` is anything :func:`load_network` reads. ``method`` is ``"lp"`` (the default:
    depth-first LP enumeration, exact and certified), ``"milp"`` (the paper's mixed-integer
    program with Gurobi, size-limited by pip's licence) or ``"brute"``
    (every one of the 2^N patterns through the certificate LP; N <= 20). Further keyword options
    go to the method (for the MILP: ``seed``, ``bounds``; for the LP search: ``shard``,
    ``checkpoint``, ``progress``).
    """
    net = load_network(model)
    lower, upper = check_box(lower, upper)
    eps = check_eps(eps)
    margin = check_margin(margin)
    if threads < 1:
        raise ValueError(f"threads must be >= 1, got {threads}")
    if method == "milp":
        from .milp import count_milp

        return count_milp(net, lower, upper, eps=eps, margin=margin, threads=threads,
                          time_limit=time_limit, return_patterns=return_patterns, **options)
    if method == "lp":
        from .lpenum import count_lp

        return count_lp(net, lower, upper, eps=eps, margin=margin, threads=threads,
                        time_limit=time_limit, return_patterns=return_patterns, **options)
    if method == "brute":
        if options:
            raise TypeError(f"method 'brute' takes no options, got {sorted(options)}")
        t0 = time.perf_counter()
        pats = brute_force_patterns(net, lower, upper, eps, margin)
        return CountResult(
            regions=len(pats), complete=True, method="brute", eps=eps, margin=margin,
            seconds=time.perf_counter() - t0, widths=net.widths, n0=net.n0, lower=lower,
            upper=upper, lps=2**net.n_units, threads=1,
            patterns=pack_patterns(pats) if return_patterns else None,
        )
    raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
