# Two commands do everything on a fresh machine (see README):
#   make test    install into .venv and run every test
#   make book    install, execute the notebooks with papermill (PROFILE=ci|paper), build the HTML
PYTHON  ?= python3
VENV    ?= .venv
# The CPU wheel; override with e.g. TORCH='torch==2.13.0 --index-url https://download.pytorch.org/whl/cu124'
TORCH   ?= torch==2.13.0
PROFILE ?= ci
BIN     := $(VENV)/bin

.PHONY: test book install install-book bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.stamp-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/pip install $(TORCH)
	$(BIN)/pip install -e ".[test]"
	touch $@

$(VENV)/.stamp-book: pyproject.toml $(VENV)/.stamp-test
	$(BIN)/pip install -e ".[test,book]"
	touch $@

install: $(VENV)/.stamp-test
install-book: $(VENV)/.stamp-book

test: $(VENV)/.stamp-book
	$(BIN)/python -m pytest

book: $(VENV)/.stamp-book
	$(BIN)/python book/build.py --profile $(PROFILE)

bench: $(VENV)/.stamp-test
	$(BIN)/python benchmarks/bench_dispersion.py

clean:
	rm -rf _build results/ci results/paper
