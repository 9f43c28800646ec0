# Config validation, paths and input functions shared by every rule.

import os
from pathlib import Path

import jsonschema
import yaml
from snakemake.exceptions import WorkflowError

REPO = Path(workflow.basedir)
SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"


def validate_config(cfg, schema_path):
    """Check the config against the schema and the split sums; stop with one clear line."""
    schema = yaml.safe_load(Path(schema_path).read_text())
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(cfg), key=lambda e: list(e.absolute_path))
    if errors:
        e = jsonschema.exceptions.best_match(errors)
        where = ".".join(str(p) for p in e.absolute_path) or "(top level)"
        raise WorkflowError(f"invalid config at {where}: {e.message} (see {schema_path})")
    # defaults the schema declares but the file may leave out
    for section in ("train", "count"):
        props = schema["properties"][section]["properties"]
        for key, spec in props.items():
            if "default" in spec:
                cfg[section].setdefault(key, spec["default"])
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
    if cfg["count"]["lower"] >= cfg["count"]["upper"]:
        raise WorkflowError(
            f"invalid config at count: lower = {cfg['count']['lower']} must be < upper = {cfg['count']['upper']}"
        )


validate_config(config, SCHEMA)

R = config["results"]
RES = config["resources"]
LOGS = config.get("logs", "logs")
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
SEEDS = list(config["seeds"])
NET = "n1_{n1}_n2_{n2}/seed_{seed}"


def data_directory():
    """The configured MNIST directory, relative paths taken from the repository."""
    d = config["data"]["directory"]
    if d is None:
        return None
    return str(d if os.path.isabs(d) else (REPO / d).resolve())


def per_network(pattern):
    """``pattern`` (with {n1}, {n2}, {seed}) expanded over every split and seed."""
    return [pattern.format(n1=n1, n2=n2, seed=seed) for n1, n2 in SPLITS for seed in SEEDS]


def all_outputs():
    """Every output, per-network files included, so that a deleted count or network is rebuilt
    (Snakemake does not rebuild a missing intermediate file whose dependents are up to date)."""
    return [
        *per_network(f"{R}/networks/{NET}.pt"),
        *per_network(f"{R}/networks/{NET}.json"),
        *per_network(f"{R}/counts/{NET}.json"),
        f"{R}/networks.csv",
        f"{R}/splits.csv",
        f"{R}/bounds.csv",
        *figure_files("regions_per_split"),
        *figure_files("error_vs_regions"),
    ]


def figure_files(name):
    return [f"{R}/figures/{name}.{ext}" for ext in ("png", "pdf", "csv")]


wildcard_constraints:
    n1=r"\d+",
    n2=r"\d+",
    seed=r"\d+",


def mnist_root(raw_file):
    """The torchvision root of a raw MNIST file ``<root>/MNIST/raw/<name>``."""
    return str(Path(raw_file).parents[2])
