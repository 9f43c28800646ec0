"""A count killed by SIGTERM (as a scheduler pre-empting a job does) resumes to the exact count."""

import signal
import subprocess
import sys

import pytest
import torch

from linregions.constructions import build

#: Every test here runs the command line or a workflow in a subprocess.
pytestmark = pytest.mark.slow


def test_sigterm_then_rerun_gives_the_exact_count(tmp_path):
    # Montufar et al. (2014), 2 inputs, widths 6-6-6-6-8: (3^2)^4 * (1 + 8 + 28) = 242,757
    # regions exactly, by construction (independent of the counter); about 10 s to count here.
    con = build("montufar2014", n0=2, widths=[6, 6, 6, 6, 8])
    assert con.count == 9 ** 4 * 37
    model = tmp_path / "m.pt"
    torch.save(con.as_sequential(), model)
    ckpt = tmp_path / "count.checkpoint.npz"
    # scale absolute: the construction's count is proven for margins in its own units (min_margin
    # 1e-3); under the default scale "row" its cancelling deep rows make some regions thinner than eps.
    cmd = [sys.executable, "-m", "linregions.cli", "-v", "count", str(model), "--method", "lp", "--scale", "absolute",
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


def test_pipeline_count_job_killed_then_rerun_gives_the_exact_count(tmp_path):
    # The same through Snakemake, as on a cluster: the count job is pre-empted (SIGTERM to the
    # job's process), the run fails leaving no count file that looks finished, and running the
    # workflow again resumes the job from its checkpoint to the exact count of the construction.
    import time

    import psutil
    import yaml
    from test_pipeline import QUICK, REPO, SNAKEMAKE

    con = build("montufar2014", n0=2, widths=[6, 6, 6, 6, 8])
    net = "n1_6_n2_6/seed_0"
    (tmp_path / "results" / "networks" / "n1_6_n2_6").mkdir(parents=True)
    torch.save(con.as_sequential(), tmp_path / "results" / "networks" / f"{net}.pt")
    cfg = yaml.safe_load(QUICK.read_text())
    cfg["count"].update(method="lp", lower=con.lower, upper=con.upper, time_limit=None, scale="absolute")  # as above
    (tmp_path / "c.yaml").write_text(yaml.safe_dump(cfg))
    target = tmp_path / "results" / "counts" / net / "shard_0_of_1.json"  # the count job's output (k = 1 shard)
    cmd = [SNAKEMAKE, str(target.relative_to(tmp_path)), "-s", str(REPO / "Snakefile"), "--directory", str(tmp_path),
           "--configfile", str(tmp_path / "c.yaml"), "--cores", "1", "--allowed-rules", "count"]
    log = tmp_path / "logs" / "count" / net / "shard_0_of_1.log"
    run = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    job = None
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and run.poll() is None:  # until the search is running
        if log.exists() and "regions so far" in log.read_text():
            job = next(p for p in psutil.Process(run.pid).children(recursive=True)
                       if any("count.py" in part for part in p.cmdline()))
            break
        time.sleep(0.2)
    assert job is not None, "the count job never reported progress: " + (run.stdout.read() if run.poll() else "")
    job.send_signal(signal.SIGTERM)
    out, _ = run.communicate(timeout=300)
    assert run.returncode != 0, out[-3000:]
    assert not target.exists()
    checkpoint = target.with_name(target.name + ".checkpoint.npz")
    assert checkpoint.exists()
    rerun = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    assert rerun.returncode == 0, rerun.stdout[-3000:] + rerun.stderr[-3000:]
    record = yaml.safe_load(target.read_text())  # JSON is YAML
    assert record["regions"] == con.count and record["complete"]
    assert "resuming from checkpoint" in log.read_text()
    assert not checkpoint.exists()
