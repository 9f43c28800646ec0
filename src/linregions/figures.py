"""The experiment's figures, each saved as PNG and PDF with the data drawn saved as CSV beside it.

* :func:`regions_per_split`: for each split n1 (n2 = total - n1) the mean count of linear regions
  with its min-max range, on a log axis, beside the upper bounds (2^N, Montufar et al. 2017,
  Theorem 1 of Serra et al. 2018), as in the paper's figure comparing counts with bounds.
* :func:`error_vs_regions`: train and test error against the number of regions, one point per
  network coloured by n1, with the Spearman correlation written on each panel.

A stopped count (``complete`` false) is a lower bound: it is drawn as a hollow upward triangle
and never enters a mean or a correlation.
"""

from __future__ import annotations

import logging
import os

import numpy as np
import pandas as pd

from .atomic import atomic_path, write_csv

log = logging.getLogger(__name__)

BOUND_STYLES = {
    # column: (label, line style, colour)
    "trivial": ("$2^N$ (trivial bound)", ":", "0.45"),
    "montufar2017": ("Montúfar et al. (2017)", "--", "tab:orange"),
    "theorem1": ("Theorem 1 (Serra et al. 2018)", "-", "tab:green"),
}


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, png: str | os.PathLike, pdf: str | os.PathLike) -> None:
    with atomic_path(png) as tmp:
        fig.savefig(tmp, dpi=150, bbox_inches="tight")
    with atomic_path(pdf) as tmp:
        fig.savefig(tmp, bbox_inches="tight")


def red_blue():
    """A colormap from red (small n1) to blue (large n1) through purple, dark enough on white."""
    from matplotlib.colors import LinearSegmentedColormap

    return LinearSegmentedColormap.from_list("red_blue", ["#d62728", "#7b3294", "#1f4e9c"])


def regions_per_split(splits: pd.DataFrame, png, pdf, csv) -> pd.DataFrame:
    """Mean count per split with min-max range (log axis) beside the three upper bounds; splits
    that were estimated (method estimate) as hollow diamonds with the range of their intervals,
    stopped counts as hollow triangles (lower bounds)."""
    plt = _pyplot()
    from matplotlib.lines import Line2D

    df = splits.sort_values("n1").reset_index(drop=True)
    total = sorted(set((df["n1"] + df["n2"]).astype(int)))
    for col in ("estimated", "estimate_mean", "estimate_low", "estimate_high"):
        if col not in df:  # a split table without estimates
            df[col] = 0 if col == "estimated" else float("nan")
    data = df[["n1", "n2", "networks", "complete", "regions_mean", "regions_min", "regions_max",
               "stopped_max", "estimated", "estimate_mean", "estimate_low", "estimate_high", *BOUND_STYLES]].copy()
    write_csv(data, csv)

    fig, ax = plt.subplots(figsize=(7.0, 4.6))
    x = df["n1"].to_numpy(dtype=float)
    for col, (label, ls, colour) in reversed(list(BOUND_STYLES.items())):
        ax.plot(x, pd.to_numeric(df[col]).to_numpy(dtype=float), ls=ls, color=colour, lw=1.6, label=label)
    has = df["complete"] > 0
    mean = df.loc[has, "regions_mean"].to_numpy(dtype=float)
    lo = mean - df.loc[has, "regions_min"].to_numpy(dtype=float)
    hi = df.loc[has, "regions_max"].to_numpy(dtype=float) - mean
    ax.errorbar(x[has.to_numpy()], mean, yerr=[lo, hi], fmt="o", color="tab:blue", ms=5, capsize=3,
                lw=1.2, label="counted regions: mean, min-max over seeds")
    est = (df["estimated"] > 0).to_numpy()
    if est.any():
        mid = df.loc[est, "estimate_mean"].to_numpy(dtype=float)
        # The intervals are clipped to Theorem 1's bound and the (unbiased) estimates are not, so near the
        # bound the mean can lie just outside the range: the bar then reaches from the range to the mean.
        ax.errorbar(x[est], mid, yerr=[np.maximum(mid - df.loc[est, "estimate_low"].to_numpy(dtype=float), 0.0),
                                       np.maximum(df.loc[est, "estimate_high"].to_numpy(dtype=float) - mid, 0.0)],
                    fmt="D", mfc="none", mec="tab:green", ecolor="tab:green", ms=6, capsize=3, lw=1.2,
                    label="estimated regions (not a count): mean, range of the 95% intervals")
    stop = df["stopped_max"].notna().to_numpy()
    if stop.any():
        ax.scatter(x[stop], df.loc[stop, "stopped_max"].to_numpy(dtype=float), marker="^", s=45,
                   facecolors="none", edgecolors="tab:red", lw=1.3,
                   label="stopped count: a lower bound ($\\geq$), not a count")
    ax.set_yscale("log")
    ax.set_xlabel(f"$n_1$, units in hidden layer 1 ($n_2 = {'/'.join(map(str, total))} - n_1$)")
    ax.set_ylabel("number of linear regions on $[0,1]^{784}$ (log scale)")
    ax.set_xticks(x)
    ax.set_title("Linear regions of MNIST networks 784-$n_1$-$n_2$-10 and upper bounds")
    ax.grid(True, which="major", alpha=0.3)
    handles, labels = ax.get_legend_handles_labels()
    if not stop.any():
        handles.append(Line2D([], [], ls="none", marker="^", mfc="none", mec="tab:red"))
        labels.append("stopped count $\\geq$ (none here)")
    ax.legend(handles, labels, fontsize=8, loc="best")
    _save(fig, png, pdf)
    plt.close(fig)
    return data


def spearman(regions, error) -> float:
    """Spearman rank correlation (nan with fewer than 3 points or a constant series)."""
    s = pd.DataFrame({"r": np.asarray(regions, float), "e": np.asarray(error, float)})
    if len(s) < 3 or s["r"].nunique() < 2 or s["e"].nunique() < 2:
        return float("nan")
    return float(s["r"].corr(s["e"], method="spearman"))


def error_vs_regions(networks: pd.DataFrame, png, pdf, csv, faded_below: int = 3) -> pd.DataFrame:
    """Train and test error (%) against regions, one point per network, coloured by n1.

    Networks with min(n1, n2) < ``faded_below`` are drawn faded and left out of the Spearman
    correlation, as are stopped counts (lower bounds, drawn as hollow triangles) and estimates
    (hollow diamonds).
    """
    plt = _pyplot()
    from matplotlib.colors import Normalize
    from matplotlib.lines import Line2D

    df = networks.sort_values(["n1", "n2", "seed"]).reset_index(drop=True).copy()
    df["complete"] = df["complete"].astype(bool)
    df["estimated"] = (df["kind"] == "estimate") if "kind" in df else False
    df["faded"] = np.minimum(df["n1"], df["n2"]) < faded_below
    df["in_correlation"] = df["complete"] & ~df["faded"]
    cols = ["n1", "n2", "seed", "regions", "complete", "estimated", "train_error", "test_error", "faded",
            "in_correlation"]
    data = df[cols]
    write_csv(data, csv)

    cmap = red_blue()
    norm = Normalize(vmin=df["n1"].min(), vmax=max(df["n1"].max(), df["n1"].min() + 1))
    fig, axes = plt.subplots(1, 2, figsize=(11.0, 4.6), sharex=True, constrained_layout=True)
    for ax, col, title in zip(axes, ("train_error", "test_error"), ("Training error", "Test error")):
        y = 100 * df[col].to_numpy(dtype=float)
        xr = df["regions"].to_numpy(dtype=float)
        colours = cmap(norm(df["n1"].to_numpy(dtype=float)))
        kinds = np.where(df["estimated"], "estimate", np.where(df["complete"], "count", "stopped"))
        for faded in (True, False):
            for kind in ("count", "stopped", "estimate"):
                m = (df["faded"].to_numpy() == faded) & (kinds == kind)
                if not m.any():
                    continue
                alpha = 0.25 if faded else 0.9
                if kind == "count":
                    ax.scatter(xr[m], y[m], c=colours[m], marker="o", s=22, alpha=alpha, edgecolors="none")
                else:
                    ax.scatter(xr[m], y[m], marker="^" if kind == "stopped" else "D", s=40, facecolors="none",
                               edgecolors=colours[m], alpha=alpha, lw=1.2)
        sel = df["in_correlation"].to_numpy()
        rho = spearman(xr[sel], y[sel])
        rho_txt = "n/a" if np.isnan(rho) else f"{rho:+.2f}"
        ax.set_title(f"{title}: Spearman $\\rho$ = {rho_txt} over {int(sel.sum())} networks")
        log.info("%s: Spearman rho between regions and error = %s over %d networks", col, rho_txt, int(sel.sum()))
        ax.set_xscale("log")
        ax.set_xlabel("number of linear regions on $[0,1]^{784}$ (log scale)")
        ax.set_ylabel(f"{title.lower()} (%)")
        ax.grid(True, alpha=0.3)
    handles = [
        Line2D([], [], ls="none", marker="o", color="0.3", label="network, complete count"),
        Line2D([], [], ls="none", marker="^", mfc="none", mec="0.3",
               label="network, stopped count: lower bound ($\\geq$), not a count"),
        Line2D([], [], ls="none", marker="D", mfc="none", mec="0.3",
               label="network, estimated regions (point estimate, not a count)"),
        Line2D([], [], ls="none", marker="o", color="0.3", alpha=0.25,
               label=f"faded: min($n_1$, $n_2$) < {faded_below}"),
        Line2D([], [], ls="none", label=f"$\\rho$ (Spearman, regions vs error): complete counts with "
               f"min($n_1$, $n_2$) $\\geq$ {faded_below} only"),
    ]
    fig.legend(handles=handles, fontsize=8, loc="outside lower center", ncols=2, frameon=False)
    sm = plt.cm.ScalarMappable(norm=norm, cmap=cmap)
    cbar = fig.colorbar(sm, ax=axes, shrink=0.9)
    cbar.set_label("$n_1$ (units in hidden layer 1)")
    from matplotlib.ticker import MaxNLocator

    cbar.locator = MaxNLocator(integer=True)
    cbar.update_ticks()
    fig.suptitle("Error against linear regions, MNIST networks 784-$n_1$-$n_2$-10 (one point per network)")
    _save(fig, png, pdf)
    plt.close(fig)
    return data
