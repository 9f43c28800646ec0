"""Every bad input a user can hand the counter stops it with one line that names the bad value
and the fix, exit code 2, no traceback, and no output file.

The other bad inputs of the workflow have their own tests: config values that break the schema
(tests/test_pipeline.py::test_bad_config_stops_with_a_clear_message) and MNIST files whose
SHA-256 does not match (tests/test_data.py::test_corrupted_file_is_refused)."""

import subprocess
import sys

import numpy as np
import pytest
import torch
from torch import nn

#: Every test here runs the command line or a workflow in a subprocess.
pytestmark = pytest.mark.slow


def _small():
    return nn.Sequential(nn.Linear(3, 2), nn.ReLU(), nn.Linear(2, 1))


def _truncated(path):
    torch.save(_small(), path)
    path.write_bytes(path.read_bytes()[:100])


def _maxpool(path):
    torch.save(nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.MaxPool1d(2), nn.Linear(2, 1)), path)


def _nan(path):
    m = _small()
    with torch.no_grad():
        m[0].weight[1, 2] = float("inf")
    torch.save(m, path)


def _good(path):
    torch.save(_small(), path)


def _beyond_licence(path):
    np.savez(path, W1=np.ones((2, 2100)), b1=np.zeros(2))


CASES = {
    # name: (writer, file suffix, extra arguments, words the line must hold: value, then fix)
    "truncated checkpoint": (_truncated, ".pt", [], ["m.pt", "corrupt", "re-save it with torch.save"]),
    "unsupported layer": (_maxpool, ".pt", [], ["MaxPool1d", "supported are Linear, ReLU, Conv2d"]),
    "non-finite weights": (_nan, ".pt", [], ["layer 1", "NaN or inf", "retrain or clean"]),
    "empty box": (_good, ".pt", ["--lower", "1", "--upper", "0"], ["lower=1.0, upper=0.0", "lower < upper"]),
    "eps not positive": (_good, ".pt", ["--eps", "0"], ["got 0.0", "positive"]),
    "MILP beyond the licence": (_beyond_licence, ".npz", ["--method", "milp"],
                                ["2107 variables", "size-limited to 2000", "method='lp'"]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_gives_one_line_and_no_output(tmp_path, name):
    write, suffix, extra, words = CASES[name]
    model = tmp_path / f"m{suffix}"
    write(model)
    out = tmp_path / "patterns.npy"
    proc = subprocess.run([sys.executable, "-m", "linregions.cli", "count", str(model), *extra,
                           "--patterns", str(out)], capture_output=True, text=True)
    assert proc.returncode == 2, proc.stderr
    line = proc.stderr.strip()
    assert "\n" not in line and "Traceback" not in line and line.startswith("linregions: error: ")
    for w in words:
        assert w in line, (w, line)
    assert not out.exists()
