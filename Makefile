# Two commands, on a machine with only python3 and make:
#   make lab    open the series in JupyterLab
#   make test   run the whole test suite (unit tests + every notebook under nbval)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
LAB_ARGS ?=

.PHONY: lab test unit notebooks student benchmark images data clean help

help:
	@echo "make lab     - set up .venv and open the notebooks in JupyterLab (LAB_ARGS=... passes options)"
	@echo "make test    - set up .venv and run the whole test suite"

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
	$(BIN)/python -m pytest tests notebooks --nbval --nbval-current-env $(PYTEST_ARGS)

unit: $(STAMP)
	$(BIN)/python -m pytest tests $(PYTEST_ARGS)

# Instructor tool: the notebooks without solutions and outputs, in student/ (git-ignored).
student: $(STAMP)
	$(BIN)/python scripts/make_student.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache student
