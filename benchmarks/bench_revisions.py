"""Speed of the lp counter at two git revisions, measured in one run (one core).

The rule for kernel changes is "within noise of before, in the same run": this script checks out
each revision in its own git worktree under benchmarks/out/rev-<sha>, then counts the same
trained network alternately with the old and the new code (ABAB..., each count in a fresh
process with a warm numba cache), so that a drift of the machine's load hits both alike. It
prints the median CPU seconds of each and their ratio, and checks that both give the same count.

    .venv/bin/python benchmarks/bench_revisions.py --old 332dcb5 --new HEAD --widths 11-11 --repeats 5
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OUT = HERE / "out"

# One count in a fresh process: the library from sys.argv[1] (a src folder), the network .pt
# from sys.argv[2]; a first shard warms the numba cache, then shard 0 of sys.argv[3] is timed.
CHILD = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
from linregions import count_regions, load_network
net = load_network(sys.argv[2])
count_regions(net, 0.0, 1.0, method="lp", shard=(0, 1000))
c0 = time.process_time()
r = count_regions(net, 0.0, 1.0, method="lp", threads=1, shard=(0, int(sys.argv[3])))
print(json.dumps({"regions": r.regions, "cpu": time.process_time() - c0, "wall": r.seconds, "lps": r.lps}))
"""


def worktree(rev: str) -> Path:
    """A detached worktree of ``rev`` under benchmarks/out (reused when it exists)."""
    sha = subprocess.run(["git", "-C", str(REPO), "rev-parse", rev], check=True, capture_output=True,
                         text=True).stdout.strip()
    path = OUT / f"rev-{sha[:10]}"
    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", "-f", str(path), sha], check=True,
                       capture_output=True)
    return path


def one(src: Path, model: Path, share: int = 1) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, str(src), str(model), str(share)], check=True, capture_output=True,
                         text=True, env={"OMP_NUM_THREADS": "1", "NUMBA_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"})
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--old", required=True, help="the revision to compare against (e.g. 332dcb5)")
    ap.add_argument("--new", default="WORKTREE", help="a revision, or WORKTREE for this checkout as it is")
    ap.add_argument("--widths", default="11-11", help="hidden widths of the trained MNIST network")
    ap.add_argument("--repeats", type=int, default=5, help="counts per revision (alternating)")
    ap.add_argument("--share", type=int, default=1, help="time shard 0 of this many (a fixed 1/k of the tree); 1 = all")
    args = ap.parse_args(argv)

    sys.path.insert(0, str(HERE))
    from bench_counting import trained_network

    model = trained_network(tuple(int(w) for w in args.widths.split("-")))
    srcs = {"old": worktree(args.old) / "src", "new": (REPO if args.new == "WORKTREE" else worktree(args.new)) / "src"}
    runs: dict[str, list[dict]] = {"old": [], "new": []}
    for name in srcs:  # compile each revision's kernel once, outside the timed runs
        one(srcs[name], model, 1000)
    for i in range(args.repeats):
        for name in (("old", "new") if i % 2 == 0 else ("new", "old")):
            runs[name].append(one(srcs[name], model, args.share))
            print(name, json.dumps(runs[name][-1]), file=sys.stderr)
    counts = {name: {r["regions"] for r in rs} for name, rs in runs.items()}
    cpu = {name: statistics.median(r["cpu"] for r in rs) for name, rs in runs.items()}
    regions = runs["new"][0]["regions"]
    print(f"network 784-{args.widths}, shard 0 of {args.share}, {args.repeats} alternating counts per revision, one core")
    for name in ("old", "new"):
        rev = args.old if name == "old" else args.new
        print(f"{name} ({rev}): median {cpu[name]:.2f} CPU s, {regions / cpu[name]:,.0f} regions per CPU s, "
              f"regions {sorted(counts[name])}")
    print(f"new / old CPU time: {cpu['new'] / cpu['old']:.3f}")
    if counts["old"] != counts["new"]:
        print("the two revisions count differently", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
