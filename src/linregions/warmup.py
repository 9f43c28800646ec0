"""Compile the numba kernels once, ahead of the first count: ``python -m linregions.warmup``.

The kernels (:mod:`linregions.search`, :mod:`linregions.simplex`, :mod:`linregions.planar`) are
compiled on first use and cached on disk beside their sources (numba's ``cache=True``). On a
fresh install the first LP search pays about a minute of compilation, on every process that
starts cold at the same time (both jobs of ``snakemake --cores 2``, both pytest-xdist workers).
``make`` runs this module once after installing, so that the first count, the pipeline and the
tests start warm. A later edit of a kernel's source invalidates its cache, and the next use
compiles again, as before.
"""

from __future__ import annotations

import time

import numpy as np

from .count import count_regions
from .network import from_arrays

# (n0, widths, method): one tiny network per path of count_regions that runs a kernel:
# interval (d = 1), planar (d = 2), lp-x (n0 < n1), lp-zeta (n0 >= n1), and the estimator's probes.
PATHS = (
    (1, (3, 2), "lp", "interval"),
    (2, (3, 2), "lp", "planar"),
    (3, (5, 4), "lp", "lp-x"),
    (6, (4, 3), "lp", "lp-zeta"),
    (6, (4, 3), "estimate", "lp-zeta"),
)


def compile_kernels() -> dict[str, float]:
    """Run one tiny count through each path, which compiles (or loads from the cache) every
    kernel it calls; returns the seconds each path took, keyed by path (and method)."""
    rng = np.random.default_rng(0)
    seconds = {}
    for n0, widths, method, path in PATHS:
        layers, prev = [], n0
        for w in widths:
            layers.append((rng.normal(size=(w, prev)), 0.3 * rng.normal(size=w)))
            prev = w
        t = time.perf_counter()
        kw = {"samples": 8, "seed": 0} if method == "estimate" else {}
        r = count_regions(from_arrays(layers), -1.0, 1.0, method=method, **kw)
        if method == "lp" and r.path != path:  # a path renamed or rerouted: this list is stale
            raise RuntimeError(f"warm-up expected path {path}, count_regions took {r.path}")
        seconds[f"{path} ({method})"] = time.perf_counter() - t
    return seconds


def main() -> None:
    t = time.perf_counter()
    parts = compile_kernels()
    print(f"linregions kernels ready in {time.perf_counter() - t:.1f} s ("
          + ", ".join(f"{k} {v:.1f} s" for k, v in parts.items()) + ")")


if __name__ == "__main__":
    main()
