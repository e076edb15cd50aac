#!/usr/bin/env bash
# `make test`'s two passes, side by side: the whole suite on SQLite (the embedded default) and the
# database tests (tests/integration) on PostgreSQL (production), each on pytest-xdist workers with
# databases of their own (SQLite: a file per process; PostgreSQL: test_naltrack_gw0, _gw1, ...).
# The PostgreSQL pass writes to a log that is printed once the SQLite pass has finished, so the
# two reports never interleave; the run fails when either pass fails.
#
#   tests/passes.sh BIN PG_URL PG_ADMIN WORKERS
#
# In CI (CI=true) a PostgreSQL that cannot be reached is a failure, never a skip.
set -u
BIN=$1 PG_URL=$2 PG_ADMIN=$3 WORKERS=$4
PYTEST=("$BIN/pytest" -n "$WORKERS" --dist load)

pg_log=$(mktemp -t naltrack-pg-pass.XXXXXX)
trap 'rm -f "$pg_log"' EXIT
pg_pid=""
if "$BIN/python" -c "import psycopg; psycopg.connect('$PG_ADMIN', connect_timeout=3).close()" 2>/dev/null; then
  echo "== database tests on PostgreSQL ($PG_URL): running beside the SQLite pass; report below it"
  NALTRACK_DATABASE_URL=$PG_URL "${PYTEST[@]}" tests/integration > "$pg_log" 2>&1 &
  pg_pid=$!
elif [ "${CI:-}" = "true" ]; then
  echo "PostgreSQL is not reachable at $PG_ADMIN: CI must test it"
  exit 1
else
  echo "note: PostgreSQL is not reachable at $PG_ADMIN; its run was skipped here (CI runs it)"
fi

echo "== the whole suite on SQLite"
"${PYTEST[@]}"
sqlite_rc=$?

pg_rc=0
if [ -n "$pg_pid" ]; then
  wait "$pg_pid"
  pg_rc=$?
  echo "== database tests on PostgreSQL ($PG_URL)"
  cat "$pg_log"
fi
echo "== SQLite pass: exit $sqlite_rc; PostgreSQL pass: exit $pg_rc"
[ "$sqlite_rc" -eq 0 ] && [ "$pg_rc" -eq 0 ]
