# fingertip: `make run` sets everything up and builds the demo warehouse;
# `make test` runs the tests; `make dev` opens the Dagster UI.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
LANDING ?= data/landing
WAREHOUSE ?= data/warehouse.duckdb
PUBLISH ?= data/analytics.duckdb
export DAGSTER_HOME ?= $(CURDIR)/data/.dagster

.PHONY: install run test test-spark lint dev demo-data clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,lint]'
	touch $(INSTALLED)

install: $(INSTALLED)

demo-data: $(INSTALLED)
	@test -d $(LANDING) || $(BIN)/fingertip demo-data --out $(LANDING)

run: demo-data
	$(BIN)/fingertip run --landing $(LANDING) --warehouse $(WAREHOUSE) --publish $(PUBLISH)

test: $(INSTALLED)
	$(BIN)/pytest

# The same dbt project on Apache Spark, compared with DuckDB (issue 9; README "Scaling out").
# Installs the optional `spark` extra (pyspark, ~450 MB; needs Java 17) into .venv; the Spark
# tests live in tests/spark/, which plain `pytest` does not collect. Measured on 2 shared cores:
# see README "Scaling out".
test-spark: $(INSTALLED)
	$(BIN)/python -m pip install --quiet -e '.[test,lint,spark]'
	$(BIN)/pytest -s tests/spark

# ruff (pyproject.toml [tool.ruff]) on the Python, sqlfluff (dbt_project/.sqlfluff) on the dbt SQL.
# The dbt templater compiles the project: it gets a scratch warehouse, never the real one.
lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	cd dbt_project && FINGERTIP_WAREHOUSE=$$(mktemp -d)/lint.duckdb ../$(BIN)/sqlfluff lint models macros tests

dev: demo-data
	$(BIN)/python -c "from pathlib import Path; from orchestration.settings import ensure_dagster_home; ensure_dagster_home(Path('$(DAGSTER_HOME)'))"
	$(BIN)/python -c "from orchestration.resources import prepare_dbt_manifest; prepare_dbt_manifest()"
	FINGERTIP_LANDING=$(CURDIR)/$(LANDING) FINGERTIP_WAREHOUSE=$(CURDIR)/$(WAREHOUSE) FINGERTIP_PUBLISH=$(CURDIR)/$(PUBLISH) \
		$(BIN)/dagster dev -w workspace.yaml

clean:
	rm -rf data dbt_project/target dbt_project/logs
