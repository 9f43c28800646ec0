"""Snakemake adapter: the upper bounds of every split, from the widths alone (rule bounds)."""

import logging

from linregions.atomic import write_csv
from linregions.tables import bounds_table

smk = snakemake  # noqa: F821 - injected by Snakemake
logging.basicConfig(filename=smk.log[0], filemode="w", level=logging.INFO,
                    format="%(asctime)s %(levelname)s %(name)s: %(message)s")
write_csv(bounds_table(smk.params.n0, smk.params.splits), smk.output[0])
