# The linear regions of each trained network on the box [lower, upper]^784.


rule count:
    input:
        model=f"{R}/networks/{NET}.pt",
    output:
        f"{R}/counts/{NET}.json",
    params:
        method=config["count"]["method"],
        eps=config["count"]["eps"],
        margin=config["count"]["margin"],
        lower=config["count"]["lower"],
        upper=config["count"]["upper"],
        time_limit=config["count"]["time_limit"],
    log:
        f"{LOGS}/count/{NET}.log",
    benchmark:
        f"{LOGS}/benchmarks/count/{NET}.tsv"
    threads: config["count"]["threads"]
    resources:
        mem_mb=config["count"]["mem_mb"],
        runtime=config["count"]["runtime"],
    conda:
        "../../envs/linregions.yaml"
    script:
        "../../scripts/count.py"
