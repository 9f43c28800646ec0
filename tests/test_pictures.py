"""Figure (c): pictures of 2-input constructions, deep against shallow with the same units."""

import numpy as np
import pandas as pd
import pytest

import linregions as lr
from linregions import pictures as P

# small panels: 8 units each, shallow (one layer, 37 regions) against deep (folds, sawteeth: 44)
PANELS = [
    {"name": "zaslavsky", "widths": [8]},
    {"name": "pascanu2014", "widths": [4, 4]},
    {"name": "montufar2014", "widths": [4, 4]},
]


@pytest.fixture(scope="module")
def figure(tmp_path_factory):
    d = tmp_path_factory.mktemp("fig")
    paths = {ext: d / f"constructions.{ext}" for ext in ("png", "pdf", "csv")}
    data = P.figure_constructions(paths["png"], paths["pdf"], paths["csv"], panels=PANELS, resolution=200)
    return paths, data


def test_files_are_images(figure):
    paths, _ = figure
    png = paths["png"].read_bytes()
    pdf = paths["pdf"].read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 1000
    assert pdf[:5] == b"%PDF-" and len(pdf) > 1000


def test_csv_counted_equals_formula_and_grid_at_most_count(figure):
    paths, data = figure
    csv = pd.read_csv(paths["csv"])
    assert list(csv["construction"]) == [p["name"] for p in PANELS]
    assert (csv["units"] == 8).all()
    assert csv["complete"].all()
    assert (csv["counted"] == csv["formula"]).all()
    assert (csv["grid_patterns"] <= csv["counted"]).all()
    assert (csv["grid_patterns"] >= 1).all()
    assert list(csv["formula"]) == [37, 44, 44]  # Zaslavsky: 1 + 8 + 28; deep: 2^2 * (1 + 4 + 6)
    assert csv["counted"].iloc[0] < csv["counted"].iloc[1:].min()  # depth wins with the same units


def test_default_panels_show_depth_winning():
    """The default panels: 12 units in each, the deep ones have more regions than the shallow one."""
    from linregions import bounds

    shallow = bounds.zaslavsky(2, 12)
    assert bounds.pascanu2014_2n0_lower(2, 3) > shallow
    assert bounds.montufar2014_lower(2, (6, 6)) > shallow
    assert all(sum(p["widths"]) == 12 for p in P.DEFAULT_PANELS)


def test_pattern_grid_and_boundaries():
    # one unit x1 - 0.5: two regions split at x1 = 1/2, boundary one column wide
    net = lr.from_arrays([(np.array([[1.0, 0.0]]), np.array([-0.5]))])
    labels, seen = P.pattern_grid(net, 0.0, 1.0, resolution=10)
    assert seen == 2 and labels.shape == (10, 10)
    assert (labels[:, :5] == labels[0, 0]).all() and (labels[:, 5:] != labels[0, 0]).all()
    edge = P.boundaries(labels)
    assert edge[:, 4].all() and edge.sum() == 10


def test_grid_patterns_at_most_exact_count_on_random_net(rng):
    from conftest import random_network

    net = random_network(rng, 2, (5, 4))
    exact = lr.count_regions(net, 0, 1, method="lp").regions
    _, seen = P.pattern_grid(net, 0.0, 1.0, resolution=300)
    assert 1 <= seen <= exact


def test_bad_input_is_one_clear_error(tmp_path):
    net = lr.from_arrays([(np.ones((2, 3)), np.zeros(2))])
    with pytest.raises(ValueError, match="n0 = 2"):
        P.pattern_grid(net, 0.0, 1.0)
    with pytest.raises(ValueError, match="name and widths"):
        P.figure_constructions(tmp_path / "a.png", tmp_path / "a.pdf", tmp_path / "a.csv", panels=[{"name": "zaslavsky"}])
    with pytest.raises(ValueError, match="unknown construction"):
        P.make_panel("nope", [3])
