"""The network representation: a ReLU network is its hidden layers, a list of (W, b) float64 arrays.

The output layer of a classifier is linear and does not create regions, so it is not kept.
Networks load from a torch ``nn.Sequential`` (Linear and ReLU, and the affine modules that
compose into dense Linear layers: Conv2d, AvgPool2d, eval-mode BatchNorm, Flatten, Dropout,
Identity), from a file written by ``torch.save`` of such a module or of a Linear-only
``state_dict``, or from (W, b) arrays (``.npz``). Torch is optional: it is imported only to read
torch objects. Anything else is rejected with a :class:`ModelError` whose message is one line.
"""

from __future__ import annotations

import hashlib
import os
import sys
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

import numpy as np

from .extras import require


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


SUPPORTED = ("Linear, ReLU, Conv2d, AvgPool2d, BatchNorm1d/2d (eval mode), Flatten, Dropout and Identity")


def _modules(module: Any) -> list:
    """The leaf modules of a (possibly nested) ``nn.Sequential``, in order."""
    import torch.nn as nn

    out = []
    for m in module.children():
        out.extend(_modules(m) if isinstance(m, nn.Sequential) else [m])
    return out


def _affine_step(m: Any, i: int, shape: tuple[int, ...] | None):
    """One affine module as (linear part on a batch, shift, output shape); None for an identity.

    ``shape`` is the shape of one input sample (without the batch axis), None while unknown.
    The linear part acts on float64 batches of shape (k, *shape); the shift has the output shape.
    """
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    name = type(m).__name__
    if isinstance(m, (nn.Identity, nn.Dropout)):  # Dropout is the identity at inference
        return None
    if isinstance(m, nn.Flatten):
        if shape is None:  # the input is read flat (row-major), which is what Flatten makes of it
            return None
        if m.start_dim not in (1, -len(shape) - 1) or m.end_dim != -1:
            raise ModelError(f"Flatten at position {i} has start_dim={m.start_dim}, end_dim={m.end_dim}: "
                             "only the default Flatten() (all but the batch axis) is supported")
        n = int(np.prod(shape))
        return (lambda X: X.reshape(X.shape[0], n)), None, (n,)
    if isinstance(m, nn.Linear):
        if shape is None:
            shape = (m.in_features,)
        if shape != (m.in_features,):
            raise ModelError(f"Linear at position {i} expects {m.in_features} inputs but gets shape {shape}; "
                             "add nn.Flatten() before it or fix input_shape")
        W = m.weight.detach().double()
        shift = m.bias.detach().double() if m.bias is not None else None
        return (lambda X: X @ W.T), shift, (m.out_features,)
    if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
        if m.training:
            raise ModelError(f"{name} at position {i} is in training mode, where its output depends on the "
                                 "batch; call model.eval() to count the inference-time function")
        if m.running_mean is None or m.running_var is None:
            raise ModelError(f"{name} at position {i} has no running statistics (track_running_stats=False), "
                             "so its output always depends on the batch; it cannot be counted")
        if shape is None and isinstance(m, nn.BatchNorm1d):
            shape = (m.num_features,)
        want = (m.num_features,) if isinstance(m, nn.BatchNorm1d) else None
        ok = shape is not None and (shape == want if want else len(shape) == 3 and shape[0] == m.num_features)
        if not ok:
            raise ModelError(f"{name}({m.num_features}) at position {i} gets input of shape {shape}; "
                             + ("BatchNorm1d needs a flat vector of num_features" if want else
                                "BatchNorm2d needs (C, H, W) with C = num_features: pass input_shape"))
        # y = gamma (x - mean) / sqrt(var + eps) + beta = scale x + (beta - scale mean)
        scale = 1.0 / torch.sqrt(m.running_var.detach().double() + m.eps)
        if m.weight is not None:
            scale = scale * m.weight.detach().double()
        shift = -scale * m.running_mean.detach().double()
        if m.bias is not None:
            shift = shift + m.bias.detach().double()
        view = (-1,) + (1,) * (len(shape) - 1)
        scale, shift = scale.reshape(view), shift.reshape(view).expand(shape)
        return (lambda X: X * scale), shift, shape
    if isinstance(m, nn.Conv2d):
        if shape is None or len(shape) != 3:
            got = "no input shape" if shape is None else f"input of shape {shape}"
            raise ModelError(f"Conv2d at position {i} gets {got}; it needs one sample's (C, H, W): pass "
                             f"input_shape=(C, H, W), e.g. load_network(model, input_shape=({m.in_channels}, 28, 28))")
        if shape[0] != m.in_channels:
            raise ModelError(f"Conv2d at position {i} expects {m.in_channels} channels, gets input of shape {shape}")
        if tuple(m.dilation) != (1, 1) or m.groups != 1 or m.padding_mode != "zeros":
            raise ModelError(f"Conv2d at position {i} has dilation={tuple(m.dilation)}, groups={m.groups}, "
                             f"padding_mode={m.padding_mode!r}: only dilation 1, groups 1 and zero padding are supported")
        w = m.weight.detach().double()
        lin = lambda X: F.conv2d(X, w, None, m.stride, m.padding)  # noqa: E731
        out = tuple(lin(torch.zeros((1,) + shape, dtype=torch.float64)).shape[1:])
        shift = m.bias.detach().double().reshape(-1, 1, 1).expand(out) if m.bias is not None else None
        return lin, shift, out
    if isinstance(m, nn.AvgPool2d):
        if shape is None or len(shape) != 3:
            got = "no input shape" if shape is None else f"input of shape {shape}"
            raise ModelError(f"AvgPool2d at position {i} gets {got}; it needs one sample's (C, H, W): "
                             "pass input_shape=(C, H, W)")
        k = m.kernel_size
        s = m.stride if m.stride is not None else k
        if (k if isinstance(k, tuple) else (k, k)) != (s if isinstance(s, tuple) else (s, s)) \
                or m.padding not in (0, (0, 0)) or m.ceil_mode:
            raise ModelError(f"AvgPool2d at position {i} has kernel_size={k}, stride={s}, padding={m.padding}, "
                             f"ceil_mode={m.ceil_mode}: only kernel_size = stride, no padding, ceil_mode=False are supported")
        lin = lambda X: F.avg_pool2d(X, k, s, 0, False, True, m.divisor_override)  # noqa: E731
        out = tuple(lin(torch.zeros((1,) + shape, dtype=torch.float64)).shape[1:])
        return lin, None, out
    raise ModelError(f"unsupported module {name} at position {i}: supported are {SUPPORTED}")


def from_sequential(module: Any, input_shape: Sequence[int] | None = None, check: bool = True) -> Network:
    """Hidden layers of an ``nn.Sequential`` (nested Sequentials are flattened), as it computes in eval mode.

    The affine modules between two ReLUs (Linear, Conv2d, AvgPool2d, eval-mode BatchNorm1d/2d,
    Flatten) compose into one dense Linear, so a BatchNorm folds into the Linear before it, or,
    after a ReLU, into the next one; Dropout and Identity are identities at inference (in either
    mode: the count describes the inference-time function), while a BatchNorm in training mode,
    whose output depends on the batch, is refused. A ReLU right after a ReLU adds no units. The
    affine modules after the last ReLU are the output layer and are ignored. Conv2d, AvgPool2d
    and BatchNorm2d need ``input_shape``, the shape of one sample without the batch axis, e.g.
    ``(1, 28, 28)``. With ``check`` the result is compared with the module's own float64
    forward pass on random inputs in [0, 1] (one line of ModelError if they differ).
    """
    import torch
    import torch.nn as nn

    if not isinstance(module, nn.Sequential):
        raise ModelError(
            f"expected an nn.Sequential of Linear and ReLU modules, got {type(module).__name__}"
        )
    shape = _check_shape(input_shape) if input_shape is not None else None
    in_shape = shape
    mods = _modules(module)
    layers: list[tuple[np.ndarray, np.ndarray]] = []
    M = None  # rows: images of the basis vectors of the last ReLU's output (None: the identity)
    c = None  # image of 0; None while the stretch since the last ReLU is the identity
    stretch = False  # an affine module since the last ReLU
    with torch.no_grad():
        for i, m in enumerate(mods):
            if isinstance(m, nn.ReLU):
                if not layers and not stretch:
                    raise ModelError(f"ReLU at position {i} comes before any Linear or Conv2d: "
                                     "the network must start with an affine module")
                if not stretch:
                    continue  # ReLU(ReLU(z)) = ReLU(z): no new units
                n = int(np.prod(shape))
                W = M.reshape(M.shape[0], n).T.numpy() if M is not None else np.eye(n)
                layers.append((W, c.reshape(n).numpy() if c is not None else np.zeros(n)))
                M, c, stretch, shape = None, None, False, (n,)
                continue
            step = _affine_step(m, i, shape)
            if step is None:
                continue
            lin, shift, out = step
            if shape is None:  # the first module fixed the input shape (a flat Linear / BatchNorm1d)
                shape = in_shape = (m.in_features,) if isinstance(m, nn.Linear) else (m.num_features,)
            if M is None:
                n = int(np.prod(shape))
                if isinstance(m, nn.Linear):
                    M = m.weight.detach().double().T.clone()  # exactly W.T, no product with I
                else:
                    M = lin(torch.eye(n, dtype=torch.float64).reshape((n,) + shape))
            else:
                M = lin(M)
            c = lin(c[None])[0] if c is not None else torch.zeros(out, dtype=torch.float64)
            if shift is not None:
                c = c + shift
            shape, stretch = out, True
    net = from_arrays(layers)
    if check:
        output = (M, c) if stretch else None
        _check_forward(module, net, output, in_shape)
    return net


def _check_shape(input_shape: Any) -> tuple[int, ...]:
    try:
        shape = tuple(int(s) for s in input_shape)
    except (TypeError, ValueError):
        raise ModelError(f"input_shape must be a tuple of positive ints like (1, 28, 28), got {input_shape!r}") from None
    if not shape or any(s <= 0 for s in shape):
        raise ModelError(f"input_shape must be a tuple of positive ints like (1, 28, 28), got {input_shape!r}")
    return shape


def _check_forward(module: Any, net: Network, output: Any, in_shape: tuple[int, ...], k: int = 16) -> None:
    """Raise ModelError unless ``net`` (+ the output map) reproduces the module's float64 eval forward pass."""
    import copy

    import torch

    ref_mod = copy.deepcopy(module).double().eval()
    x = torch.from_numpy(np.random.default_rng(0).uniform(0.0, 1.0, size=(k,) + tuple(in_shape)))
    with torch.no_grad():
        ref = ref_mod(x).reshape(k, -1).numpy()
    h = x.reshape(k, -1).numpy()
    for W, b in net.layers:
        h = np.maximum(h @ W.T + b, 0.0)
    if output is not None:
        M, c = output
        h = h @ M.reshape(M.shape[0], -1).numpy() + c.reshape(-1).numpy()
    if h.shape != ref.shape:
        raise ModelError(f"the converted network gives outputs of shape {h.shape[1:]}, the module {ref.shape[1:]}; "
                         "check input_shape")
    err = float(np.max(np.abs(h - ref))) / max(1.0, float(np.max(np.abs(ref))))
    if not err <= 1e-9:
        raise ModelError(f"the converted network differs from the module's forward pass by {err:.2e} (relative); "
                         "the model has a module whose inference function is not what it looks like")


def from_state_dict(state: dict) -> Network:
    """Hidden layers from the ``state_dict`` of an ``nn.Sequential`` of Linear and ReLU modules.

    The keys are ``<index>.weight`` and ``<index>.bias``; the layer with the largest index is the
    output layer and is ignored. Keys of other kinds (running means, convolution kernels) are
    rejected, since they belong to layers this counter does not support.
    """
    groups: dict[str, dict[str, Any]] = {}
    for key, value in state.items():
        prefix, _, name = str(key).rpartition(".")
        if name in ("running_mean", "running_var", "num_batches_tracked"):
            raise ModelError(f"the state_dict holds BatchNorm statistics ({key!r}), and a state_dict does not say "
                             "where they act: pass the nn.Module itself, load_network(model)")
        if name not in ("weight", "bias"):
            raise ModelError(f"unsupported parameter {key!r} in state_dict: only Linear layers are supported; "
                             "pass the nn.Module itself, load_network(model)")
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
                f"{tuple(getattr(g.get('weight'), 'shape', ()))}); a state_dict is read as Linear and ReLU "
                "only: pass the nn.Module itself (with input_shape for a Conv2d)"
            )
        W = _tensor(g["weight"]) if hasattr(g["weight"], "detach") else np.asarray(g["weight"], float)
        if "bias" in g:
            b = _tensor(g["bias"]) if hasattr(g["bias"], "detach") else np.asarray(g["bias"], float)
        else:
            b = np.zeros(W.shape[0])
        linear.append((W, b))
    return from_arrays(linear[:-1]) if len(linear) > 1 else from_arrays([])


def load_network(source: Any, input_shape: Sequence[int] | None = None) -> Network:
    """A :class:`Network` from a Network, an ``nn.Sequential``, a state_dict, a list of (W, b), or a file.

    A file is read with ``torch.load`` and may hold a module or a state_dict (optionally inside a
    dict under the key ``"state_dict"``); ``.npz`` files hold arrays ``W1, b1, W2, b2, ...`` and
    need no torch. ``input_shape`` is the shape of one input sample without the batch axis, e.g.
    ``(1, 28, 28)``; a module with Conv2d, AvgPool2d or BatchNorm2d needs it (see
    :func:`from_sequential`), and for every other source it is checked against n0.
    """
    if isinstance(source, (str, os.PathLike)):
        net = _load_file(os.fspath(source), input_shape)
    elif isinstance(source, Network):
        net = source
    elif isinstance(source, dict):
        net = from_state_dict(source)
    elif isinstance(source, (list, tuple)):
        net = from_arrays(source)
    else:
        torch = sys.modules.get("torch")  # a torch module can only exist if torch was imported
        if torch is not None and isinstance(source, torch.nn.Module):
            return from_sequential(source, input_shape=input_shape)
        raise ModelError(
            f"cannot read a network from {type(source).__name__}: give an nn.Sequential, a state_dict, "
            "a list of (W, b) arrays or a file path"
        )
    if input_shape is not None and int(np.prod(_check_shape(input_shape))) != net.n0:
        raise ModelError(f"input_shape {tuple(input_shape)} has {int(np.prod(input_shape))} entries but the network "
                         f"has n0 = {net.n0} inputs; fix input_shape")
    return net


def _load_file(path: str, input_shape: Sequence[int] | None = None) -> Network:
    if not os.path.isfile(path):
        raise ModelError(f"model file {path!r} does not exist")
    if path.endswith(".npz"):
        try:
            with np.load(path) as data:
                n = len([k for k in data.files if k.startswith("W")])
                return from_arrays([(data[f"W{l}"], data[f"b{l}"]) for l in range(1, n + 1)])
        except (OSError, KeyError, ValueError) as exc:
            raise ModelError(f"model file {path!r} is not a valid .npz of W1, b1, ...: {exc}") from None
    torch = require("torch", "torch", f"reading the torch file {path!r} (or an .npz of W1, b1, W2, b2, ...)")

    try:
        obj = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as exc:  # torch raises many kinds for a corrupt or truncated file
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ModelError(
            f"model file {path!r} is corrupt or not a torch checkpoint ({reason}); re-save it with torch.save"
        ) from None
    if isinstance(obj, dict) and "state_dict" in obj and isinstance(obj["state_dict"], dict):
        obj = obj["state_dict"]
    if isinstance(obj, (str, os.PathLike)):
        raise ModelError(f"model file {path!r} holds a path, not a model; save the module or its state_dict")
    return load_network(obj, input_shape=input_shape)


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


#: How the margin eps of the region definition is measured (:mod:`linregions.regions`):
#: ``"row"`` (the default) on the canonical form of :func:`canonical`, where every unit's
#: pre-activation is divided by the norm of its row in its own input space (a distance, so a count
#: does not change when a unit's weights are rescaled), ``"absolute"`` on the weights as written.
SCALES = ("row", "absolute")


def check_scale(scale: str) -> str:
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {SCALES}, got {scale!r}")
    return scale


def canonical(net: Network) -> Network:
    """The canonical form of ``net``: the same function and regions, every unit's row of norm 1.

    Layer by layer, column j of W_l is first multiplied by the factor unit j of layer l-1 was
    divided by (which keeps the function), then each row (W_l[i], b_l[i]) is divided by the
    Euclidean norm of W_l[i]. So unit i's pre-activation becomes its distance, signed, to its
    hyperplane in the space of its own inputs (x for layer 1, the canonical h^{l-1} after), and a
    positive rescaling of any unit's (W_i, b_i) (compensated in the next layer) leaves the
    canonical form unchanged. A unit with an all-zero row is constant everywhere (its state is the
    sign of its bias); its constant output relu(b_i) is folded into the next layer's biases and
    its column set to 0, so the next layer's norms do not depend on how that constant is written.
    Units of a layer whose canonical (W_i, b_i) are equal (to 4 ulp) compute the same output, so
    the next layer's weights on the copies are summed onto the first: a row that weighs two copies
    +w and -w is then exactly zero, a constant unit (its float products need not cancel), and a
    unit's norm is that of the function of its inputs, however the weight is split among copies.
    Permuting, duplicating or adding units commutes with this form; only rounding (relative
    1e-16 per weight) separates it from the exact one.
    """
    out = []
    factor = None  # (n_{l-1},) the factors the previous layer's units were divided by
    folded = None  # (n_{l-1},) bool: previous units that are constant (columns folded into b)
    for W, b in net.layers:
        W = np.array(W, dtype=np.float64)
        b = np.array(b, dtype=np.float64)
        if factor is not None:
            W = W * factor[None, :]
            if folded.any():
                b = b + W[:, folded] @ np.maximum(const_b[folded], 0.0)
                W[:, folded] = 0.0
            for i in np.flatnonzero(copy_of >= 0):
                W[:, copy_of[i]] += W[:, i]
                W[:, i] = 0.0
        big = np.abs(W).max(axis=1)  # scaled first, so that rows of 1e200 do not overflow
        const = big == 0.0
        big = np.where(const, 1.0, big)
        norms = big * np.sqrt(np.einsum("ij,ij->i", W / big[:, None], W / big[:, None]))
        norms = np.where(const, 1.0, norms)
        W = W / norms[:, None]
        b = b / norms
        W.setflags(write=False)
        b.setflags(write=False)
        out.append((W, b))
        factor, folded, const_b = norms, const, b
        copy_of = _copies(W, b, const)
    return Network(tuple(out))


def _copies(W: np.ndarray, b: np.ndarray, const: np.ndarray) -> np.ndarray:
    """For each unit, the first earlier non-constant unit with the same (W_i, b_i) to 4 ulp, or -1."""
    R = np.column_stack([W, b])
    tol = 4 * np.finfo(np.float64).eps * np.maximum(1.0, np.abs(R))
    out = np.full(len(R), -1)
    for i in range(1, len(R)):
        if const[i]:
            continue
        same = np.flatnonzero(np.all(np.abs(R[:i] - R[i]) <= tol[i], axis=1) & ~const[:i] & (out[:i] < 0))
        if same.size:
            out[i] = same[0]
    return out


def scaled(net: Network, scale: str) -> Network:
    """``net`` as the counters see it under ``scale`` (:data:`SCALES`): its canonical form for
    ``"row"``, itself for ``"absolute"``."""
    return canonical(net) if check_scale(scale) == "row" else net


def array_digest(*arrays: np.ndarray) -> str:
    """sha256 (hex) of the arrays' values as float64, in order: the identity of a network's
    weights or of a domain's arrays in checkpoints and domain records."""
    h = hashlib.sha256()
    for a in arrays:
        h.update(np.ascontiguousarray(a, dtype=np.float64).tobytes())
    return h.hexdigest()
