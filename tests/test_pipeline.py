"""The Snakemake workflow end to end on config/quick.yaml, its plan on the default config, its
reruns, and the config validation. Runs into pytest temporary directories (``--directory``), so
it never touches the repository's results/ or .snakemake/."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from linregions import load_network
from linregions.certificate import brute_force_patterns

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))
QUICK = REPO / "config" / "quick.yaml"
DEFAULT = REPO / "config" / "config.yaml"
SHARED = REPO.parent / "shared" / "data" / "mnist"

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not SHARED.is_dir(), reason=f"MNIST is not in {SHARED}")]


def snakemake(workdir, *args, configfile=QUICK, check=True):
    cmd = [SNAKEMAKE, "-s", str(REPO / "Snakefile"), "--directory", str(workdir),
           "--configfile", str(configfile), *args]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return proc


def planned_jobs(proc) -> dict[str, int]:
    """The job-count table of a dry run (``snakemake -n --quiet rules``) as {rule: count}."""
    text = proc.stdout + proc.stderr
    if "Nothing to be done" in text:
        return {}
    table = text[text.index("Job stats:"):]
    counts = {}
    for line in table.splitlines()[3:]:
        m = re.fullmatch(r"\s*(\w+)\s+(\d+)\s*", line)
        if not m:
            break
        counts[m.group(1)] = int(m.group(2))
    counts.pop("total", None)
    return counts


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    """The quick workflow, run once into a temporary directory."""
    work = tmp_path_factory.mktemp("quick")
    snakemake(work, "--cores", "2")
    return work


@pytest.fixture(scope="module")
def cfg():
    return yaml.safe_load(QUICK.read_text())


def quick_splits(cfg):
    total = cfg["splits"]["total"]
    first, last = cfg["splits"]["n1"]
    return [(n1, total - n1) for n1 in range(first, last + 1)]


def test_tables_have_one_row_per_network_and_split(quick, cfg):
    # Proves the quick run produced every table row: one per (split, seed), one per split.
    nets = pd.read_csv(quick / "results" / "networks.csv")
    splits = pd.read_csv(quick / "results" / "splits.csv")
    expected = {(n1, n2, s) for n1, n2 in quick_splits(cfg) for s in cfg["seeds"]}
    assert set(zip(nets.n1, nets.n2, nets.seed)) == expected and len(nets) == len(expected)
    assert list(zip(splits.n1, splits.n2)) == quick_splits(cfg)
    assert (splits.networks == len(cfg["seeds"])).all()


def test_counts_equal_brute_force_and_respect_theorem1(quick, cfg):
    # Proves every count of the pipeline is complete, equals an independent brute-force count
    # (every one of the 2^N patterns through the certificate LP), and is <= its Theorem 1 bound.
    nets = pd.read_csv(quick / "results" / "networks.csv")
    bounds = pd.read_csv(quick / "results" / "bounds.csv").set_index(["n1", "n2"])
    eps = cfg["count"]["eps"]
    for row in nets.itertuples():
        assert row.complete, f"count of n1={row.n1}, n2={row.n2}, seed={row.seed} stopped"
        pt = quick / "results" / "networks" / f"n1_{row.n1}_n2_{row.n2}" / f"seed_{row.seed}.pt"
        brute = len(brute_force_patterns(load_network(pt), 0.0, 1.0, eps))
        assert row.regions == brute, f"n1={row.n1}, n2={row.n2}, seed={row.seed}"
        assert row.regions <= bounds.loc[(row.n1, row.n2), "theorem1"]


def test_every_count_agrees_with_the_milp_pattern_by_pattern(quick, cfg):
    # Proves the cross-check ran on every network of the quick config (all within max_bound)
    # and found lp's pattern set identical to the paper's MILP's; the split table tallies it.
    nets = pd.read_csv(quick / "results" / "networks.csv")
    assert (nets.crosscheck_method == "milp").all() and (nets.crosscheck_compared == "patterns").all()
    assert nets.crosscheck_agree.astype(bool).all() and (nets.crosscheck_regions == nets.regions).all()
    splits = pd.read_csv(quick / "results" / "splits.csv")
    assert (splits.crosschecked == len(cfg["seeds"])).all() and (splits.crosscheck_agree == splits.crosschecked).all()


def test_sharded_counts_sum_to_the_unsharded_ones(quick, tmp_path):
    # Proves count.shards: the same networks counted as 3 shard jobs each, summed by the local
    # rule, give exactly the counts of the unsharded run.
    import shutil

    for sub in ("results/networks", "resources"):
        shutil.copytree(quick / sub, tmp_path / sub)
    cfg = yaml.safe_load(QUICK.read_text())
    cfg["count"]["shards"] = 3
    (tmp_path / "c.yaml").write_text(yaml.safe_dump(cfg))
    plan = planned_jobs(snakemake(tmp_path, "-n", "--quiet", "rules", configfile=tmp_path / "c.yaml"))
    assert plan["count"] == 3 * len(per_network_keys(cfg)) and plan["sum_shards"] == len(per_network_keys(cfg))
    assert "train" not in plan
    snakemake(tmp_path, "--cores", "2", configfile=tmp_path / "c.yaml")
    sharded = pd.read_csv(tmp_path / "results" / "networks.csv")
    whole = pd.read_csv(quick / "results" / "networks.csv")
    assert sharded.regions.tolist() == whole.regions.tolist() and sharded.complete.all()
    record = json.loads((tmp_path / "results" / "counts" / "n1_4_n2_4" / "seed_0.json").read_text())
    assert record["shards"] == 3 and record["complete"]


def test_networks_beyond_a_bound_are_estimated_and_the_estimator_is_checked(quick, tmp_path):
    # Proves estimate.above and estimate.check: the quick networks whose Theorem 1 bound exceeds 200
    # (n1 = 5..7) are estimated by the count rule, recorded as estimates with intervals that hold
    # their brute-force counts, left out of the count statistics and the MILP cross-check, and
    # shown as estimates in the split table; one seed of every counted split is also estimated and
    # the table records whether its interval covers the count. (These 8-unit trees are small enough
    # for the estimator to enumerate whole, so the intervals are exact: this proves the workflow's
    # handling; the estimator's statistics are tested in test_estimate.py.)
    import shutil

    for sub in ("results/networks", "resources"):
        shutil.copytree(quick / sub, tmp_path / sub)
    cfg = yaml.safe_load(QUICK.read_text())
    cfg["estimate"] = {"above": 200, "check": 1, "time_limit": 60, "half_width": 0.05, "seed": 0}
    (tmp_path / "c.yaml").write_text(yaml.safe_dump(cfg))
    plan = planned_jobs(snakemake(tmp_path, "-n", "--quiet", "rules", configfile=tmp_path / "c.yaml"))
    assert plan["count"] == 14 and plan["crosscheck"] == 8 and plan["estimate_check"] == 4
    snakemake(tmp_path, "--cores", "2", configfile=tmp_path / "c.yaml")
    nets = pd.read_csv(tmp_path / "results" / "networks.csv")
    whole = pd.read_csv(quick / "results" / "networks.csv").set_index(["n1", "n2", "seed"])
    est = nets[nets.n1 >= 5]
    assert (est.kind == "estimate").all() and (est.method == "estimate").all() and not est.complete.any()
    assert (nets[nets.n1 < 5].kind == "count").all() and nets[nets.n1 < 5].complete.all()
    assert est.crosscheck_method.isna().all() and nets[nets.n1 < 5].crosscheck_agree.astype(bool).all()
    exact = whole.loc[list(zip(est.n1, est.n2, est.seed)), "regions"].to_numpy()  # = brute force (test above)
    assert ((est.interval_low <= est.regions) & (est.regions <= est.interval_high)).all()
    assert ((est.interval_low.to_numpy() <= exact) & (exact <= est.interval_high.to_numpy())).all(), est
    checked = nets[nets.estimate_check_covers.notna()]
    assert sorted(zip(checked.n1, checked.seed)) == [(1, 0), (2, 0), (3, 0), (4, 0)]
    inside = (checked.estimate_check_low <= checked.regions) & (checked.regions <= checked.estimate_check_high)
    assert (checked.estimate_check_covers.astype(bool) == inside).all() and inside.all()
    splits = pd.read_csv(tmp_path / "results" / "splits.csv").set_index("n1")
    assert (splits.loc[5:7, "estimated"] == 2).all() and (splits.loc[5:7, "complete"] == 0).all()
    assert splits.loc[5:7, "regions_mean"].isna().all() and splits.loc[5:7, "stopped_max"].isna().all()
    assert (splits.loc[1:4, "estimate_checked"] == 1).all() and (splits.loc[1:4, "estimate_covers"] == 1).all()
    figure = pd.read_csv(tmp_path / "results" / "figures" / "regions_per_split.csv").set_index("n1")
    assert (figure.loc[5:7, "estimate_low"] <= figure.loc[5:7, "estimate_mean"]).all()


def per_network_keys(cfg):
    return [(n1, n2, s) for n1, n2 in quick_splits(cfg) for s in cfg["seeds"]]


def test_report_holds_figures_tables_and_config(quick):
    # Proves `snakemake --report` builds a self-contained report with both figures, both tables
    # and the configuration, each with its caption.
    snakemake(quick, "--report", "report.zip")
    import zipfile

    with zipfile.ZipFile(quick / "report.zip") as z:
        names = z.namelist()
        text = "".join(z.read(n).decode("utf-8", "replace") for n in names if n.endswith((".js", ".html")))
    for item in ("regions_per_split.png", "error_vs_regions.png", "networks.html", "splits.html", "config.html"):
        assert any(n.endswith(item) for n in names), (item, names)
    for caption in ("One row per trained network", "One row per split", "The configuration this run used",
                    "Linear regions of the trained MNIST networks", "Training error (left)"):
        assert caption in text, caption


def test_figures_are_png_and_pdf_with_data(quick):
    # Proves each figure exists as a non-empty PNG and PDF (checked by magic bytes) with a CSV.
    fig = quick / "results" / "figures"
    for name in ("regions_per_split", "error_vs_regions", "plane_regions"):
        assert (fig / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert (fig / f"{name}.pdf").read_bytes()[:5] == b"%PDF-"
        assert len(pd.read_csv(fig / f"{name}.csv")) > 0


def test_rerun_does_nothing_and_a_deleted_count_reruns_only_its_chain(quick):
    # Proves a second run of the same target plans no job, and that deleting one count (the
    # record of its one shard) plans exactly that count and what depends on it (its sum, tables,
    # figures), then recreates the same count.
    assert planned_jobs(snakemake(quick, "-n", "--quiet", "rules")) == {}
    count = quick / "results" / "counts" / "n1_3_n2_5" / "seed_1.json"
    shard = quick / "results" / "counts" / "n1_3_n2_5" / "seed_1" / "shard_0_of_1.json"
    before = json.loads(count.read_text())
    shard.unlink()
    plan = planned_jobs(snakemake(quick, "-n", "--quiet", "rules"))
    assert plan == {"count": 1, "sum_shards": 1, "crosscheck": 1, "networks_table": 1, "splits_table": 1,
                    "report_pages": 1, "figure_regions_per_split": 1, "figure_error_vs_regions": 1, "all": 1}
    snakemake(quick, "--cores", "2")
    after = json.loads(count.read_text())
    assert after["regions"] == before["regions"] and after["complete"]
    assert planned_jobs(snakemake(quick, "-n", "--quiet", "rules")) == {}


def test_default_config_plans_210_networks(tmp_path):
    # Proves the paper's experiment is planned in full: 21 splits x 10 seeds = 210 trainings
    # and 210 counts, one bounds job, one MNIST fetch, and the MILP cross-check of the 40
    # networks with Theorem 1 bound <= 20,000 (n1 = 1..4) plus one seed of each other split.
    plan = planned_jobs(snakemake(tmp_path, "-n", "--quiet", "rules", configfile=DEFAULT))
    assert plan["train"] == 210 and plan["count"] == 210 and plan["publish_networks"] == 1
    assert plan["mnist"] == 1 and plan["bounds"] == 1
    assert plan["crosscheck"] == 40 + 17


def test_published_config_recounts_the_committed_networks(tmp_path):
    # Proves config/published.yaml as a user runs it on a fresh clone: no training, the networks
    # read from results/trained_networks.npz, and the resulting table holds exactly the committed
    # run's regions and errors (here on four networks of two splits, counted in seconds).
    (tmp_path / "c.yaml").write_text(yaml.safe_dump({
        "splits": {"total": 22, "list": [[1, 21], [20, 2]]}, "seeds": [0, 1],
        "crosscheck": {"max_bound": 0, "per_split": 0}}))
    published = REPO / "config" / "published.yaml"
    args = ["--directory", str(tmp_path), "--configfile", str(DEFAULT), str(published), str(tmp_path / "c.yaml")]
    cmd = [SNAKEMAKE, "-s", str(REPO / "Snakefile"), *args]
    plan = subprocess.run([*cmd, "-n", "--quiet", "rules"], capture_output=True, text=True)
    assert plan.returncode == 0, plan.stderr[-2000:]
    plan = planned_jobs(plan)
    assert plan["published_network"] == 4 and plan["count"] == 4
    assert "train" not in plan and "publish_networks" not in plan
    run = subprocess.run([*cmd, "--cores", "2"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-3000:]
    got = pd.read_csv(tmp_path / "results" / "published" / "networks.csv")
    committed = pd.read_csv(REPO / "results" / "networks.csv").merge(got[["n1", "n2", "seed"]])
    cols = ["n1", "n2", "seed", "train_error", "test_error", "regions", "complete"]
    assert len(got) == 4 and got[cols].equals(committed[cols])


@pytest.mark.parametrize("total", [32, 44])
def test_wide_study_configs_plan_thirty_networks_over_the_default(tmp_path, total):
    # Proves the study configs run over config/config.yaml as a user runs them (the default loaded
    # first, so its splits.n1 is there too): splits.list replaces n1, 10 splits x 3 seeds are
    # planned, and no MILP cross-check (the study's networks are estimated beyond bound 100,000).
    wide = REPO / "config" / f"wide{total}.yaml"
    cmd = [SNAKEMAKE, "-s", str(REPO / "Snakefile"), "--directory", str(tmp_path), "--configfile", str(DEFAULT),
           str(wide), "-n", "--quiet", "rules"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    plan = planned_jobs(proc)
    assert plan["train"] == 30 and plan["count"] == 30 and "crosscheck" not in plan
    assert yaml.safe_load(wide.read_text())["estimate"]["above"] == 100000


BAD_CONFIGS = {
    # name: (change to the quick config, words the one-line error must contain)
    "wrong_type": (lambda c: c["train"].update(epochs="two"), ["train.epochs", "'two' is not of type 'integer'"]),
    "split_sum": (lambda c: c["splits"].update(n1=None) or c["splits"].pop("n1")
                  or c["splits"].update(list=[[3, 5], [4, 5]]), ["splits.list", "[4, 5] sums to 9", "total = 8"]),
    "n1_range": (lambda c: c["splits"].update(n1=[1, 8]), ["splits.n1", "total - 1 = 7"]),
    "unknown_method": (lambda c: c["count"].update(method="simplex"), ["count.method", "'simplex'"]),
    "negative_seed": (lambda c: c.update(seeds=[0, -1]), ["seeds.1", "-1 is less than the minimum of 0"]),
    "eps_zero": (lambda c: c["count"].update(eps=0), ["count.eps", "0 is less than or equal to the minimum of 0"]),
}


@pytest.mark.parametrize("name", sorted(BAD_CONFIGS))
def test_bad_config_stops_with_a_clear_message(tmp_path, name):
    # Proves the schema and the split check stop a bad config before any job, naming the key.
    change, words = BAD_CONFIGS[name]
    cfg = yaml.safe_load(QUICK.read_text())
    change(cfg)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(cfg))
    proc = snakemake(tmp_path, "-n", configfile=path, check=False)
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    line = next((l for l in out.splitlines() if "invalid config" in l), "")
    assert line, out[-2000:]
    for w in words:
        assert w in line, line


def test_stopped_counts_are_lower_bounds_in_tables_and_figures(tmp_path):
    # Proves a stopped count (complete=False) never enters the statistics of counts of a split
    # (it is reported as stopped_max, a lower bound) nor the Spearman correlation, and that both
    # figures still draw when some counts stopped.
    from linregions.figures import error_vs_regions, regions_per_split
    from linregions.tables import bounds_table, split_table

    nets = pd.DataFrame({
        "n1": [2, 2, 2, 3, 3, 3], "n2": [3, 3, 3, 2, 2, 2], "seed": [0, 1, 2, 0, 1, 2],
        "train_error": [0.3, 0.2, 0.25, 0.1, 0.15, 0.12], "test_error": [0.31, 0.22, 0.26, 0.11, 0.16, 0.13],
        "regions": [10, 14, 99, 20, 22, 21], "complete": [True, True, False, True, True, True],
        "method": "milp", "eps": 1e-6, "count_seconds": 1.0, "status": "complete",
    })
    splits = split_table(nets, bounds_table(784, [(2, 3), (3, 2)]))
    row = splits.set_index("n1").loc[2]
    assert row.networks == 3 and row.complete == 2
    assert row.regions_mean == 12 and row.regions_max == 14 and row.stopped_max == 99
    assert pd.isna(splits.set_index("n1").loc[3, "stopped_max"])
    regions_per_split(splits, tmp_path / "a.png", tmp_path / "a.pdf", tmp_path / "a.csv")
    drawn = error_vs_regions(nets, tmp_path / "b.png", tmp_path / "b.pdf", tmp_path / "b.csv", faded_below=2)
    assert drawn["in_correlation"].tolist() == [True, True, False, True, True, True]
    for name in ("a", "b"):
        assert (tmp_path / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert (tmp_path / f"{name}.pdf").read_bytes()[:5] == b"%PDF-"
