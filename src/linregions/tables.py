"""The experiment's tables: one row per network, one row per split with its bounds.

``networks.csv``: n1, n2, seed, train_error, test_error, regions, kind ("count" or "estimate"),
interval_low and interval_high (the 95 % interval of an estimate, empty for a count), complete,
method, eps, count_seconds, status; for the networks the other method rechecked
(:mod:`linregions.crosscheck`) crosscheck_method, crosscheck_regions, crosscheck_complete,
crosscheck_compared and crosscheck_agree; for the counted networks also estimated (rule
estimate_check) estimate_check_regions, estimate_check_low, estimate_check_high and
estimate_check_covers (whether the interval holds the count). ``regions`` of a stopped count
(``complete`` false) is a lower bound; ``regions`` of an estimate is its point estimate, never a
count.

``splits.csv``: n1, n2, the number of networks and of complete counts, the mean, min and max of
the *complete* counts (a stopped count is a lower bound and an estimate is not a count: neither
enters a statistic of counts; ``stopped_max`` is the largest lower bound among stopped counts),
the number of estimates with the mean of their point estimates and the lowest and highest end of
their intervals (estimate_low, estimate_high), how many networks were cross-checked and how many
of those agree, how many counts the estimator was checked on and how many of its intervals cover
the count, and the bounds theorem1, montufar2017 and trivial (2^N) of the widths.
"""

from __future__ import annotations

import json
import os
from typing import Iterable, Sequence

import pandas as pd

NETWORK_COLUMNS = [
    "n1", "n2", "seed", "train_error", "test_error", "regions", "kind", "interval_low", "interval_high",
    "complete", "method", "eps", "count_seconds", "status", "crosscheck_method", "crosscheck_regions",
    "crosscheck_complete", "crosscheck_compared", "crosscheck_agree", "estimate_check_regions",
    "estimate_check_low", "estimate_check_high", "estimate_check_covers",
]
BOUND_COLUMNS = ["theorem1", "montufar2017", "trivial"]
SPLIT_COLUMNS = [
    "n1", "n2", "networks", "complete", "regions_mean", "regions_min", "regions_max", "stopped_max",
    "estimated", "estimate_mean", "estimate_low", "estimate_high", "crosschecked", "crosscheck_agree",
    "estimate_checked", "estimate_covers", *BOUND_COLUMNS,
]


def read_records(paths: Iterable[str | os.PathLike]) -> list[dict]:
    """The JSON records in ``paths``, in order."""
    out = []
    for p in paths:
        with open(p) as f:
            out.append(json.load(f))
    return out


def _widths_key(rec: dict) -> tuple[int, int, int]:
    if "n1" in rec and "n2" in rec:
        n1, n2 = int(rec["n1"]), int(rec["n2"])
    else:
        n1, n2 = (int(w) for w in rec["widths"])
    return n1, n2, int(rec["seed"])


def network_table(meta: Sequence[dict], counts: Sequence[dict], checks: Sequence[dict] = (),
                  estimate_checks: Sequence[dict] = ()) -> pd.DataFrame:
    """Join training metadata, counts (or estimates), cross-checks and estimate checks by
    (n1, n2, seed); one row per network, sorted."""
    checked = {}
    for c in checks:
        checked[_widths_key(c)] = {
            "crosscheck_method": c["method"], "crosscheck_regions": c["regions"],
            "crosscheck_complete": c["complete"], "crosscheck_compared": c["compared"],
            "crosscheck_agree": c["agree"],
        }
    for c in estimate_checks:
        key = _widths_key(c)
        checked.setdefault(key, {}).update({
            "estimate_check_regions": c["regions"], "estimate_check_low": c["interval"][0],
            "estimate_check_high": c["interval"][1], "estimate_check_covers": c["covers"],
        })
    by_key = {}
    for m in meta:
        by_key[_widths_key(m)] = {"train_error": m["train_error"], "test_error": m["test_error"]}
    rows = []
    for c in counts:
        key = _widths_key(c)
        if key not in by_key:
            raise ValueError(f"count for n1={key[0]}, n2={key[1]}, seed={key[2]} has no training record")
        estimate = bool(c.get("estimate"))
        rows.append({
            "n1": key[0], "n2": key[1], "seed": key[2], **by_key.pop(key),
            "regions": int(c["regions"]), "kind": "estimate" if estimate else "count",
            "interval_low": float(c["interval"][0]) if estimate else None,
            "interval_high": float(c["interval"][1]) if estimate else None,
            "complete": bool(c["complete"]), "method": c["method"],
            "eps": float(c["eps"]), "count_seconds": float(c["seconds"]), "status": c.get("status", ""),
            **checked.pop(key, {}),
        })
    if by_key:
        missing = ", ".join(f"n1={a}, n2={b}, seed={s}" for a, b, s in sorted(by_key))
        raise ValueError(f"networks without a count: {missing}")
    if checked:
        extra = ", ".join(f"n1={a}, n2={b}, seed={s}" for a, b, s in sorted(checked))
        raise ValueError(f"cross-checks of networks without a count: {extra}")
    df = pd.DataFrame(rows, columns=NETWORK_COLUMNS)
    for col in ("crosscheck_regions", "estimate_check_regions"):
        df[col] = df[col].astype("Int64")
    return df.sort_values(["n1", "n2", "seed"], ignore_index=True)


def bounds_table(n0: int, splits: Sequence[Sequence[int]]) -> pd.DataFrame:
    """theorem1, montufar2017 and trivial bounds (from :mod:`linregions.bounds`) for each (n1, n2)."""
    from . import bounds

    rows = []
    for n1, n2 in splits:
        widths = [int(n1), int(n2)]
        rows.append({
            "n1": widths[0], "n2": widths[1],
            "theorem1": bounds.theorem1(n0, widths),
            "montufar2017": bounds.montufar2017(n0, widths),
            "trivial": bounds.trivial(widths),
        })
    return pd.DataFrame(rows, columns=["n1", "n2", *BOUND_COLUMNS])


def _tally(g: pd.DataFrame, column: str) -> tuple[int, int]:
    """(checked, true) of a check column: how many rows have a verdict and how many are True."""
    if column not in g:
        return 0, 0
    verdict = g[column]
    return int(verdict.notna().sum()), int((verdict == True).sum())  # noqa: E712 - object column, NaN-safe


def split_table(networks: pd.DataFrame, bounds: pd.DataFrame) -> pd.DataFrame:
    """One row per split: statistics of the complete counts, the largest stopped lower bound, the
    estimates with their intervals, the checks, bounds."""
    rows = []
    for (n1, n2), g in networks.groupby(["n1", "n2"], sort=True):
        est = (g["kind"] == "estimate") if "kind" in g else pd.Series(False, index=g.index)
        complete = g["complete"].astype(bool)
        done = g.loc[complete & ~est, "regions"]
        stopped = g.loc[~complete & ~est, "regions"]
        guesses = g.loc[est]
        rows.append({
            "n1": int(n1), "n2": int(n2), "networks": len(g), "complete": len(done),
            "regions_mean": done.mean() if len(done) else float("nan"),
            "regions_min": done.min() if len(done) else pd.NA,
            "regions_max": done.max() if len(done) else pd.NA,
            "stopped_max": stopped.max() if len(stopped) else pd.NA,
            "estimated": len(guesses),
            "estimate_mean": guesses["regions"].mean() if len(guesses) else float("nan"),
            "estimate_low": guesses["interval_low"].min() if len(guesses) else float("nan"),
            "estimate_high": guesses["interval_high"].max() if len(guesses) else float("nan"),
            "crosschecked": _tally(g, "crosscheck_agree")[0],
            "crosscheck_agree": _tally(g, "crosscheck_agree")[1],
            "estimate_checked": _tally(g, "estimate_check_covers")[0],
            "estimate_covers": _tally(g, "estimate_check_covers")[1],
        })
    df = pd.DataFrame(rows)
    df = df.merge(bounds[["n1", "n2", *BOUND_COLUMNS]], on=["n1", "n2"], how="left", validate="one_to_one")
    if df[BOUND_COLUMNS].isna().any().any():
        missing = df.loc[df[BOUND_COLUMNS].isna().any(axis=1), ["n1", "n2"]].values.tolist()
        raise ValueError(f"no bounds for splits {missing}; rerun the bounds rule")
    for col in ("regions_min", "regions_max", "stopped_max"):
        df[col] = df[col].astype("Int64")
    return df[SPLIT_COLUMNS]


_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:sans-serif;font-size:13px}} table{{border-collapse:collapse}}
td,th{{border:1px solid #bbb;padding:2px 6px;text-align:right}} th{{background:#eee}}</style>
</head><body><h3>{title}</h3>
{body}
</body></html>
"""


def html_page(title: str, frame: pd.DataFrame | None = None, text: str | None = None) -> str:
    """A self-contained HTML page holding ``frame`` as a table, or ``text`` preformatted, for
    the Snakemake report (which embeds HTML files as they are)."""
    import html

    if frame is not None:
        body = frame.to_html(index=False, na_rep="", float_format=lambda v: f"{v:.6g}", border=0)
    else:
        body = f"<pre>{html.escape(text or '')}</pre>"
    return _PAGE.format(title=html.escape(title), body=body)
