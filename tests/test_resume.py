"""A count killed by SIGTERM (as a scheduler pre-empting a job does) resumes to the exact count."""

import signal
import subprocess
import sys

import torch

from linregions.constructions import build


def test_sigterm_then_rerun_gives_the_exact_count(tmp_path):
    # Montufar et al. (2014), 2 inputs, widths 6-6-6-6-8: (3^2)^4 * (1 + 8 + 28) = 242,757
    # regions exactly, by construction (independent of the counter); about 10 s to count here.
    con = build("montufar2014", n0=2, widths=[6, 6, 6, 6, 8])
    assert con.count == 9 ** 4 * 37
    model = tmp_path / "m.pt"
    torch.save(con.as_sequential(), model)
    ckpt = tmp_path / "count.checkpoint.npz"
    cmd = [sys.executable, "-m", "linregions.cli", "-v", "count", str(model), "--method", "lp",
           "--lower", str(con.lower), "--upper", str(con.upper), "--checkpoint", str(ckpt), "--json"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # Wait for the first progress line (the search is running, its signal handler installed).
    for line in proc.stderr:
        if "regions so far" in line:
            break
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=120)
    # Stopped: exit code 3 (a lower bound, below the true count) and a checkpoint on disk.
    assert proc.returncode == 3, err
    assert '"complete": false' in out and ckpt.exists()
    rerun = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    assert f'"regions": {con.count}' in rerun.stdout and '"complete": true' in rerun.stdout
    assert not ckpt.exists()  # removed once the count is complete
