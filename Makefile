# Two commands matter: `make demo` (set up, run the pipeline on sample data)
# and `make test` (set up, run the whole suite). Everything is installed here.
PYTHON ?= python3.11
# The interpreter as found before the venv's bin goes first on PATH (below): the setup's own
# `python3.11` would otherwise be the venv's, which has no pip.
# Exported, so that `make test`'s own makes see the same one.
ifndef SYSTEM_PYTHON
SYSTEM_PYTHON := $(or $(shell command -v $(PYTHON)),$(PYTHON))
endif
export SYSTEM_PYTHON
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
MANIFEST := dbt_project/target/manifest.json
DBT_SOURCES := $(shell find dbt_project/models dbt_project/macros dbt_project/tests data/seeds -type f) dbt_project/dbt_project.yml
export PATH := $(CURDIR)/$(BIN):$(PATH)
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home

.PHONY: setup demo run test test-tools dev backfill-years bench docs lint clean

$(INSTALLED): requirements.lock pyproject.toml
	# A venv without pip (creating one with pip takes about 6 s), and uv put in it by the
	# interpreter's own pip (`--python`, pip 22.3 or later); an interpreter without pip
	# installs uv with the venv's own pip instead.
	$(SYSTEM_PYTHON) -m venv --without-pip $(VENV)
	if $(SYSTEM_PYTHON) -m pip --version >/dev/null 2>&1; then \
	  $(SYSTEM_PYTHON) -m pip --python $(BIN)/python install --quiet uv==0.13.8; \
	else \
	  $(BIN)/python -m ensurepip --default-pip && $(BIN)/python -m pip install --quiet uv==0.13.8; \
	fi
	# Bytecode compiled once here: a process that cannot write __pycache__ (PYTHONDONTWRITEBYTECODE,
	# a read-only install) would otherwise compile every imported module on each start (seconds).
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -r requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $@

# dagster-dbt needs target/manifest.json at import time (docs/environment-notes.md): dbt parses
# the project in the process that imports it (project.py says why).
$(MANIFEST): $(INSTALLED) $(DBT_SOURCES)
	cd $(CURDIR) && $(BIN)/python -m cj_pipeline.defs.warehouse.project
	touch $@

$(DAGSTER_HOME)/dagster.yaml: dagster.yaml
	mkdir -p $(DAGSTER_HOME)
	cp dagster.yaml $@

setup: $(INSTALLED) $(MANIFEST) $(DAGSTER_HOME)/dagster.yaml

demo: setup
	$(BIN)/cj-pipeline demo

run: setup
	$(BIN)/cj-pipeline run

AXE := $(VENV)/node/node_modules/axe-core/axe.min.js
AXE_VERSION := 4.10.3

# The browser and office tests need Chromium and LibreOffice Calc (Debian packages; no
# browser download) and axe-core (npm, pinned) for the accessibility checks. Installed
# when missing, as root in CI; a no-op when present.
test-tools: $(AXE)
	command -v chromium >/dev/null || (apt-get update && apt-get install -y --no-install-recommends chromium)
	command -v soffice >/dev/null || (apt-get update && apt-get install -y --no-install-recommends libreoffice-calc-nogui)
	command -v nginx >/dev/null || test -x /usr/sbin/nginx || (apt-get update && apt-get install -y --no-install-recommends nginx-light)
	# The PostgreSQL instance test starts a real server from `pg_config --bindir`.
	test -x "$$(pg_config --bindir 2>/dev/null)/initdb" || (apt-get update && apt-get install -y --no-install-recommends postgresql)

$(AXE): $(INSTALLED)
	command -v npm >/dev/null || (apt-get update && apt-get install -y --no-install-recommends nodejs npm)
	npm install --silent --no-save --no-audit --no-fund --prefix $(VENV)/node axe-core@$(AXE_VERSION)
	touch $@

# The checkers (`make lint`, about 40 s of CPU) need only the venv: they start as soon as it
# is there and run beside the dbt manifest, the test tools and the suite, at a lower priority
# (nice) so they take only the CPU those leave idle and never slow the suite's start. Their
# output is printed as one block when they finish; a fault in them fails `make test` once the
# suite is done. TEST_ARGS narrows the suite (e.g. to one file) when trying this target out.
# Our own package and the tests are compiled to bytecode before the suite: installed editable,
# they are not in uv's compile, and where PYTHONDONTWRITEBYTECODE is set (CI) every process
# (each `cj-pipeline` the tests start) would compile them from source again (about 0.2 s).
LINT_LOG := $(VENV)/lint.log
TEST_ARGS ?=

test: $(INSTALLED)
	@{ nice -n 10 $(MAKE) --no-print-directory lint LINT_JOBS=1 >$(LINT_LOG) 2>&1; checks=$$?; cat $(LINT_LOG); \
	  if [ $$checks -ne 0 ]; then echo "make lint FAILED (above): make test will fail"; fi; exit $$checks; } & checkers=$$!; \
	$(MAKE) --no-print-directory -j 2 setup test-tools && $(BIN)/python -m compileall -q -j 2 cj_pipeline tests && \
	  $(BIN)/pytest -n 2 --dist loadscope --no-loadscope-reorder $(TEST_ARGS); suite=$$?; \
	if wait $$checkers; then exit $$suite; else exit 1; fi

bench: setup
	$(BIN)/python bench/bench_full_run.py
	CJ_BENCH_OUT=bench/results.md $(BIN)/python bench/bench_validate_process.py
	CJ_BENCH_OUT=bench/results.md $(BIN)/python bench/bench_intake.py
	CJ_BENCH_OUT=bench/results.md $(BIN)/python bench/bench_drop_receipt.py
	CJ_BENCH_OUT=bench/results.md $(BIN)/python bench/bench_growth.py
	CJ_BENCH_OUT=bench/results.md $(BIN)/python bench/bench_publish.py

dev: setup
	$(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

# financial_year_status for every year in data/seeds/financial_years.csv, in one run.
backfill-years: setup
	$(BIN)/dagster asset materialize -m cj_pipeline.definitions --select financial_year_status \
		--partition-range $$(sed -n '2p' data/seeds/financial_years.csv | cut -d, -f1)...$$(tail -n 1 data/seeds/financial_years.csv | cut -d, -f1)

docs: setup
	cd dbt_project && CJ_WAREHOUSE_PATH=$${CJ_DATA_DIR:-$(CURDIR)/data}/warehouse/cj.duckdb $(CURDIR)/$(BIN)/dbt docs generate --profiles-dir .

# ruff (Python style and faults), lint-imports (the layers, docs/architecture.md), basedpyright
# (types, basic mode), sqlfluff (the dbt models). Configured in pyproject.toml and .sqlfluff.
# LINT_JOBS: threads and processes for basedpyright and sqlfluff. `make test` runs them with one
# each, beside the suite: the suite keeps both cores busy, so a second thread there only adds
# its own overhead (about 11 s of CPU more for the two, measured).
LINT_JOBS ?= 2

lint: $(INSTALLED)
	$(BIN)/ruff format --check --quiet .
	$(BIN)/ruff check --quiet .
	$(BIN)/lint-imports --no-logo --cache-dir .import_linter_cache
	$(BIN)/basedpyright --threads $(LINT_JOBS)
	PYTHONWARNINGS=ignore::UserWarning $(BIN)/sqlfluff lint --quiet --processes $(LINT_JOBS) dbt_project/models

clean:
	rm -rf $(VENV) dbt_project/target demo_data .dagster_home
