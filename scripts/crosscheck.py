"""Snakemake adapter: recount one network with the other method and compare (rule crosscheck)."""

import json
import logging

from linregions.atomic import write_json
from linregions.crosscheck import cross_check
from linregions.logs import log_to_file

smk = snakemake  # noqa: F821 - injected by Snakemake
log_to_file(smk.log[0])
p = smk.params
with open(smk.input.counted) as f:
    primary = json.load(f)
record = cross_check(smk.input.model, primary, p.method, time_limit=p.time_limit,
                     patterns_below=p.patterns_below, threads=smk.threads)
logging.getLogger("crosscheck").info("%s", record)
record = {"n1": int(smk.wildcards.n1), "n2": int(smk.wildcards.n2), "seed": int(smk.wildcards.seed), **record}
write_json(record, smk.output[0])
