"""The workflow through a cluster executor: every job a separate process, as on a real cluster.

snakemake-executor-plugin-cluster-generic submits each job with scripts/cluster/submit.py, which
starts the jobscript as a detached process, and polls scripts/cluster/status.py. Jobs then share
nothing with the scheduler but the filesystem, so a job that needs an undeclared input or a
side effect of another job fails here. The tables must equal those of a local run.
"""

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))
SHARED = REPO.parent / "shared" / "data" / "mnist"

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not SHARED.is_dir(), reason=f"MNIST is not in {SHARED}")]


@pytest.fixture(scope="module")
def tiny_config(tmp_path_factory):
    """quick.yaml made smaller still: 784-n1-n2-10 with n1 + n2 = 4, one seed, one short epoch."""
    cfg = yaml.safe_load((REPO / "config" / "quick.yaml").read_text())
    cfg["splits"] = {"total": 4, "n1": [1, 3]}
    cfg["seeds"] = [0]
    cfg["train"].update(epochs=1, train_subset=5000)
    cfg["data"]["directory"] = str(SHARED)
    path = tmp_path_factory.mktemp("cfg") / "tiny.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def run(workdir, configfile, *extra):
    cmd = [SNAKEMAKE, "-s", str(REPO / "Snakefile"), "--directory", str(workdir), "--configfile",
           str(configfile), "--cores", "2", *extra]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    assert proc.returncode == 0, f"{' '.join(cmd)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc.stdout + proc.stderr


def test_generic_cluster_profile_gives_the_local_tables(tmp_path, tiny_config):
    local = run(tmp_path / "local", tiny_config)
    assert "external jobid" not in local
    # The profile's commands are relative to the repository (where users run snakemake); the
    # test runs in a temporary directory, so it names the same scripts by absolute path.
    cluster = run(tmp_path / "cluster", tiny_config, "--workflow-profile", str(REPO / "profiles" / "generic"),
                  "--cluster-generic-submit-cmd", f"python3 {REPO}/scripts/cluster/submit.py",
                  "--cluster-generic-status-cmd", f"python3 {REPO}/scripts/cluster/status.py")
    # Training and counting really went through the scheduler stand-in, one process each.
    jobs = list((tmp_path / "cluster" / ".snakemake" / "local-cluster").glob("*.exit"))
    assert "external jobid" in cluster and len(jobs) >= 6
    assert all(j.read_text().strip() == "0" for j in jobs)
    for table in ("networks.csv", "splits.csv"):
        a = pd.read_csv(tmp_path / "local" / "results" / table)
        b = pd.read_csv(tmp_path / "cluster" / "results" / table)
        drop = [c for c in a.columns if "seconds" in c]
        pd.testing.assert_frame_equal(a.drop(columns=drop), b.drop(columns=drop))
