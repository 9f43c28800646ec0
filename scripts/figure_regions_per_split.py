"""Snakemake adapter: regions per split beside the three upper bounds (rule figure_regions_per_split)."""


import pandas as pd

from linregions.figures import regions_per_split
from linregions.logs import log_to_file

smk = snakemake  # noqa: F821 - injected by Snakemake
log_to_file(smk.log[0])
regions_per_split(pd.read_csv(smk.input[0]), smk.output.png, smk.output.pdf, smk.output.csv)
