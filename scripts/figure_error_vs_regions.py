"""Snakemake adapter: train and test error against regions, one point per network (rule figure_error_vs_regions)."""

import logging

import pandas as pd

from linregions.figures import error_vs_regions

smk = snakemake  # noqa: F821 - injected by Snakemake
logging.basicConfig(filename=smk.log[0], filemode="w", level=logging.INFO,
                    format="%(asctime)s %(levelname)s %(name)s: %(message)s")
error_vs_regions(pd.read_csv(smk.input[0]), smk.output.png, smk.output.pdf, smk.output.csv,
                 faded_below=smk.params.faded_below)
