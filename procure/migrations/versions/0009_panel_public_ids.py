"""panel public ids: panels and scoresheets are named in URLs by UUID4, not by their keys

Revision ID: panel_public_ids
Revises: mail_queue (main gained 0008_mail_queue on panels first: chained after it, one head)

"""
import uuid

import sqlalchemy as sa
from alembic import op

revision = "panel_public_ids"
down_revision = "mail_queue"
branch_labels = None
depends_on = None

TABLES = ("panel", "scoresheet")


def upgrade():
    bind = op.get_bind()
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("public_id", sa.String(length=36), nullable=True))
        rows = sa.table(table, sa.column("id", sa.Integer), sa.column("public_id", sa.String))
        for (key,) in bind.execute(sa.select(rows.c.id)).all():
            bind.execute(rows.update().where(rows.c.id == key)
                         .values(public_id=str(uuid.uuid4())))
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("public_id", existing_type=sa.String(length=36),
                                  nullable=False)
            batch_op.create_unique_constraint(batch_op.f(f"uq_{table}_public_id"), ["public_id"])


def downgrade():
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f"uq_{table}_public_id"), type_="unique")
            batch_op.drop_column("public_id")
