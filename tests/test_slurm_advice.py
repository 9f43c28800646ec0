"""The onerror advice on SLURM limits (scripts/cluster/slurm_advice.py) on the text that Snakemake
9 with snakemake-executor-plugin-slurm 2.8 and SLURM 22.05 wrote in real runs on the local
cluster: the time-limit case, which tests/test_slurm.py does not run (a 1-minute limit costs
over a minute), and a pre-empted job, which must not be mistaken for a limit."""

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts" / "cluster"))
import slurm_advice

# the lines slurmstepd and srun wrote in the log of a job stopped at its 1-minute limit
TIMED_OUT = """\
slurmstepd-vm: error: *** STEP 3.0 ON vm CANCELLED AT 2026-12-01T21:48:37 DUE TO TIME LIMIT ***
slurmstepd-vm: error: *** JOB 3 ON vm CANCELLED AT 2026-12-01T21:48:37 DUE TO TIME LIMIT ***
srun: Job step aborted: Waiting up to 12 seconds for job step to finish.
srun: error: vm: task 0: Terminated
"""
# ... and of a count job pre-empted with scancel --signal=TERM, which saved its checkpoint
PREEMPTED = """\
slurmstepd-vm: error: *** STEP 1.0 ON vm CANCELLED AT 2026-12-01T21:57:02 ***
count interrupted after 31968 regions; rerun the job to resume
srun: error: vm: task 0: Exited with exit code 1
"""


def slurm_log_file(tmp_path: Path, text: str) -> Path:
    """The job's SLURM log where the plugin puts it."""
    path = tmp_path / ".snakemake" / "slurm_logs" / "rule_count" / "6_6_0" / "3.log"
    path.parent.mkdir(parents=True)
    path.write_text(text)
    return path


def snakemake_log(slurm_log: Path, status: str) -> str:
    return f"""\
[Tue Dec  1 22:19:33 2026]
rule count:
    input: results/networks/n1_6_n2_6/seed_0.pt
    output: results/counts/n1_6_n2_6/seed_0.json
    log: logs/count/n1_6_n2_6/seed_0.log
    jobid: 0
    wildcards: n1=6, n2=6, seed=0
    resources: tmpdir=<TBD>, mem_mb=2000, mem=2 GB, mem_mib=1908, disk_mb=1000, slurm_partition=debug, runtime=1
Job 0 has been submitted with SLURM jobid 3 (log: {slurm_log}).
[Tue Dec  1 22:20:46 2026]
Error in rule count:
    message: SLURM-job '3' failed, SLURM status is: '{status}'. Detailed failure reason unavailable (status command is not 'sacct').For further error details see the cluster/cloud log and the log files of the involved rule(s).
    jobid: 0
    input: results/networks/n1_6_n2_6/seed_0.pt
    output: results/counts/n1_6_n2_6/seed_0.json
    log: logs/count/n1_6_n2_6/seed_0.log, {slurm_log} (check log file(s) for error details)
    external_jobid: 3
Shutting down, this might take some time.
"""


def test_time_limit_names_the_rule_and_runtime(tmp_path):
    slurm_log = slurm_log_file(tmp_path, TIMED_OUT)
    log = tmp_path / "snakemake.log"
    log.write_text(snakemake_log(slurm_log, "TIMEOUT"))
    [line] = slurm_advice.report([str(log)], {"count": {"runtime": 1}})
    assert line.startswith("rule count (SLURM job 3) was stopped by SLURM at its time limit (runtime=1 minutes)")
    assert "count.runtime in the config" in line and "--set-resources count:runtime=2" in line
    # the log alone says it too, whatever state the status command reported
    log.write_text(snakemake_log(slurm_log, "FAILED"))
    assert slurm_advice.report(str(log)) == [line.replace("count.runtime in the config, or ", "")]


def test_preempted_job_is_not_a_limit(tmp_path):
    slurm_log = slurm_log_file(tmp_path, PREEMPTED)
    log = tmp_path / "snakemake.log"
    log.write_text(snakemake_log(slurm_log, "FAILED"))
    assert slurm_advice.report([str(log)], {"count": {"runtime": 1}}) == []
