"""How much the count depends on the margin eps of the region definition, and why.

A pattern is a region iff its certificate margin (the largest, over the box, of the smallest
signed pre-activation, :func:`linregions.certificate.certify`) is >= eps. So the count at eps is
the number of regions found at the smallest eps whose margin is >= eps, and the count can only
fall as eps grows. This module measures both sides of that identity on a network: the count at
each eps of a grid (:func:`counts_by_eps`) and the margins of the regions found at the smallest
eps (:func:`region_margins`), summarised by quantiles and by how many regions are thinner than
each eps (:func:`margin_summary`). When eps is well below the thinnest region the count is
stable: that is the evidence behind :data:`linregions.regions.DEFAULT_EPS`. Counts and margins
measure eps the same way (``scale``, :data:`linregions.network.SCALES`; by default on the
canonical form, so a margin is a distance).

One certificate LP a region is slow for large counts (about 100k regions on MNIST 784-9-13), so
the margins may be computed on a fixed random subsample of the regions (``max_margins``); the
summary then says so (``sampled``) and gives counts within the sample.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from .certificate import certify
from .count import count_regions
from .network import Network, check_box, load_network, scaled
from .regions import check_eps, unpack_patterns

log = logging.getLogger(__name__)

#: The eps grid of the study: 1000x to 0.01x the default 1e-6.
EPS_GRID = (1e-3, 1e-4, 1e-6, 1e-8)

#: Quantiles of the margin distribution reported.
QUANTILES = (0.0, 0.001, 0.01, 0.1, 0.5)


@dataclass(frozen=True)
class EpsCount:
    """One count of one network at one eps (a lower bound unless ``complete``)."""

    network: str
    eps: float
    regions: int
    complete: bool
    seconds: float
    lps: int
    status: str


@dataclass(frozen=True)
class MarginSummary:
    """The margins of the regions found at eps ``reference_eps``, or of a random sample of them."""

    network: str
    reference_eps: float
    regions: int  # regions found at reference_eps
    complete: bool  # the reference count completed
    margins_computed: int  # certificate LPs solved (all regions unless sampled)
    sampled: bool
    quantiles: dict[float, float]  # q -> margin quantile (over the computed margins)
    below: dict[float, int]  # eps -> computed margins < eps
    seconds: float


def _check_grid(eps_grid: Iterable[float]) -> tuple[float, ...]:
    grid = tuple(sorted({check_eps(e) for e in eps_grid}, reverse=True))
    if not grid:
        raise ValueError("the eps grid is empty; give at least one eps, e.g. (1e-3, 1e-4, 1e-6, 1e-8)")
    return grid


def counts_by_eps(
    net: Network,
    eps_grid: Iterable[float] = EPS_GRID,
    lower: float = 0.0,
    upper: float = 1.0,
    method: str = "lp",
    name: str = "",
    time_limit: float | None = None,
    threads: int = 1,
    scale: str = "row",
) -> tuple[list[EpsCount], np.ndarray | None]:
    """Count ``net`` at each eps (largest first); also return the packed patterns of the smallest
    eps (None if that count did not complete), whose margins :func:`region_margins` computes."""
    grid = _check_grid(eps_grid)
    rows, patterns = [], None
    for eps in grid:
        last = eps == grid[-1]
        r = count_regions(net, lower, upper, method=method, eps=eps, threads=threads,
                          time_limit=time_limit, return_patterns=last, scale=scale)
        log.info("%s eps %g: %s", name, eps, r.summary())
        if r.status == "interrupted":  # the lp counter catches SIGINT/SIGTERM: stop the study too
            raise KeyboardInterrupt(f"{name}: the count at eps {eps:g} was interrupted by a signal; nothing written")
        rows.append(EpsCount(name, eps, r.regions, r.complete, r.seconds, r.lps, r.status))
        if last and r.complete:
            patterns = r.patterns
    return rows, patterns


def sample_rows(n: int, max_rows: int | None, seed: int = 0) -> tuple[np.ndarray, bool]:
    """Indices of a fixed random subsample of ``max_rows`` of n rows (all, in order, if n <= max_rows)."""
    if max_rows is None or n <= max_rows:
        return np.arange(n), False
    if max_rows < 1:
        raise ValueError(f"max_rows must be >= 1 or None, got {max_rows}")
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n, size=int(max_rows), replace=False)), True


def region_margins(net: Network, patterns: np.ndarray, lower: float = 0.0, upper: float = 1.0,
                   margin: str = "both", scale: str = "row") -> np.ndarray:
    """The certificate margin of every pattern (bool k x N, or packed uint8 k x ceil(N/8)),
    measured as the count measures eps (``scale``, :data:`linregions.network.SCALES`)."""
    net = scaled(net, scale)
    p = np.asarray(patterns)
    if p.dtype == np.uint8 and p.ndim == 2 and p.shape[1] != net.n_units:
        p = unpack_patterns(p, net.n_units)
    p = p.astype(bool).reshape(-1, net.n_units)
    out = np.empty(len(p))
    t0 = last = time.perf_counter()
    for i, s in enumerate(p):
        out[i] = certify(net, s, lower, upper, margin, scale="absolute").margin  # net is scaled already
        now = time.perf_counter()
        if now - last >= 10.0:
            last = now
            log.info("margins: %d of %d certified, %.0f s", i + 1, len(p), now - t0)
    return out


def margin_summary(margins: np.ndarray, eps_grid: Iterable[float] = EPS_GRID,
                   quantiles: Sequence[float] = QUANTILES) -> tuple[dict[float, float], dict[float, int]]:
    """Quantiles of the margins and, for each eps, how many margins are < eps."""
    m = np.asarray(margins, dtype=float)
    qs = {float(q): (float(np.quantile(m, q)) if m.size else float("nan")) for q in quantiles}
    below = {e: int(np.sum(m < e)) for e in _check_grid(eps_grid)}
    return qs, below


def study_network(
    model: Any,
    name: str,
    eps_grid: Iterable[float] = EPS_GRID,
    lower: float = 0.0,
    upper: float = 1.0,
    max_margins: int | None = 2000,
    seed: int = 0,
    time_limit: float | None = None,
    threads: int = 1,
    method: str = "lp",
    scale: str = "row",
) -> tuple[list[EpsCount], MarginSummary]:
    """Counts at every eps and the margin distribution of the regions of the smallest eps."""
    net = load_network(model)
    lower, upper = check_box(lower, upper)
    grid = _check_grid(eps_grid)
    rows, packed = counts_by_eps(net, grid, lower, upper, method, name, time_limit, threads, scale=scale)
    ref = rows[-1]
    t0 = time.perf_counter()
    if packed is None:
        margins, sampled = np.zeros(0), False
        log.warning("%s: the count at eps %g did not complete; no margins", name, ref.eps)
    else:
        idx, sampled = sample_rows(len(packed), max_margins, seed)
        margins = region_margins(net, packed[idx], lower, upper, scale=scale)
    qs, below = margin_summary(margins, grid)
    summary = MarginSummary(name, ref.eps, ref.regions, ref.complete, int(margins.size), sampled, qs, below,
                            time.perf_counter() - t0)
    log.info("%s: %d margins%s, min %.3g, median %.3g, below eps %s", name, margins.size,
             " (random sample)" if sampled else "", qs.get(0.0, np.nan), qs.get(0.5, np.nan), below)
    return rows, summary


def _eps_label(e: float) -> str:
    return f"{e:.0e}"


def counts_frame(rows: Iterable[EpsCount]) -> pd.DataFrame:
    """One row per network and eps: network, eps, regions, complete, seconds, lps, status."""
    cols = ["network", "eps", "regions", "complete", "seconds", "lps", "status"]
    return pd.DataFrame([r.__dict__ for r in rows], columns=cols)


def margins_frame(summaries: Iterable[MarginSummary]) -> pd.DataFrame:
    """One row per network: regions, margins computed, sampled, margin quantiles, counts below eps."""
    out = []
    for s in summaries:
        row = {"network": s.network, "reference_eps": s.reference_eps, "regions": s.regions,
               "complete": s.complete, "margins_computed": s.margins_computed, "sampled": s.sampled}
        row.update({f"margin_q{q:g}": v for q, v in s.quantiles.items()})
        row.update({f"below_{_eps_label(e)}": n for e, n in s.below.items()})
        row["seconds"] = s.seconds
        out.append(row)
    return pd.DataFrame(out)


def markdown_table(counts: pd.DataFrame, margins: pd.DataFrame) -> str:
    """A markdown table: for each network, the count at each eps and the regions thinner than it."""
    grid = sorted(counts["eps"].unique(), reverse=True)
    head = ["network"] + [f"regions at eps {_eps_label(e)}" for e in grid] + [
        "min margin", "median margin", "margins computed"] + [f"margin < {_eps_label(e)}" for e in grid]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    mrg = margins.set_index("network") if len(margins) else pd.DataFrame()
    for net, g in counts.groupby("network", sort=False):
        by = g.set_index("eps")
        cells = [str(net)]
        for e in grid:
            if e not in by.index:  # networks counted on different grids
                cells.append("n/a")
                continue
            r = by.loc[e]
            cells.append(f"{int(r['regions'])}" if bool(r["complete"]) else f">= {int(r['regions'])} (stopped)")
        if net in mrg.index:
            m = mrg.loc[net]
            cells += [f"{m['margin_q0']:.3g}", f"{m['margin_q0.5']:.3g}",
                      f"{int(m['margins_computed'])}" + (" (sample)" if bool(m["sampled"]) else " (all)")]
            cells += [str(int(m[f"below_{_eps_label(e)}"])) if pd.notna(m.get(f"below_{_eps_label(e)}"))
                      else "n/a" for e in grid]
        else:
            cells += ["n/a"] * (3 + len(grid))
        lines.append("| " + " | ".join(cells) + " |")
    note = ("\nRegions at eps: exact counts (method lp). Margins: the certificate optimum of each region "
            "found at the smallest eps (or of a fixed random sample, marked); 'margin < eps' counts "
            "them, so regions(smallest eps) - regions(eps) = margin < eps when all margins are computed.\n")
    return "\n".join(lines) + "\n" + note


def tolerance_study(
    models: Mapping[str, Any],
    eps_grid: Iterable[float] = EPS_GRID,
    lower: float = 0.0,
    upper: float = 1.0,
    max_margins: int | None = 2000,
    seed: int = 0,
    time_limit: float | None = None,
    threads: int = 1,
    scale: str = "row",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`study_network` over ``models`` (name -> model); the counts and margins tables."""
    rows, summaries = [], []
    for i, (name, model) in enumerate(models.items(), start=1):
        log.info("tolerance study: network %d of %d, %s", i, len(models), name)
        r, s = study_network(model, name, eps_grid, lower, upper, max_margins, seed, time_limit, threads,
                             scale=scale)
        rows += r
        summaries.append(s)
    return counts_frame(rows), margins_frame(summaries)
