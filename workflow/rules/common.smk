# Config validation, paths and input functions shared by every rule.

import os
from pathlib import Path

import jsonschema
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

REPO = Path(workflow.basedir)
SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"


def validate_config(cfg, schema_path):
    """Check the config against the schema, filling in its defaults (the schema is the one place
    they live), then the checks across fields; stop with one clear line."""
    try:
        validate(cfg, schema=str(schema_path), set_default=True)
    except WorkflowError as exc:
        err = exc.__cause__ or exc.__context__  # the schema's own error, raised inside validate
        if not isinstance(err, jsonschema.exceptions.ValidationError):
            raise
        where = ".".join(str(p) for p in err.absolute_path) or "(top level)"
        raise WorkflowError(f"invalid config at {where}: {err.message} (see {schema_path})") from None
    total = cfg["splits"]["total"]
    if "list" in cfg["splits"]:
        for n1, n2 in cfg["splits"]["list"]:
            if n1 + n2 != total:
                raise WorkflowError(
                    f"invalid config at splits.list: split [{n1}, {n2}] sums to {n1 + n2}, "
                    f"not splits.total = {total}"
                )
    else:
        first, last = cfg["splits"]["n1"]
        if not 1 <= first <= last <= total - 1:
            raise WorkflowError(
                f"invalid config at splits.n1: [{first}, {last}] must satisfy 1 <= first <= last <= "
                f"total - 1 = {total - 1} so that n2 = total - n1 >= 1"
            )
    if cfg["count"]["shards"] > 1 and cfg["count"]["method"] != "lp":
        raise WorkflowError(
            f"invalid config at count.shards: {cfg['count']['shards']} shards need method lp, "
            f"not {cfg['count']['method']!r}; set shards: 1 or method: lp"
        )
    if cfg["estimate"]["above"] is not None and cfg["count"]["shards"] > 1:
        raise WorkflowError(
            f"invalid config at estimate.above: an estimate is one job per network, but count.shards is "
            f"{cfg['count']['shards']}; set shards: 1 or above: null"
        )
    if cfg["crosscheck"]["method"] == cfg["count"]["method"]:
        raise WorkflowError(
            f"invalid config at crosscheck.method: {cfg['crosscheck']['method']!r} is also count.method; "
            "the cross-check needs the other method"
        )
    if cfg["count"]["lower"] >= cfg["count"]["upper"]:
        raise WorkflowError(
            f"invalid config at count: lower = {cfg['count']['lower']} must be < upper = {cfg['count']['upper']}"
        )


validate_config(config, SCHEMA)

R = config["results"]
RES = config["resources"]
LOGS = config["logs"]
MNIST_ROOT = f"{RES}/mnist"
MNIST_FILES = [
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
]


def splits():
    """The (n1, n2) pairs of the experiment, in order of n1."""
    s = config["splits"]
    if "list" in s:
        return [tuple(p) for p in s["list"]]
    first, last = s["n1"]
    return [(n1, s["total"] - n1) for n1 in range(first, last + 1)]


SPLITS = splits()
N0 = 784  # inputs of every network: the MNIST pixels
SEEDS = list(config["seeds"])
NET = "n1_{n1}_n2_{n2}/seed_{seed}"


def data_directory():
    """The configured MNIST directory, relative paths taken from the repository."""
    d = config["data"]["directory"]
    if d is None:
        return None
    return str(d if os.path.isabs(d) else (REPO / d).resolve())


def published_archive():
    """The archive that networks.source published reads, relative paths taken from the repository."""
    a = config["networks"]["archive"]
    return str(a if os.path.isabs(a) else (REPO / a).resolve())


def per_network(pattern):
    """``pattern`` (with {n1}, {n2}, {seed}) expanded over every split and seed."""
    return [pattern.format(n1=n1, n2=n2, seed=seed) for n1, n2 in SPLITS for seed in SEEDS]


def estimated(n1, n2):
    """Whether the networks of split (n1, n2) are estimated instead of counted: their Theorem 1
    bound exceeds estimate.above."""
    from linregions.bounds import theorem1

    above = config["estimate"]["above"]
    return above is not None and theorem1(N0, [int(n1), int(n2)]) > above


def crosschecked():
    """(n1, n2, seed) of the counted networks the other method rechecks: every seed of a split
    whose Theorem 1 bound is at most crosscheck.max_bound, and the first crosscheck.per_split
    seeds of every other split. Estimated networks have no count to recheck."""
    from linregions.bounds import theorem1

    cc = config["crosscheck"]
    chosen = []
    for n1, n2 in SPLITS:
        if estimated(n1, n2):
            continue
        small = theorem1(N0, [n1, n2]) <= cc["max_bound"]
        chosen += [(n1, n2, s) for s in (SEEDS if small else SEEDS[: cc["per_split"]])]
    return chosen


CROSSCHECKED = crosschecked()
# The counted networks also estimated, to check the estimator against exact counts: the first
# estimate.check seeds of every counted split.
ESTIMATE_CHECKED = [(n1, n2, s) for n1, n2 in SPLITS if not estimated(n1, n2)
                    for s in SEEDS[: config["estimate"]["check"]]]


def crosscheck_files():
    return [f"{R}/crosscheck/{NET}.json".format(n1=a, n2=b, seed=s) for a, b, s in CROSSCHECKED]


def estimate_check_files():
    return [f"{R}/estimate_check/{NET}.json".format(n1=a, n2=b, seed=s) for a, b, s in ESTIMATE_CHECKED]


def all_outputs():
    """Every output, per-network files included, so that a deleted count or network is rebuilt
    (Snakemake does not rebuild a missing intermediate file whose dependents are up to date)."""
    return [
        *per_network(f"{R}/networks/{NET}.pt"),
        *per_network(f"{R}/networks/{NET}.json"),
        *([f"{R}/trained_networks.npz"] if config["networks"]["source"] == "train" else []),
        *[f for k in range(SHARDS) for f in per_network(SHARD.replace("{shard}", str(k)))],
        *per_network(f"{R}/counts/{NET}.json"),
        *crosscheck_files(),
        *estimate_check_files(),
        f"{R}/networks.csv",
        f"{R}/splits.csv",
        f"{R}/bounds.csv",
        *[f"{R}/report/{name}.html" for name in ("networks", "splits", "config")],
        *figure_files("regions_per_split"),
        *figure_files("error_vs_regions"),
        *figure_files("plane_regions"),
    ]


def figure_files(name):
    return [f"{R}/figures/{name}.{ext}" for ext in ("png", "pdf", "csv")]


wildcard_constraints:
    n1=r"\d+",
    n2=r"\d+",
    seed=r"\d+",
    shard=r"\d+",


def mnist_root(raw_file):
    """The torchvision root of a raw MNIST file ``<root>/MNIST/raw/<name>``."""
    return str(Path(raw_file).parents[2])
