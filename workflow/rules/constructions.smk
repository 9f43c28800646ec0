# Figure (c): linear regions of 2-input constructions with known counts, deep against shallow
# with the same number of hidden units, each counted exactly (method lp) beside its formula.
# Settings from config key `constructions` (all optional; defaults in the config schema).

CONSTRUCTIONS = config["constructions"]


localrules:
    figure_constructions,


rule figure_constructions:
    output:
        png=report(f"{R}/figures/constructions.png", category="Figures"),
        pdf=f"{R}/figures/constructions.pdf",
        csv=f"{R}/figures/constructions.csv",
    params:
        panels=CONSTRUCTIONS["panels"],
        resolution=CONSTRUCTIONS["resolution"],
        eps=config["count"]["eps"],
        seed=CONSTRUCTIONS["seed"],
    log:
        f"{LOGS}/figure_constructions.log",
    benchmark:
        f"{LOGS}/benchmarks/figure_constructions.tsv"
    threads: 1
    resources:
        mem_mb=1500,
        runtime=10,
    conda:
        "../../envs/linregions.yaml"
    script:
        "../../scripts/figure_constructions.py"
