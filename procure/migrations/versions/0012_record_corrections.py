"""a document's record corrections: what the bidder corrected, kept beside what was read

Revision ID: 0011_intake_corrections
Revises: 0011_newuser_required_kinds
"""
from alembic import op
import sqlalchemy as sa

import procure.models.base  # noqa: F401

revision = '0011_intake_corrections'
down_revision = '0011_newuser_required_kinds'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.add_column(sa.Column('corrections', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.drop_column('corrections')
