"""Snakemake adapter: one network's count from the counts of its shards (rule sum_shards)."""

import logging

from linregions.atomic import write_json
from linregions.logs import log_to_file
from linregions.regions import sum_shards
from linregions.tables import read_records

smk = snakemake  # noqa: F821 - injected by Snakemake
log_to_file(smk.log[0])
record = sum_shards(read_records(smk.input))
logging.getLogger("sum_shards").info("%d shards: %d regions, complete %s", record["shards"],
                                     record["regions"], record["complete"])
write_json(record, smk.output[0])
