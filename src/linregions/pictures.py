"""Pictures of the linear regions of 2-input networks: deep versus shallow made visible.

The input box [lower, upper]^2 is sampled on a fine grid, each pixel coloured by its activation
pattern (one colour per pattern) and black where the pattern changes between neighbouring
pixels. Each panel's title gives the exact count (counted by the LP enumeration, certified
region by region) beside the construction's formula (:mod:`linregions.constructions`). The
default panels have the same number of hidden units, 12: one layer (Zaslavsky's arrangement,
the most one layer of 12 units can make in the plane) against three layers of folds
(Pascanu et al. 2014) and two layers of sawteeth (Montufar et al. 2014), the point of the
paper's "deep versus shallow" comparison. The grid cannot show a region thinner than a pixel,
so the number of distinct patterns on the grid is at most the count (recorded in the CSV).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from .atomic import write_csv
from .constructions import build
from .count import count_regions
from .network import Network
from .regions import DEFAULT_EPS

log = logging.getLogger(__name__)

#: The default panels: (construction, widths), all with n0 = 2 and 12 hidden units.
DEFAULT_PANELS: tuple[dict, ...] = (
    {"name": "zaslavsky", "widths": [12]},
    {"name": "pascanu2014", "widths": [4, 4, 4]},
    {"name": "montufar2014", "widths": [6, 6]},
)

_SHORT = {
    "zaslavsky": "Zaslavsky (1975)",
    "pascanu2014": "Pascanu et al. (2014)",
    "montufar2014": "Montúfar et al. (2014)",
    "serra2018": "Serra et al. (2018)",
}


@dataclass
class Panel:
    """One construction drawn: its exact count, the formula and what the grid shows."""

    construction: str
    widths: tuple[int, ...]
    units: int
    formula: int
    counted: int
    complete: bool
    grid_patterns: int
    resolution: int
    seconds: float
    labels: np.ndarray = field(repr=False)  # resolution x resolution, pattern index per pixel
    lower: float = 0.0
    upper: float = 1.0

    @property
    def depth(self) -> int:
        return len(self.widths)


def pattern_grid(net: Network, lower: float, upper: float, resolution: int = 600) -> tuple[np.ndarray, int]:
    """Pattern index of every pixel centre of [lower, upper]^2 (rows: x2 from lower up, columns:
    x1) and the number of distinct patterns seen."""
    if net.n0 != 2:
        raise ValueError(f"pictures need a network with n0 = 2 inputs, got n0 = {net.n0}")
    if not (isinstance(resolution, (int, np.integer)) and resolution >= 2):
        raise ValueError(f"resolution must be an integer >= 2, got {resolution!r}")
    h = (upper - lower) / resolution
    t = lower + h * (np.arange(resolution) + 0.5)
    x1, x2 = np.meshgrid(t, t)  # x2 varies along rows
    pts = np.column_stack([x1.ravel(), x2.ravel()])
    labels = np.empty(len(pts), dtype=np.int64)
    seen: dict[bytes, int] = {}
    chunk = 65536
    for i in range(0, len(pts), chunk):  # chunks keep memory at O(chunk x N)
        packed = np.packbits(net.patterns(pts[i:i + chunk]), axis=1)
        _, first, inv = np.unique(packed, axis=0, return_index=True, return_inverse=True)
        ids = np.array([seen.setdefault(packed[j].tobytes(), len(seen)) for j in first])
        labels[i:i + chunk] = ids[inv.reshape(-1)]
    return labels.reshape(resolution, resolution), len(seen)


def boundaries(labels: np.ndarray) -> np.ndarray:
    """True at pixels whose pattern differs from the right or upper neighbour's."""
    edge = np.zeros(labels.shape, dtype=bool)
    edge[:, :-1] |= labels[:, :-1] != labels[:, 1:]
    edge[:-1, :] |= labels[:-1, :] != labels[1:, :]
    return edge


def make_panel(name: str, widths: Sequence[int], seed: int = 0, resolution: int = 600,
               eps: float = DEFAULT_EPS, time_limit: float | None = None) -> Panel:
    """Build the construction (n0 = 2), count it exactly (method lp) and sample its patterns."""
    c = build(name, 2, tuple(int(w) for w in widths), seed)
    # a construction certifies its regions' margins in its own (absolute) units (min_margin), so
    # its formula count is a theorem under scale="absolute"
    r = count_regions(c.network, c.lower, c.upper, method="lp", eps=eps, time_limit=time_limit, scale="absolute")
    labels, seen = pattern_grid(c.network, c.lower, c.upper, resolution)
    log.info("%s %s: formula %d, counted %d (%s), %d patterns on a %dx%d grid", name, widths,
             c.count, r.regions, "complete" if r.complete else r.status, seen, resolution, resolution)
    if r.complete and r.regions != c.count:
        log.error("%s %s: counted %d regions but the formula gives %d", name, widths, r.regions, c.count)
    return Panel(name, c.network.widths, c.network.n_units, c.count, r.regions, r.complete, seen,
                 resolution, r.seconds, labels, c.lower, c.upper)


def region_colours(n: int, seed: int = 0) -> np.ndarray:
    """n RGB colours, light and well spread, in a fixed random order so neighbours differ."""
    import matplotlib.colors as mcolors

    rng = np.random.default_rng(seed)
    hue = (np.arange(n) * 0.618033988749895) % 1.0
    sat = rng.uniform(0.35, 0.75, n)
    val = rng.uniform(0.8, 1.0, n)
    rgb = mcolors.hsv_to_rgb(np.column_stack([hue, sat, val]))
    return rgb[rng.permutation(n)]


def panel_title(p: Panel) -> str:
    kind = "shallow" if p.depth == 1 else "deep"
    arch = "2-" + "-".join(map(str, p.widths))
    counted = f"{p.counted}" if p.complete else f"$\\geq${p.counted} (stopped)"
    verdict = "=" if p.complete and p.counted == p.formula else "vs"
    return (f"{kind}: {_SHORT.get(p.construction, p.construction)}\n"
            f"{arch}, {p.depth} layer{'s' if p.depth > 1 else ''}, {p.units} units\n"
            f"counted {counted} {verdict} formula {p.formula}")


def panels_frame(panels: Iterable[Panel]) -> pd.DataFrame:
    """The data behind the figure, one row per panel."""
    return pd.DataFrame([{
        "construction": p.construction, "widths": "-".join(map(str, p.widths)), "layers": p.depth,
        "units": p.units, "formula": p.formula, "counted": p.counted, "complete": p.complete,
        "grid_patterns": p.grid_patterns, "resolution": p.resolution, "count_seconds": round(p.seconds, 3),
    } for p in panels])


def draw(panels: Sequence[Panel], png, pdf, csv) -> pd.DataFrame:
    """One picture per panel side by side; PNG, PDF and the CSV of :func:`panels_frame`."""
    from .figures import _pyplot, _save

    plt = _pyplot()
    data = panels_frame(panels)
    os.makedirs(os.path.dirname(os.fspath(csv)) or ".", exist_ok=True)
    write_csv(data, csv)
    fig, axes = plt.subplots(1, len(panels), figsize=(4.3 * len(panels), 5.0), squeeze=False,
                             constrained_layout=True)
    for ax, p in zip(axes[0], panels):
        n = int(p.labels.max()) + 1
        img = region_colours(n)[p.labels]
        img[boundaries(p.labels)] = 0.0
        ax.imshow(img, origin="lower", extent=(p.lower, p.upper, p.lower, p.upper), interpolation="nearest")
        ax.set_title(panel_title(p), fontsize=10)
        ax.set_xlabel("input $x_1$")
        ax.set_ylabel("input $x_2$")
        ax.text(0.01, 0.01, f"{p.grid_patterns} patterns on the {p.resolution}$\\times${p.resolution} grid",
                transform=ax.transAxes, fontsize=7, va="bottom", ha="left",
                bbox=dict(facecolor="white", alpha=0.8, lw=0, pad=1.5))
    fig.suptitle("Linear regions on $[0,1]^2$ with the same number of ReLUs: depth multiplies regions "
                 "(one colour per activation pattern, black where it changes)", fontsize=11)
    _save(fig, png, pdf)
    plt.close(fig)
    return data


def figure_constructions(png, pdf, csv, panels: Iterable[Mapping[str, Any]] = DEFAULT_PANELS,
                         resolution: int = 600, eps: float = DEFAULT_EPS, seed: int = 0,
                         time_limit: float | None = None) -> pd.DataFrame:
    """Figure (c): build, count and draw every panel (``{"name": .., "widths": [..]}``, n0 = 2)."""
    built = []
    for spec in panels:
        if "name" not in spec or "widths" not in spec:
            raise ValueError(f"a panel needs a name and widths, e.g. {{'name': 'zaslavsky', 'widths': [12]}}; got {spec}")
        built.append(make_panel(spec["name"], spec["widths"], int(spec.get("seed", seed)), resolution, eps,
                                time_limit))
    if not built:
        raise ValueError("no panels to draw; give at least one construction")
    return draw(built, png, pdf, csv)
