"""Snakemake adapter: count the linear regions of one trained network (rule count)."""

import json
import logging
import os

from linregions import count_regions

smk = snakemake  # noqa: F821 - injected by Snakemake
logging.basicConfig(filename=smk.log[0], filemode="w", level=logging.INFO,
                    format="%(asctime)s %(levelname)s %(name)s: %(message)s")
p = smk.params
result = count_regions(smk.input.model, lower=p.lower, upper=p.upper, method=p.method, eps=p.eps,
                       margin=p.margin, threads=smk.threads, time_limit=p.time_limit)
logging.getLogger("count").info("%s", result.summary())
record = {"n1": int(smk.wildcards.n1), "n2": int(smk.wildcards.n2), "seed": int(smk.wildcards.seed),
          **result.to_dict()}
tmp = smk.output[0] + ".part"
with open(tmp, "w") as f:
    json.dump(record, f, indent=2)
    f.write("\n")
os.replace(tmp, smk.output[0])
