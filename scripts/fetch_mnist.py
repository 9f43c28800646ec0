"""Snakemake adapter: fetch the four MNIST IDX files into <root>/MNIST/raw (rule mnist)."""


from linregions.data import fetch_mnist
from linregions.logs import log_to_file

smk = snakemake  # noqa: F821 - injected by Snakemake
log_to_file(smk.log[0])
fetch_mnist(smk.params.root, directory=smk.params.directory, sources=smk.params.sources)
