# Figure (d): the linear regions on the plane through three MNIST test images, for one network of
# every split (the first seed), each counted exactly (method lp, the planar path) and drawn.
# Settings from config key `planes` (all optional; defaults in the config schema).

PLANES = config["planes"]
PLANE_SEED = SEEDS[0] if PLANES["seed"] is None else PLANES["seed"]
PLANE_NETWORKS = [NET.format(n1=n1, n2=n2, seed=PLANE_SEED) for n1, n2 in SPLITS]


rule figure_planes:
    input:
        mnist=rules.mnist.output,
        models=[f"{R}/networks/{name}.pt" for name in PLANE_NETWORKS],
    output:
        png=report(f"{R}/figures/plane_regions.png", caption="../report/plane_regions.rst", category="Figures"),
        pdf=f"{R}/figures/plane_regions.pdf",
        csv=f"{R}/figures/plane_regions.csv",
    params:
        root=lambda w, input: mnist_root(input.mnist[0]),
        names=[f"784-{n1}-{n2}" for n1, n2 in SPLITS],
        images=PLANES["images"],
        eps=config["count"]["eps"],
        lower=config["count"]["lower"],
        upper=config["count"]["upper"],
    log:
        f"{LOGS}/figure_planes.log",
    benchmark:
        f"{LOGS}/benchmarks/figure_planes.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=20,
    conda:
        "../../envs/linregions.yaml"
    script:
        "../../scripts/figure_planes.py"
