"""Alembic's entry point: runs on the connection that ``migrate`` hands over."""

from alembic import context

from jobyard.console.db._models import Base

if context.is_offline_mode():
    raise RuntimeError("jobyard migrates a live database only; offline SQL scripts are not supported")

# SQLite alters tables only by copying them; batch mode lets later migrations
# use ALTER-style operations on both backends.
context.configure(
    connection=context.config.attributes["connection"],
    target_metadata=Base.metadata,
    render_as_batch=True,
)
with context.begin_transaction():
    context.run_migrations()
