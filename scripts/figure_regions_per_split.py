"""Snakemake adapter: regions per split beside the three upper bounds (rule figure_regions_per_split)."""

import logging

import pandas as pd

from linregions.figures import regions_per_split

smk = snakemake  # noqa: F821 - injected by Snakemake
logging.basicConfig(filename=smk.log[0], filemode="w", level=logging.INFO,
                    format="%(asctime)s %(levelname)s %(name)s: %(message)s")
regions_per_split(pd.read_csv(smk.input[0]), smk.output.png, smk.output.pdf, smk.output.csv)
