# Tables (one row per network, one per split) and the two figures.


localrules:
    networks_table,
    splits_table,
    figure_regions_per_split,
    figure_error_vs_regions,


rule networks_table:
    input:
        meta=per_network(f"{R}/networks/{NET}.json"),
        counts=per_network(f"{R}/counts/{NET}.json"),
    output:
        f"{R}/networks.csv",
    log:
        f"{LOGS}/networks_table.log",
    benchmark:
        f"{LOGS}/benchmarks/networks_table.tsv"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    conda:
        "../../envs/linregions.yaml"
    script:
        "../../scripts/networks_table.py"


rule splits_table:
    input:
        networks=f"{R}/networks.csv",
        bounds=f"{R}/bounds.csv",
    output:
        f"{R}/splits.csv",
    log:
        f"{LOGS}/splits_table.log",
    benchmark:
        f"{LOGS}/benchmarks/splits_table.tsv"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    conda:
        "../../envs/linregions.yaml"
    script:
        "../../scripts/splits_table.py"


rule figure_regions_per_split:
    input:
        f"{R}/splits.csv",
    output:
        png=report(
            f"{R}/figures/regions_per_split.png",
            caption="../report/regions_per_split.rst",
            category="Figures",
        ),
        pdf=f"{R}/figures/regions_per_split.pdf",
        csv=f"{R}/figures/regions_per_split.csv",
    log:
        f"{LOGS}/figure_regions_per_split.log",
    benchmark:
        f"{LOGS}/benchmarks/figure_regions_per_split.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        "../../envs/linregions.yaml"
    script:
        "../../scripts/figure_regions_per_split.py"


rule figure_error_vs_regions:
    input:
        f"{R}/networks.csv",
    output:
        png=report(
            f"{R}/figures/error_vs_regions.png",
            caption="../report/error_vs_regions.rst",
            category="Figures",
        ),
        pdf=f"{R}/figures/error_vs_regions.pdf",
        csv=f"{R}/figures/error_vs_regions.csv",
    params:
        faded_below=config["figures"]["faded_below"],
    log:
        f"{LOGS}/figure_error_vs_regions.log",
    benchmark:
        f"{LOGS}/benchmarks/figure_error_vs_regions.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        "../../envs/linregions.yaml"
    script:
        "../../scripts/figure_error_vs_regions.py"
