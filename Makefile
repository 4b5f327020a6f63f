# Two commands do everything on a fresh machine (see README):
#   make test    install into .venv and run every test
#   make book    install, execute the notebooks with papermill (PROFILE=ci|paper), build the HTML
PYTHON  ?= python3
VENV    ?= .venv
# The CPU wheel; override with e.g. TORCH='torch==2.13.0 --index-url https://download.pytorch.org/whl/cu124'
TORCH   ?= torch==2.13.0
PROFILE ?= ci
# pages executed at a time by `make book` (each kernel on one thread)
JOBS    ?= 2
BIN     := $(VENV)/bin
# magnum.np, the peer of the cross-checks, in its own environment: `import magnumnp` changes
# torch's global state (default dtype and device), so it never shares a process with spsll
PEER    := benchmarks/.peer-venv

.PHONY: test book install install-book peer bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.stamp-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/pip install $(TORCH)
	$(BIN)/pip install -e ".[test]"
	touch $@

$(VENV)/.stamp-book: pyproject.toml $(VENV)/.stamp-test
	$(BIN)/pip install -e ".[test,book]"
	touch $@

$(PEER)/.stamp:
	$(PYTHON) -m venv $(PEER)
	echo "$(TORCH)" | cut -d' ' -f1 > $(PEER)/constraints.txt
	$(PEER)/bin/python -c "import torch" 2>/dev/null || $(PEER)/bin/pip install $(TORCH)
	$(PEER)/bin/pip install -c $(PEER)/constraints.txt magnumnp numpy
	touch $@

install: $(VENV)/.stamp-test
install-book: $(VENV)/.stamp-book

peer: $(PEER)/.stamp

# the two environments install side by side (-j2), then pytest runs on two workers, each on one
# thread (BLAS and OpenMP threads of two workers on two cores would only spin against each other)
test:
	$(MAKE) -j2 $(VENV)/.stamp-book $(PEER)/.stamp
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 $(BIN)/python -m pytest -n 2 --dist loadfile

book: $(VENV)/.stamp-book
	$(BIN)/python book/build.py --profile $(PROFILE) --jobs $(JOBS)

bench: $(VENV)/.stamp-test
	$(BIN)/python benchmarks/bench_dispersion.py

clean:
	rm -rf _build results/ci results/paper
