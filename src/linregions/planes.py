"""The linear regions on the plane through three inputs, counted exactly and drawn.

The plane through inputs a, b, c is x(t) = a + t1 (b - a) + t2 (c - a); only its points inside
the input box are inputs, so the domain is the polygon {t : lower <= x(t) <= upper}, which holds
the triangle of a, b and c (t >= 0, t1 + t2 <= 1). The count is the exact one of
:func:`linregions.count_regions` on that domain (the planar path: polygons split by each unit's
line, every region certified by the margin eps), and the picture draws those same polygons, one
colour per region with black edges: what is drawn is what is counted (each polygon is its
region shrunk by the margin eps, a difference far below a line's width). Figure (d) draws one
such picture per network, through the same three test images, so the partitions near data of
networks with different first-layer widths can be compared.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np

from .atomic import write_csv
from .count import count_regions
from .domain import plane
from .network import load_network
from .pictures import region_colours
from .regions import DEFAULT_EPS

log = logging.getLogger(__name__)


@dataclass
class PlanePicture:
    """One network's regions on the plane: the exact count and the regions' polygons in t."""

    name: str
    widths: tuple[int, ...]
    regions: int
    complete: bool
    path: str
    seconds: float
    extent: tuple[float, float, float, float]  # t1 from, t1 to, t2 from, t2 to
    polygons: list[np.ndarray] = field(repr=False)  # one vertex array (k x 2) per region


def plane_picture(model: Any, a: np.ndarray, b: np.ndarray, c: np.ndarray, lower: Any = 0.0,
                  upper: Any = 1.0, eps: float = DEFAULT_EPS, name: str = "") -> PlanePicture:
    """Count the regions of ``model`` on the plane through a, b, c (inside the box) with their
    polygons in the plane's coordinates t."""
    net = load_network(model)
    dom = plane(a, b, c, lower, upper)
    res = count_regions(net, domain=dom, method="lp", eps=eps, return_polygons=True)
    red = dom.reduce(net)  # the plane's part of the box, bounded by its t-box
    t_lo, t_up = red.lower, red.upper
    log.info("%s: %d regions on the plane (%s path, %s) in %.2f s", name or net.widths, res.regions, res.path,
             "complete" if res.complete else res.status, res.seconds)
    return PlanePicture(name, net.widths, res.regions, res.complete, res.path, res.seconds,
                        (float(t_lo[0]), float(t_up[0]), float(t_lo[1]), float(t_up[1])), res.polygons or [])


def _title(p: PlanePicture, n0: int | None = None) -> str:
    arch = "-".join(map(str, ((n0,) if n0 else ()) + p.widths))
    count = f"{p.regions:,}" if p.complete else f"$\\geq${p.regions:,} (stopped)"
    return f"{p.name or arch}: {count} regions"


def _draw_one(ax, p: PlanePicture, marks: Sequence[str], title: str, fontsize: int = 10) -> None:
    from matplotlib.collections import PolyCollection

    colours = region_colours(max(len(p.polygons), 1))
    ax.add_collection(PolyCollection(p.polygons, facecolors=colours[: len(p.polygons)], edgecolors="black",
                                     linewidths=0.3))
    for t, label in zip(((0.0, 0.0), (1.0, 0.0), (0.0, 1.0)), marks):
        ax.plot(*t, marker="o", ms=5, mfc="white", mec="black", mew=1.2, zorder=3)
        ax.annotate(label, t, textcoords="offset points", xytext=(4, 4), fontsize=fontsize - 2, zorder=4,
                    bbox=dict(facecolor="white", alpha=0.8, lw=0, pad=1.0))
    pad = 0.03 * max(p.extent[1] - p.extent[0], p.extent[3] - p.extent[2])
    ax.set_xlim(p.extent[0] - pad, p.extent[1] + pad)
    ax.set_ylim(p.extent[2] - pad, p.extent[3] + pad)
    ax.set_title(title, fontsize=fontsize)


def draw_plane(p: PlanePicture, png: str | os.PathLike, marks: Sequence[str] = ("a", "b", "c"),
               n0: int | None = None) -> None:
    """One picture of the plane (PNG, or any format matplotlib takes from the file name)."""
    from .figures import _pyplot
    from .atomic import atomic_path

    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 5.0), constrained_layout=True)
    _draw_one(ax, p, marks, _title(p, n0))
    ax.set_xlabel("$t_1$ (from a toward b)")
    ax.set_ylabel("$t_2$ (from a toward c)")
    ax.text(0.01, 0.01, f"{p.path} path, {p.seconds:.2f} s; white: outside the input box",
            transform=ax.transAxes, fontsize=7, va="bottom", bbox=dict(facecolor="white", alpha=0.8, lw=0, pad=1.5))
    with atomic_path(png) as tmp:
        fig.savefig(tmp, dpi=150, bbox_inches="tight")
    plt.close(fig)


def planes_frame(pictures: Sequence[PlanePicture]):
    """The data behind figure (d), one row per network."""
    import pandas as pd

    return pd.DataFrame([{
        "network": p.name, "widths": "-".join(map(str, p.widths)), "regions": p.regions,
        "complete": p.complete, "path": p.path, "count_seconds": round(p.seconds, 4),
        "t1_from": p.extent[0], "t1_to": p.extent[1], "t2_from": p.extent[2], "t2_to": p.extent[3],
    } for p in pictures])


def figure_planes(models: Mapping[str, Any], a: np.ndarray, b: np.ndarray, c: np.ndarray, png, pdf, csv,
                  marks: Sequence[str] = ("a", "b", "c"), lower: Any = 0.0, upper: Any = 1.0,
                  eps: float = DEFAULT_EPS, columns: int = 7):
    """Figure (d): the plane through a, b, c for every network of ``models`` (name -> model), in
    the order given; PNG, PDF and the CSV of :func:`planes_frame`. Returns that frame."""
    from .figures import _pyplot, _save

    if not models:
        raise ValueError("no networks to draw; give at least one")
    pics = [plane_picture(m, a, b, c, lower, upper, eps, name) for name, m in models.items()]
    data = planes_frame(pics)
    write_csv(data, csv)
    plt = _pyplot()
    cols = min(columns, len(pics))
    rows = -(-len(pics) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(2.6 * cols, 2.7 * rows), squeeze=False, constrained_layout=True)
    for ax in axes.ravel()[len(pics):]:
        ax.set_axis_off()
    for ax, p in zip(axes.ravel(), pics):
        _draw_one(ax, p, marks, _title(p), fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle("Linear regions on the plane through three test images (exact counts; one colour per "
                 "region, white outside the pixel box)", fontsize=11)
    _save(fig, png, pdf)
    plt.close(fig)
    return data
