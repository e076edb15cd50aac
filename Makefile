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

## Until the clinic application exists, `make run` shows what the CLI can do.
run: $(STAMP)
	$(BIN)/naltrack --help

test: $(STAMP)
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

## Regenerate docs/clinical-rules.md from the policy and the knowledge files.
docs: $(STAMP)
	$(BIN)/naltrack rules-doc > docs/clinical-rules.md

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
