"""Snakemake adapter: one row per split, counts beside the bounds (rule splits_table)."""


import pandas as pd

from linregions.atomic import write_csv
from linregions.logs import log_to_file
from linregions.tables import split_table

smk = snakemake  # noqa: F821 - injected by Snakemake
log_to_file(smk.log[0])
networks = pd.read_csv(smk.input.networks)
bounds = pd.read_csv(smk.input.bounds, dtype={"theorem1": object, "montufar2017": object, "trivial": object})
write_csv(split_table(networks, bounds), smk.output[0])
