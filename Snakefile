# linregions: the MNIST experiment of Serra, Tjandraatmadja & Ramalingam (ICML 2018).
#
#   MNIST -> trained networks -> region counts -> tables -> figures, with the bounds beside it.
#
#   snakemake -n                                    # plan the whole experiment (210 networks)
#   snakemake --cores 2 --configfile config/quick.yaml   # the same DAG in a few minutes
#   snakemake --cores 8                             # the experiment
#   snakemake --report report.html                  # figures with captions

configfile: "config/config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/count.smk"
include: "workflow/rules/bounds.smk"
include: "workflow/rules/report.smk"


rule all:
    input:
        all_outputs(),
    default_target: True
