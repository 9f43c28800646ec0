# One network 784-n1-n2-10 per split and seed: trained on MNIST (networks.source train), the
# run's networks then published in one archive; or read from such an archive (source published),
# which reproduces that run's counts bit for bit on any machine.


if config["networks"]["source"] == "train":

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

    rule publish_networks:
        input:
            models=per_network(f"{R}/networks/{NET}.pt"),
            meta=per_network(f"{R}/networks/{NET}.json"),
        output:
            f"{R}/trained_networks.npz",
        log:
            f"{LOGS}/publish_networks.log",
        threads: 1
        resources:
            mem_mb=2000,
            runtime=10,
        conda:
            "../../envs/linregions.yaml"
        script:
            "../../scripts/publish_networks.py"

else:

    rule published_network:
        input:
            published_archive(),
        output:
            model=f"{R}/networks/{NET}.pt",
            meta=f"{R}/networks/{NET}.json",
        log:
            f"{LOGS}/published_network/{NET}.log",
        threads: 1
        resources:
            mem_mb=1000,
            runtime=10,
        conda:
            "../../envs/linregions.yaml"
        script:
            "../../scripts/published_network.py"
