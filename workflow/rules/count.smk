# The linear regions of each trained network on the box [lower, upper]^784 (estimated instead
# when its Theorem 1 bound exceeds estimate.above), the other method's check of a sample of
# the counts, and the estimator's check on a sample of them.

SHARDS = config["count"]["shards"]
COUNT = f"{R}/counts/{NET}.json"
# Shard i of k of a network's search tree is counted by its own job (k = 1: the whole tree), and a
# local rule sums the k shards into the network's count.
SHARD = f"{R}/counts/{NET}/shard_{{shard}}_of_{SHARDS}.json"
ESTIMATE_OPTIONS = {key: config["estimate"][key] for key in ("time_limit", "half_width", "seed")}


localrules:
    sum_shards,


rule count:
    input:
        model=f"{R}/networks/{NET}.pt",
    output:
        SHARD,
    params:
        method=config["count"]["method"],
        eps=config["count"]["eps"],
        margin=config["count"]["margin"],
        scale=config["count"]["scale"],
        lower=config["count"]["lower"],
        upper=config["count"]["upper"],
        time_limit=config["count"]["time_limit"],
        shards=SHARDS,
        # An estimated network's options (method estimate), None for a counted one.
        estimate=lambda w: ESTIMATE_OPTIONS if estimated(w.n1, w.n2) else None,
    log:
        f"{LOGS}/count/{NET}/shard_{{shard}}_of_{SHARDS}.log",
    benchmark:
        f"{LOGS}/benchmarks/count/{NET}/shard_{{shard}}_of_{SHARDS}.tsv"
    threads: config["count"]["threads"]
    resources:
        mem_mb=lambda w: config["estimate" if estimated(w.n1, w.n2) else "count"]["mem_mb"],
        runtime=lambda w: config["estimate" if estimated(w.n1, w.n2) else "count"]["runtime"],
    conda:
        "../../envs/linregions.yaml"
    script:
        "../../scripts/count.py"


rule sum_shards:
    input:
        expand(SHARD, shard=range(SHARDS), allow_missing=True),
    output:
        COUNT,
    log:
        f"{LOGS}/count/{NET}.log",
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    conda:
        "../../envs/linregions.yaml"
    script:
        "../../scripts/sum_shards.py"


rule crosscheck:
    input:
        model=f"{R}/networks/{NET}.pt",
        counted=COUNT,
    output:
        f"{R}/crosscheck/{NET}.json",
    params:
        method=config["crosscheck"]["method"],
        time_limit=config["crosscheck"]["time_limit"],
        patterns_below=config["crosscheck"]["patterns_below"],
    log:
        f"{LOGS}/crosscheck/{NET}.log",
    benchmark:
        f"{LOGS}/benchmarks/crosscheck/{NET}.tsv"
    threads: 1
    resources:
        mem_mb=config["crosscheck"]["mem_mb"],
        runtime=config["crosscheck"]["runtime"],
    conda:
        "../../envs/linregions.yaml"
    script:
        "../../scripts/crosscheck.py"


rule estimate_check:
    input:
        model=f"{R}/networks/{NET}.pt",
        counted=COUNT,
    output:
        f"{R}/estimate_check/{NET}.json",
    params:
        **ESTIMATE_OPTIONS,
    log:
        f"{LOGS}/estimate_check/{NET}.log",
    benchmark:
        f"{LOGS}/benchmarks/estimate_check/{NET}.tsv"
    threads: 1
    resources:
        mem_mb=config["estimate"]["mem_mb"],
        runtime=config["estimate"]["runtime"],
    conda:
        "../../envs/linregions.yaml"
    script:
        "../../scripts/estimate_check.py"
