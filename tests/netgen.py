"""Seeded generators of small networks for the property suite (tests/test_properties.py): random
networks, the adversarial kinds of issue 15 (large, tiny and integer weights, repeated and nearly
repeated rows, dead units) and the transformations that must not change a count."""

from __future__ import annotations

import numpy as np

from linregions.network import Network, from_arrays


def random_net(seed: int, n0: int, widths, scale: float = 1.0) -> Network:
    """Gaussian weights and biases times ``scale``; layer-1 biases put the hyperplanes through
    the box [0, 1]^n0 (each passes through a uniform point of the box)."""
    rng = np.random.default_rng(seed)
    layers, prev = [], n0
    for l, n in enumerate(widths):
        W = rng.standard_normal((n, prev))
        if l == 0:
            b = -np.einsum("ij,ij->i", W, rng.uniform(0, 1, (n, prev)))
        else:
            b = rng.standard_normal(n) * 0.5
        layers.append((W * scale, b * scale))
        prev = n
    return from_arrays(layers)


def integer_net(seed: int, n0: int, widths, high: int = 2) -> Network:
    """Integer weights in [-high, high] and integer biases: many deeper units are constant 0 on
    some regions (all their inputs inactive) and many rows repeat."""
    rng = np.random.default_rng(seed)
    layers, prev = [], n0
    for n in widths:
        layers.append((rng.integers(-high, high + 1, (n, prev)).astype(float),
                       rng.integers(-high, high + 1, n).astype(float)))
        prev = n
    return from_arrays(layers)


def rescale_units(net: Network, seed: int, low: float = -3.0, high: float = 3.0) -> Network:
    """The same function with unit i's (W_i, b_i) times c_i = 10^U(low, high) and column i of
    the next layer divided by c_i."""
    rng = np.random.default_rng(seed)
    layers = [(np.array(W), np.array(b)) for W, b in net.layers]
    for l in range(len(layers)):
        c = 10.0 ** rng.uniform(low, high, layers[l][0].shape[0])
        layers[l] = (layers[l][0] * c[:, None], layers[l][1] * c)
        if l + 1 < len(layers):
            layers[l + 1] = (layers[l + 1][0] / c[None, :], layers[l + 1][1])
    return from_arrays(layers)


def permute_units(net: Network, seed: int) -> tuple[Network, np.ndarray]:
    """The same function with the units of every layer permuted; also the permutation of the
    pattern bits (new bit k is old bit perm[k])."""
    rng = np.random.default_rng(seed)
    layers = [(np.array(W), np.array(b)) for W, b in net.layers]
    bits, off = [], 0
    for l in range(len(layers)):
        p = rng.permutation(layers[l][0].shape[0])
        layers[l] = (layers[l][0][p], layers[l][1][p])
        if l + 1 < len(layers):
            layers[l + 1] = (layers[l + 1][0][:, p], layers[l + 1][1])
        bits.append(off + p)
        off += p.size
    return from_arrays(layers), np.concatenate(bits)


def add_unit(net: Network, layer: int, row: np.ndarray, bias: float) -> Network:
    """``net`` with one more unit (row, bias) at the end of ``layer`` whose output the next layer
    ignores (a zero column), so the function is the same."""
    layers = [(np.array(W), np.array(b)) for W, b in net.layers]
    W, b = layers[layer]
    layers[layer] = (np.vstack([W, row[None, :]]), np.append(b, bias))
    if layer + 1 < len(layers):
        W2, b2 = layers[layer + 1]
        layers[layer + 1] = (np.hstack([W2, np.zeros((W2.shape[0], 1))]), b2)
    return from_arrays(layers)


def add_dead_unit(net: Network, layer: int, lower=0.0, upper=1.0) -> Network:
    """A unit inactive on the whole box by a wide margin (its row is the first unit's, its bias
    below the row's minimum over the input box of layer 1, or a negative constant deeper)."""
    W, b = net.layers[layer]
    if layer == 0:
        row = W[0].copy()
        lo = np.minimum(row * lower, row * upper).sum()
        return add_unit(net, 0, row, -lo - 1.0 - np.abs(row).sum())
    return add_unit(net, layer, np.zeros(W.shape[1]), -1.0)


def duplicate_unit(net: Network, layer: int, unit: int, factor: float = 1.0) -> Network:
    """A copy of unit ``unit`` of ``layer``, its row and bias times ``factor`` > 0 (the same
    hyperplane, so no new region)."""
    W, b = net.layers[layer]
    return add_unit(net, layer, W[unit] * factor, b[unit] * factor)


def translate(net: Network, shift: np.ndarray) -> Network:
    """The network of x' = x + shift: b1 - W1 shift, so that net'(x + shift) = net(x)."""
    layers = [(np.array(W), np.array(b)) for W, b in net.layers]
    W1, b1 = layers[0]
    layers[0] = (W1, b1 - W1 @ shift)
    return from_arrays(layers)


#: Offsets of the grid points within their cells, one per axis: irrational, so that no point of
#: the grid lies on a hyperplane with small integer (or rational) coefficients, where the pattern
#: of a lower-dimensional piece would be sampled.
GRID_OFFSETS = (0.5 + 0.1 * (2 ** 0.5 - 1), 0.5 + 0.1 * (3 ** 0.5 - 1))


def grid_axes(lower, upper, n0: int, points: int) -> list[np.ndarray]:
    lo = np.broadcast_to(np.asarray(lower, float), (n0,))
    up = np.broadcast_to(np.asarray(upper, float), (n0,))
    return [lo[j] + (up[j] - lo[j]) * (np.arange(points) + GRID_OFFSETS[j]) / points for j in range(n0)]


def grid_patterns(net: Network, lower, upper, points: int) -> set[bytes]:
    """The distinct activation patterns (packed bytes) on a grid of ``points`` cells per
    coordinate (1-D or 2-D), one point per cell: a lower bound of the regions (a thin region may
    fall between the points)."""
    axes = grid_axes(lower, upper, net.n0, points)
    if net.n0 == 1:
        chunks = [axes[0][i:i + 200_000, None] for i in range(0, points, 200_000)]
    else:
        chunks = [np.column_stack([np.repeat(axes[0][i:i + 100], points), np.tile(axes[1], len(axes[0][i:i + 100]))])
                  for i in range(0, points, 100)]
    seen: set[bytes] = set()
    for X in chunks:
        P = np.unique(np.packbits(net.patterns(X), axis=1), axis=0)
        seen.update(row.tobytes() for row in P)
    return seen
