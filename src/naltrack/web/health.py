"""Liveness and readiness for the proxy or orchestrator in front of the server.

`/healthz`: the process answers (no database). `/readyz`: the database answers and every migration
is applied, so this process may take traffic. Neither needs a sign-in, and neither says anything
about a patient: only "ok" or which of the two checks failed.
"""

from __future__ import annotations

from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def _unapplied_migrations() -> int:
    executor = MigrationExecutor(connection)
    targets = executor.loader.graph.leaf_nodes()
    return len(executor.migration_plan(targets))


@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        pending = _unapplied_migrations()
    except DatabaseError:
        # The error's text may name the host or the user; the operator reads it in the server log.
        return JsonResponse({"status": "not ready", "database": "unreachable"}, status=503)
    if pending:
        return JsonResponse(
            {"status": "not ready", "database": "ok", "unapplied_migrations": pending}, status=503
        )
    return JsonResponse({"status": "ok", "database": "ok", "unapplied_migrations": 0})
