"""Job runs carry their Job's uid (one run per uid), the reason a run failed, and a rerun's manifest.

Revision ID: 0002
Revises: 0001

Runs recorded before this revision have no uid; the job service gives each the uid of the Job it
next reads for it (``jobyard.console.jobs.observed``).
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Batch mode: SQLite adds a constraint only by copying the table.
    with op.batch_alter_table("job_runs") as batch:
        batch.add_column(sa.Column("job_uid", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("reason", sa.String(length=128), nullable=True))
        batch.add_column(sa.Column("recreate", sa.Text(), nullable=True))
        batch.create_unique_constraint(op.f("uq_job_runs_cluster_job_uid"), ["cluster", "job_uid"])


def downgrade() -> None:
    with op.batch_alter_table("job_runs") as batch:
        batch.drop_constraint(op.f("uq_job_runs_cluster_job_uid"), type_="unique")
        batch.drop_column("recreate")
        batch.drop_column("reason")
        batch.drop_column("job_uid")
