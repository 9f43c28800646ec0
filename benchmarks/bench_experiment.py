"""Counting time of the MNIST experiment on this machine: the whole experiment, or some seeds of it.

Counts the networks of the given seeds (every split of each), with the count settings of the
pipeline's configuration (`lp`, its ε, margin, scale, box and threads), ``--jobs`` counts at a time,
largest first, as the pipeline schedules them. It reports the wall time and the regions, and,
for a subset of the seeds, the wall time the whole experiment would take if the other seeds cost
the same. Counts found in ``<results>/counts`` are compared with the new ones.

The networks are the pipeline's (``<results>/networks/n1_*_n2_*/seed_<seed>.pt``); train them
first with ``snakemake --cores 2 --until train``.

    .venv/bin/python benchmarks/bench_experiment.py --seeds all --jobs 2 --json benchmarks/out/experiment.json
    .venv/bin/python benchmarks/bench_experiment.py --seeds 1        # one seed: about a tenth of it
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import yaml


def _count(path: str, c: dict) -> dict:
    from linregions import count_regions

    r = count_regions(path, c["lower"], c["upper"], method="lp", eps=c["eps"], margin=c["margin"],
                      scale=c.get("scale", "row"), threads=c["threads"])
    return {"regions": r.regions, "complete": r.complete, "seconds": r.seconds, "lps": r.lps}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default="config/config.yaml", help="the pipeline's configuration")
    ap.add_argument("--results", default="results", help="the pipeline's results directory")
    ap.add_argument("--seeds", default="1", help="seeds to count, comma-separated, or 'all' (the config's)")
    ap.add_argument("--jobs", type=int, default=2, help="counts at a time (one thread each)")
    ap.add_argument("--json", help="write the measurements to this JSON file")
    args = ap.parse_args(argv)

    cfg = yaml.safe_load(Path(args.config).read_text())
    count, total, all_seeds = cfg["count"], cfg["splits"]["total"], list(cfg["seeds"])
    seeds = all_seeds if args.seeds == "all" else [int(s) for s in args.seeds.split(",")]
    first, last = cfg["splits"]["n1"]
    res = Path(args.results)
    nets = {(n1, seed): res / "networks" / f"n1_{n1}_n2_{total - n1}" / f"seed_{seed}.pt"
            for n1 in range(first, last + 1) for seed in seeds}
    missing = [str(p) for p in nets.values() if not p.exists()]
    if missing:
        print(f"missing networks (train them with `snakemake --cores 2 --until train`): {missing[:3]} ...",
              file=sys.stderr)
        return 2

    from linregions import count_regions

    # compile (or load the numba cache) outside the timing
    count_regions(str(nets[first, seeds[0]]), count["lower"], count["upper"], method="lp")
    rows = {}
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        # widest first layer first: those counts are the largest, so the pool ends evenly
        futs = {pool.submit(_count, str(nets[key]), count): key for key in sorted(nets, reverse=True)}
        for fut in as_completed(futs):
            n1, seed = key = futs[fut]
            rows[key] = fut.result()
            print(f"784-{n1}-{total - n1} seed {seed}: {rows[key]['regions']:,} regions in "
                  f"{rows[key]['seconds']:.1f} s", file=sys.stderr)
    wall = time.perf_counter() - t0

    disagree = []
    for (n1, seed), row in rows.items():
        old = res / "counts" / f"n1_{n1}_n2_{total - n1}" / f"seed_{seed}.json"
        if old.exists():
            prev = json.loads(old.read_text())
            row["pipeline_regions"] = prev["regions"]
            if prev.get("complete") and prev["regions"] != row["regions"]:
                disagree.append(f"784-{n1}-{total - n1} seed {seed}")
    regions = sum(r["regions"] for r in rows.values())
    job_s = sum(r["seconds"] for r in rows.values())
    projected = wall * len(all_seeds) / len(seeds)
    out = {
        "seeds": seeds, "jobs": args.jobs, "networks": len(rows),
        "complete": all(r["complete"] for r in rows.values()), "regions": regions,
        "wall_seconds": wall, "sum_of_count_seconds": job_s, "regions_per_count_second": regions / job_s,
        "regions_per_wall_second": regions / wall, "projected_wall_seconds_all_seeds": projected,
        "disagree_with_pipeline_counts": disagree,
        "per_network": {f"784-{n1}-{total - n1} seed {seed}": rows[n1, seed] for n1, seed in sorted(rows)},
    }
    print(f"seeds {','.join(map(str, seeds))}, {len(rows)} networks, {args.jobs} jobs: {regions:,} regions in "
          f"{wall:.0f} s wall = {wall / 60:.1f} min ({regions / wall:,.0f} regions/s; {regions / job_s:,.0f} per "
          f"count-second)" + ("" if len(seeds) == len(all_seeds) else
                              f"; all {len(all_seeds)} seeds at this cost: {projected / 60:.0f} min"))
    print(f"same count as the pipeline's exact count: {'all' if not disagree else f'NOT for {disagree}'}")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(out, indent=2))
    return 1 if disagree else 0


if __name__ == "__main__":
    raise SystemExit(main())
