"""Database access: SQLite by default, PostgreSQL (RDS) when DATABASE_URL is set.

Queries are written once, with :name placeholders, which sqlite3 understands as is
and which are rewritten to psycopg's %(name)s style for PostgreSQL. Each request gets
its own connection, closed when the request ends.
"""

import os
import re
import sqlite3
from typing import Any, Dict, List, Mapping, Optional

from flask import Flask, current_app, g

from .config import Settings

NAMED_PLACEHOLDER = re.compile(r":([A-Za-z_][A-Za-z0-9_]*)")

SQLITE_SCHEMA = """
CREATE TABLE IF NOT EXISTS notes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL
)
"""

POSTGRES_SCHEMA = """
CREATE TABLE IF NOT EXISTS notes (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
)
"""

# Every replica runs the schema set-up at start; concurrent CREATE TABLE IF NOT EXISTS can still
# collide in PostgreSQL's catalog, so the replicas take turns under this advisory lock key.
SCHEMA_LOCK_KEY = 7_202_611


class Connection:
    """One open connection, with the same small API whatever the engine."""

    def __init__(self, raw: Any, dialect: str):
        self._raw = raw
        self.dialect = dialect

    def _prepare(self, sql: str) -> str:
        if self.dialect == "sqlite":
            return sql
        return NAMED_PLACEHOLDER.sub(r"%(\1)s", sql.replace("%", "%%"))

    def execute(self, sql: str, params: Optional[Mapping[str, Any]] = None) -> int:
        """Runs a statement and returns the number of rows it changed."""
        return self._raw.execute(self._prepare(sql), params or {}).rowcount

    def query_all(self, sql: str, params: Optional[Mapping[str, Any]] = None) -> List[Dict[str, Any]]:
        # fetchall, never a lone fetchone: sqlite3 refuses to commit while a
        # statement such as INSERT ... RETURNING still has rows unread.
        rows = self._raw.execute(self._prepare(sql), params or {}).fetchall()
        return [dict(row) for row in rows]

    def query_one(self, sql: str, params: Optional[Mapping[str, Any]] = None) -> Optional[Dict[str, Any]]:
        rows = self.query_all(sql, params)
        return rows[0] if rows else None

    def commit(self) -> None:
        self._raw.commit()

    def close(self) -> None:
        self._raw.close()


def open_connection(settings: Settings) -> Connection:
    if settings.database_url:
        # Imported here so that a SQLite-only run never loads libpq.
        import psycopg
        from psycopg.rows import dict_row

        raw = psycopg.connect(
            settings.database_url,
            connect_timeout=settings.db_connect_timeout,
            row_factory=dict_row,
        )
        return Connection(raw, "postgresql")

    # No directory is created here: if the database's directory vanished, connecting must
    # fail so that /readyz reports it, rather than silently start an empty database.
    raw = sqlite3.connect(settings.sqlite_path, timeout=5)
    raw.row_factory = sqlite3.Row
    return Connection(raw, "sqlite")


def create_schema(settings: Settings) -> None:
    if not settings.database_url:
        os.makedirs(os.path.dirname(os.path.abspath(settings.sqlite_path)), exist_ok=True)
    conn = open_connection(settings)
    try:
        if conn.dialect == "sqlite":
            # WAL lets gunicorn's workers read while another one writes.
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(SQLITE_SCHEMA)
        else:
            conn.execute("SELECT pg_advisory_xact_lock(:key)", {"key": SCHEMA_LOCK_KEY})
            conn.execute(POSTGRES_SCHEMA)
        conn.commit()
    finally:
        conn.close()


def _ensure_schema(app: Flask) -> None:
    """Creates the schema once per process, retrying on later requests if the database was down."""
    if app.extensions.get("schema_ready"):
        return
    create_schema(app.extensions["settings"])
    app.extensions["schema_ready"] = True


def get_connection() -> Connection:
    """The current request's connection, opened on first use."""
    if "db_connection" not in g:
        _ensure_schema(current_app)
        g.db_connection = open_connection(current_app.extensions["settings"])
    return g.db_connection


def _close_connection(_error: Optional[BaseException]) -> None:
    conn = g.pop("db_connection", None)
    if conn is not None:
        conn.close()


def init_app(app: Flask) -> None:
    # A database that is down at start must not crash the pod: it starts, /readyz answers 503
    # and keeps it out of the load balancer, and the schema is created once the database answers.
    try:
        _ensure_schema(app)
    except Exception as exc:  # whatever the driver raises, the answer is "retry later"
        app.logger.warning("database not ready at start, will retry: %s: %s", type(exc).__name__, exc)
    app.teardown_appcontext(_close_connection)
