"""The production server behind `naltrack serve` (not in development mode): gunicorn.

gunicorn's gthread workers: a few processes of a few threads each, every request served by one
thread with a connection from its process's pool (config.Database). Its own lines (start, worker
deaths) are JSON like the application's (web/logs.py); it writes no access log, which would carry
the path and so an MRN: the application logs each request by its route instead.
"""

from __future__ import annotations

from typing import Any

from django.core.handlers.wsgi import WSGIHandler
from django.core.wsgi import get_wsgi_application
from django.db import connections
from gunicorn.app.base import BaseApplication  # type: ignore[import-untyped]

from naltrack.config import Serving

LOGCONFIG: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "naltrack.web.logs.JsonFormatter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    },
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["console"], "propagate": False},
        "naltrack": {"level": "INFO", "handlers": ["console"], "propagate": False},
        "django": {"level": "INFO", "handlers": ["console"], "propagate": False},
    },
    "root": {"level": "WARNING", "handlers": ["console"]},
}  # fmt: skip


class NaltrackServer(BaseApplication):  # type: ignore[misc]  # gunicorn has no type hints
    def __init__(self, addr: str, serving: Serving) -> None:
        self.options = {
            "bind": addr,
            "workers": serving.workers,
            "threads": serving.threads,
            "worker_class": "gthread",
            # A request longer than this is a stuck worker: gunicorn replaces it.
            "timeout": 60,
            "graceful_timeout": 20,
            "accesslog": None,
            "logconfig_dict": LOGCONFIG,
            "proc_name": "naltrack",
            # gunicorn 27's runtime control socket sits in the user's home, one path for every
            # server on the host; naltrack is managed by its service manager (docs/deploy.md).
            "control_socket_disable": True,
        }
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> WSGIHandler:
        # naltrack.wsgi's application, made here: Django is set up already (the cli set it up).
        return get_wsgi_application()


def run(addr: str, serving: Serving) -> None:
    """Serve until stopped. The caller has migrated and collected the static files; the
    connections it used are closed here, so no forked worker shares the parent's socket."""
    for conn in connections.all():
        conn.close()
        close_pool = getattr(conn, "close_pool", None)  # PostgreSQL's pool (Django 5.1+)
        if close_pool is not None:
            close_pool()
    NaltrackServer(addr, serving).run()
