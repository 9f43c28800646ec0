"""Snakemake adapter: count the linear regions of one trained network, or one shard of its
search tree, or estimate them when the config says so (rule count)."""

import logging

from linregions import count_regions
from linregions.atomic import write_json
from linregions.logs import log_to_file

smk = snakemake  # noqa: F821 - injected by Snakemake
log_to_file(smk.log[0])
p = smk.params
options = {}
method, time_limit = p.method, p.time_limit
if p.estimate is not None:
    # Theorem 1 puts this network beyond exact reach (estimate.above): an estimate with its
    # interval, recorded as one (method estimate) and never shown as a count.
    method, time_limit = "estimate", p.estimate["time_limit"]
    options.update(half_width=p.estimate["half_width"], seed=p.estimate["seed"])
elif p.method == "lp":
    # The lp counter saves its state here when stopped (time limit, or SIGTERM from a scheduler
    # pre-empting the job) and resumes from it when the job runs again.
    options["checkpoint"] = smk.output[0] + ".checkpoint.npz"
    options["shard"] = (int(smk.wildcards.shard), p.shards)
result = count_regions(smk.input.model, lower=p.lower, upper=p.upper, method=method, eps=p.eps,
                       margin=p.margin, scale=p.scale, threads=smk.threads, time_limit=time_limit, **options)
if result.status == "interrupted":
    # Killed, not finished: leave no output, so the rerun resumes from the checkpoint.
    raise SystemExit(f"count interrupted after {result.regions} regions; rerun the job to resume")
logging.getLogger("count").info("%s", result.summary())
record = {"n1": int(smk.wildcards.n1), "n2": int(smk.wildcards.n2), "seed": int(smk.wildcards.seed),
          **result.to_dict()}
write_json(record, smk.output[0])
