# Figure (c): linear regions of 2-input constructions with known counts, deep against shallow
# with the same number of hidden units, each counted exactly (method lp) beside its formula.
# Settings from config key `constructions` (all optional; defaults below).

CONSTRUCTIONS = config.get("constructions", {})


localrules:
    figure_constructions,


rule figure_constructions:
    output:
        png=report(f"{R}/figures/constructions.png", category="Figures"),
        pdf=f"{R}/figures/constructions.pdf",
        csv=f"{R}/figures/constructions.csv",
    params:
        panels=CONSTRUCTIONS.get(
            "panels",
            [
                {"name": "zaslavsky", "widths": [12]},
                {"name": "pascanu2014", "widths": [4, 4, 4]},
                {"name": "montufar2014", "widths": [6, 6]},
            ],
        ),
        resolution=CONSTRUCTIONS.get("resolution", 600),
        eps=config["count"]["eps"],
        seed=CONSTRUCTIONS.get("seed", 0),
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
