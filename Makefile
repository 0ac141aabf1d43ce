# The two commands of the quick start. Each creates .venv and installs Coach into
# it when missing or when pyproject.toml changed, then does its job.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.coach-installed

.PHONY: run test lint evals bench screenshots browser clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test,e2e]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/coach serve

# Debian's chromium for the end-to-end tests, installed when missing and when we may
# (root or passwordless sudo); otherwise those tests skip and say why.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; elif sudo -n true 2>/dev/null; then SUDO="sudo -n"; else SUDO=none; fi; \
	  if [ "$$SUDO" = none ]; then echo "chromium missing and no root: browser tests will be skipped"; \
	  else $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; fi; }

test: $(STAMP) browser
	$(BIN)/python -m pytest
	$(BIN)/python -m evals

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

evals: $(STAMP)
	$(BIN)/python -m evals

bench: $(STAMP)
	$(BIN)/python -m benchmarks

screenshots: $(STAMP) browser
	$(BIN)/python scripts/screenshots.py

clean:
	rm -rf $(VENV) build dist .pytest_cache .ruff_cache
