"""Training: the same seed gives bit-identical weights, and the saved file loads as a network."""

import json
from pathlib import Path

import pytest
import torch

from linregions import load_network
from linregions.data import fetch_mnist, load_mnist, subset
from linregions.train import TrainSettings, save_network, train_network

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"


@pytest.fixture(scope="module")
def small_data(tmp_path_factory):
    """2,000 MNIST training images (or random pixels if MNIST is not beside the repo)."""
    if SHARED.is_dir():
        root = tmp_path_factory.mktemp("mnist")
        fetch_mnist(root, directory=SHARED, sources=["directory"])
        x_tr, y_tr, x_te, y_te = load_mnist(root)
        x_tr, y_tr = subset(x_tr, y_tr, 2000, seed=0)
        return x_tr, y_tr, x_te[:1000], y_te[:1000]
    g = torch.Generator().manual_seed(0)
    x = torch.rand(3000, 784, generator=g)
    y = torch.randint(0, 10, (3000,), generator=g)
    return x[:2000], y[:2000], x[2000:], y[2000:]


def test_same_seed_gives_identical_weights(small_data):
    # Proves training is deterministic on CPU: two runs with the same seed and settings give
    # bit-identical weights, and a different seed gives different ones.
    settings = TrainSettings(epochs=1, batch_size=64)
    a = train_network([2, 2], small_data, seed=3, settings=settings, threads=1).model.state_dict()
    b = train_network([2, 2], small_data, seed=3, settings=settings, threads=1).model.state_dict()
    c = train_network([2, 2], small_data, seed=4, settings=settings, threads=1).model.state_dict()
    assert list(a) == ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"]
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not all(torch.equal(a[k], c[k]) for k in a)


def test_saved_network_loads(small_data, tmp_path):
    # Proves the saved state_dict reads back with linregions.load_network (hidden layers only,
    # the output layer dropped) and the metadata records errors, settings and versions.
    res = train_network([2, 2], small_data, seed=0, settings=TrainSettings(epochs=1), threads=1)
    save_network(res, tmp_path / "net.pt", tmp_path / "net.json", extra={"n1": 2, "n2": 2})
    net = load_network(tmp_path / "net.pt")
    assert net.n0 == 784 and net.widths == (2, 2)
    W1 = res.model.state_dict()["0.weight"].double().numpy()
    assert (net.layers[0][0] == W1).all()
    meta = json.loads((tmp_path / "net.json").read_text())
    assert meta["widths"] == [2, 2] and meta["seed"] == 0 and meta["n1"] == 2
    assert 0.0 <= meta["train_error"] <= 1.0 and 0.0 <= meta["test_error"] <= 1.0
    assert meta["settings"]["epochs"] == 1 and "torch" in meta["versions"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.json", "net.pt"]


def test_bad_settings_are_refused():
    # Proves a bad training setting stops with a message naming it.
    with pytest.raises(ValueError, match="optimizer"):
        TrainSettings(optimizer="rmsprop")
    with pytest.raises(ValueError, match="lr"):
        TrainSettings(lr=0)
