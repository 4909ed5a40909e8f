# Two commands, on a machine with only python3 and make:
#   make lab    open the series in JupyterLab
#   make test   run the whole test suite (unit tests + every notebook under nbval)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
LAB_ARGS ?=
# The notebooks' stored outputs were produced with 2 BLAS threads (scripts/run_notebooks.py).
# Multi-threaded sums round differently with another thread count, and an optimiser can
# amplify the last bit into a different path, so the tests pin the same count.
TEST_ENV := OPENBLAS_NUM_THREADS=2 OMP_NUM_THREADS=2 MKL_NUM_THREADS=2

.PHONY: lab test unit notebooks student benchmark images data clean help

help:
	@echo "make lab     - set up .venv and open the notebooks in JupyterLab (LAB_ARGS=... passes options)"
	@echo "make test    - set up .venv and run the whole test suite"
	@echo "make student - notebooks without solutions or outputs, in student/ (instructors)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Re-install only when the package definition changes.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks $(LAB_ARGS)

test: $(STAMP)
	$(TEST_ENV) $(BIN)/python -m pytest tests notebooks --nbval --nbval-current-env $(PYTEST_ARGS)

unit: $(STAMP)
	$(TEST_ENV) $(BIN)/python -m pytest tests $(PYTEST_ARGS)

# Instructor tool: the notebooks without solutions and outputs, in student/ (git-ignored).
student: $(STAMP)
	$(BIN)/python scripts/make_student.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache student
