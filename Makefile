# The front door. `make demo` runs the whole product on the embedded default (DuckDB + the
# local sandbox); `make test` runs every test. Cron: `make load && dbt build && make release`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat constraints.txt pyproject.toml | cksum | cut -d' ' -f1)
export PATH := $(BIN):$(PATH)

.PHONY: help install demo test load build release docs status sandbox-up sandbox-down sandbox-tick lint bench chromium clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[dev]"
	@rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)  ## create .venv and install the pinned toolchain (constraints.txt)

chromium:  ## install Debian's chromium for the docs test, where missing
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; }

demo: install  ## sandbox -> load -> dbt build -> release -> docs, then print what landed
	@start=$$(date +%s); set -e; \
	elt sandbox up; \
	elt load; \
	dbt build; \
	elt release; \
	elt docs; \
	elt status; \
	echo; echo "demo finished in $$(( $$(date +%s) - start ))s"; \
	echo "warehouse: $${ELT_DUCKDB_PATH:-$(CURDIR)/warehouse.duckdb}  (open it: $(BIN)/python -c \"import duckdb; duckdb.connect('warehouse.duckdb').sql('show all tables').show()\")"; \
	echo "the sandbox keeps running for \`elt sandbox tick\`; stop it with \`make sandbox-down\`"

test: install chromium  ## every test: pytest, which also runs dbt build (models + dbt tests) end to end
	$(BIN)/pytest

load: install  ## load every source into RAW (incremental)
	elt load

build: install  ## dbt build (same as running `dbt build` with .venv/bin on PATH)
	dbt build

release: install  ## validate the audit build with GX and publish it if every check passes
	elt release

docs: install  ## build the dbt docs site and the GX data docs
	elt docs

status: install  ## last loads, freshness, current release
	elt status

sandbox-up: install  ## start the local simulators
	elt sandbox up

sandbox-down: install  ## stop the local simulators
	elt sandbox down

sandbox-tick: install  ## advance the simulated systems by one day
	elt sandbox tick

lint: install  ## ruff on the Python code
	ruff check . && ruff format --check .

bench: install  ## every speed figure: PestRoutes extraction, dbt builds, service_csv (BENCH_ARGS=--quick)
	$(BIN)/python bench/run.py $(BENCH_ARGS)

clean:  ## remove build output (keeps .venv and the warehouse)
	rm -rf target logs expectations/gx
