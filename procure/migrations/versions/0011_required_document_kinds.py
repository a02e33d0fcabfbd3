"""Required document kinds: an RFR names the kinds of document every response must hold
(cover sheet, budget, forms), checked at submit

Revision ID: 0011_newuser_required_kinds
Revises: awards
Create Date: 2026-12-07 02:35:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_newuser_required_kinds'
down_revision = 'awards'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('solicitation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('required_document_kinds', sa.JSON(), nullable=False,
                                      server_default=sa.text("'[]'")))


def downgrade():
    with op.batch_alter_table('solicitation', schema=None) as batch_op:
        batch_op.drop_column('required_document_kinds')
