# How the count depends on eps: a sample of the trained networks (one seed of every k-th split)
# counted at several eps (method lp), with the certificate margins of the regions found at the
# smallest eps. Settings from config key `tolerance` (all optional; defaults below).

TOLERANCE = config.get("tolerance", {})
TOL_EPS = [float(e) for e in TOLERANCE.get("eps", [1e-3, 1e-4, 1e-6, 1e-8])]
TOL_SPLITS = SPLITS[:: int(TOLERANCE.get("every", 5))]
TOL_SEED = TOLERANCE.get("seed", SEEDS[0])
TOL_TIME_LIMIT = TOLERANCE.get("time_limit", config["count"].get("time_limit"))  # None: no limit
# minutes a count may take: its time limit, or without one the count rule's runtime
TOL_COUNT_MINUTES = TOL_TIME_LIMIT / 60 if TOL_TIME_LIMIT else config["count"].get("runtime", 120)
TOL_MAX_MARGINS = TOLERANCE.get("max_margins", 2000)  # null: every region's margin
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
        seed=TOLERANCE.get("sample_seed", 0),
        time_limit=TOL_TIME_LIMIT,
    log:
        f"{LOGS}/tolerance_study.log",
    benchmark:
        f"{LOGS}/benchmarks/tolerance_study.tsv"
    threads: 1
    resources:
        mem_mb=TOLERANCE.get("mem_mb", 4000),
        # every count may run to its time limit, plus about 0.1 s a certified margin
        runtime=TOLERANCE.get(
            "runtime",
            int(len(TOL_NETWORKS) * (len(TOL_EPS) * TOL_COUNT_MINUTES + 0.1 * (TOL_MAX_MARGINS or 100_000) / 60)) + 10,
        ),
    conda:
        "../../envs/linregions.yaml"
    script:
        "../../scripts/tolerance_study.py"
