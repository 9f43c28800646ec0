# Upper bounds on the number of regions of every split, from the widths alone.


localrules:
    bounds,


rule bounds:
    output:
        f"{R}/bounds.csv",
    params:
        n0=N0,
        splits=SPLITS,
    log:
        f"{LOGS}/bounds.log",
    benchmark:
        f"{LOGS}/benchmarks/bounds.tsv"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    conda:
        "../../envs/linregions.yaml"
    script:
        "../../scripts/bounds.py"
