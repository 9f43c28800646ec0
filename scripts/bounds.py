"""Snakemake adapter: the upper bounds of every split, from the widths alone (rule bounds)."""


from linregions.atomic import write_csv
from linregions.logs import log_to_file
from linregions.tables import bounds_table

smk = snakemake  # noqa: F821 - injected by Snakemake
log_to_file(smk.log[0])
write_csv(bounds_table(smk.params.n0, smk.params.splits), smk.output[0])
