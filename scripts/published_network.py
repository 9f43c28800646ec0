"""Snakemake adapter: one network of a published archive, written where rule train writes its
networks (rule published_network, networks.source published)."""

import torch

from linregions.atomic import atomic_path, write_json
from linregions.logs import log_to_file
from linregions.published import Archive, network_key

smk = snakemake  # noqa: F821 - injected by Snakemake
log_to_file(smk.log[0])
archive = Archive(smk.input[0])
key = network_key(int(smk.wildcards.n1), int(smk.wildcards.n2), int(smk.wildcards.seed))
if key not in archive.keys():
    raise SystemExit(f"network {key} is not in the published archive {smk.input[0]}; its networks are "
                     f"{archive.keys()[0]} ... {archive.keys()[-1]} ({len(archive.keys())})")
state = {name: torch.from_numpy(a) for name, a in archive.state_dict(key).items()}
with atomic_path(smk.output.model) as tmp:
    torch.save(state, tmp)
write_json({**archive.metadata(key), "published": smk.input[0]}, smk.output.meta)
