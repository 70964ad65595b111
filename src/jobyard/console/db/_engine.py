"""The console database's engine: SQLite in the data dir unless a URL names another."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy import create_engine as _sqlalchemy_create_engine
from sqlalchemy.engine import make_url

__all__ = ["DATABASE_FILE", "create_engine", "default_url"]

DATABASE_FILE = "console.db"


def default_url(data_dir: Path) -> str:
    return f"sqlite:///{data_dir.absolute() / DATABASE_FILE}"


def create_engine(url: str | None, data_dir: Path) -> Engine:
    """An engine for ``url``, or for ``DATA/console.db`` when ``url`` is None.

    A bare ``postgresql://`` URL means psycopg 3, the driver jobyard ships;
    SQLAlchemy alone would pick psycopg2, which is not installed.
    """
    parsed = make_url(url or default_url(data_dir))
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    # The console uses its database on the event loop's thread, between awaits, and a request
    # keeps its session (and so a connection) while it waits on a cluster. A bounded pool would
    # make the request after the last connection wait for one on that thread, where none of the
    # suspended requests holding them can run to give one back: every request then stalls until
    # the pool's timeout. So the pool never makes anyone wait; it opens another connection.
    engine = _sqlalchemy_create_engine(parsed, max_overflow=-1)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _configure_sqlite)
    return engine


def _configure_sqlite(dbapi_connection: Any, connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # SQLite leaves foreign keys unenforced unless each connection asks; the
    # cascades from users and clusters depend on them.
    cursor.execute("PRAGMA foreign_keys = ON")
    # WAL lets the UI read while a write is in progress; the busy timeout makes
    # a second writer wait instead of failing at once.
    cursor.execute("PRAGMA journal_mode = WAL")
    # In WAL mode NORMAL survives a killed process and skips an fsync per commit; only power
    # loss may drop the last transactions (the cluster's store makes the same choice).
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute("PRAGMA busy_timeout = 5000")
    cursor.close()
