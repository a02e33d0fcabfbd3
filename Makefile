# `make run`: set up from a fresh clone and serve the demo. `make test`: set up and run every test.
PORT ?= 5000
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: run test mutants clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@ $(VENV)/.installed-run

# The demo's mail links name the port it is served on (unless PROCURE_BASE_URL says otherwise).
run: $(VENV)/.installed-run
	PROCURE_BASE_URL="$${PROCURE_BASE_URL:-http://127.0.0.1:$(PORT)}" $(BIN)/procure demo
	$(BIN)/procure serve --port $(PORT)

test: $(VENV)/.installed-dev
	$(BIN)/lint-imports --no-cache
	$(BIN)/pytest $(PYTEST_ARGS)

$(VENV)/.installed-mutation: pyproject.toml $(VENV)/.installed-dev
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev,mutation]'
	touch $@

# Mutation testing of policy, the workflows' guards, audit and storage (not in `make test` or CI;
# tens of minutes on 2 cores). `make mutants MODULES="policy audit"` runs some of them.
mutants: $(VENV)/.installed-mutation
	$(BIN)/python bench/mutants.py $(MODULES)

clean:
	rm -rf $(VENV) instance/*.sqlite3 uploads/*/ build/mutants/
