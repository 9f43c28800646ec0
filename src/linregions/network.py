"""The network representation: a ReLU network is its hidden layers, a list of (W, b) float64 arrays.

The output layer of a classifier is linear and does not create regions, so it is not kept.
Networks load from a torch ``nn.Sequential`` of ``Linear`` and ``ReLU`` modules, from a file
written by ``torch.save`` of such a module or of its ``state_dict``, or from (W, b) arrays.
Anything else is rejected with a :class:`ModelError` whose message is one line.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

import numpy as np


class ModelError(ValueError):
    """A model that is not a feed-forward ReLU network of fully connected layers."""


class BoxError(ValueError):
    """An input box that is empty or not finite."""


@dataclass(frozen=True)
class Network:
    """Hidden layers of a ReLU network: ``layers[l] = (W, b)``, W of shape n_l x n_{l-1}."""

    layers: tuple[tuple[np.ndarray, np.ndarray], ...]

    @property
    def n0(self) -> int:
        """Input dimension."""
        return int(self.layers[0][0].shape[1])

    @property
    def widths(self) -> tuple[int, ...]:
        """Hidden widths (n1, ..., nL), as written in the papers."""
        return tuple(int(W.shape[0]) for W, _ in self.layers)

    @property
    def n_units(self) -> int:
        """Total number of hidden ReLUs N."""
        return sum(self.widths)

    def preactivations(self, x: np.ndarray) -> list[np.ndarray]:
        """Pre-activations of every hidden layer at the points ``x`` (shape k x n0)."""
        h = np.atleast_2d(np.asarray(x, dtype=np.float64))
        out = []
        for W, b in self.layers:
            z = h @ W.T + b
            out.append(z)
            h = np.maximum(z, 0.0)
        return out

    def patterns(self, x: np.ndarray) -> np.ndarray:
        """Activation patterns (bool, k x N, layers in order) at the points ``x``."""
        return np.concatenate([z > 0 for z in self.preactivations(x)], axis=1)


def from_arrays(layers: Iterable[tuple[Any, Any]]) -> Network:
    """Build and validate a :class:`Network` from (W, b) pairs of array-likes."""
    checked = []
    prev = None
    for l, pair in enumerate(layers, start=1):
        try:
            W, b = pair
        except (TypeError, ValueError):
            raise ModelError(f"layer {l}: expected a (W, b) pair, got {type(pair).__name__}") from None
        W = np.array(W, dtype=np.float64, copy=True)
        b = np.array(b, dtype=np.float64, copy=True).reshape(-1)
        if W.ndim != 2:
            raise ModelError(f"layer {l}: W must be a matrix, got shape {W.shape}")
        if b.shape != (W.shape[0],):
            raise ModelError(f"layer {l}: bias of shape {b.shape} does not match W of shape {W.shape}")
        if prev is not None and W.shape[1] != prev:
            raise ModelError(
                f"layer {l}: W has {W.shape[1]} inputs but layer {l - 1} has {prev} units; fix the shapes"
            )
        if W.shape[0] == 0 or W.shape[1] == 0:
            raise ModelError(f"layer {l}: empty weight matrix of shape {W.shape}")
        if not (np.isfinite(W).all() and np.isfinite(b).all()):
            raise ModelError(f"layer {l}: weights contain NaN or inf; retrain or clean the model")
        W.setflags(write=False)
        b.setflags(write=False)
        checked.append((W, b))
        prev = W.shape[0]
    if not checked:
        raise ModelError("the model has no hidden ReLU layer, so it has exactly one linear region")
    return Network(tuple(checked))


def _tensor(t: Any) -> np.ndarray:
    return t.detach().cpu().double().numpy()


def from_sequential(module: Any) -> Network:
    """Hidden layers of an ``nn.Sequential`` of Linear and ReLU modules.

    Every Linear must be followed by a ReLU, except a final Linear (the output layer), which is
    ignored. Any other module (Conv, Sigmoid, BatchNorm, ...) is rejected. Flatten and Identity
    are accepted as no-ops.
    """
    import torch.nn as nn

    mods = [m for m in module.children()] if isinstance(module, nn.Sequential) else None
    if mods is None:
        raise ModelError(
            f"expected an nn.Sequential of Linear and ReLU modules, got {type(module).__name__}"
        )
    mods = [m for m in mods if not isinstance(m, (nn.Flatten, nn.Identity))]
    layers = []
    i = 0
    while i < len(mods):
        m = mods[i]
        if not isinstance(m, nn.Linear):
            raise ModelError(
                f"unsupported module {type(m).__name__} at position {i}: only Linear and ReLU are supported"
            )
        nxt = mods[i + 1] if i + 1 < len(mods) else None
        if nxt is None:
            break  # the output layer: linear, creates no regions
        if not isinstance(nxt, nn.ReLU):
            raise ModelError(
                f"unsupported module {type(nxt).__name__} after Linear at position {i}: only ReLU activations are supported"
            )
        b = _tensor(m.bias) if m.bias is not None else np.zeros(m.out_features)
        layers.append((_tensor(m.weight), b))
        i += 2
    return from_arrays(layers)


def from_state_dict(state: dict) -> Network:
    """Hidden layers from the ``state_dict`` of an ``nn.Sequential`` of Linear and ReLU modules.

    The keys are ``<index>.weight`` and ``<index>.bias``; the layer with the largest index is the
    output layer and is ignored. Keys of other kinds (running means, convolution kernels) are
    rejected, since they belong to layers this counter does not support.
    """
    groups: dict[str, dict[str, Any]] = {}
    for key, value in state.items():
        prefix, _, name = str(key).rpartition(".")
        if name not in ("weight", "bias"):
            raise ModelError(f"unsupported parameter {key!r} in state_dict: only Linear layers are supported")
        groups.setdefault(prefix, {})[name] = value
    if not groups:
        raise ModelError("the state_dict is empty")

    def order(prefix: str) -> tuple:
        parts = prefix.split(".")
        return tuple(int(p) if p.isdigit() else p for p in parts)

    ordered = sorted(groups, key=order)
    linear = []
    for prefix in ordered:
        g = groups[prefix]
        if "weight" not in g or getattr(g["weight"], "ndim", 0) != 2:
            raise ModelError(
                f"parameter group {prefix!r} is not a Linear layer (weight of shape "
                f"{tuple(getattr(g.get('weight'), 'shape', ()))}); only Linear and ReLU are supported"
            )
        W = _tensor(g["weight"]) if hasattr(g["weight"], "detach") else np.asarray(g["weight"], float)
        if "bias" in g:
            b = _tensor(g["bias"]) if hasattr(g["bias"], "detach") else np.asarray(g["bias"], float)
        else:
            b = np.zeros(W.shape[0])
        linear.append((W, b))
    return from_arrays(linear[:-1]) if len(linear) > 1 else from_arrays([])


def load_network(source: Any) -> Network:
    """A :class:`Network` from a Network, an ``nn.Sequential``, a state_dict, a list of (W, b), or a file.

    A file is read with ``torch.load`` and may hold a module or a state_dict (optionally inside a
    dict under the key ``"state_dict"``); ``.npz`` files hold arrays ``W1, b1, W2, b2, ...``.
    """
    if isinstance(source, Network):
        return source
    if isinstance(source, (str, os.PathLike)):
        return _load_file(os.fspath(source))
    if isinstance(source, dict):
        return from_state_dict(source)
    if isinstance(source, (list, tuple)):
        return from_arrays(source)
    try:
        import torch.nn as nn
    except ImportError:  # pragma: no cover - torch is a dependency
        nn = None
    if nn is not None and isinstance(source, nn.Module):
        return from_sequential(source)
    raise ModelError(
        f"cannot read a network from {type(source).__name__}: give an nn.Sequential, a state_dict, "
        "a list of (W, b) arrays or a file path"
    )


def _load_file(path: str) -> Network:
    if not os.path.isfile(path):
        raise ModelError(f"model file {path!r} does not exist")
    if path.endswith(".npz"):
        try:
            with np.load(path) as data:
                n = len([k for k in data.files if k.startswith("W")])
                return from_arrays([(data[f"W{l}"], data[f"b{l}"]) for l in range(1, n + 1)])
        except (OSError, KeyError, ValueError) as exc:
            raise ModelError(f"model file {path!r} is not a valid .npz of W1, b1, ...: {exc}") from None
    import torch

    try:
        obj = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as exc:  # torch raises many kinds for a corrupt or truncated file
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ModelError(
            f"model file {path!r} is corrupt or not a torch checkpoint ({reason}); re-save it with torch.save"
        ) from None
    if isinstance(obj, dict) and "state_dict" in obj and isinstance(obj["state_dict"], dict):
        obj = obj["state_dict"]
    return load_network(obj)


def check_box(lower: float, upper: float) -> tuple[float, float]:
    """Validate the box [lower, upper]^{n0}; returns the bounds as floats."""
    lo, up = float(lower), float(upper)
    if not (np.isfinite(lo) and np.isfinite(up)):
        raise BoxError(f"the box [{lower}, {upper}] is not finite; give finite bounds")
    if not lo < up:
        raise BoxError(f"the box needs lower < upper, got lower={lower}, upper={upper}")
    return lo, up


def box_arrays(lower, upper, n0: int) -> tuple[np.ndarray, np.ndarray]:
    """The box lower <= x <= upper as two float64 arrays of shape (n0,): a number is broadcast to
    every coordinate, an array must have shape (n0,). Raises BoxError naming the first bad
    coordinate."""
    out = []
    for name, v in (("lower", lower), ("upper", upper)):
        a = np.asarray(v, dtype=np.float64)
        if a.ndim == 0:
            a = np.full(n0, float(a))
        elif a.shape != (n0,):
            raise BoxError(f"{name} has shape {a.shape}; give a number or an array of shape ({n0},)")
        out.append(np.ascontiguousarray(a))
    lo, up = out
    bad = np.flatnonzero(~(np.isfinite(lo) & np.isfinite(up)))
    if bad.size:
        j = int(bad[0])
        raise BoxError(f"the box is not finite at coordinate {j} (lower {lo[j]}, upper {up[j]}); give finite bounds")
    bad = np.flatnonzero(~(lo < up))
    if bad.size:
        j = int(bad[0])
        raise BoxError(f"the box needs lower < upper at every coordinate; coordinate {j} has lower={lo[j]}, "
                       f"upper={up[j]}")
    return lo, up


def network_to_sequential(net: Network, n_out: int | None = None):
    """An ``nn.Sequential`` computing the network (plus an optional zero output layer)."""
    import torch
    import torch.nn as nn

    mods: list[nn.Module] = []
    for W, b in net.layers:
        lin = nn.Linear(W.shape[1], W.shape[0]).double()
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(np.array(W)))
            lin.bias.copy_(torch.from_numpy(np.array(b)))
        mods += [lin, nn.ReLU()]
    if n_out:
        mods.append(nn.Linear(net.widths[-1], n_out).double())
    return nn.Sequential(*mods)


def affine_maps(net: Network, pattern: Sequence[bool] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pre-activations of all N units as affine functions of x on the region of ``pattern``.

    Returns (A, c), A of shape N x n0, such that at any x whose activation pattern is
    ``pattern`` the pre-activation of unit i is ``A[i] @ x + c[i]``.
    """
    s = np.asarray(pattern, dtype=bool).reshape(-1)
    if s.size != net.n_units:
        raise ValueError(f"pattern has {s.size} bits, the network has {net.n_units} units")
    A_rows, c_rows = [], []
    M = np.eye(net.n0)  # h^{l-1} = M x + m
    m = np.zeros(net.n0)
    k = 0
    for W, b in net.layers:
        A = W @ M
        c = W @ m + b
        A_rows.append(A)
        c_rows.append(c)
        act = s[k : k + W.shape[0]]
        M = A * act[:, None]
        m = c * act
        k += W.shape[0]
    return np.vstack(A_rows), np.concatenate(c_rows)
