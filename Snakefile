# linregions: the MNIST experiment of Serra, Tjandraatmadja & Ramalingam (ICML 2018).
#
#   MNIST -> trained networks -> region counts -> tables -> figures, with the bounds beside it.
#
#   snakemake -n                                    # plan the whole experiment (210 networks)
#   snakemake --cores 2 --configfile config/quick.yaml   # the same DAG in a few minutes
#   snakemake --cores 8                             # the experiment
#   snakemake --report results/report.html          # figures, tables and config with captions

configfile: "config/config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/count.smk"
include: "workflow/rules/bounds.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/planes.smk"
# Further studies, built only when asked for (not part of rule all):
#   snakemake --cores 1 results/figures/constructions.png   figure (c), 2-input constructions
#   snakemake --cores 2 results/tolerance.csv                counts at several eps
include: "workflow/rules/constructions.smk"
include: "workflow/rules/tolerance.smk"


rule all:
    input:
        all_outputs(),
    default_target: True


onerror:
    # A job SLURM stopped at its time or memory limit: name the rule and the resource to raise
    # (the executor plugin reports only the job's state).
    import runpy
    import sys

    advise = runpy.run_path(str(REPO / "scripts" / "cluster" / "slurm_advice.py"))["report"]
    for line in advise(log, config):
        print(line, file=sys.stderr)
