"""Snakemake adapter: estimate one counted network and record whether the interval covers its
count (rule estimate_check)."""

import json
import logging

from linregions.atomic import write_json
from linregions.crosscheck import estimate_check
from linregions.logs import log_to_file

smk = snakemake  # noqa: F821 - injected by Snakemake
log_to_file(smk.log[0])
p = smk.params
with open(smk.input.counted) as f:
    primary = json.load(f)
record = estimate_check(smk.input.model, primary, time_limit=p.time_limit, half_width=p.half_width, seed=p.seed)
logging.getLogger("estimate_check").info("%s", record)
record = {"n1": int(smk.wildcards.n1), "n2": int(smk.wildcards.n2), "seed": int(smk.wildcards.seed), **record}
write_json(record, smk.output[0])
