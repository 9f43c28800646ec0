"""Low-dimensional domains against the public peers affinitree 0.23 and relucent 1.0, in one run.

Cases (issue 14, Targets): the plane through MNIST test images 0, 1, 2 of trained 784-128-128-128-10
and 784-64-64-10 MLPs (trained with linregions.train: Adam, 20 epochs, batch 128, seed 0, cached
under benchmarks/out/), and seeded random 2-32-32-32 and 4-16-16-16-16 networks (torch's default
initialisation, seed 0) on the box [-1, 1]^n0.

Every tool gets the SAME network and domain, written to one .npz per case and domain:
- The plane is x = a + t1 (b - a) + t2 (c - a) = a + V t; inputs must stay in the pixel box, so
  the plane's domain is the polygon P = {t : 0 <= a + V t <= 1} (its non-redundant edges only).
  The first layer composed with the plane map gives a 2-input network (W1 V, W1 a + b1).
- Domain "square": relucent explores only cells that meet a centred cube [-r, r]^d, and
  linregions on main takes only a cube [lower, upper]^n0; so the common domain is the largest
  axis-aligned square [l, l + w]^2 inside P (an LP), reparametrised as t = l + w/2 (1 + s) with
  s in [-1, 1]^2 and folded into the first layer. All three tools count that network on [-1, 1]^2.
- Domain "polygon": P itself, for linregions through ``linregions.plane(a, b, c)`` (when that
  API exists; otherwise the row says so) and for affinitree as its precondition polytope.
  relucent takes no polytope, so it has no polygon row.
- The toy cases use the box [-1, 1]^n0 for every tool (domain "box").

Each peer is pip-installed on first use into its own venv under benchmarks/out/venv-<peer> and
runs in a subprocess of that venv (timed inside, imports excluded); each has ``--timeout`` per
case, and a run that hits it is recorded as "timeout". linregions runs in this process with
``time_limit`` = the same timeout (a stopped count is a lower bound, shown as ">= n").
For 2-D domains, the distinct activation patterns on a 1000 x 1000 grid of the domain are a
lower bound that every tool's count must reach (column "grid").

    .venv/bin/python benchmarks/bench_lowdim.py --timeout 600 --json benchmarks/out/lowdim.json
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
sys.path.insert(0, str(HERE))

PEERS = {"affinitree": "affinitree==0.23.*", "relucent": "relucent==1.0.*"}
CASES = {
    "mnist-128x3": ("mnist", (128, 128, 128)),
    "mnist-64x2": ("mnist", (64, 64)),
    "toy-2-32x3": ("toy", (2, (32, 32, 32))),
    "toy-4-16x4": ("toy", (4, (16, 16, 16, 16))),
}

RUNNER = {
    "affinitree": textwrap.dedent("""
        import json, sys, time
        import numpy as np
        from affinitree import AffFunc, AffTree, Architecture, Polytope, builder
        d = np.load(sys.argv[1])
        n = int(d["L"])
        arch = Architecture(int(d["n0"]))
        for l in range(1, n + 1):
            arch.linear(AffFunc.from_mats(d[f"W{l}"], d[f"b{l}"]))
            arch.relu()
        t0 = time.perf_counter()
        poly = Polytope.from_mats(d["G"], d["h"])  # {x : G x <= h}
        pre = AffTree.from_poly(poly, AffFunc.identity(int(d["n0"])), None)
        tree = builder.from_layers(arch, pre, None)
        regions = tree.num_terminals()
        seconds = time.perf_counter() - t0
        if len(sys.argv) > 2:  # explain: the Chebyshev centre and radius of every terminal's polytope
            from scipy.optimize import linprog
            out = []
            for _, node, poly in tree.polyhedra():
                if not node.is_terminal():
                    continue
                A, c = poly.to_Axleqb()
                norms = np.linalg.norm(A, axis=1)
                k = A.shape[1]
                res = linprog(np.r_[np.zeros(k), -1.0], A_ub=np.c_[A, norms], b_ub=c,
                              bounds=[(None, None)] * k + [(None, 1.0)], method="highs")
                out.append(np.r_[res.x[:k], res.x[k]] if res.status == 0 else np.full(k + 1, np.nan))
            np.save(sys.argv[2], np.array(out))
        print("RESULT " + json.dumps({"regions": int(regions), "seconds": seconds}))
    """),
    "relucent": textwrap.dedent("""
        import json, sys, time
        import numpy as np
        import relucent
        d = np.load(sys.argv[1])
        n = int(d["L"])
        if not int(d["is_cube"]):
            raise SystemExit("relucent takes only a centred cube")
        layers = [(d[f"W{l}"], d[f"b{l}"]) for l in range(1, n + 1)]
        layers.append((np.zeros((1, layers[-1][0].shape[0])), np.zeros(1)))  # linear output layer
        t0 = time.perf_counter()
        cplx = relucent.Complex(layers)
        cplx.bfs(cube_radius=float(d["radius"]), cube_mode="intersect", nworkers=1, verbose=0)
        print("RESULT " + json.dumps({"regions": len(cplx), "seconds": time.perf_counter() - t0}))
    """),
}


# ---------------------------------------------------------------- networks and domains

def mnist_test_images(k: int = 3) -> np.ndarray:
    from bench_counting import MNIST, _idx

    return _idx(MNIST / "t10k-images-idx3-ubyte.gz")[:k].reshape(k, 784).astype(np.float64) / 255.0


def mnist_network(widths: tuple[int, ...], epochs: int = 20, seed: int = 0):
    """A trained 784-widths-10 MLP (linregions.train's recipe), cached as a .pt under benchmarks/out."""
    import torch

    from bench_counting import MNIST, _idx
    from linregions import load_network
    from linregions.train import TrainSettings, train_network

    path = OUT / f"lowdim_mnist_{'-'.join(map(str, (784,) + widths))}_e{epochs}_s{seed}.pt"
    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        xs = [torch.from_numpy(_idx(MNIST / f"{p}-images-idx3-ubyte.gz").reshape(-1, 784).astype(np.float32) / 255.0)
              for p in ("train", "t10k")]
        ys = [torch.from_numpy(_idx(MNIST / f"{p}-labels-idx1-ubyte.gz").astype(np.int64)) for p in ("train", "t10k")]
        res = train_network(widths, (xs[0], ys[0], xs[1], ys[1]), seed, TrainSettings(epochs=epochs), threads=1)
        print(f"trained 784-{'-'.join(map(str, widths))}-10: test error {res.test_error:.4f}, {res.seconds:.0f} s",
              file=sys.stderr)
        torch.save(res.model, path)
    return load_network(path)


def toy_network(n0: int, widths: tuple[int, ...], seed: int = 0):
    from linregions import load_network
    from linregions.train import build_network

    return load_network(build_network(n0, widths, 1, seed))


def polygon(a: np.ndarray, V: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """P = {t : 0 <= a + V t <= 1} as (G, h) with its non-redundant rows only, and its vertices."""
    G = np.vstack([V, -V])
    h = np.concatenate([1.0 - a, a])
    keep = np.abs(G).sum(axis=1) > 0
    G, h = G[keep], h[keep]
    # clip a large square by every half-plane (Sutherland-Hodgman), then keep the rows with an edge
    verts = [np.array(p, float) for p in ((-1e3, -1e3), (1e3, -1e3), (1e3, 1e3), (-1e3, 1e3))]
    for g, c in zip(G, h):
        out = []
        for i, p in enumerate(verts):
            q = verts[(i + 1) % len(verts)]
            fp, fq = g @ p - c, g @ q - c
            if fp <= 0:
                out.append(p)
            if (fp < 0 < fq) or (fq < 0 < fp):
                out.append(p + (q - p) * (fp / (fp - fq)))
        verts = out
        if not verts:
            raise ValueError("the plane does not meet the pixel box")
    verts = np.array(verts)
    scale = np.abs(G).sum(axis=1) * np.abs(verts).max() + np.abs(h) + 1.0
    on = (np.abs(verts @ G.T - h) <= 1e-9 * scale).sum(axis=0) >= 2
    G, h = G[on], h[on]
    norm = np.linalg.norm(G, axis=1)
    _, first = np.unique(np.round(np.c_[G, h] / norm[:, None], 9), axis=0, return_index=True)
    first = np.sort(first)  # one row per edge line (pixels with proportional constraints repeat it)
    return G[first], h[first], verts


def largest_square(G: np.ndarray, h: np.ndarray) -> tuple[np.ndarray, float]:
    """The largest axis-aligned square [l, l + w]^2 inside {t : G t <= h} (an LP in l, w)."""
    from scipy.optimize import linprog

    gp = np.maximum(G, 0.0)
    # max over the square of g.t = g.l + w * sum(g+)  <=  h
    A = np.hstack([G, gp.sum(axis=1, keepdims=True)])
    res = linprog(c=[0, 0, -1], A_ub=A, b_ub=h, bounds=[(None, None)] * 2 + [(0, None)], method="highs")
    if res.status != 0:
        raise RuntimeError(f"the square LP failed: {res.message}")
    return res.x[:2], float(res.x[2])


def grid_patterns(layers, domain: dict, k: int = 1000) -> int | None:
    """Distinct activation patterns on a k x k grid of a 2-D domain: a lower bound on the regions."""
    if layers[0][0].shape[1] != 2:
        return None
    if domain["is_cube"]:
        r = float(domain["radius"])
        (x0, y0), (x1, y1) = (-r, -r), (r, r)
    else:
        (x0, y0), (x1, y1) = domain["verts"].min(axis=0), domain["verts"].max(axis=0)
    xs, ys = np.linspace(x0, x1, k + 2)[1:-1], np.linspace(y0, y1, k + 2)[1:-1]
    seen: set[bytes] = set()
    for x in xs:
        pts = np.stack([np.full(k, x), ys], axis=1)
        if not domain["is_cube"]:
            pts = pts[(pts @ domain["G"].T < domain["h"]).all(axis=1)]
        if not len(pts):
            continue
        h, bits = pts, []
        for W, b in layers:
            z = h @ W.T + b
            bits.append(z > 0)
            h = np.maximum(z, 0.0)
        seen.update(bytes(row) for row in np.packbits(np.concatenate(bits, axis=1), axis=1))
    return len(seen)


def cases(names: list[str], domains: list[str]):
    """(case, domain, hidden layers, domain dict, plane points or None) for every row of the table."""
    for name in names:
        kind, spec = CASES[name]
        if kind == "toy":
            n0, widths = spec
            net = toy_network(n0, widths)
            r = 1.0
            G = np.vstack([np.eye(n0), -np.eye(n0)])
            yield name, "box", [tuple(map(np.array, l)) for l in net.layers], dict(
                is_cube=1, radius=r, G=G, h=np.full(2 * n0, r)), None
            continue
        net = mnist_network(spec)
        a, b, c = mnist_test_images(3)
        V = np.stack([b - a, c - a], axis=1)
        (W1, b1), rest = net.layers[0], [tuple(map(np.array, l)) for l in net.layers[1:]]
        Wt, bt = W1 @ V, W1 @ a + b1  # the first layer on t
        G, h, verts = polygon(a, V)
        if "square" in domains:
            l0, w = largest_square(G, h)
            m = l0 + w / 2.0
            Ws, bs = Wt * (w / 2.0), Wt @ m + bt  # t = m + (w/2) s, s in [-1, 1]^2
            yield name, "square", [(Ws, bs)] + rest, dict(
                is_cube=1, radius=1.0, G=np.vstack([np.eye(2), -np.eye(2)]), h=np.ones(4),
                square=(float(l0[0]), float(l0[1]), w)), None
        if "polygon" in domains:
            yield name, "polygon", [(Wt, bt)] + rest, dict(is_cube=0, radius=0.0, G=G, h=h, verts=verts), \
                (net, a, b, c)


def write_npz(path: Path, layers, domain: dict) -> None:
    arrays = {"L": len(layers), "n0": layers[0][0].shape[1], "is_cube": domain["is_cube"],
              "radius": domain["radius"], "G": domain["G"], "h": domain["h"]}
    for l, (W, b) in enumerate(layers, start=1):
        arrays[f"W{l}"], arrays[f"b{l}"] = np.asarray(W, float), np.asarray(b, float)
    np.savez(path, **arrays)


# ---------------------------------------------------------------- tools

def peer_python(peer: str) -> Path:
    """The venv of ``peer`` under benchmarks/out, created and pip-installed on first use."""
    venv = OUT / f"venv-{peer}"
    py = venv / "bin" / "python"
    marker = venv / ".installed"
    if not marker.exists():
        print(f"installing {PEERS[peer]} into {venv} ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", PEERS[peer], "numpy"], check=True)
        marker.write_text(subprocess.run([str(py), "-m", "pip", "freeze"], capture_output=True, text=True).stdout)
    return py


def peer_version(peer: str) -> str:
    for line in (OUT / f"venv-{peer}" / ".installed").read_text().splitlines():
        if line.lower().startswith(peer + "=="):
            return line.split("==")[1]
    return "?"


def run_peer(peer: str, npz: Path, timeout: float, *extra: str) -> dict:
    py = peer_python(peer)
    script = OUT / f"run_{peer}.py"
    script.write_text(RUNNER[peer])
    try:
        proc = subprocess.run([str(py), str(script), str(npz), *extra], capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"status": "timeout", "seconds": timeout}
    lines = [l for l in proc.stdout.splitlines() if l.startswith("RESULT ")]
    if proc.returncode != 0 or not lines:
        err = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return {"status": "error", "error": err}
    return {"status": "complete", **json.loads(lines[-1][7:])}


def run_linregions(layers, domain: dict, plane, timeout: float, method: str) -> dict:
    import linregions as lr

    t0 = time.perf_counter()
    if plane is not None:  # the polygon: only through the library's own plane domain
        if not hasattr(lr, "plane"):
            return {"status": "n/a", "error": "needs linregions.plane (branch planar)"}
        net, a, b, c = plane
        res = lr.count_regions(net, domain=lr.plane(a, b, c), method=method, threads=1, time_limit=timeout)
    else:
        r = float(domain["radius"])
        res = lr.count_regions([tuple(l) for l in layers], -r, r, method=method, threads=1, time_limit=timeout)
    out = {"status": "complete" if res.complete else "stopped", "regions": int(res.regions),
           "seconds": float(res.seconds), "wall": time.perf_counter() - t0, "method": res.method}
    for extra in ("path", "space"):
        if getattr(res, extra, None) is not None:
            out[extra] = getattr(res, extra)
    return out


def explain(layers, domain: dict, npz: Path, timeout: float, eps: float) -> dict:
    """Which count is right when linregions and affinitree differ: affinitree's terminal polytopes
    (their Chebyshev centres and radii) against linregions' certified patterns and margins."""
    import linregions as lr
    from linregions.certificate import certify

    net = lr.from_arrays(layers)
    r = float(domain["radius"])
    ours = lr.count_regions(net, -r, r, method="lp", return_patterns=True)
    mine = {bytes(p) for p in ours.patterns}  # rows packed with np.packbits (regions.pack_patterns)
    dump = npz.with_suffix(".centres.npy")
    res = run_peer("affinitree", npz, timeout, str(dump))
    if res["status"] != "complete":
        return {"status": res["status"]}
    cr = np.load(dump)
    centres, radii = cr[:, :-1], cr[:, -1]
    pats = net.patterns(centres)
    theirs = [bytes(np.packbits(p)) for p in pats]
    extra = [i for i, t in enumerate(theirs) if t not in mine]
    dup = len(theirs) - len(set(theirs))
    margins = [float(certify(net, pats[i], -r, r).margin) for i in extra]
    return {"linregions": ours.regions, "affinitree": len(theirs), "affinitree_duplicate_patterns": dup,
            "affinitree_only": len(extra), "their_radii": [float(radii[i]) for i in extra],
            "their_max_margins": margins, "eps": eps, "smallest_radius": float(np.nanmin(radii))}


def _cell(r: dict | None) -> str:
    if r is None:
        return "-"
    if r["status"] == "complete":
        return f"{r['regions']:,}"
    if r["status"] == "stopped":
        return f">= {r['regions']:,} (stopped)"
    return r["status"]


def _secs(r: dict | None) -> str:
    if r is None or r["status"] in ("n/a", "error"):
        return "-"
    return f"{r['seconds']:.2f}" if r["status"] == "complete" else f"> {r['seconds']:.0f}"


def _ratio(lr_row: dict, peer: dict | None) -> str:
    if peer is None or lr_row is None or lr_row["status"] in ("n/a", "error") or peer["status"] in ("n/a", "error"):
        return "-"
    if lr_row["status"] != "complete":
        return "-" if peer["status"] != "complete" else f"< {peer['seconds'] / lr_row['seconds']:.2g}x"
    lower = peer["status"] != "complete"  # a timed-out peer: the ratio is at least this
    return f"{'> ' if lower else ''}{peer['seconds'] / lr_row['seconds']:.3g}x"


def _median(runs: list[dict]) -> dict:
    done = [r for r in runs if r["status"] == "complete"]
    if len(done) < len(runs):
        return runs[0] if not done else {**done[0], "status": "complete-some"}
    regions = {r["regions"] for r in done}
    return {**done[0], "seconds": statistics.median(r["seconds"] for r in done),
            "regions": done[0]["regions"] if len(regions) == 1 else f"varies {sorted(regions)}"}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", default=",".join(CASES), help=f"comma separated, from {', '.join(CASES)}")
    ap.add_argument("--domains", default="square,polygon", help="for the MNIST planes: square and/or polygon")
    ap.add_argument("--tools", default="linregions,affinitree,relucent", help="comma separated")
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds per case and tool (peers: killed)")
    ap.add_argument("--repeats", type=int, default=1, help="runs of each measurement (median reported)")
    ap.add_argument("--method", default="lp", help="linregions count method")
    ap.add_argument("--grid", type=int, default=1000, help="grid points per axis for the 2-D lower bound (0: off)")
    ap.add_argument("--explain", action="store_true",
                    help="when linregions and affinitree disagree, find the patterns only one has and their margins")
    ap.add_argument("--json", help="write the measurements to this JSON file")
    args = ap.parse_args(argv)
    tools = args.tools.split(",")
    domains = args.domains.split(",")
    OUT.mkdir(parents=True, exist_ok=True)

    import linregions as lr

    if "linregions" in tools:  # compile / load the numba cache outside the timings
        lr.count_regions([(np.array([[1.0, 0.5], [-1.0, 2.0]]), np.array([0.1, -0.2]))], -1, 1, method=args.method)
    for peer in PEERS:
        if peer in tools:
            peer_python(peer)

    rows = []
    for name, dom, layers, domain, plane in cases(args.cases.split(","), domains):
        npz = OUT / f"lowdim_{name}_{dom}.npz"
        write_npz(npz, layers, domain)
        row = {"case": name, "domain": dom, "n0": int(layers[0][0].shape[1]),
               "widths": [int(W.shape[0]) for W, _ in layers]}
        if "square" in domain:
            row["square_t"] = domain["square"]
        for tool in tools:
            runs = []
            for _ in range(args.repeats):
                if tool == "linregions":
                    runs.append(run_linregions(layers, domain, plane, args.timeout, args.method))
                elif tool == "relucent" and not domain["is_cube"]:
                    runs.append({"status": "n/a", "error": "relucent takes only a centred cube"})
                else:
                    runs.append(run_peer(tool, npz, args.timeout))
                if runs[-1]["status"] not in ("complete",):
                    break  # a timeout or an error is not repeated
            row[tool] = _median(runs)
            print(json.dumps({"case": name, "domain": dom, tool: row[tool]}), file=sys.stderr)
        row["grid"] = grid_patterns(layers, domain, args.grid) if args.grid else None
        found = {t: row[t]["regions"] for t in tools if row.get(t, {}).get("status") == "complete"}
        row["agree"] = len(set(found.values())) <= 1
        if not row["agree"] and args.explain and "affinitree" in found and domain["is_cube"]:
            row["explain"] = explain(layers, domain, npz, args.timeout, lr.DEFAULT_EPS)
            print(json.dumps({"case": name, "explain": row["explain"]}), file=sys.stderr)
            ex = row["explain"]
            if ex.get("affinitree_only") == ex.get("affinitree", 0) - ex.get("linregions", 0) \
                    and all(m < ex["eps"] for m in ex.get("their_max_margins", [1.0])):
                row["agree"] = f"up to eps: {ex['affinitree_only']} affinitree cell(s) of margin < eps"
        rows.append(row)

    versions = {p: peer_version(p) for p in PEERS if p in tools}
    print(f"linregions {lr.__version__} (method={args.method}, threads=1), "
          + ", ".join(f"{p} {v}" for p, v in versions.items())
          + f"; timeout {args.timeout:.0f} s per case and tool; median of {args.repeats}")
    head = ["case", "domain", "net", "grid >="]
    for t in tools:
        head += [f"{t} regions", f"{t} s"]
    head += [f"{p} s / linregions s" for p in PEERS if p in tools] + ["agree"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in rows:
        cells = [r["case"], r["domain"], f"{r['n0']}-" + "-".join(map(str, r["widths"])),
                 f"{r['grid']:,}" if r["grid"] is not None else "-"]
        for t in tools:
            cells += [_cell(r.get(t)), _secs(r.get(t))]
        cells += [_ratio(r.get("linregions"), r.get(p)) for p in PEERS if p in tools]
        cells.append(r["agree"] if isinstance(r["agree"], str) else "yes" if r["agree"] else "NO")
        print("| " + " | ".join(cells) + " |")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps({"timeout": args.timeout, "repeats": args.repeats,
                                               "method": args.method, "versions": versions, "rows": rows},
                                              indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
