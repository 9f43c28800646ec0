"""Check one method's count of a network with the other method (rule ``crosscheck``), and the
estimator against a count (rule ``estimate_check``, :func:`estimate_check`).

The pipeline counts with ``lp`` by default; the paper's MILP reruns on a sample of networks and
the tables record whether the two agree:

* primary count at most ``patterns_below``: the primary method runs again with patterns, and
  the two pattern sets must be identical ("patterns") or, if the check stopped at its time
  limit, the check's patterns must all be among the primary ones ("pattern subset");
* larger counts: the two counts must be equal ("counts"); a check stopped at its time limit
  found certified regions only, so its count is a lower bound and must not exceed the primary
  count ("lower bound").
"""

from __future__ import annotations

from typing import Any

from .count import count_regions
from .network import load_network


def cross_check(model: Any, primary: dict, method: str, time_limit: float | None = None,
                patterns_below: int = 20000, threads: int = 1) -> dict:
    """Count ``model`` again with ``method`` and compare with the ``primary`` count record.

    ``primary`` is the record the pipeline wrote (:meth:`CountResult.to_dict` fields); its box,
    eps and margin are reused. Returns a JSON-friendly record with ``agree`` and ``compared``; a
stopped primary count (a lower bound) is not checked (``agree`` None).
    """
    if "estimate" in (method, primary["method"]):
        raise ValueError("a cross-check compares two counts; method 'estimate' gives an estimate, not a count")
    if method == primary["method"]:
        raise ValueError(f"cross-check method {method!r} is the method of the count itself; choose another")
    if not primary["complete"]:  # a lower bound: nothing exact to compare with
        return {"method": method, "regions": None, "complete": False, "status": "skipped", "seconds": 0.0,
                "primary_method": primary["method"], "primary_regions": int(primary["regions"]),
                "compared": "skipped (count stopped)", "agree": None}
    net = load_network(model)
    box = dict(lower=primary["lower"], upper=primary["upper"], eps=primary["eps"], margin=primary["margin"])
    small = int(primary["regions"]) <= patterns_below
    other = count_regions(net, method=method, time_limit=time_limit, threads=threads,
                          return_patterns=small, **box)
    if small:
        again = count_regions(net, method=primary["method"], threads=threads, return_patterns=True, **box)
        mine = {row.tobytes() for row in again.patterns}
        theirs = {row.tobytes() for row in other.patterns}
        same_count = again.regions == int(primary["regions"])
        if other.complete:
            compared, agree = "patterns", same_count and mine == theirs
        else:
            compared, agree = "pattern subset", same_count and theirs <= mine
    elif other.complete:
        compared, agree = "counts", other.regions == int(primary["regions"])
    else:
        compared, agree = "lower bound", other.regions <= int(primary["regions"])
    return {
        "method": method, "regions": int(other.regions), "complete": bool(other.complete),
        "status": other.status, "seconds": float(other.seconds), "primary_method": primary["method"],
        "primary_regions": int(primary["regions"]), "compared": compared, "agree": bool(agree),
    }


def estimate_check(model: Any, primary: dict, time_limit: float | None = None, half_width: float | None = None,
                   seed: int = 0) -> dict:
    """Estimate ``model`` (method ``"estimate"``) and say whether the 95 % interval covers the
    exact ``primary`` count (rule ``estimate_check``: the estimator checked against the counts,
    as :func:`cross_check` checks the counter against the MILP).

    The estimate takes the box, eps, margin and scale of ``primary``. A stopped primary count
    (a lower bound) is not compared (``covers`` None). Over many networks a fair 95 % interval
    covers about 95 % of the counts, so one miss is not an error; the rate is the measure.
    """
    if primary.get("estimate"):
        raise ValueError("an estimate check compares an estimate with a count, but this record is an estimate")
    box = dict(lower=primary["lower"], upper=primary["upper"], eps=primary["eps"], margin=primary["margin"],
               scale=primary.get("scale", "row"))
    res = count_regions(load_network(model), method="estimate", time_limit=time_limit, half_width=half_width,
                        seed=seed, **box)
    low, high = (float(v) for v in res.interval)
    count = int(primary["regions"])
    covers = bool(low <= count <= high) if primary["complete"] else None
    return {
        "method": "estimate", "estimator": res.estimator, "regions": int(res.regions), "interval": [low, high],
        "samples": int(res.samples), "seconds": float(res.seconds), "status": res.status,
        "primary_method": primary["method"], "primary_regions": count, "primary_complete": bool(primary["complete"]),
        "relative_half_width": (high - low) / 2 / max(res.regions, 1), "covers": covers,
    }
