# naltrack: one command each. Every target builds the virtualenv it needs first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint bench docs check-docs clean messages

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

# Both passes run at once (tests/passes.sh), each on TEST_WORKERS pytest-xdist workers.
TEST_WORKERS ?= 2

# healthchain, which validates the CDS Hooks documents in the tests (issue 13), in a virtualenv of
# its own: it pins fhir.resources below naltrack's.
CDS_VENV  := .venv-cds
CDS_STAMP := $(CDS_VENV)/.installed
$(CDS_STAMP): tests/cds-validator.txt
	$(PYTHON) -m venv $(CDS_VENV)
	$(CDS_VENV)/bin/pip install --quiet -r tests/cds-validator.txt
	touch $(CDS_STAMP)

# smart-fetch, the Bulk Data client that runs a real export against naltrack in the tests (issue
# 13), in a virtualenv of its own: a command-line tool with dependencies naltrack does not need.
BULK_VENV  := .venv-bulk
BULK_STAMP := $(BULK_VENV)/.installed
$(BULK_STAMP): tests/bulk-client.txt
	$(PYTHON) -m venv $(BULK_VENV)
	$(BULK_VENV)/bin/pip install --quiet -r tests/bulk-client.txt
	touch $(BULK_STAMP)

# Medplum's FHIR validator (@medplum/core, pinned in tests/uscore/package-lock.json), which checks
# the resources that claim US Core 6.1 profiles in the tests (issue 13), in tests/uscore/node_modules
# (Node 20 and npm). `npm ci` installs exactly the lock file's versions, each with its checksum.
USCORE_DIR   := tests/uscore
USCORE_STAMP := $(USCORE_DIR)/node_modules/.installed
$(USCORE_STAMP): $(USCORE_DIR)/package.json $(USCORE_DIR)/package-lock.json
	cd $(USCORE_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $(USCORE_STAMP)

test: $(STAMP) $(CDS_STAMP) $(BULK_STAMP) $(USCORE_STAMP)
	$(LINT_IMPORTS)
	bash tests/passes.sh $(BIN) $(PG_URL) $(PG_ADMIN) $(TEST_WORKERS)

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(LINT_IMPORTS)

BENCH_DB ?= naltrack_bench
BENCH_PG ?= postgresql://postgres@127.0.0.1:5432/$(BENCH_DB)
# The load test (issue 10): the production server (gunicorn) on 127.0.0.1:$(LOAD_PORT) against
# PostgreSQL database $(LOAD_DB) (dropped and seeded with the demo clinic), 50 signed-in staff for
# 60 s through Today, search, chart and the MAR page; fails when any request fails.
LOAD_DB   ?= naltrack_load
LOAD_PORT ?= 8040

# Reminder throughput (issue 11): two worker processes, a real SMTP server on loopback
# (aiosmtpd) at 127.0.0.1:$(REMINDER_SMTP_PORT); 300 due email reminders, exactly one message each.
REMINDER_SMTP_PORT ?= 8025
REMINDER_DB ?= naltrack_bench_reminders
REMINDER_PG ?= postgresql://postgres@127.0.0.1:5432/$(REMINDER_DB)

# Outcomes at scale (issue 14): a synthetic program of $(OUTCOMES_PATIENTS) patients (about 9.6M doses
# at 100k), the PDC by plain pandas, by a numpy scan and every measure on DuckDB; about 1 min.
OUTCOMES_PATIENTS ?= 100000
# The extract at scale: $(EXTRACT_PATIENTS) synthetic patients seeded into SQLite (about 850k rows),
# then a full and an incremental extract, each with its wall time, rows/s and peak memory; ~70 s.
# The Outcomes page: GET /outcomes/ on the demo clinic and on a stored run of the program above.
EXTRACT_PATIENTS ?= 10000

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/outcomes.py --patients $(OUTCOMES_PATIENTS)
	rm -f $(VENV)/bench.sqlite3
	NALTRACK_DATABASE_URL=sqlite:///$(VENV)/bench.sqlite3 $(BIN)/python benchmarks/clinic.py
	rm -f $(VENV)/bench-outcomes.sqlite3
	NALTRACK_DATABASE_URL=sqlite:///$(VENV)/bench-outcomes.sqlite3 $(BIN)/python benchmarks/outcomes_extract.py
	rm -f $(VENV)/bench-extract.sqlite3
	NALTRACK_DATABASE_URL=sqlite:///$(VENV)/bench-extract.sqlite3 $(BIN)/python benchmarks/outcomes_extract.py --patients $(EXTRACT_PATIENTS)
	rm -f $(VENV)/bench-outcomes-page.sqlite3
	NALTRACK_DATABASE_URL=sqlite:///$(VENV)/bench-outcomes-page.sqlite3 $(BIN)/python benchmarks/outcomes_page.py --patients $(OUTCOMES_PATIENTS)
	rm -f $(VENV)/bench-cds.sqlite3
	NALTRACK_DATABASE_URL=sqlite:///$(VENV)/bench-cds.sqlite3 $(BIN)/python benchmarks/cds_hooks.py
	rm -f $(VENV)/bench-fhir.sqlite3
	NALTRACK_DATABASE_URL=sqlite:///$(VENV)/bench-fhir.sqlite3 $(BIN)/python benchmarks/fhir_server.py
	@if $(BIN)/python benchmarks/pg_reset.py $(PG_ADMIN) $(BENCH_DB); then \
	  NALTRACK_DATABASE_URL=$(BENCH_PG) $(BIN)/python benchmarks/clinic.py; \
	else echo "note: PostgreSQL is not reachable at $(PG_ADMIN); its clinic benchmark was skipped"; fi
	$(BIN)/python benchmarks/load.py --admin-url $(PG_ADMIN) --database $(LOAD_DB) --port $(LOAD_PORT)
	rm -f $(VENV)/bench-reminders.sqlite3
	NALTRACK_DATABASE_URL=sqlite:///$(VENV)/bench-reminders.sqlite3 $(BIN)/python benchmarks/reminders.py --smtp-port $(REMINDER_SMTP_PORT)
	@if $(BIN)/python benchmarks/pg_reset.py $(PG_ADMIN) $(REMINDER_DB); then \
	  NALTRACK_DATABASE_URL=$(REMINDER_PG) $(BIN)/python benchmarks/reminders.py --smtp-port $(REMINDER_SMTP_PORT); \
	else echo "note: PostgreSQL is not reachable at $(PG_ADMIN); its reminder benchmark was skipped"; fi

## Regenerate docs/clinical-rules.md from the policy and the knowledge files, and docs/measures.md
## (the outcome measures' definitions, issue 14) from src/naltrack/outcomes/definitions.py.
docs: $(STAMP)
	$(BIN)/naltrack rules-doc > docs/clinical-rules.md
	$(BIN)/naltrack measures-doc > docs/measures.md

## Fail when a committed generated document differs from what the code generates.
check-docs: $(STAMP)
	$(BIN)/naltrack rules-doc | diff -u docs/clinical-rules.md -
	$(BIN)/naltrack measures-doc | diff -u docs/measures.md -

## Spanish (issue 11): extract the patient-facing strings (portal, wallet card, letter, Learn) into
## src/naltrack/locale/es/LC_MESSAGES/django.po, then compile django.mo. Needs GNU gettext
## (apt-get install gettext). Both files are committed, so `make test` on a fresh machine needs no
## gettext; tests/integration/test_translations.py fails when a marked string is missing from the
## .po, left untranslated or fuzzy, or when the committed .mo is not the compiled .po.
DJANGO_ADMIN := cd src/naltrack && NALTRACK_DEBUG=true DJANGO_SETTINGS_MODULE=naltrack.settings $(abspath $(BIN))/django-admin
messages: $(STAMP)
	$(DJANGO_ADMIN) makemessages -l es --no-obsolete --add-location file
	$(DJANGO_ADMIN) compilemessages -l es

clean:
	rm -rf $(VENV) $(CDS_VENV) $(BULK_VENV) $(USCORE_DIR)/node_modules .pytest_cache .mypy_cache .ruff_cache

## Mutation testing of the clinical core (issue 9 Part 8): mutmut mutates src/naltrack/clinical/,
## runs tests/unit against each mutant, prints the score per module, and fails when the logic
## mutants not killed exceed MUTATION_MAX_LOGIC_PERCENT of all mutants (text-only changes to a
## message are reported, not gated; see tests/unit/mutation_report.py). mutants/ is mutmut's
## working copy (gitignored), rebuilt on every run so that a result is never stale.
## MUTATE=core (default) mutates the whole core; MUTATE="regimens coverage alerts" only the
## named modules of naltrack.clinical (faster: the A5/A6 modules of the issue).
## CI (.ci/run, after `make test`): `make mutation MUTATE=core`, the whole core.
## regimens/coverage/alerts: 1709 mutants (1696 scored, 13 documented equivalents), 0 logic
## survivors; wallet (the card and the letter, issue 11): 453 mutants, 453 killed, 0 equivalents,
## its mutants run in about 2.7 min (2.8 per s) after the shared generation step, under load;
## checkin/protection/access (issue 11's check-ins, dose log and portal protection; chart access):
## 740 mutants (730 scored, 10 documented equivalents), 0 logic or text survivors, 2.7 min wall.
## mar (the MAR's decisions): 555 mutants (552 scored, 3 equivalents), 0 survivors,
## about 3.5-4.5 min wall on its own under load. Issue 12 (the first dose): mar with the first
## dose's urine screen and the oral override, 635 mutants (3 equivalents), 0 survivors; signoff
## (required facts and the signature's attestation), 156 mutants, 0 survivors; the two together
## took about 33 min wall under a load of 13-17 (0.65 mutants/s). Measured from a fresh
## clone on the shared 2-core machine under a load of 7-10 from other jobs: 36.6 min wall but
## 8.4 min of CPU (user+sys; mutmut 3 generates the mutants of every core file first, about
## 2.5 min of that wall time, then a traced test run, then about 0.9 mutants/s); not measured on
## a quiet machine, where the CPU time over 2 cores suggests about 5-7 min.
## medications/consent/access/policy/parsing/rulesdoc/vocab/errors (the rest of the core but the
## screening modules; vocab has no functions to mutate): 1474 mutants (1442 scored, 8 documented
## equivalents, 24 import-time), 0 logic or text survivors; 18.3 min wall on their own under a load
## of 12-15 (4.9 min of CPU, 1.74 mutants/s). Two mutants of medications' word loop (`i = size`,
## `i = 1`) never end: mutmut's own timeout ends them ((estimated test time + timeout_constant 1 s)
## x timeout_multiplier 15, about 112 s each here, then SIGXCPU), and mutation_report.py counts
## their exit -24 as killed (TIMEOUT). Those twelve modules in one run (MUTATE="regimens coverage
## alerts mar medications consent access policy parsing rulesdoc vocab errors"): 3738 mutants
## (3690 scored, 24 equivalents, 24 import-time), 0 survivors, 22.3 min wall under a load of 5-12,
## 10.7 min of CPU (8.4 for the four CI modules alone), 3.3 mutants/s.
## screening screening_facts findings instruments (`MUTATE="screening screening_facts findings
## instruments"`; instruments/ is a subpackage, matched as naltrack.clinical.instruments.*):
## 1975 mutants (1959 scored, 5 documented equivalents, 11 import-time), 0 logic survivors;
## 14.9 min wall under a load of 5-13 (7.1 min of CPU, 2.98 mutants/s). Under mutmut the
## Hypothesis property tests run a small profile (20 examples, no shrinking: tests/conftest.py,
## chosen by MUTANT_UNDER_TEST), which keeps screening.py's 805 mutants from re-running 200
## examples each; the boundary tables of tests/unit, not the properties, kill the mutants.
## All eight modules in one run (MUTATE="regimens coverage alerts mar screening screening_facts
## findings instruments"): 4239 mutants (4207 scored, 21 equivalents, 11 import-time), 0 logic
## survivors, 22.0 min wall under a load of 5-8 (11.3 min of CPU, 3.42 mutants/s).
MUTATE ?= core
MUTATION_MAX_LOGIC_PERCENT ?= 2
MUTATION_JOBS ?= 2
MUTANT_NAMES = $(if $(filter core,$(MUTATE)),,$(foreach m,$(MUTATE),"naltrack.clinical.$(m).*"))
MUTATION_ONLY = $(if $(filter core,$(MUTATE)),,--only $(MUTATE))

.PHONY: mutation
mutation: $(STAMP)
	rm -rf mutants && mkdir mutants
	$(BIN)/mutmut run --max-children $(MUTATION_JOBS) $(MUTANT_NAMES) > mutants/run.log 2>&1 \
	  || { tail -n 40 mutants/run.log; exit 1; }
	@grep -a "mutations/second" mutants/run.log || true
	$(BIN)/python tests/unit/mutation_report.py --max-logic-percent $(MUTATION_MAX_LOGIC_PERCENT) $(MUTATION_ONLY)
