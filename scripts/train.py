"""Snakemake adapter: train one network 784-n1-n2-10 on MNIST and save it (rule train)."""


from linregions.data import load_mnist, subset
from linregions.logs import log_to_file
from linregions.train import TrainSettings, save_network, train_network

smk = snakemake  # noqa: F821 - injected by Snakemake
log_to_file(smk.log[0])
n1, n2, seed = int(smk.wildcards.n1), int(smk.wildcards.n2), int(smk.wildcards.seed)
x_tr, y_tr, x_te, y_te = load_mnist(smk.params.root)
x_tr, y_tr = subset(x_tr, y_tr, smk.params.train_subset, seed=0)
result = train_network([n1, n2], (x_tr, y_tr, x_te, y_te), seed=seed,
                       settings=TrainSettings(**smk.params.settings), threads=smk.threads)
save_network(result, smk.output.model, smk.output.meta,
             extra={"n1": n1, "n2": n2, "train_subset": smk.params.train_subset})
