# The front door. `make demo` runs the whole product on the embedded default (DuckDB + the
# local sandbox); `make test` runs every test. Cron: docs/cron.example.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat constraints.txt pyproject.toml | cksum | cut -d' ' -f1)
export PATH := $(BIN):$(PATH)
# ELT_TARGET=postgres without ELT_PG_HOST: use the throwaway server of `make pg-up` (its settings
# file), which `make demo` starts when none runs. A user with their own server sets ELT_PG_*.
PG_STATE := $(or $(ELT_PG_STATE_DIR),$(CURDIR)/.pg)
# On PostgreSQL, dbt's PII salt (sources.app_db.pii_salt) reaches the session as a setting
# (PGOPTIONS), never the SQL: run plain `dbt` with `export PGOPTIONS="$(python -m elt.pii pgoptions)"`.
PII_PGOPTIONS := if [ "$${ELT_TARGET:-duckdb}" = postgres ] && [ -z "$${PGOPTIONS:-}" ]; then export PGOPTIONS="$$($(BIN)/python -m elt.pii pgoptions)"; fi;
PGENV := if [ "$${ELT_TARGET:-duckdb}" = postgres ] && [ -z "$${ELT_PG_HOST:-}" ] && [ -f "$(PG_STATE)/env" ]; then source "$(PG_STATE)/env"; fi; $(PII_PGOPTIONS)

.PHONY: help install demo test load build release docs status sandbox-up sandbox-down sandbox-tick lint bench chromium clean \
	test-postgres pg-up pg-down pg-status bench-postgres

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

# uv installs the same pinned set pip would (constraints.txt is the lock) in seconds, not minutes.
# --compile-bytecode writes the .pyc files pip writes by default and uv does not: without them
# every `elt` and `dbt` process compiles dbt, GX and pandas from source again whenever Python may
# not write its cache (PYTHONDONTWRITEBYTECODE, a read-only install): importing dbt and GX took
# 10.5 CPU-s per process instead of 5.2, and cron and the test suite start hundreds of them.
UV_VERSION := 0.13.9
$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -c constraints.txt -e ".[dev]"
	@rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)  ## create .venv and install the pinned toolchain (constraints.txt)

chromium:  ## install Debian's chromium for the docs test, where missing
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; }

demo: install  ## sandbox -> load -> dbt build -> release -> docs, then print what landed
	@start=$$(date +%s); set -e; \
	if [ "$${ELT_TARGET:-duckdb}" = postgres ] && [ -z "$${ELT_PG_HOST:-}" ]; then $(BIN)/python -m elt.pgserver up; fi; \
	$(PGENV) \
	elt sandbox up; \
	$(PII_PGOPTIONS) \
	elt load; \
	dbt build; \
	elt release; \
	elt docs; \
	elt status; \
	echo; echo "demo finished in $$(( $$(date +%s) - start ))s"; \
	if [ "$${ELT_TARGET:-duckdb}" = postgres ]; then \
	  echo "warehouse: postgres $$ELT_PG_HOST:$$ELT_PG_PORT database $$ELT_PG_DATABASE  (open it: source $(PG_STATE)/env && PGPASSWORD=\$$ELT_PG_ANALYST_PASSWORD psql -h \$$ELT_PG_HOST -p \$$ELT_PG_PORT -U analyst \$$ELT_PG_DATABASE; stop it: make pg-down)"; \
	else \
	  $(BIN)/python -c "from elt.status import demo_hint; print(demo_hint())"; \
	fi; \
	echo "the sandbox keeps running for \`elt sandbox tick\`; stop it with \`make sandbox-down\`"

test: install chromium  ## every test (two pytest shards side by side), dbt build end to end included
	tests/run_shards.sh $(BIN)/pytest

test-postgres: install chromium  ## the warehouse-specific tests on PostgreSQL (a throwaway server the tests start)
	ELT_TARGET=postgres $(BIN)/pytest -m "not no_warehouse and not own_warehouse and not one_warehouse"

load: install  ## load every source into RAW (incremental; a failure confined to some scopes still exits 0)
	@$(PGENV) elt load --allow-partial

# Scheduled builds skip dbt's unit tests (fixed inputs, they check the SQL logic: CI and
# `make test` run them all); every model and data test runs.
build: install  ## dbt build as the daily schedule runs it: every model and data test, no unit tests
	@$(PGENV) dbt build --exclude-resource-type unit_test

release: install  ## validate the audit build with GX and publish it if every check passes
	@$(PGENV) elt release

docs: install  ## build the dbt docs site and the GX data docs
	@$(PGENV) elt docs

status: install  ## last loads, freshness, current release
	@$(PGENV) elt status

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

pg-up: install  ## start the throwaway PostgreSQL server (settings for ELT_TARGET=postgres in .pg/env)
	$(BIN)/python -m elt.pgserver up

pg-down: install  ## stop the throwaway PostgreSQL server (by PID) and delete its data
	$(BIN)/python -m elt.pgserver down

pg-status: install  ## is the throwaway PostgreSQL server running, and where
	$(BIN)/python -m elt.pgserver status

bench-postgres: install  ## dlt's COPY load into PostgreSQL vs a plain COPY of the same rows (ratio)
	$(BIN)/python bench/postgres_load_bench.py $(BENCH_ARGS)

clean:  ## remove build output (keeps .venv and the warehouse)
	rm -rf target logs expectations/gx
