"""Snakemake adapter: the two tables and the configuration as HTML pages for
``snakemake --report`` (rule report_pages)."""


import pandas as pd
import yaml

from linregions.atomic import atomic_path
from linregions.logs import log_to_file
from linregions.tables import html_page

smk = snakemake  # noqa: F821 - injected by Snakemake
log_to_file(smk.log[0])
pages = {
    smk.output.networks: html_page("One row per network (networks.csv)", frame=pd.read_csv(smk.input.networks)),
    smk.output.splits: html_page("One row per split (splits.csv)", frame=pd.read_csv(smk.input.splits)),
    smk.output.config: html_page("Configuration of this run (validated, with defaults)",
                                 text=yaml.safe_dump(smk.params.config, sort_keys=False)),
}
for path, page in pages.items():
    with atomic_path(path) as tmp:
        with open(tmp, "w") as f:
            f.write(page)
