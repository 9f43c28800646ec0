"""Train a fully connected ReLU classifier n0-n1-...-nL-n_out on MNIST, deterministically on CPU.

The network is an ``nn.Sequential`` of Linear and ReLU modules (keys ``0.weight``, ``0.bias``,
``2.weight``, ...), so :func:`linregions.load_network` reads its saved ``state_dict``. Inputs are
pixels in [0, 1] as given (no normalisation: the regions are counted on the box [0, 1]^784).
The same seed, data, settings and thread count give bit-identical weights: the initialisation
follows ``torch.manual_seed(seed)``, the shuffling a generator seeded with ``seed``, and
deterministic algorithms are switched on for the duration of the training.
"""

from __future__ import annotations

import contextlib
import logging
import os
import platform
import time
from dataclasses import asdict, dataclass
from typing import Any, Sequence

from .atomic import atomic_path, write_json

log = logging.getLogger(__name__)

OPTIMIZERS = ("adam", "sgd")


@dataclass(frozen=True)
class TrainSettings:
    """Everything that decides the trained weights besides the widths, the seed and the data."""

    epochs: int = 20
    batch_size: int = 128
    optimizer: str = "adam"
    lr: float = 1e-3
    momentum: float = 0.0  # sgd only
    weight_decay: float = 0.0

    def __post_init__(self):
        if self.epochs < 0:
            raise ValueError(f"epochs must be >= 0, got {self.epochs}")
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {self.batch_size}")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {self.optimizer!r}")
        if not self.lr > 0:
            raise ValueError(f"lr must be > 0, got {self.lr}")


@dataclass
class TrainResult:
    """A trained network and what to record about it."""

    model: Any  # nn.Sequential
    widths: tuple[int, ...]
    n0: int
    n_out: int
    seed: int
    train_error: float
    test_error: float
    final_loss: float
    seconds: float
    threads: int
    settings: TrainSettings

    def metadata(self) -> dict:
        """JSON-friendly record: widths, seed, errors, settings, time and library versions."""
        import numpy
        import torch

        from ._version import __version__

        return {
            "n0": self.n0,
            "widths": list(self.widths),
            "n_out": self.n_out,
            "seed": self.seed,
            "train_error": self.train_error,
            "test_error": self.test_error,
            "final_loss": self.final_loss,
            "seconds": self.seconds,
            "threads": self.threads,
            "settings": asdict(self.settings),
            "versions": {
                "linregions": __version__,
                "torch": torch.__version__,
                "numpy": numpy.__version__,
                "python": platform.python_version(),
            },
        }


def build_network(n0: int, widths: Sequence[int], n_out: int, seed: int):
    """``nn.Sequential(Linear, ReLU, ..., Linear)`` initialised from ``torch.manual_seed(seed)``."""
    import torch
    import torch.nn as nn

    if not widths or any(int(w) < 1 for w in widths):
        raise ValueError(f"hidden widths must be a non-empty list of positive integers, got {list(widths)}")
    torch.manual_seed(seed)
    mods: list[nn.Module] = []
    prev = n0
    for w in widths:
        mods += [nn.Linear(prev, int(w)), nn.ReLU()]
        prev = int(w)
    mods.append(nn.Linear(prev, n_out))
    return nn.Sequential(*mods)


@contextlib.contextmanager
def _deterministic(threads: int):
    """Deterministic algorithms and ``threads`` intra-op threads, restored on exit."""
    import torch

    old_det = torch.are_deterministic_algorithms_enabled()
    old_threads = torch.get_num_threads()
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(old_det)
        torch.set_num_threads(old_threads)


def error_rate(model, x, y, batch: int = 10000) -> float:
    """Fraction of examples misclassified (argmax of the outputs)."""
    import torch

    wrong = 0
    with torch.no_grad():
        for i in range(0, len(x), batch):
            wrong += int((model(x[i : i + batch]).argmax(dim=1) != y[i : i + batch]).sum())
    return wrong / len(x)


def train_network(
    widths: Sequence[int],
    data: tuple,
    seed: int,
    settings: TrainSettings = TrainSettings(),
    threads: int = 1,
    n_out: int = 10,
) -> TrainResult:
    """Train n0-widths-n_out with cross-entropy on ``data = (x_train, y_train, x_test, y_test)``.

    x are float tensors k x n0 (pixels in [0, 1]); y are class indices. Mini-batches are taken by
    indexing a seeded permutation each epoch (no DataLoader). Logs the loss of every epoch.
    """
    import torch
    import torch.nn.functional as F

    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    if threads < 1:
        raise ValueError(f"threads must be >= 1, got {threads}")
    x_tr, y_tr, x_te, y_te = data
    n0 = int(x_tr.shape[1])
    t0 = time.perf_counter()
    with _deterministic(threads):
        model = build_network(n0, widths, n_out, seed)
        gen = torch.Generator().manual_seed(seed)
        params = model.parameters()
        if settings.optimizer == "adam":
            opt = torch.optim.Adam(params, lr=settings.lr, weight_decay=settings.weight_decay)
        else:
            opt = torch.optim.SGD(params, lr=settings.lr, momentum=settings.momentum,
                                  weight_decay=settings.weight_decay)
        n = len(x_tr)
        name = f"{n0}-{'-'.join(map(str, widths))}-{n_out} seed {seed}"
        loss_mean = float("nan")
        for epoch in range(1, settings.epochs + 1):
            model.train()
            perm = torch.randperm(n, generator=gen)
            total = 0.0
            for i in range(0, n, settings.batch_size):
                idx = perm[i : i + settings.batch_size]
                loss = F.cross_entropy(model(x_tr[idx]), y_tr[idx])
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                total += float(loss.detach()) * len(idx)
            loss_mean = total / n
            log.info("%s: epoch %d/%d, mean training loss %.4f", name, epoch, settings.epochs, loss_mean)
        model.eval()
        train_err = error_rate(model, x_tr, y_tr)
        test_err = error_rate(model, x_te, y_te)
    seconds = time.perf_counter() - t0
    log.info("%s: train error %.4f, test error %.4f, %.1f s", name, train_err, test_err, seconds)
    return TrainResult(
        model=model, widths=tuple(int(w) for w in widths), n0=n0, n_out=n_out, seed=seed,
        train_error=train_err, test_error=test_err, final_loss=loss_mean, seconds=seconds,
        threads=threads, settings=settings,
    )


def save_network(result: TrainResult, model_path: str | os.PathLike, meta_path: str | os.PathLike,
                 extra: dict | None = None) -> None:
    """Save the ``state_dict`` with ``torch.save`` and the metadata (plus ``extra``) as JSON."""
    import torch

    meta = result.metadata()
    if extra:
        meta.update(extra)
    with atomic_path(model_path) as tmp:
        torch.save(result.model.state_dict(), tmp)
    write_json(meta, meta_path)
