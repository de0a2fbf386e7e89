# ParkPilot: `make demo` runs the demo park, `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test bench lint format install install-test services messages clean

demo: install ## install, load the Qingshanhu demo park and serve it on http://127.0.0.1:8000
	SERVICES=pdf scripts/services.sh
	$(BIN)/parkpilot demo --host $(HOST) --port $(PORT)

test: install-test services ## install what the tests need, start the services, run the suite
	$(BIN)/pytest -n auto $(PYTEST_ARGS)

bench: install-test ## measure the issues' figures into benchmarks/results/
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

lint: install-test
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

format: install-test
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .

services: ## PostgreSQL, Mosquitto, Redis and Chromium on 127.0.0.1 (apt-installed where missing)
	scripts/services.sh

install: $(BIN)/.installed frontend/node_modules/.installed

install-test: install $(BIN)/.installed-test

$(BIN)/python:
	scripts/ensure-python.sh "$(PYTHON)" "$(VENV)"

$(BIN)/.installed: pyproject.toml $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(BIN)/.installed-test: pyproject.toml $(BIN)/.installed
	$(BIN)/python -m pip install --quiet -e ".[test,dev]"
	touch $@

frontend/node_modules/.installed: frontend/package.json frontend/package-lock.json
	@command -v npm >/dev/null || { echo "npm not found: install Node.js 20+ (https://nodejs.org)"; exit 1; }
	cd frontend && npm ci --no-audit --no-fund
	touch $@

messages: install-test ## after changing UI strings: update the zh-Hans catalogues (project, then each app), compile
	scripts/messages.sh $(BIN)/parkpilot

clean:
	rm -rf $(VENV) frontend/node_modules var/static
