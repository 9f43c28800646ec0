# The two commands a user needs:  make run   (the MNIST experiment)   and   make test.
# Both create the virtual environment .venv on first use (pip, about a minute and 6 GB).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
CORES  ?= 2
CONFIG ?= config/config.yaml

.PHONY: run quick test lint clean-venv

$(BIN)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python >= 3.11 is needed (snakemake 8+); run: make PYTHON=python3.11"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

run: $(BIN)/.installed
	$(BIN)/snakemake --cores $(CORES) --configfile $(CONFIG)

quick: $(BIN)/.installed
	$(BIN)/snakemake --cores $(CORES) --configfile config/quick.yaml

test: $(BIN)/.installed
	$(BIN)/python -m pytest -q

lint: $(BIN)/.installed
	$(BIN)/snakemake --lint

clean-venv:
	rm -rf $(VENV)
