"""Speed of the region counters on a trained MNIST network (one core).

Measures regions/s of ``method="lp"`` for the full count of a trained 784-11-11 network (and a
784-9-13), and of ``method="milp"`` for a fixed time, and prints a table of medians and the
ratio. The networks are trained here with torch from the gzip IDX files (pixels in [0, 1], no
normalisation, Adam, 20 epochs, batch 128, seed 0) and cached under benchmarks/out/.

    .venv/bin/python benchmarks/bench_counting.py --repeats 3 --milp-seconds 60 --json benchmarks/out/bench.json
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import struct
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
MNIST = Path(os.environ.get("MNIST_DIR", "/work/shared/data/mnist"))


def _idx(path: Path) -> np.ndarray:
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">I", data[:4])
    ndim = magic & 0xFF
    dims = struct.unpack(">" + "I" * ndim, data[4: 4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def trained_network(widths: tuple[int, ...], epochs: int = 20, seed: int = 0) -> Path:
    """Train (or load from the cache) an MNIST classifier 784-widths-10; returns the .pt path."""
    import torch
    from torch import nn

    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"mnist_{'-'.join(map(str, (784,) + widths))}_e{epochs}_s{seed}.pt"
    if path.exists():
        return path
    torch.manual_seed(seed)
    np.random.seed(seed)
    x = torch.from_numpy(_idx(MNIST / "train-images-idx3-ubyte.gz").reshape(-1, 784).astype(np.float32) / 255.0)
    y = torch.from_numpy(_idx(MNIST / "train-labels-idx1-ubyte.gz").astype(np.int64))
    mods, prev = [], 784
    for w in widths:
        mods += [nn.Linear(prev, w), nn.ReLU()]
        prev = w
    model = nn.Sequential(*mods, nn.Linear(prev, 10))
    opt = torch.optim.Adam(model.parameters())
    gen = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        perm = torch.randperm(len(x), generator=gen)
        for i in range(0, len(x), 128):
            idx = perm[i: i + 128]
            opt.zero_grad()
            nn.functional.cross_entropy(model(x[idx]), y[idx]).backward()
            opt.step()
    xt = torch.from_numpy(_idx(MNIST / "t10k-images-idx3-ubyte.gz").reshape(-1, 784).astype(np.float32) / 255.0)
    yt = torch.from_numpy(_idx(MNIST / "t10k-labels-idx1-ubyte.gz").astype(np.int64))
    with torch.no_grad():
        err = (model(xt).argmax(1) != yt).float().mean().item()
    print(f"trained 784-{'-'.join(map(str, widths))}: test error {err:.3f}", file=sys.stderr)
    torch.save(model, path)
    return path


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3, help="runs of each measurement (median reported)")
    ap.add_argument("--milp-seconds", type=float, default=60.0, help="time limit of each MILP run")
    ap.add_argument("--no-milp", action="store_true", help="skip the MILP measurement")
    ap.add_argument("--widths", default="11-11,9-13", help="hidden widths to time, comma separated")
    ap.add_argument("--share", type=int, default=1,
                    help="count only shard 0 of this many (a fixed 1/k of the tree) for the lp rate; 1 = full count")
    ap.add_argument("--json", help="write the measurements to this JSON file")
    args = ap.parse_args(argv)

    from linregions import count_regions, load_network

    rows = []
    for spec in args.widths.split(","):
        widths = tuple(int(w) for w in spec.split("-"))
        net = load_network(trained_network(widths))
        count_regions(net, 0.0, 1.0, method="lp", shard=(0, 1000))  # compile / load the numba cache
        lp, cpu = [], []
        for _ in range(args.repeats):
            c0 = time.process_time()  # CPU time too: wall time suffers when the machine is shared
            lp.append(count_regions(net, 0.0, 1.0, method="lp", threads=1, shard=(0, args.share)))
            cpu.append(time.process_time() - c0)
        rate = statistics.median(r.regions / r.seconds for r in lp)
        row = {
            "network": "784-" + spec, "lp_share": f"1/{args.share}", "lp_regions": lp[0].regions,
            "lp_complete": lp[0].complete,
            "lp_seconds_median": statistics.median(r.seconds for r in lp),
            "lp_regions_per_s": rate, "lp_cpu_seconds_median": statistics.median(cpu),
            "lp_regions_per_cpu_s": statistics.median(r.regions / c for r, c in zip(lp, cpu)), "lp_lps_per_region": lp[0].lps / max(lp[0].regions, 1),
            "lp_nodes": lp[0].nodes, "lp_rejected": lp[0].rejected,
        }
        if not args.no_milp and widths == (11, 11):
            try:
                import linregions.milp  # noqa: F401
            except ImportError as exc:
                print(f"milp skipped: {exc}", file=sys.stderr)
            else:
                mi = [count_regions(net, 0.0, 1.0, method="milp", threads=1, time_limit=args.milp_seconds)
                      for _ in range(args.repeats)]
                if any(r.complete for r in mi):
                    print("note: the milp count completed within the time limit", file=sys.stderr)
                mrate = statistics.median(r.regions / r.seconds for r in mi)
                row.update(milp_regions_median=statistics.median(r.regions for r in mi),
                           milp_seconds_median=statistics.median(r.seconds for r in mi),
                           milp_regions_per_s=mrate, ratio_lp_over_milp=rate / mrate if mrate > 0 else None)
        rows.append(row)
        print(json.dumps(row), file=sys.stderr)

    print(f"lp share of the tree counted: 1/{args.share}")
    print(f"{'network':<12}{'lp regions':>12}{'lp s':>9}{'lp reg/s':>11}{'reg/cpu-s':>11}{'LPs/reg':>9}"
          f"{'milp reg/s':>12}{'ratio':>8}")
    for r in rows:
        mr = r.get("milp_regions_per_s")
        ratio = r.get("ratio_lp_over_milp")
        print(f"{r['network']:<12}{r['lp_regions']:>12}{r['lp_seconds_median']:>9.2f}{r['lp_regions_per_s']:>11.0f}"
              f"{r['lp_regions_per_cpu_s']:>11.0f}{r['lp_lps_per_region']:>9.2f}{(f'{mr:.0f}' if mr else '-'):>12}"
              f"{(f'{ratio:.0f}x' if ratio else '-'):>8}")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps({"repeats": args.repeats, "rows": rows}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
