"""Calibration of method="estimate": count a stated sample of networks exactly (method "lp") and
estimate each one, then print the coverage of the 95 % intervals and the median relative half-width.

The sample: random networks n0-n1-n2 (n0 in --inputs, n1, n2 in --widths, Gaussian weights, biases
0.7 N(0, 1)) on the box [-1, 1]^n0, network i with seed i, and any trained models given with
--models (counted on [0, 1]^n0). A network whose exact count does not finish within --exact-limit
seconds is left out (and reported): the sample is of networks that can be counted exactly.
One thread throughout. Each estimate stops at a relative half-width of --half-width or after
--time seconds, whichever comes first; estimate i uses seed i.

    PYTHONPATH=src python benchmarks/bench_estimate.py --networks 40 --time 10
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from linregions import count_regions, from_arrays, load_network


def random_net(seed: int, inputs: list[int], widths: list[int]):
    rng = np.random.default_rng(seed)
    n0 = int(rng.choice(inputs))
    ws = [int(rng.choice(widths)), int(rng.choice(widths))]
    layers, prev = [], n0
    for w in ws:
        layers.append((rng.normal(size=(w, prev)), 0.7 * rng.normal(size=w)))
        prev = w
    return from_arrays(layers)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--networks", type=int, default=40, help="random networks in the sample")
    ap.add_argument("--inputs", type=int, nargs="+", default=[10, 20, 50, 100])
    ap.add_argument("--widths", type=int, nargs="+", default=[8, 9, 10, 11, 12])
    ap.add_argument("--models", nargs="*", default=[], help="trained models, counted on [0, 1]^n0")
    ap.add_argument("--time", type=float, default=10.0, help="seconds per estimate at most")
    ap.add_argument("--half-width", type=float, default=0.05, help="target; 0: none (each estimate runs --time s)")
    ap.add_argument("--exact-limit", type=float, default=30.0)
    ap.add_argument("--json", default=None, help="write the rows here")
    args = ap.parse_args()
    nets = [(f"random seed {i}", random_net(i, args.inputs, args.widths), -1.0, 1.0, i) for i in range(args.networks)]
    nets += [(m, load_network(m), 0.0, 1.0, 1000 + j) for j, m in enumerate(args.models)]
    rows, left_out = [], []
    t_all = time.perf_counter()
    for name, net, lo, up, seed in nets:
        shape = f"{net.n0}-{'-'.join(map(str, net.widths))}"
        ex = count_regions(net, lo, up, method="lp", time_limit=args.exact_limit)
        if not ex.complete:
            left_out.append(f"{name} ({shape}): exact count unfinished in {args.exact_limit:g} s")
            print(f"{name:22s} {shape:10s} left out: exact count unfinished in {args.exact_limit:g} s", flush=True)
            continue
        es = count_regions(net, lo, up, method="estimate", time_limit=args.time,
                           half_width=args.half_width or None, seed=seed)
        a, b = es.interval
        half = (b - a) / 2 / max(es.regions, 1)
        row = dict(name=name, shape=shape, exact=ex.regions, exact_seconds=ex.seconds, estimate=es.regions,
                   low=a, high=b, rel_half_width=half, covered=bool(a <= ex.regions <= b), samples=es.samples,
                   seconds=es.seconds, is_estimate=es.estimate)
        rows.append(row)
        print(f"{name:22s} {shape:10s} exact {ex.regions:9d} ({ex.seconds:6.1f} s)  estimate {es.regions:9d} "
              f"[{a:11.0f}, {b:11.0f}] +-{100 * half:5.1f}% {'covers' if row['covered'] else 'MISSES'} "
              f"{es.samples:6d} probes {es.seconds:5.1f} s", flush=True)
    cov = np.mean([r["covered"] for r in rows]) if rows else float("nan")
    probed = [r for r in rows if r["is_estimate"]]
    med = float(np.median([r["rel_half_width"] for r in probed])) if probed else float("nan")
    print(f"\n{len(rows)} networks ({len(probed)} estimated by probes, {len(rows) - len(probed)} exact by the split), "
          f"{len(left_out)} left out; coverage of the 95% intervals {100 * cov:.1f}% "
          f"({sum(r['covered'] for r in rows)}/{len(rows)}); median relative half-width {100 * med:.2f}%; "
          f"median estimate time {np.median([r['seconds'] for r in rows]):.1f} s; "
          f"median exact time {np.median([r['exact_seconds'] for r in rows]):.1f} s; total {time.perf_counter() - t_all:.0f} s")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"rows": rows, "left_out": left_out, "coverage": cov, "median_rel_half_width": med}, f, indent=1)


if __name__ == "__main__":
    main()
