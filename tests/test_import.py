"""Model import: BatchNorm, Conv2d, AvgPool2d, Dropout, Identity and Flatten become the dense network they compute.

Each imported model is compared with its dense equivalent built here by hand (explicit loops over
kernel positions, the BatchNorm formula written out), weight by weight and by region counts, and
with torch's own forward pass; every model outside the supported set fails with one line.
"""

import os
import subprocess
import sys

import numpy as np
import pytest
import torch
import torch.nn as nn

import linregions as lr
from linregions.network import from_sequential


def _t(x):
    return x.detach().double().numpy()


def _randomize_bn(bn, gen):
    """Non-trivial eval-mode statistics and affine parameters (a fresh BatchNorm is the identity)."""
    with torch.no_grad():
        bn.running_mean.copy_(torch.randn(bn.num_features, generator=gen))
        bn.running_var.copy_(torch.rand(bn.num_features, generator=gen) + 0.2)
        bn.weight.copy_(torch.randn(bn.num_features, generator=gen))
        bn.bias.copy_(torch.randn(bn.num_features, generator=gen))
    return bn


def _bn_affine(bn):
    """The eval-mode BatchNorm as y = s * x + t, from its definition."""
    s = _t(bn.weight) / np.sqrt(_t(bn.running_var) + bn.eps)
    return s, _t(bn.bias) - s * _t(bn.running_mean)


def _conv_dense(conv, shape):
    """The dense matrix and bias of a zero-padded Conv2d on inputs of ``shape``, by explicit loops."""
    C, H, W = shape
    K = _t(conv.weight)  # out x C x kh x kw
    O, _, kh, kw = K.shape
    (sh, sw), (ph, pw) = conv.stride, conv.padding
    Ho, Wo = (H + 2 * ph - kh) // sh + 1, (W + 2 * pw - kw) // sw + 1
    A = np.zeros((O, Ho, Wo, C, H, W))
    for o in range(O):
        for i in range(Ho):
            for j in range(Wo):
                for c in range(C):
                    for u in range(kh):
                        for v in range(kw):
                            y, x = i * sh - ph + u, j * sw - pw + v
                            if 0 <= y < H and 0 <= x < W:
                                A[o, i, j, c, y, x] += K[o, c, u, v]
    b = np.repeat(_t(conv.bias), Ho * Wo)
    return A.reshape(O * Ho * Wo, C * H * W), b, (O, Ho, Wo)


def _pool_dense(k, shape):
    """The dense matrix of AvgPool2d(k) (kernel = stride) on inputs of ``shape``."""
    C, H, W = shape
    P = np.zeros((C, H // k, W // k, C, H, W))
    for c in range(C):
        for i in range(H // k):
            for j in range(W // k):
                P[c, i, j, c, i * k:(i + 1) * k, j * k:(j + 1) * k] = 1.0 / (k * k)
    return P.reshape(C * (H // k) * (W // k), C * H * W), (C, H // k, W // k)


def _same_layers(a, b, tol=1e-12):
    assert a.widths == b.widths and a.n0 == b.n0
    for (W1, b1), (W2, b2) in zip(a.layers, b.layers):
        assert np.allclose(W1, W2, rtol=0, atol=tol) and np.allclose(b1, b2, rtol=0, atol=tol)


def _same_count(model, dense, lower=0.0, upper=1.0, methods=("brute", "lp")):
    counts = {m: lr.count_regions(model, lower, upper, method=m).regions for m in methods}
    counts.update({"dense " + m: lr.count_regions(dense, lower, upper, method=m).regions for m in methods})
    assert len(set(counts.values())) == 1, counts
    return counts["brute" if "brute" in methods else methods[0]]


def _hidden_forward(module, x):
    """Torch's own output of the module up to and including its last ReLU."""
    mods = list(module)
    last = max(i for i, m in enumerate(mods) if isinstance(m, nn.ReLU))
    with torch.no_grad():
        return nn.Sequential(*mods[: last + 1]).double().eval()(x).reshape(len(x), -1).numpy()


def test_batchnorm_folds_into_the_linear_before_it():
    # Linear -> BN -> ReLU is one ReLU layer with W' = diag(s) W, b' = s b + t (the BN formula):
    # the imported weights match the formula and the counts of the two networks agree.
    gen = torch.Generator().manual_seed(1)
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(3, 5), _randomize_bn(nn.BatchNorm1d(5), gen), nn.ReLU(),
                          nn.Linear(5, 4), nn.ReLU(), nn.Linear(4, 2)).eval()
    s, t = _bn_affine(model[1])
    dense = lr.from_arrays([(s[:, None] * _t(model[0].weight), s * _t(model[0].bias) + t),
                            (_t(model[3].weight), _t(model[3].bias))])
    net = lr.load_network(model)
    _same_layers(net, dense)
    assert _same_count(model, dense, -1.0, 1.0) > 1


def test_batchnorm_after_relu_folds_into_the_next_linear():
    # ReLU -> BN -> Linear: BN acts on the ReLU outputs, so it cannot change the layer before it;
    # it folds into the next Linear as W2' = W2 diag(s), b2' = b2 + W2 t.
    gen = torch.Generator().manual_seed(2)
    torch.manual_seed(2)
    model = nn.Sequential(nn.Linear(3, 5), nn.ReLU(), _randomize_bn(nn.BatchNorm1d(5), gen),
                          nn.Linear(5, 4), nn.ReLU(), nn.Linear(4, 1)).eval()
    s, t = _bn_affine(model[2])
    W2, b2 = _t(model[3].weight), _t(model[3].bias)
    dense = lr.from_arrays([(_t(model[0].weight), _t(model[0].bias)), (W2 * s[None, :], b2 + W2 @ t)])
    _same_layers(lr.load_network(model), dense)
    assert _same_count(model, dense, -1.0, 1.0) > 1


@pytest.mark.parametrize("stride, padding", [(2, 1), (1, 0), (3, 2)])
def test_conv_is_its_dense_matrix(stride, padding):
    # A Conv2d on a 1x4x4 image is the dense matrix of its kernel at every position (built by
    # loops here); the imported network has those weights, the same count by the LP search (brute
    # force agrees with lp in the BatchNorm tests and in test_lpenum), and torch's own hidden
    # activations on random inputs.
    torch.manual_seed(3)
    conv = nn.Conv2d(1, 2, 3, stride=stride, padding=padding)
    A, b, out = _conv_dense(conv, (1, 4, 4))
    n = int(np.prod(out))
    model = nn.Sequential(conv, nn.ReLU(), nn.Flatten(), nn.Linear(n, 3), nn.ReLU(), nn.Linear(3, 2)).eval()
    dense = lr.from_arrays([(A, b), (_t(model[3].weight), _t(model[3].bias))])
    net = lr.load_network(model, input_shape=(1, 4, 4))
    _same_layers(net, dense)
    assert net.n0 == 16 and net.widths == (n, 3)
    x = torch.rand(20, 1, 4, 4, dtype=torch.float64)
    h = np.maximum(net.preactivations(x.reshape(20, -1).numpy())[-1], 0)
    assert np.allclose(h, _hidden_forward(model, x), rtol=0, atol=1e-12)
    assert _same_count(net, dense, methods=("lp",)) >= 1


def test_conv_avgpool_batchnorm2d_compose_into_one_layer():
    # Conv2d -> BatchNorm2d -> AvgPool2d(2) -> ReLU is one ReLU layer whose matrix is
    # pool @ diag(s per channel) @ conv; counted the same as that dense network.
    gen = torch.Generator().manual_seed(4)
    torch.manual_seed(4)
    conv = nn.Conv2d(1, 2, 3, padding=1)
    bn = _randomize_bn(nn.BatchNorm2d(2), gen)
    model = nn.Sequential(conv, bn, nn.AvgPool2d(2), nn.ReLU(), nn.Flatten(), nn.Linear(8, 3), nn.ReLU(),
                          nn.Linear(3, 2)).eval()
    A, b, shape = _conv_dense(conv, (1, 4, 4))
    s, t = _bn_affine(bn)
    per = np.repeat(np.arange(2), 16)  # channel of each conv output
    A, b = s[per][:, None] * A, s[per] * b + t[per]
    P, _ = _pool_dense(2, shape)
    dense = lr.from_arrays([(P @ A, P @ b), (_t(model[5].weight), _t(model[5].bias))])
    net = lr.load_network(model, input_shape=(1, 4, 4))
    _same_layers(net, dense)
    assert _same_count(net, dense, methods=("lp",)) > 1


def test_identities_are_dropped():
    # Dropout (in either mode: the counter describes the inference function), Identity, a leading
    # Flatten, nested Sequentials and a repeated ReLU add nothing: same layers as the bare MLP.
    torch.manual_seed(5)
    l1, l2, l3 = nn.Linear(4, 6), nn.Linear(6, 3), nn.Linear(3, 2)
    bare = lr.load_network(nn.Sequential(l1, nn.ReLU(), l2, nn.ReLU(), l3))
    noisy = nn.Sequential(nn.Flatten(), nn.Sequential(l1, nn.Dropout(0.5), nn.ReLU(), nn.ReLU()), nn.Identity(),
                          l2, nn.ReLU(), nn.Dropout(0.2), l3)
    noisy.train()
    for net in (lr.load_network(noisy), lr.load_network(noisy, input_shape=(4,))):
        for (W1, b1), (W2, b2) in zip(bare.layers, net.layers):
            assert np.array_equal(W1, W2) and np.array_equal(b1, b2)  # Linear weights are read exactly


def test_image_input_shape_with_flatten_matches_flat_model():
    # A model that takes 1x4x4 images through Flatten is the flat model on the row-major pixels.
    torch.manual_seed(6)
    lin = nn.Linear(16, 5)
    a = lr.load_network(nn.Sequential(nn.Flatten(), lin, nn.ReLU(), nn.Linear(5, 2)), input_shape=(1, 4, 4))
    b = lr.load_network(nn.Sequential(lin, nn.ReLU(), nn.Linear(5, 2)))
    _same_layers(a, b, tol=0)


class _Doubled(nn.Linear):
    """A Linear whose forward is not what its weights say: the forward check must catch it."""

    def forward(self, x):
        return 2 * super().forward(x)


def _doubled():
    # Positive weights and biases keep the pre-activations above 0 on the inputs the check draws,
    # so the doubling reaches the output whatever the random initialisation would have been.
    m = nn.Sequential(_Doubled(3, 2), nn.ReLU(), nn.Linear(2, 1))
    with torch.no_grad():
        m[0].weight.fill_(1.0)
        m[0].bias.fill_(0.5)
        m[2].weight.fill_(1.0)
    return m


def _bn_train():
    return nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2), nn.ReLU(), nn.Linear(2, 1))


@pytest.mark.parametrize(
    "model, shape, message",
    [
        (_bn_train(), None, "BatchNorm1d at position 1 is in training mode"),
        (nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2, track_running_stats=False), nn.ReLU()).eval(), None,
         "no running statistics"),
        (nn.Sequential(nn.Conv2d(1, 2, 3), nn.MaxPool2d(2), nn.ReLU()), (1, 6, 6), "unsupported module MaxPool2d"),
        (nn.Sequential(nn.Linear(3, 2), nn.Tanh(), nn.Linear(2, 1)), None, "unsupported module Tanh"),
        (nn.Sequential(nn.Conv2d(1, 2, 3, dilation=2), nn.ReLU()), (1, 8, 8), "dilation=(2, 2)"),
        (nn.Sequential(nn.Conv2d(2, 2, 3, groups=2), nn.ReLU()), (2, 6, 6), "groups=2"),
        (nn.Sequential(nn.Conv2d(1, 2, 3, padding=1, padding_mode="reflect"), nn.ReLU()), (1, 6, 6),
         "padding_mode='reflect'"),
        (nn.Sequential(nn.Conv2d(1, 2, 3), nn.AvgPool2d(3, stride=1), nn.ReLU()), (1, 8, 8), "kernel_size = stride"),
        (nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU()), None, "pass input_shape=(C, H, W)"),
        (nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU()), (2, 6, 6), "expects 1 channels"),
        (nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Linear(16, 2)), (1, 6, 6), "add nn.Flatten()"),
        (nn.Sequential(nn.ReLU(), nn.Linear(3, 2), nn.ReLU()), None, "comes before any Linear"),
        (_doubled(), None, "differs from the module's forward"),
        (nn.Sequential(nn.Linear(3, 2), nn.ReLU()), (1, 2, 2), "expects 3 inputs"),
        (nn.Sequential(nn.Linear(3, 2), nn.ReLU()), (0, 3), "input_shape must be"),
    ],
)
def test_refused_modules(model, shape, message):
    # Each model the counter cannot describe exactly fails with one line naming the module and the fix.
    with pytest.raises(lr.ModelError) as exc:
        lr.load_network(model, input_shape=shape)
    assert message in str(exc.value) and "\n" not in str(exc.value), str(exc.value)


def test_state_dicts_that_need_the_architecture(tmp_path):
    # BatchNorm statistics and conv kernels in a state_dict cannot be placed without the module.
    bn = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2), nn.ReLU(), nn.Linear(2, 1)).state_dict()
    conv = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(8, 1)).state_dict()
    torch.save(bn, tmp_path / "bn.pt")
    for source, message in ((bn, "BatchNorm statistics"), (tmp_path / "bn.pt", "BatchNorm statistics"),
                            (conv, "pass the nn.Module itself")):
        with pytest.raises(lr.ModelError) as exc:
            lr.load_network(source)
        assert message in str(exc.value) and "pass the nn.Module itself" in str(exc.value)
        assert "\n" not in str(exc.value)


def test_module_file_with_input_shape(tmp_path):
    # A saved conv model loads from its file when the input shape is given, to the same layers.
    torch.manual_seed(7)
    model = nn.Sequential(nn.Conv2d(1, 2, 3, stride=2, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(8, 1)).eval()
    torch.save(model, tmp_path / "conv.pt")
    _same_layers(lr.load_network(tmp_path / "conv.pt", input_shape=(1, 4, 4)),
                 from_sequential(model, input_shape=(1, 4, 4)), tol=0)
    with pytest.raises(lr.ModelError, match="has n0 = 16 inputs"):
        lr.load_network([(np.ones((2, 16)), np.zeros(2))], input_shape=(1, 3, 3))


def test_cli_counts_a_conv_model_with_its_input_shape(tmp_path, capsys):
    # `linregions count conv.pt --input-shape 1,4,4` counts the dense equivalent of the conv
    # model (the same count as the API on the loaded network); without the shape it is one line.
    import json

    from linregions.cli import main

    torch.manual_seed(8)
    model = nn.Sequential(nn.Conv2d(1, 2, 3, stride=2, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(8, 1)).eval()
    torch.save(model, tmp_path / "conv.pt")
    assert main(["count", str(tmp_path / "conv.pt"), "--input-shape", "1,4,4", "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    expect = lr.count_regions(lr.load_network(model, input_shape=(1, 4, 4)), 0.0, 1.0, method="brute")
    assert got["regions"] == expect.regions and got["n0"] == 16
    assert main(["count", str(tmp_path / "conv.pt")]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "input_shape" in err


BLOCK_TORCH = """
import sys
class _NoTorch:
    def find_spec(self, name, path=None, target=None):
        if name == "torch" or name.startswith("torch."):
            raise ImportError("No module named 'torch' (blocked by the test)")
sys.meta_path.insert(0, _NoTorch())
"""


def test_works_without_torch(tmp_path):
    # With torch unimportable, `import linregions`, .npz loading and counting still work, and a
    # torch file fails with one line that names the extra to install.
    W1, b1 = np.array([[1.0, -1.0], [0.5, 2.0]]), np.array([0.1, -0.3])
    np.savez(tmp_path / "m.npz", W1=W1, b1=b1)
    torch.save(nn.Sequential(nn.Linear(2, 2), nn.ReLU()), tmp_path / "m.pt")
    code = BLOCK_TORCH + f"""
import linregions as lr
assert "torch" not in sys.modules
print(lr.count_regions({str(tmp_path / 'm.npz')!r}, -1, 1, method="brute").regions)
try:
    lr.load_network({str(tmp_path / 'm.pt')!r})
except ImportError as exc:
    print(type(exc).__name__, exc)
"""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    regions, message = proc.stdout.strip().split("\n")
    assert int(regions) == lr.count_regions(tmp_path / "m.npz", -1, 1, method="brute").regions
    assert message.startswith("MissingExtra ") and "pip install 'linregions[torch]'" in message
