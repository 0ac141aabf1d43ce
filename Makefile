# The two commands of the quick start. Each creates .venv and installs Coach into
# it when missing or when pyproject.toml changed, then does its job.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.coach-installed

.PHONY: run test lint evals bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/coach serve

test: $(STAMP)
	$(BIN)/python -m pytest
	$(BIN)/python -m evals

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

evals: $(STAMP)
	$(BIN)/python -m evals

bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) build dist .pytest_cache .ruff_cache
