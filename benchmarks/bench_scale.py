"""What the scale-invariant region definition (issue 15) changes: counts of random networks
under scale="absolute" (eps on the weights as written) and scale="row" (the canonical form), on
the networks as made and after a per-unit rescaling within 10^+-3 (the same function).

    PYTHONPATH=src python benchmarks/bench_scale.py [--nets 40] [--n0 100]

Prints one line per network and a summary: how many counts differ between the two definitions,
and how many change under rescaling with each.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

os.environ.setdefault("NUMBA_NUM_THREADS", "1")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))

import numpy as np  # noqa: E402
from netgen import random_net, rescale_units  # noqa: E402

import linregions as lr  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--nets", type=int, default=40)
    ap.add_argument("--n0", type=int, default=100)
    ap.add_argument("--time-limit", type=float, default=120.0)
    args = ap.parse_args()
    rows = []
    for seed in range(args.nets):
        rng = np.random.default_rng(1000 + seed)
        widths = [int(w) for w in rng.integers(3, 8, size=int(rng.integers(2, 4)))]
        net = random_net(seed, args.n0, widths)
        other = rescale_units(net, seed)
        t0 = time.perf_counter()
        c = {}
        for name, n in (("net", net), ("rescaled", other)):
            for scale in ("absolute", "row"):
                try:
                    r = lr.count_regions(n, method="lp", scale=scale, time_limit=args.time_limit)
                    c[name, scale] = r.regions if r.complete else f">={r.regions}"
                except lr.certificate.ScaleError:
                    c[name, scale] = "refused"
        rows.append(c)
        print(f"seed {seed} widths {widths}: absolute {c['net', 'absolute']} -> rescaled {c['rescaled', 'absolute']}; "
              f"row {c['net', 'row']} -> rescaled {c['rescaled', 'row']} ({time.perf_counter() - t0:.1f} s)", flush=True)
    diff = [r for r in rows if r["net", "absolute"] != r["net", "row"]]
    print(f"{len(rows)} networks: row != absolute on {len(diff)}; "
          f"rescaling changes absolute on {sum(r['net', 'absolute'] != r['rescaled', 'absolute'] for r in rows)}, "
          f"row on {sum(r['net', 'row'] != r['rescaled', 'row'] for r in rows)}")
    for r in diff:
        print(f"  absolute {r['net', 'absolute']}  row {r['net', 'row']}")


if __name__ == "__main__":
    main()
