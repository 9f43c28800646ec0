"""Snakemake adapter: counts at several eps and the region margins of sampled trained networks (rule tolerance_study)."""


from linregions.atomic import write_text
from linregions.logs import log_to_file
from linregions.tolerance import markdown_table, tolerance_study

smk = snakemake  # noqa: F821 - injected by Snakemake
log_to_file(smk.log[0])
p = smk.params
models = dict(zip(p.names, smk.input.models))
counts, margins = tolerance_study(models, eps_grid=p.eps, lower=p.lower, upper=p.upper,
                                  max_margins=p.max_margins, seed=p.seed, time_limit=p.time_limit,
                                  threads=smk.threads, scale=p.scale)
# every output is written whole or not at all
write_text(counts.to_csv(index=False), smk.output["counts"])
write_text(margins.to_csv(index=False), smk.output["margins"])
write_text(markdown_table(counts, margins), smk.output["table"])
