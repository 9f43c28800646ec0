# MNIST: the four raw IDX files, checked against their SHA-256, where torchvision reads them.


# a download: on a cluster it runs on the login node (compute nodes may have no internet)
localrules:
    mnist,


rule mnist:
    output:
        expand(f"{MNIST_ROOT}/MNIST/raw/{{name}}", name=MNIST_FILES),
    params:
        root=lambda w, output: mnist_root(output[0]),
        directory=data_directory(),
        sources=config["data"]["sources"],
    log:
        f"{LOGS}/mnist.log",
    benchmark:
        f"{LOGS}/benchmarks/mnist.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=30,
    conda:
        "../../envs/linregions.yaml"
    script:
        "../../scripts/fetch_mnist.py"
