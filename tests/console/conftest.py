"""Database fixtures: every console test that takes ``db`` runs on SQLite and on PostgreSQL.

PostgreSQL is a real server, started once per test session with initdb and
pg_ctl in a temporary directory, listening on 127.0.0.1 at a free port; each
test gets a database of its own. PostgreSQL refuses to run as root, so as root
the server runs as the ``postgres`` user the Debian package creates.
"""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from jobyard.console.db import Base, create_engine, migrate

BACKENDS = ["sqlite", "postgresql"]


def _postgres_bin_dir() -> Path | None:
    installed = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda path: int(path.parts[-3]))
    if installed:
        return installed[-1].parent
    on_path = shutil.which("pg_ctl")
    return Path(on_path).parent if on_path else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class PostgresServer:
    port: int
    _names: Iterator[int] = itertools.count()

    def admin_url(self) -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres"

    def new_database(self) -> str:
        name = f"test_{next(self._names)}"
        with psycopg.connect(self.admin_url(), autocommit=True) as connection:
            connection.execute(f"CREATE DATABASE {name}")
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def drop_database(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        with psycopg.connect(self.admin_url(), autocommit=True) as connection:
            connection.execute(f"DROP DATABASE {name} WITH (FORCE)")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    bin_dir = _postgres_bin_dir()
    if bin_dir is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed: apt-get install postgresql")
    run_as: list[str] = []
    root = Path(tempfile.mkdtemp(prefix="jobyard-pg-"))
    if os.geteuid() == 0:
        run_as = ["runuser", "-u", "postgres", "--"]
        shutil.chown(root, "postgres", "postgres")
    data = root / "data"
    port = _free_port()
    subprocess.run(
        [*run_as, bin_dir / "initdb", "-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"],
        check=True,
        capture_output=True,
    )
    # fsync off and the socket in our own directory: a throwaway server that
    # touches nothing outside its temp dir.
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -F"
    subprocess.run(
        [*run_as, bin_dir / "pg_ctl", "-D", data, "-l", root / "server.log", "-o", options, "-w", "start"],
        check=True,
        capture_output=True,
    )
    try:
        yield PostgresServer(port)
    finally:
        subprocess.run([*run_as, bin_dir / "pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database of its own, on each backend in turn."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'console.db'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    url = server.new_database()
    yield url
    server.drop_database(url)


@pytest.fixture
def engine(database_url: str, tmp_path: Path) -> Iterator[Engine]:
    """An engine on an empty, unmigrated database."""
    engine = create_engine(database_url, tmp_path)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def shared_postgres_engine(
    postgres_server: PostgresServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    # Creating a PostgreSQL database per test costs a checkpoint each; one
    # migrated database, emptied after every test, costs a TRUNCATE.
    engine = create_engine(postgres_server.new_database(), tmp_path_factory.mktemp("postgres-engine"))
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def db(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Session]:
    """A session on a migrated database holding no rows."""
    if backend == "sqlite":
        engine = create_engine(None, tmp_path)
        migrate(engine)
        with Session(engine) as session:
            yield session
        engine.dispose()
        return
    engine = request.getfixturevalue("shared_postgres_engine")
    with Session(engine) as session:
        yield session
    tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
