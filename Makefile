# naltrack: one command each. Every target builds the virtualenv it needs first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint bench docs check-docs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

## Migrate, seed the demo clinic when the database is empty, serve at http://127.0.0.1:8000.
## Development mode: the demo logins are printed. The database is data/naltrack.sqlite3.
run: $(STAMP)
	NALTRACK_DEBUG=$${NALTRACK_DEBUG:-true} $(BIN)/naltrack serve

# The database tests run twice: on SQLite (embedded default) and on PostgreSQL (production).
# In CI (CI=true) a PostgreSQL that cannot be reached is a failure, never a skip.
PG_URL   ?= postgresql://postgres@127.0.0.1:5432/naltrack
PG_ADMIN ?= postgresql://postgres@127.0.0.1:5432/postgres

# The import contract (pyproject.toml, [tool.importlinter]): areas import only the layers below.
LINT_IMPORTS := $(BIN)/lint-imports --cache-dir $(VENV)/.import_linter_cache

test: $(STAMP)
	$(LINT_IMPORTS)
	$(BIN)/pytest
	@if $(BIN)/python -c "import psycopg; psycopg.connect('$(PG_ADMIN)', connect_timeout=3).close()" 2>/dev/null; then \
	  echo "== database tests on PostgreSQL ($(PG_URL))"; \
	  NALTRACK_DATABASE_URL=$(PG_URL) $(BIN)/pytest tests/integration; \
	elif [ "$$CI" = "true" ]; then \
	  echo "PostgreSQL is not reachable at $(PG_ADMIN): CI must test it"; exit 1; \
	else \
	  echo "note: PostgreSQL is not reachable at $(PG_ADMIN); its run was skipped here (CI runs it)"; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(LINT_IMPORTS)

BENCH_PG ?= postgresql://postgres@127.0.0.1:5432/naltrack_bench

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py
	rm -f $(VENV)/bench.sqlite3
	NALTRACK_DATABASE_URL=sqlite:///$(VENV)/bench.sqlite3 $(BIN)/python benchmarks/clinic.py
	@if $(BIN)/python benchmarks/pg_reset.py $(PG_ADMIN) naltrack_bench; then \
	  NALTRACK_DATABASE_URL=$(BENCH_PG) $(BIN)/python benchmarks/clinic.py; \
	else echo "note: PostgreSQL is not reachable at $(PG_ADMIN); its clinic benchmark was skipped"; fi

## Regenerate docs/clinical-rules.md from the policy and the knowledge files.
docs: $(STAMP)
	$(BIN)/naltrack rules-doc > docs/clinical-rules.md

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
