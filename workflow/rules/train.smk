# One network 784-n1-n2-10 per split and seed, trained on MNIST.


rule train:
    input:
        rules.mnist.output,
    output:
        model=f"{R}/networks/{NET}.pt",
        meta=f"{R}/networks/{NET}.json",
    params:
        root=lambda w, input: mnist_root(input[0]),
        settings={
            k: config["train"][k]
            for k in ("epochs", "batch_size", "optimizer", "lr", "momentum", "weight_decay")
        },
        train_subset=config["train"].get("train_subset"),
    log:
        f"{LOGS}/train/{NET}.log",
    benchmark:
        f"{LOGS}/benchmarks/train/{NET}.tsv"
    threads: config["train"]["threads"]
    resources:
        mem_mb=config["train"]["mem_mb"],
        runtime=config["train"]["runtime"],
    conda:
        "../../envs/linregions.yaml"
    script:
        "../../scripts/train.py"
