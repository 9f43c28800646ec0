"""Snakemake adapter: figure (c), regions of 2-input constructions, deep against shallow (rule figure_constructions)."""

import logging

from linregions.logs import log_to_file
from linregions.pictures import figure_constructions

smk = snakemake  # noqa: F821 - injected by Snakemake
log_to_file(smk.log[0])
p = smk.params
data = figure_constructions(smk.output.png, smk.output.pdf, smk.output.csv, panels=p.panels,
                            resolution=p.resolution, eps=p.eps, seed=p.seed)
logging.getLogger("figure_constructions").info("\n%s", data.to_string(index=False))
