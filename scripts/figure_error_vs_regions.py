"""Snakemake adapter: train and test error against regions, one point per network (rule figure_error_vs_regions)."""


import pandas as pd

from linregions.figures import error_vs_regions
from linregions.logs import log_to_file

smk = snakemake  # noqa: F821 - injected by Snakemake
log_to_file(smk.log[0])
error_vs_regions(pd.read_csv(smk.input[0]), smk.output.png, smk.output.pdf, smk.output.csv,
                 faded_below=smk.params.faded_below)
