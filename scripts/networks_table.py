"""Snakemake adapter: one row per network from its training metadata and count (rule networks_table)."""

import logging

from linregions.atomic import write_csv
from linregions.tables import network_table, read_records

smk = snakemake  # noqa: F821 - injected by Snakemake
logging.basicConfig(filename=smk.log[0], filemode="w", level=logging.INFO,
                    format="%(asctime)s %(levelname)s %(name)s: %(message)s")
table = network_table(read_records(smk.input.meta), read_records(smk.input.counts),
                      read_records(smk.input.checks))
write_csv(table, smk.output[0])
