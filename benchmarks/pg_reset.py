"""Drop and create a PostgreSQL database for the benchmark: pg_reset.py ADMIN_URL NAME.
Exit 1 when the server cannot be reached."""

from __future__ import annotations

import sys

import psycopg
from psycopg import sql


def main(admin_url: str, name: str) -> int:
    try:
        with psycopg.connect(admin_url, connect_timeout=3, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.OperationalError:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
