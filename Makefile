# Two commands for a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STORE  ?= demo-store

.PHONY: demo test venv clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall when the project's dependencies change.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

venv: $(VENV)/.installed

## Build the bundled example briefings into a fresh store, then show what it holds.
demo: venv
	rm -rf $(STORE)
	$(BIN)/kg build --examples --store $(STORE)
	$(BIN)/kg query stats --store $(STORE)
	$(BIN)/kg query monitors --param code=77013 --store $(STORE)
	$(BIN)/kg query diagnoses-for --param code=47382 --store $(STORE)
	$(BIN)/kg query alternatives --param code=76942 --store $(STORE)
	$(BIN)/kg query provenance --param from=77013 --param to=49405 --store $(STORE)

## Run the whole test suite (unit, doctests, CLI).
test: venv
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) $(STORE) .pytest_cache
