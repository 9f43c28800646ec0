"""profiles/slurm on a real single-node SLURM cluster (slurmctld and slurmd on this machine,
started by scripts/cluster/local_slurm.py): the workflow's tables, its jobs' resources, shards,
a pre-empted count resumed, and a job SLURM kills for its memory limit.

Every job here goes through snakemake-executor-plugin-slurm: sbatch, then inside the job the
jobstep plugin runs the rule with srun. The cluster has no slurmdbd, so the status command is
squeue, and SLURM's own records of each job (`scontrol show job`, kept an hour) are the truth
the tests compare with. Skipped only where SLURM is not installed or cannot start; under CI
(CI=true) that is a failure instead.
"""

import collections
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import torch
import yaml

from linregions.constructions import build

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))
SHARED = REPO.parent / "shared" / "data" / "mnist"
sys.path.insert(0, str(REPO / "scripts" / "cluster"))
import local_slurm

pytestmark = pytest.mark.slow

# How the tests reach the cluster: partition given by the user (never by the profile), status
# from squeue (no slurmdbd here), status checks soon after submission (the default waits 40 s).
SLURM_ARGS = ["--workflow-profile", str(REPO / "profiles" / "slurm"), "--slurm-status-command", "squeue",
              "--default-resources", "slurm_partition=debug", "--slurm-init-seconds-before-status-checks", "3",
              "--slurm-keep-successful-logs", "--latency-wait", "5"]
# 2 inputs, widths 6-6-6-6-8: (3^2)^4 * (1 + 8 + 28) = 242,757 regions by construction (Montufar
# et al. 2014), several seconds of lp: long enough to be pre-empted while counting.
CONSTRUCTION = ("montufar2014", 2, [6, 6, 6, 6, 8])
CON_NET = "n1_6_n2_6/seed_0"
TABLE_TARGET = "results/splits.csv"  # with networks.csv and bounds.csv, which it is made from


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """One cluster for every test of this module, stopped (its own pids only) at the end."""
    try:
        c = local_slurm.start(tmp_path_factory.mktemp("slurm"))
    except local_slurm.SlurmUnavailable as e:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the SLURM tests, but the local cluster did not start: {e}")
        pytest.skip(f"no local SLURM cluster: {e}")
    yield c
    c.stop()


def snakemake(cluster, workdir, configfile, *extra, check=True, slurm=True):
    cmd = [SNAKEMAKE, "-s", str(REPO / "Snakefile"), "--directory", str(workdir), "--configfile", str(configfile),
           *(SLURM_ARGS if slurm else ["--cores", "2"]), *extra]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=cluster.env, timeout=1800, check=False)
    if check:
        assert proc.returncode == 0, f"{' '.join(cmd)} failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    return proc


def slurm_jobs(cluster, workdir) -> list[dict[str, str]]:
    """SLURM's record (scontrol) of every job submitted from ``workdir``, in submission order."""
    out = cluster.run("scontrol", "show", "job", "-o")
    jobs = []
    for line in out.splitlines():
        fields = dict(item.partition("=")[::2] for item in line.split())
        if fields.get("WorkDir") == str(workdir):
            jobs.append(fields)
    return sorted(jobs, key=lambda j: int(j["JobId"]))


def rule_of(job: dict[str, str]) -> str:
    """The rule of a SLURM job, from the comment the plugin gives it (rule_<name>_wildcards_...)."""
    return re.match(r"rule_(.+?)(_wildcards_.*)?$", job["Comment"]).group(1)


def minutes(limit: str) -> int:
    """SLURM's TimeLimit ([days-]hh:mm:ss) in minutes."""
    days, _, hms = limit.rpartition("-")
    h, m, s = (int(x) for x in hms.split(":"))
    return (int(days or 0) * 24 + h) * 60 + m + (s > 0)


def construction_workdir(path, **count):
    """A workdir holding the construction as network n1_6_n2_6/seed_0 (so only rule count runs),
    and a config counting it on its box."""
    con = build(CONSTRUCTION[0], n0=CONSTRUCTION[1], widths=CONSTRUCTION[2])
    assert con.count == 9**4 * 37
    (path / "results" / "networks" / "n1_6_n2_6").mkdir(parents=True)
    torch.save(con.as_sequential(), path / "results" / "networks" / f"{CON_NET}.pt")
    cfg = yaml.safe_load((REPO / "config" / "quick.yaml").read_text())
    # scale absolute: the construction's count is proven for margins in its own units (see test_resume)
    cfg["count"].update(method="lp", lower=con.lower, upper=con.upper, time_limit=None, scale="absolute", **count)
    (path / "c.yaml").write_text(yaml.safe_dump(cfg))
    # the count job's own output: shard 0 of 1 (the local rule sum_shards makes the network's count)
    return con, path / "c.yaml", path / "results" / "counts" / CON_NET / "shard_0_of_1.json"


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A tiny configuration: two networks 784-2-2-10 and 784-3-1-10, one seed, one short epoch,
    the first one cross-checked, with distinct threads, memory and runtime per rule so that each
    is checked."""
    if not SHARED.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the SLURM tests, but MNIST is not in {SHARED}")
        pytest.skip(f"MNIST is not in {SHARED}")
    cfg = yaml.safe_load((REPO / "config" / "quick.yaml").read_text())
    cfg["splits"] = {"total": 4, "list": [[2, 2], [3, 1]]}
    cfg["seeds"] = [0]
    cfg["train"].update(epochs=1, train_subset=5000, threads=1, mem_mb=2000, runtime=9)
    # no count time limit: a cold numba cache compiles inside the first count (minutes under load)
    cfg["count"].update(threads=2, mem_mb=1500, runtime=8, time_limit=None)
    cfg["crosscheck"].update(mem_mb=1200, runtime=7, max_bound=11, per_split=0)  # 784-2-2 only (bound 11)
    cfg["data"]["directory"] = str(SHARED)
    path = tmp_path_factory.mktemp("cfg") / "tiny.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path, cfg


@pytest.fixture(scope="module")
def profile_run(cluster, tiny, tmp_path_factory):
    """The tiny configuration's tables (not its figures) made locally and through profiles/slurm,
    with the wall time of each."""
    configfile, _ = tiny
    work = tmp_path_factory.mktemp("runs")
    t0 = time.monotonic()
    snakemake(cluster, work / "local", configfile, TABLE_TARGET, slurm=False)
    t1 = time.monotonic()
    proc = snakemake(cluster, work / "slurm", configfile, TABLE_TARGET)
    print(f"tiny config: local run {t1 - t0:.0f} s, through SLURM {time.monotonic() - t1:.0f} s")
    return work, proc.stdout + proc.stderr


def test_slurm_profile_gives_the_local_tables(profile_run):
    # The same configuration gives the same tables (timings aside) on SLURM as in one process.
    work, _ = profile_run
    for table in ("networks.csv", "splits.csv", "bounds.csv"):
        a = pd.read_csv(work / "local" / "results" / table)
        b = pd.read_csv(work / "slurm" / "results" / table)
        drop = [c for c in a.columns if "seconds" in c]
        pd.testing.assert_frame_equal(a.drop(columns=drop), b.drop(columns=drop))


def test_every_remote_job_is_a_slurm_job_with_its_rules_resources(cluster, profile_run, tiny):
    # SLURM's own records, against the rules: one SLURM job per job Snakemake ran remotely, none
    # for the local rules (mnist fetches; compute nodes may have no internet), and each job given
    # cpus_per_task = threads, memory = mem_mb and time limit = runtime of its rule.
    work, log = profile_run
    _, cfg = tiny
    remote = collections.Counter(re.findall(r"^rule (\w+):$", log, re.MULTILINE))
    local = collections.Counter(re.findall(r"^localrule (\w+):$", log, re.MULTILINE))
    jobs = slurm_jobs(cluster, work / "slurm")
    assert remote == {"train": 2, "count": 2, "crosscheck": 1}, log[-3000:]
    assert {"mnist", "bounds", "networks_table", "splits_table"} <= set(local), log[-3000:]
    assert collections.Counter(rule_of(j) for j in jobs) == remote
    for j in jobs:
        want = cfg[rule_of(j)]
        assert j["JobState"] == "COMPLETED", j
        assert j["Partition"] == "debug"
        assert int(j["CPUs/Task"]) == want.get("threads", 1), j
        assert j["MinMemoryNode"] == f"{want['mem_mb']}M", j
        assert minutes(j["TimeLimit"]) == want["runtime"], j


def test_shards_run_as_slurm_jobs_and_sum_to_the_unsharded_count(cluster, profile_run, tiny, tmp_path):
    # With count.shards: 4, one network's count is 4 SLURM jobs (one a shard) summed on the login
    # node; the sum equals the network's unsharded count from the profile run.
    work, _ = profile_run
    _, cfg = tiny
    counts = {p: yaml.safe_load(p.read_text()) for p in (work / "slurm" / "results" / "counts").rglob("*.json")}
    whole, record = max(counts.items(), key=lambda kv: kv[1]["regions"])
    net = whole.relative_to(work / "slurm" / "results" / "counts").with_suffix("")
    model = tmp_path / "results" / "networks" / f"{net}.pt"
    model.parent.mkdir(parents=True)
    shutil.copy(work / "slurm" / "results" / "networks" / f"{net}.pt", model)
    cfg = {**cfg, "count": {**cfg["count"], "shards": 4, "threads": 1}}
    (tmp_path / "c.yaml").write_text(yaml.safe_dump(cfg))
    target = tmp_path / "results" / "counts" / f"{net}.json"
    snakemake(cluster, tmp_path, tmp_path / "c.yaml", str(target.relative_to(tmp_path)),
              "--allowed-rules", "count", "sum_shards")
    jobs = slurm_jobs(cluster, tmp_path)
    assert [rule_of(j) for j in jobs] == ["count"] * 4
    assert sorted(re.search(r"_(\d)_?$", j["Comment"]).group(1) for j in jobs) == ["0", "1", "2", "3"], jobs
    assert all(j["JobState"] == "COMPLETED" for j in jobs)
    summed = yaml.safe_load(target.read_text())
    assert summed["complete"] and summed["shards"] == 4
    assert summed["regions"] == record["regions"] > 1


def test_preempted_count_resumes_on_its_retry_to_the_exact_count(cluster, tmp_path):
    # SLURM pre-empting a running count job: SIGTERM to the job's processes, then its end. The
    # job leaves a checkpoint and no count file; Snakemake resubmits it (the profile's retries)
    # and the new SLURM job resumes from the checkpoint to the construction's exact count.
    con, configfile, target = construction_workdir(tmp_path)
    checkpoint = target.with_name(target.name + ".checkpoint.npz")
    log = tmp_path / "logs" / "count" / CON_NET / "shard_0_of_1.log"
    cmd = [SNAKEMAKE, "-s", str(REPO / "Snakefile"), "--directory", str(tmp_path), "--configfile", str(configfile),
           *SLURM_ARGS, str(target.relative_to(tmp_path)), "--allowed-rules", "count"]
    run = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=cluster.env)
    try:
        deadline = time.monotonic() + 300
        while not (log.exists() and "regions so far" in log.read_text()):  # the search is running
            assert run.poll() is None and time.monotonic() < deadline, "the count job never reported progress"
            time.sleep(0.2)
        [first] = slurm_jobs(cluster, tmp_path)
        assert first["JobState"] == "RUNNING"
        cluster.run("scancel", "--signal=TERM", first["JobId"])
        while cluster.job(first["JobId"])["JobState"] == "RUNNING":
            assert time.monotonic() < deadline
            time.sleep(0.2)
        # the pre-empted job's end: a checkpoint, no count file
        assert checkpoint.exists() and not target.exists()
        out, _ = run.communicate(timeout=600)
    finally:
        if run.poll() is None:
            run.kill()
    assert run.returncode == 0, out[-4000:]
    jobs = slurm_jobs(cluster, tmp_path)
    assert [j["JobState"] for j in jobs] == ["FAILED", "COMPLETED"], jobs
    record = yaml.safe_load(target.read_text())  # JSON is YAML
    assert record["regions"] == con.count and record["complete"]
    assert "resuming from checkpoint" in log.read_text()
    assert not checkpoint.exists()


def test_job_killed_for_its_memory_names_the_rule_and_mem_mb(cluster, tmp_path):
    # A count job asking for 20 MB: SLURM kills it for exceeding its memory limit, and Snakemake
    # fails with a line that names the rule and the resource to raise.
    _, configfile, target = construction_workdir(tmp_path)
    proc = snakemake(cluster, tmp_path, configfile, str(target.relative_to(tmp_path)), "--allowed-rules", "count",
                     "--set-resources", "count:mem_mb=20", "--retries", "0", check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0 and not target.exists()
    [job] = slurm_jobs(cluster, tmp_path)
    assert job["JobState"] in ("FAILED", "OUT_OF_MEMORY") and job["MinMemoryNode"] == "20M"
    assert re.search(r"rule count .*memory limit.*raise mem_mb", out), out[-4000:]
