"""Which rule hit which SLURM limit, and what to raise: read by the Snakefile's onerror handler.

snakemake-executor-plugin-slurm reports a failed job as "SLURM-job 'N' failed, SLURM status is:
'TIMEOUT'" (or OUT_OF_MEMORY, or FAILED when memory is enforced without cgroups) and names the
job's SLURM log. Neither says which resource of the rule to raise; this does, from the run's
Snakemake log, the job's state and its SLURM log.
"""

from __future__ import annotations

import re
from pathlib import Path

# what SLURM writes in a job's log when it stops the job at a limit
TIME_LIMIT = re.compile(r"DUE TO TIME LIMIT")
MEMORY_LIMIT = re.compile(r"exceeded memory limit|oom[-_ ]kill|out of memory", re.IGNORECASE)


def limit_hit(status: str, slurm_log: str) -> str | None:
    """The resource whose limit SLURM enforced on a job ('runtime' or 'mem_mb'), from its final
    state and its SLURM log; None if it failed for another reason."""
    if status == "TIMEOUT" or TIME_LIMIT.search(slurm_log):
        return "runtime"
    if status == "OUT_OF_MEMORY" or MEMORY_LIMIT.search(slurm_log):
        return "mem_mb"
    return None


def _blocks(text: str, header: str) -> list[tuple[str, dict[str, str]]]:
    """(rule, {key: value}) of every block of the log that starts with ``header <rule>:``."""
    blocks = []
    for m in re.finditer(rf"^{header} (\w+):\n((?:[ \t]+\S.*\n?)*)", text, re.MULTILINE):
        fields = {}
        for line in m.group(2).splitlines():
            key, _, value = line.strip().partition(": ")
            fields.setdefault(key, value)
        blocks.append((m.group(1), fields))
    return blocks


def advice(log_text: str, config: dict | None = None) -> list[str]:
    """One line per job SLURM stopped at its time or memory limit: the rule, the SLURM job, the
    limit, the value it had and how to raise it."""
    resources = {}  # Snakemake jobid -> the resources line of its job
    for header in ("rule", "localrule"):
        for _, fields in _blocks(log_text, header):
            if "jobid" in fields:
                resources[fields["jobid"]] = fields.get("resources", "")
    lines = []
    for rule, fields in _blocks(log_text, "Error in rule"):
        status = re.search(r"SLURM status is: '(\w+)'", fields.get("message", ""))
        if status is None:
            continue  # not a SLURM job
        slurm_logs = [p.strip().split(" (")[0] for p in fields.get("log", "").split(",") if "slurm_logs" in p]
        text = "".join(Path(p).read_text(errors="replace") for p in slurm_logs if Path(p).is_file())
        resource = limit_hit(status.group(1), text)
        if resource is None:
            continue
        had = re.search(rf"\b{resource}=(\d+)", resources.get(fields.get("jobid"), ""))
        value = int(had.group(1)) if had else None
        what = "its time limit" if resource == "runtime" else "its memory limit"
        unit = "minutes" if resource == "runtime" else "MB"
        now = f" ({resource}={value} {unit})" if value else ""
        bigger = 2 * value if value else ("120" if resource == "runtime" else "8000")
        where = ""
        if config and isinstance(config.get(rule), dict) and resource in config[rule]:
            where = f"{rule}.{resource} in the config, or "
        lines.append(f"rule {rule} (SLURM job {fields.get('external_jobid', '?')}) was stopped by SLURM at "
                     f"{what}{now}: raise {resource}, e.g. {where}--set-resources {rule}:{resource}={bigger}")
    return lines


def report(log, config: dict | None = None) -> list[str]:
    """:func:`advice` for the Snakemake log file(s) handed to onerror (a path or a list of them)."""
    paths = [log] if isinstance(log, (str, Path)) else list(log or [])
    text = "".join(Path(p).read_text(errors="replace") for p in paths if Path(p).is_file())
    return advice(text, config)
