"""The migrations build exactly the schema the ORM models describe, on both backends."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import delete, func, inspect, select
from sqlalchemy.exc import IntegrityError, StatementError

from jobyard.console.db import DATABASE_FILE, Base, Cluster, RoleBinding, User, create_engine, migrate
from jobyard.console.db._migrate import MIGRATIONS


def test_the_migrations_produce_exactly_the_models(engine):
    migrate(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "compare_server_default": True})
        assert compare_metadata(context, Base.metadata) == []


def test_migrating_twice_changes_nothing(engine):
    migrate(engine)
    migrate(engine)
    assert set(inspect(engine).get_table_names()) == set(Base.metadata.tables) | {"alembic_version"}


def test_without_a_url_the_database_is_a_sqlite_file_in_the_data_dir(tmp_path):
    engine = create_engine(None, tmp_path)
    assert engine.url.database == str(tmp_path / DATABASE_FILE)
    engine.dispose()


def test_a_bare_postgresql_url_means_psycopg_3(tmp_path):
    engine = create_engine("postgresql://jobyard@db.example/console", tmp_path)
    assert engine.url.drivername == "postgresql+psycopg"
    engine.dispose()


def test_times_read_back_aware_and_in_utc(db):
    created = datetime(2027, 3, 1, 12, 0, tzinfo=timezone(timedelta(hours=8)))
    db.add(Cluster(name="prod", kubeconfig=b"x", status="Running", created=created))
    db.commit()
    db.expire_all()
    stored = db.scalar(select(Cluster.created))
    assert stored == created
    assert stored.tzinfo == UTC


def test_naive_times_are_refused(db):
    db.add(Cluster(name="prod", kubeconfig=b"x", status="Running", created=datetime(2027, 3, 1)))
    with pytest.raises(StatementError, match="naive datetime"):
        db.commit()


def test_removing_a_cluster_removes_its_role_bindings(db):
    db.add(Cluster(name="prod", kubeconfig=b"x", status="Running", created=datetime.now(UTC)))
    user = User(
        name="dev",
        password_hash="x",
        is_admin=False,
        created=datetime.now(UTC),
        disabled=False,
        password_changed=datetime.now(UTC),
    )
    user.bindings.append(RoleBinding(role="ns-editor", cluster="prod", namespace="team-a"))
    db.add(user)
    db.commit()
    db.execute(delete(Cluster).where(Cluster.name == "prod"))
    db.commit()
    assert db.scalar(select(func.count()).select_from(RoleBinding)) == 0


def test_a_cluster_role_on_a_namespace_is_refused_by_the_database(db):
    db.add(Cluster(name="prod", kubeconfig=b"x", status="Running", created=datetime.now(UTC)))
    user = User(
        name="dev",
        password_hash="x",
        is_admin=False,
        created=datetime.now(UTC),
        disabled=False,
        password_changed=datetime.now(UTC),
    )
    user.bindings.append(RoleBinding(role="cluster-admin", cluster="prod", namespace="team-a"))
    db.add(user)
    with pytest.raises(IntegrityError):
        db.commit()


def test_downgrading_removes_every_table(engine):
    migrate(engine)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
