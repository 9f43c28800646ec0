"""The trained networks of a run in one file, so that its counts reproduce on any machine.

Training is deterministic on one kind of machine (``train.py`` fixes the seeds, the threads and
torch's deterministic algorithms), but another CPU or library build rounds its float32 sums
differently and trains different networks: 784-11-11 seed 0 trained elsewhere had a test error
of 5.71 % and 498,532 regions instead of the committed 5.73 % and 498,946. The counts of a run
therefore reproduce bit for bit only from its networks themselves, which the workflow writes
into ``<results>/trained_networks.npz`` (rule ``publish_networks``) and reads back instead of
training when ``networks.source`` is ``published`` (``config/published.yaml``).

The archive is an ``.npz`` (zip, compressed) with, per network, its ``state_dict`` as float32
arrays exactly as trained (torch trains in float32; the counter widens them to float64 exactly)
under ``n1_<n1>_n2_<n2>/seed_<seed>/<parameter>``, and one JSON document ``metadata`` with each
network's training record (errors, settings, versions) under the same key. Reading it needs
numpy only.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping

import numpy as np

from .atomic import atomic_path
from .network import Network, from_state_dict

#: The entry of the archive that holds the training records.
METADATA = "metadata"

_KEY = re.compile(r"^n1_(\d+)_n2_(\d+)/seed_(\d+)$")


def network_key(n1: int, n2: int, seed: int) -> str:
    """The name of a network in the archive (the workflow's per-network path)."""
    return f"n1_{n1}_n2_{n2}/seed_{seed}"


def pack(networks: Iterable[tuple[str, Mapping[str, np.ndarray], dict]], path: str | os.PathLike) -> None:
    """Write ``(key, state_dict, metadata)`` triples into one compressed archive at ``path``.

    The state_dict's values are arrays (or tensors) of float32; they are stored as float32, so a
    value of any other type is refused rather than rounded.
    """
    arrays: dict[str, np.ndarray] = {}
    meta: dict[str, dict] = {}
    for key, state, record in networks:
        if not _KEY.match(key):
            raise ValueError(f"network key {key!r} is not of the form n1_<n1>_n2_<n2>/seed_<seed>")
        if key in meta:
            raise ValueError(f"network {key!r} is given twice")
        for name, value in state.items():
            a = value.detach().cpu().numpy() if hasattr(value, "detach") else np.asarray(value)
            if a.dtype != np.float32:
                raise ValueError(f"{key} {name} is {a.dtype}, not the float32 a trained network holds")
            arrays[f"{key}/{name}"] = a
        meta[key] = record
    arrays[METADATA] = np.array(json.dumps(meta, sort_keys=True))
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            np.savez_compressed(f, **arrays)


class Archive:
    """A published archive opened for reading: ``keys()``, ``state_dict(key)``, ``metadata(key)``
    and ``network(key)`` (the hidden layers as a :class:`Network`, in float64)."""

    def __init__(self, path: str | os.PathLike):
        self.path = os.fspath(path)
        with np.load(self.path) as data:
            self._arrays = {name: data[name] for name in data.files}
        self._meta = json.loads(str(self._arrays.pop(METADATA)))

    def keys(self) -> list[str]:
        """Every network's key, in the order (n1, n2, seed)."""
        return sorted(self._meta, key=lambda k: tuple(int(g) for g in _KEY.match(k).groups()))

    def _check(self, key: str) -> None:
        if key not in self._meta:
            raise KeyError(f"network {key!r} is not in {self.path}")

    def state_dict(self, key: str) -> dict[str, np.ndarray]:
        """The network's parameters as trained (float32), under the state_dict's names."""
        self._check(key)
        prefix = key + "/"
        return {name[len(prefix):]: a for name, a in self._arrays.items() if name.startswith(prefix)}

    def metadata(self, key: str) -> dict:
        """The network's training record, as the train rule wrote it."""
        self._check(key)
        return dict(self._meta[key])

    def network(self, key: str) -> Network:
        """The hidden layers, as the counter reads them from the saved model."""
        return from_state_dict(self.state_dict(key))
