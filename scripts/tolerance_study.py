"""Snakemake adapter: counts at several eps and the region margins of sampled trained networks (rule tolerance_study)."""

import logging
import os

from linregions.tolerance import markdown_table, tolerance_study

smk = snakemake  # noqa: F821 - injected by Snakemake
logging.basicConfig(filename=smk.log[0], filemode="w", level=logging.INFO,
                    format="%(asctime)s %(levelname)s %(name)s: %(message)s")
p = smk.params
models = dict(zip(p.names, smk.input.models))
counts, margins = tolerance_study(models, eps_grid=p.eps, lower=p.lower, upper=p.upper,
                                  max_margins=p.max_margins, seed=p.seed, time_limit=p.time_limit,
                                  threads=smk.threads)
# write every output under a temporary name first, so a failed run leaves nothing half-done
out = {"counts": counts.to_csv(index=False), "margins": margins.to_csv(index=False),
       "table": markdown_table(counts, margins)}
for key, text in out.items():
    with open(smk.output[key] + ".part", "w") as f:
        f.write(text)
for key in out:
    os.replace(smk.output[key] + ".part", smk.output[key])
