"""Snakemake adapter: one row per network from its training metadata, count or estimate, and checks
(rule networks_table)."""


from linregions.atomic import write_csv
from linregions.logs import log_to_file
from linregions.tables import network_table, read_records

smk = snakemake  # noqa: F821 - injected by Snakemake
log_to_file(smk.log[0])
table = network_table(read_records(smk.input.meta), read_records(smk.input.counts),
                      read_records(smk.input.checks), read_records(smk.input.estimate_checks))
write_csv(table, smk.output[0])
