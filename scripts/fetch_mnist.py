"""Snakemake adapter: fetch the four MNIST IDX files into <root>/MNIST/raw (rule mnist)."""

import logging

from linregions.data import fetch_mnist

smk = snakemake  # noqa: F821 - injected by Snakemake
logging.basicConfig(filename=smk.log[0], filemode="w", level=logging.INFO,
                    format="%(asctime)s %(levelname)s %(name)s: %(message)s")
fetch_mnist(smk.params.root, directory=smk.params.directory, sources=smk.params.sources)
