# The two commands a user needs:  make run   (the MNIST experiment)   and   make test.
# Both create the virtual environment .venv on first use (pip, about a minute and 6 GB).
# make test-fast leaves out the tests marked slow (workflow runs, clusters, subprocesses, the
# largest brute-force cases) and runs the rest on $(CORES) processes (pytest-xdist).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
CORES  ?= 2
CONFIG ?= config/config.yaml

# The library needs only numpy, scipy, numba and highspy (pip install .); the environment here gets every
# extra, with the exact PyTorch builds this machine keeps on disk (a looser pin would fetch a
# CUDA build of several GB).
TORCH  := torch==2.14.1 torchvision==0.29.1

.PHONY: run quick test test-fast lint clean-venv

$(BIN)/.installed: pyproject.toml Makefile
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python >= 3.11 is needed (snakemake 8+); run: make PYTHON=python3.11"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -e '.[torch,milp,workflow,test]' $(TORCH)
	$(BIN)/python -m linregions.warmup  # the numba kernels' one-time compile (about a minute)
	touch $@

run: $(BIN)/.installed
	$(BIN)/snakemake --cores $(CORES) --configfile $(CONFIG)

quick: $(BIN)/.installed
	$(BIN)/snakemake --cores $(CORES) --configfile config/quick.yaml

# Both run on $(CORES) pytest-xdist workers; make test keeps each test file on one worker
# (--dist loadfile), so that a file's module-scoped workflow run or SLURM cluster starts once,
# and prints the 25 slowest tests, so that a CI log says what grew.
test: $(BIN)/.installed
	$(BIN)/python -m pytest -q -n $(CORES) --dist loadfile --durations=25

test-fast: $(BIN)/.installed
	$(BIN)/python -m pytest -q -m "not slow" -n $(CORES)

lint: $(BIN)/.installed
	$(BIN)/snakemake --lint

clean-venv:
	rm -rf $(VENV)
