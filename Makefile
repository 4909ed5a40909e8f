# Two commands, on a machine with only python3 and make:
#   make lab    open the series in JupyterLab
#   make test   run the whole test suite (unit tests + every notebook under nbval)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
LOCK   := requirements.lock
LAB_ARGS ?=
# The notebooks print only what another CPU, BLAS or thread count reproduces. The test runs
# prove it: every notebook is checked under nbval with 2 BLAS threads (as the stored
# outputs were made, scripts/run_notebooks.py) and again with 1.
BLAS_2 := OPENBLAS_NUM_THREADS=2 OMP_NUM_THREADS=2 MKL_NUM_THREADS=2
BLAS_1 := OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
NBVAL  := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg

.PHONY: lab test unit notebooks student lock clean help

help:
	@echo "make lab     - set up .venv and open the notebooks in JupyterLab (LAB_ARGS=... passes options)"
	@echo "make test    - set up .venv and run the whole test suite"
	@echo "make student - notebooks without solutions or outputs, in student/ (instructors)"
	@echo "make lock    - re-resolve the pinned versions in $(LOCK) (maintainers)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Install the pinned versions; re-install only when the package definition or the pins change.
$(STAMP): pyproject.toml $(LOCK) | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c $(LOCK) -e ".[test]"
	touch $(STAMP)

# JupyterLab serves the repository root (so ../images/ resolves) and opens notebook 01.
lab: $(STAMP)
	$(BIN)/python scripts/lab.py $(LAB_ARGS)

test: $(STAMP)
	$(BLAS_2) $(BIN)/python -m pytest tests notebooks $(NBVAL) $(PYTEST_ARGS)
	$(BLAS_1) $(BIN)/python -m pytest notebooks $(NBVAL) $(PYTEST_ARGS)

unit: $(STAMP)
	$(BLAS_2) $(BIN)/python -m pytest tests $(PYTEST_ARGS)

# Only the notebooks, both thread counts; NB=notebooks/05_*.ipynb picks some.
NB ?= notebooks
notebooks: $(STAMP)
	$(BLAS_2) $(BIN)/python -m pytest $(NB) $(NBVAL) $(PYTEST_ARGS)
	$(BLAS_1) $(BIN)/python -m pytest $(NB) $(NBVAL) $(PYTEST_ARGS)

# Instructor tool: the notebooks without solutions and outputs, in student/ (git-ignored).
student: $(STAMP)
	$(BIN)/python scripts/make_student.py

# Maintainers: resolve pyproject.toml afresh in a throw-away environment and pin the result.
lock:
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --upgrade pip
	.lock-venv/bin/python -m pip install --quiet -e ".[test]"
	{ sed -n '/^#/p' $(LOCK); .lock-venv/bin/python -m pip freeze --exclude-editable; } > $(LOCK).new
	mv $(LOCK).new $(LOCK)
	rm -rf .lock-venv
	@echo "$(LOCK) updated: run make test, update environment.yml's pins to match, commit both"

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache student
