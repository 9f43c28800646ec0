# Tables (one row per network, one per split), the two figures, and the pages of the report.


localrules:
    networks_table,
    splits_table,
    figure_regions_per_split,
    figure_error_vs_regions,
    report_pages,


rule networks_table:
    input:
        meta=per_network(f"{R}/networks/{NET}.json"),
        counts=per_network(f"{R}/counts/{NET}.json"),
        checks=crosscheck_files(),
        estimate_checks=estimate_check_files(),
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


rule report_pages:
    input:
        networks=f"{R}/networks.csv",
        splits=f"{R}/splits.csv",
    output:
        networks=report(f"{R}/report/networks.html", caption="../report/networks_table.rst", category="Tables"),
        splits=report(f"{R}/report/splits.html", caption="../report/splits_table.rst", category="Tables"),
        config=report(f"{R}/report/config.html", caption="../report/config.rst", category="Configuration"),
    params:
        config=config,
    log:
        f"{LOGS}/report_pages.log",
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    conda:
        "../../envs/linregions.yaml"
    script:
        "../../scripts/report_pages.py"
