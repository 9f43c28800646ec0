# How the count depends on eps: a sample of the trained networks (one seed of every k-th split)
# counted at several eps (method lp), with the certificate margins of the regions found at the
# smallest eps. Settings from config key `tolerance` (all optional; defaults in the config schema).

TOLERANCE = config["tolerance"]
TOL_EPS = [float(e) for e in TOLERANCE["eps"]]
TOL_SPLITS = SPLITS[:: TOLERANCE["every"]]
TOL_SEED = SEEDS[0] if TOLERANCE["seed"] is None else TOLERANCE["seed"]
TOL_TIME_LIMIT = config["count"]["time_limit"] if TOLERANCE["time_limit"] is None else TOLERANCE["time_limit"]  # None: no limit
# minutes a count may take: its time limit, or without one the count rule's runtime
TOL_COUNT_MINUTES = TOL_TIME_LIMIT / 60 if TOL_TIME_LIMIT else config["count"]["runtime"]
TOL_MAX_MARGINS = TOLERANCE["max_margins"]  # None: every region's margin
TOL_NETWORKS = [NET.format(n1=n1, n2=n2, seed=TOL_SEED) for n1, n2 in TOL_SPLITS]


rule tolerance_study:
    input:
        models=[f"{R}/networks/{name}.pt" for name in TOL_NETWORKS],
    output:
        counts=f"{R}/tolerance.csv",
        margins=f"{R}/tolerance_margins.csv",
        table=f"{R}/tolerance.md",
    params:
        names=TOL_NETWORKS,
        eps=TOL_EPS,
        lower=config["count"]["lower"],
        upper=config["count"]["upper"],
        max_margins=TOL_MAX_MARGINS,
        seed=TOLERANCE["sample_seed"],
        time_limit=TOL_TIME_LIMIT,
        scale=config["count"]["scale"],
    log:
        f"{LOGS}/tolerance_study.log",
    benchmark:
        f"{LOGS}/benchmarks/tolerance_study.tsv"
    threads: 1
    resources:
        mem_mb=TOLERANCE["mem_mb"],
        # every count may run to its time limit, plus about 0.1 s a certified margin
        runtime=TOLERANCE["runtime"]
        or int(len(TOL_NETWORKS) * (len(TOL_EPS) * TOL_COUNT_MINUTES + 0.1 * (TOL_MAX_MARGINS or 100_000) / 60)) + 10,
    conda:
        "../../envs/linregions.yaml"
    script:
        "../../scripts/tolerance_study.py"
