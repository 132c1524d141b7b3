# The two commands a newcomer runs: `make run` and `make test`. Both set themselves up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint browser pwa bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Reinstall whenever the dependency list changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

# The analysis extra (pandas, statsmodels) runs the analyst's script in the tests; the service
# itself never installs it.
$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,analysis]'
	touch $(VENV)/.installed $@

# The phone loads the app's modules bundled (scripts/build_pwa.py). The bundles are committed,
# so `make run` and the image need no Node; esbuild (npm, with Debian's nodejs and npm when
# they are missing) writes them again after a change under pwa/js/, and a test checks them.
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || { \
		echo "Installing Debian's nodejs and npm to bundle the app"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

pwa: node_modules/.installed | $(BIN)/python
	$(BIN)/python scripts/build_pwa.py

run: $(VENV)/.installed
	SAVOR_HOST=$(HOST) SAVOR_PORT=$(PORT) $(BIN)/savor demo
	SAVOR_HOST=$(HOST) SAVOR_PORT=$(PORT) exec $(BIN)/savor serve

# Debian's Chromium drives the browser tests; Playwright cannot download its own here.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "Installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# One worker per core (at most four), each with its own databases; a test file stays on one
# worker so its module fixtures are built once. The slowest tests are listed at the end.
test: $(VENV)/.installed-test browser node_modules/.installed
	$(BIN)/ruff check backend tests migrations benchmarks scripts examples
	$(BIN)/pytest --numprocesses auto --maxprocesses 4 --dist loadfile --durations 15

lint: $(VENV)/.installed-test
	$(BIN)/ruff check backend tests migrations benchmarks scripts examples
	$(BIN)/ruff format --check backend tests migrations benchmarks scripts examples

# wrk loads the server for the ingest benchmark; figures go to benchmarks/RESULTS.md by hand.
bench: $(VENV)/.installed-test browser
	@command -v wrk >/dev/null 2>&1 || { \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) node_modules .pytest_cache .ruff_cache
