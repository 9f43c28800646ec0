"""Snakemake adapter: the run's trained networks in one archive (rule publish_networks), from
which config/published.yaml recounts exactly these networks on any machine."""

import json
import logging

import torch

from linregions.logs import log_to_file
from linregions.published import network_key, pack

smk = snakemake  # noqa: F821 - injected by Snakemake
log_to_file(smk.log[0])


def networks():
    for model, meta_path in zip(smk.input.models, smk.input.meta):
        with open(meta_path) as f:
            meta = json.load(f)
        key = network_key(meta["widths"][0], meta["widths"][1], meta["seed"])
        yield key, torch.load(model, map_location="cpu", weights_only=True), meta


pack(networks(), smk.output[0])
logging.getLogger("publish").info("%d networks in %s", len(smk.input.models), smk.output[0])
