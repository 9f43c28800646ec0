"""Loading networks: every supported form gives the same layers; everything else is one clear error."""

import numpy as np
import pytest
import torch
import torch.nn as nn

import linregions as lr
from linregions.network import affine_maps, check_box, network_to_sequential


def _seq():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(5, 4), nn.ReLU(), nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))


def test_sequential_state_dict_and_files_agree(tmp_path):
    # The output layer is dropped, and each route reads the same float64 weights.
    seq = _seq()
    net = lr.load_network(seq)
    assert net.widths == (4, 3) and net.n0 == 5
    torch.save(seq, tmp_path / "m.pt")
    torch.save(seq.state_dict(), tmp_path / "sd.pt")
    torch.save({"state_dict": seq.state_dict(), "meta": 1}, tmp_path / "ck.pt")
    for other in (lr.load_network(tmp_path / "m.pt"), lr.load_network(str(tmp_path / "sd.pt")),
                  lr.load_network(tmp_path / "ck.pt"), lr.load_network(seq.state_dict()),
                  lr.load_network([(W, b) for W, b in net.layers])):
        for (W1, b1), (W2, b2) in zip(net.layers, other.layers):
            assert np.array_equal(W1, W2) and np.array_equal(b1, b2)
    x = torch.rand(7, 5)
    # The network's own forward pass matches torch's hidden activations.
    hidden = seq[:4](x).detach().double().numpy()
    assert np.allclose(np.maximum(net.preactivations(x.double().numpy())[-1], 0), hidden, atol=1e-6)


def test_affine_maps_reproduce_forward_pass(rng):
    # On the region of a point, the affine maps give exactly the network's pre-activations there.
    from conftest import random_network

    net = random_network(rng, 3, (4, 5, 2))
    for x in rng.uniform(-1, 1, size=(20, 3)):
        pattern = net.patterns(x)[0]
        A, c = affine_maps(net, pattern)
        assert np.allclose(A @ x + c, np.concatenate([z[0] for z in net.preactivations(x)]))


@pytest.mark.parametrize(
    "model, message",
    [
        (nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU()), "Conv2d at position 0 gets no input shape"),
        (nn.Sequential(nn.Linear(3, 2), nn.Sigmoid(), nn.Linear(2, 1)), "unsupported module Sigmoid"),
        (nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2), nn.ReLU(), nn.Linear(2, 1)), "training mode"),
        ([(np.ones((2, 3)), np.ones(2)), (np.ones((2, 4)), np.ones(2))], "has 4 inputs"),
        ([(np.ones((2, 3)), np.ones(3))], "does not match"),
        ([(np.array([[np.nan, 1.0]]), np.ones(1))], "NaN or inf"),
        ([(np.array([[np.inf, 1.0]]), np.ones(1))], "NaN or inf"),
        (nn.Linear(3, 2), "expected an nn.Sequential"),
        ({"0.weight": torch.ones(2, 3), "0.running_mean": torch.ones(2)}, "running_mean"),
        (42, "cannot read a network"),
    ],
)
def test_rejected_models(model, message):
    # Each unsupported model fails with one line naming the problem.
    with pytest.raises(lr.ModelError) as exc:
        lr.load_network(model)
    assert message in str(exc.value) and "\n" not in str(exc.value)


def test_corrupt_and_missing_files(tmp_path):
    bad = tmp_path / "bad.pt"
    torch.save(_seq(), bad)
    bad.write_bytes(bad.read_bytes()[:100])  # truncated checkpoint
    with pytest.raises(lr.ModelError, match="corrupt"):
        lr.load_network(bad)
    with pytest.raises(lr.ModelError, match="does not exist"):
        lr.load_network(tmp_path / "nope.pt")


def test_box_checks():
    assert check_box(0, 1) == (0.0, 1.0)
    for lo, up in ((1, 1), (2, 1), (0, float("inf"))):
        with pytest.raises(lr.BoxError):
            check_box(lo, up)


def test_round_trip_to_sequential(rng):
    from conftest import random_network

    net = random_network(rng, 3, (4, 2))
    back = lr.load_network(network_to_sequential(net, n_out=2))
    assert all(np.array_equal(a[0], b[0]) for a, b in zip(net.layers, back.layers))
