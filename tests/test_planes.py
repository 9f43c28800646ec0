"""The plane through three inputs: what figure (d) and `linregions slice` draw is what is counted."""

import numpy as np
import pandas as pd
import pytest
from conftest import random_network

import linregions as lr
from linregions.cli import main
from linregions.planes import figure_planes, plane_picture


def _points(rng, n0):
    return rng.uniform(0.15, 0.85, size=(3, n0))


@pytest.mark.parametrize("seed, widths", [(0, (5, 4)), (1, (3, 3, 3)), (2, (8,))])
def test_drawn_polygons_are_the_counted_regions(seed, widths):
    # Proves the picture's polygons are exactly the regions: as many as brute force (the
    # certificate LP of every pattern, on the same plane) counts, and the pattern at each polygon's
    # centroid, evaluated by the 30-input network at x = a + t1 (b - a) + t2 (c - a), is one of
    # brute force's, each once.
    rng = np.random.default_rng(seed)
    net = random_network(rng, 30, widths)
    a, b, c = _points(rng, 30)
    pic = plane_picture(net, a, b, c)
    brute = lr.count_regions(net, domain=lr.plane(a, b, c), method="brute", return_patterns=True)
    assert pic.complete and pic.path == "planar" and pic.regions == brute.regions == len(pic.polygons)
    V = np.column_stack([b - a, c - a])
    cents = np.array([poly.mean(axis=0) for poly in pic.polygons])
    drawn = np.packbits(net.patterns(a + cents @ V.T), axis=1)
    assert len({row.tobytes() for row in drawn}) == len(drawn)
    assert {row.tobytes() for row in drawn} == {row.tobytes() for row in brute.patterns}


def test_figure_and_its_data(tmp_path):
    # Proves figure (d) is written as PNG and PDF with one CSV row per network holding its exact
    # count on the plane (the count of count_regions on that domain).
    rng = np.random.default_rng(3)
    nets = {"20-2-6": random_network(rng, 20, (2, 6)), "20-6-2": random_network(rng, 20, (6, 2))}
    a, b, c = _points(rng, 20)
    data = figure_planes(nets, a, b, c, tmp_path / "d.png", tmp_path / "d.pdf", tmp_path / "d.csv")
    assert (tmp_path / "d.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "d.pdf").read_bytes()[:5] == b"%PDF-"
    saved = pd.read_csv(tmp_path / "d.csv")
    assert saved.network.tolist() == list(nets) and saved.equals(data)
    for name, net in nets.items():
        expect = lr.count_regions(net, domain=lr.plane(a, b, c)).regions
        assert saved.set_index("network").loc[name, "regions"] == expect


def test_slice_command_draws_and_prints_the_count(tmp_path, capsys):
    # Proves `linregions slice MODEL --plane A B C -o plane.png` writes the picture and prints the
    # exact count, the one count_regions gives on the plane.
    rng = np.random.default_rng(4)
    net = random_network(rng, 12, (6, 5))
    np.savez(tmp_path / "m.npz", **{f"{k}{l}": v for l, (W, b) in enumerate(net.layers, 1) for k, v in (("W", W), ("b", b))})
    pts = _points(rng, 12)
    for name, x in zip("abc", pts):
        np.save(tmp_path / f"{name}.npy", x)
    out = tmp_path / "plane.png"
    code = main(["slice", str(tmp_path / "m.npz"), "--plane", *(str(tmp_path / f"{n}.npy") for n in "abc"),
                 "-o", str(out)])
    assert code == 0 and out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    expect = lr.count_regions(net, domain=lr.plane(*pts)).regions
    assert capsys.readouterr().out.startswith(f"{expect} regions on the plane")


def test_slice_of_points_outside_the_box_is_one_line(tmp_path, capsys):
    # Proves a plane through a point outside the input box stops with one line, exit code 2.
    rng = np.random.default_rng(5)
    net = random_network(rng, 4, (3,))
    np.savez(tmp_path / "m.npz", W1=net.layers[0][0], b1=net.layers[0][1])
    for name, x in zip("abc", [np.full(4, 0.5), np.full(4, 1.5), np.full(4, 0.2)]):
        np.save(tmp_path / f"{name}.npy", x)
    code = main(["slice", str(tmp_path / "m.npz"), "--plane", *(str(tmp_path / f"{n}.npy") for n in "abc"),
                 "-o", str(tmp_path / "p.png")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "\n" not in err and err.startswith("linregions: error:") and not (tmp_path / "p.png").exists()
