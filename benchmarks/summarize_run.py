"""Facts of a finished run of the workflow, as Markdown: the machine, the time of each stage
(from the Snakemake benchmark files under logs/benchmarks/), the counts against the bounds per
split, the cross-check, and the rank correlations between regions and errors.

    .venv/bin/python benchmarks/summarize_run.py [--results results] [--logs logs] [--wall SECONDS]

Used to write results/REPORT.md; the interpretation there is written by hand.
"""

from __future__ import annotations

import argparse
import os
import platform
from pathlib import Path

import pandas as pd

from linregions.figures import spearman


def stage_times(logs: Path) -> pd.DataFrame:
    rows = []
    for stage in ("train", "count", "crosscheck"):
        files = sorted((logs / "benchmarks" / stage).rglob("*.tsv"))
        if not files:
            continue
        tab = pd.concat([pd.read_csv(f, sep="\t") for f in files], ignore_index=True)
        rows.append({"stage": stage, "jobs": len(files), "sum of job seconds": tab["s"].sum(),
                     "CPU seconds": tab["cpu_time"].sum(), "longest job s": tab["s"].max(),
                     "median job s": tab["s"].median(), "peak RSS MB": tab["max_rss"].max()})
    return pd.DataFrame(rows)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--results", default="results")
    ap.add_argument("--logs", default="logs")
    ap.add_argument("--wall", type=float, help="wall seconds of the whole run, if measured")
    args = ap.parse_args(argv)
    res, logs = Path(args.results), Path(args.logs)
    nets = pd.read_csv(res / "networks.csv")
    splits = pd.read_csv(res / "splits.csv")
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    print(f"Machine: {platform.platform()}, {os.cpu_count()} CPUs, {mem:.0f} GiB, Python {platform.python_version()}")
    if args.wall:
        print(f"Wall time of the run: {args.wall:.0f} s ({args.wall / 60:.1f} min)")
    print()
    print(stage_times(logs).to_markdown(index=False, floatfmt=".1f"))
    print()
    print(f"Networks: {len(nets)}, complete counts: {int(nets.complete.sum())}, "
          f"regions in all: {int(nets.regions.sum()):,}, "
          f"count seconds in all: {nets.count_seconds.sum():.0f}, "
          f"regions per count-second: {nets.regions.sum() / nets.count_seconds.sum():.0f}")
    checked = nets[nets.crosscheck_agree.notna()]
    print(f"Cross-checked: {len(checked)}, agree: {int((checked.crosscheck_agree == True).sum())}, "
          f"by kind: {checked.crosscheck_compared.value_counts().to_dict()}")
    print()
    s = splits.copy()
    s["mean / theorem1"] = s.regions_mean / s.theorem1.astype(float)
    cols = ["n1", "n2", "complete", "regions_mean", "regions_min", "regions_max", "theorem1", "mean / theorem1"]
    print(s[cols].to_markdown(index=False, floatfmt=".4g"))
    print()
    rho = spearman(s.regions_mean, s.theorem1.astype(float))
    print(f"Spearman rho between the mean count and the Theorem 1 bound across splits: {rho:.3f}")
    peak = s.loc[s.regions_mean.idxmax()]
    print(f"Largest mean count at n1 = {int(peak.n1)}: {peak.regions_mean:,.0f}")
    for lo in (1, 3, 5):
        sel = nets[(nets[["n1", "n2"]].min(axis=1) >= lo) & nets.complete]
        print(f"min(n1, n2) >= {lo}: {len(sel)} networks, Spearman rho(regions, train error) = "
              f"{spearman(sel.regions, sel.train_error):.3f}, rho(regions, test error) = "
              f"{spearman(sel.regions, sel.test_error):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
