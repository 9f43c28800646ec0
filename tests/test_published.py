"""The published networks of the committed run (results/trained_networks.npz): the archive format,
and that its networks are those of results/networks.csv, recounted to the same regions."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import linregions as lr
from linregions.network import from_state_dict
from linregions.published import Archive, network_key, pack

REPO = Path(__file__).resolve().parents[1]
ARCHIVE = REPO / "results" / "trained_networks.npz"
TABLE = REPO / "results" / "networks.csv"
#: The count settings of config/published.yaml over config/config.yaml: the definition the
#: committed tables were counted under.
COUNT = {**yaml.safe_load((REPO / "config" / "config.yaml").read_text())["count"],
         **yaml.safe_load((REPO / "config" / "published.yaml").read_text())["count"]}
SHARED = REPO.parent / "shared" / "data" / "mnist"


def _state(rng, widths):
    state, n = {}, 6
    for i, w in enumerate(widths):
        state[f"{2 * i}.weight"] = rng.normal(size=(w, n)).astype(np.float32)
        state[f"{2 * i}.bias"] = rng.normal(size=w).astype(np.float32)
        n = w
    return state


def test_pack_and_read_back(tmp_path):
    # Proves the archive keeps every parameter bit for bit (float32 as trained) with its training
    # record, lists the networks in numeric order (n1 = 2 before n1 = 10), and that its network is
    # the state_dict's hidden layers, as the counter reads a saved model.
    rng = np.random.default_rng(0)
    nets = [(network_key(10, 1, 0), _state(rng, [10, 1, 3]), {"test_error": 0.5}),
            (network_key(2, 9, 3), _state(rng, [2, 9, 3]), {"test_error": 0.25, "widths": [2, 9]})]
    pack(nets, tmp_path / "a.npz")
    a = Archive(tmp_path / "a.npz")
    assert a.keys() == [network_key(2, 9, 3), network_key(10, 1, 0)]
    for key, state, meta in nets:
        got = a.state_dict(key)
        assert got.keys() == state.keys()
        assert all(got[k].dtype == np.float32 and np.array_equal(got[k], state[k]) for k in state)
        assert a.metadata(key) == meta
        net, ref = a.network(key), from_state_dict(state)
        assert net.widths == ref.widths
        assert all(np.array_equal(x, y) for la, lb in zip(net.layers, ref.layers) for x, y in zip(la, lb))
    with pytest.raises(KeyError, match="n1_1_n2_1/seed_0"):
        a.state_dict(network_key(1, 1, 0))


@pytest.mark.parametrize("bad, match", [
    ([("n1_1_n2_1/seed_0", {"0.weight": np.zeros((1, 2))}, {})], "float64, not the float32"),
    ([("net0", {"0.weight": np.zeros((1, 2), np.float32)}, {})], "not of the form"),
    ([("n1_1_n2_1/seed_0", {}, {}), ("n1_1_n2_1/seed_0", {}, {})], "given twice"),
])
def test_pack_refuses_what_it_cannot_keep_exactly(tmp_path, bad, match):
    # Proves a parameter that float32 would round, a key the workflow cannot name and a network
    # given twice are refused, and no archive is left behind.
    with pytest.raises(ValueError, match=match):
        pack(bad, tmp_path / "a.npz")
    assert not (tmp_path / "a.npz").exists()


@pytest.fixture(scope="module")
def committed():
    return Archive(ARCHIVE), pd.read_csv(TABLE)


def test_archive_holds_the_networks_of_the_committed_tables(committed):
    # Proves the archive and results/networks.csv are of one run: the same 210 networks, each
    # training record with the table's train and test error, and widths 784-n1-n2(-10).
    archive, table = committed
    assert archive.keys() == [network_key(*k) for k in zip(table.n1, table.n2, table.seed)]
    for row in table.itertuples():
        key = network_key(row.n1, row.n2, row.seed)
        meta = archive.metadata(key)
        assert (meta["train_error"], meta["test_error"]) == (row.train_error, row.test_error), key
        net = archive.network(key)
        assert (net.n0, net.widths) == (784, (row.n1, row.n2)), key
        assert archive.state_dict(key)["4.weight"].shape == (10, row.n2)


def _recount_sample(committed, most_seconds, fast_seeds):
    archive, table = committed
    rows = table[table.count_seconds < most_seconds]
    if fast_seeds is not None:  # a few networks from distinct splits
        rows = rows.groupby("n1").head(1).head(fast_seeds)
    assert len(rows) >= (fast_seeds or 50)
    for row in rows.itertuples():
        key = network_key(row.n1, row.n2, row.seed)
        res = lr.count_regions(archive.network(key), lower=COUNT["lower"], upper=COUNT["upper"], eps=COUNT["eps"],
                               margin=COUNT["margin"], scale=COUNT["scale"])
        assert (res.regions, res.complete) == (row.regions, True), key


def test_published_networks_recount_to_the_committed_regions(committed):
    # Proves the published networks reproduce the committed counts: networks of six splits,
    # recounted from the archive as config/published.yaml counts them, give exactly the regions
    # in results/networks.csv.
    _recount_sample(committed, 2.0, fast_seeds=6)


@pytest.mark.slow
def test_every_cheap_published_network_recounts_to_the_committed_regions(committed):
    # Proves the same for every network whose committed count took under 5 s (77 of 210, from
    # 13 splits; the whole table is config/published.yaml's job, about an hour on 2 cores).
    _recount_sample(committed, 5.0, fast_seeds=None)


@pytest.mark.slow
@pytest.mark.skipif(not SHARED.is_dir(), reason=f"MNIST is not in {SHARED}")
def test_published_weights_have_the_committed_errors(committed, tmp_path):
    # Proves the archive holds the trained weights themselves, not only their records: the torch
    # model rebuilt from it has, on MNIST, exactly the train and test errors of the table.
    import torch

    from linregions.data import fetch_mnist, load_mnist
    from linregions.train import build_network, error_rate

    archive, table = committed
    fetch_mnist(tmp_path, directory=SHARED, sources=("directory",))
    x_tr, y_tr, x_te, y_te = load_mnist(tmp_path)
    for row in table.groupby("n1").head(1).iloc[::5].itertuples():
        key = network_key(row.n1, row.n2, row.seed)
        model = build_network(784, [row.n1, row.n2], 10, seed=0)
        model.load_state_dict({k: torch.from_numpy(v) for k, v in archive.state_dict(key).items()})
        assert (error_rate(model, x_tr, y_tr), error_rate(model, x_te, y_te)) == (row.train_error, row.test_error)
