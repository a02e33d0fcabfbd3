"""The price envelope: when each panel's price opened to its evaluators

Revision ID: 0011_price_envelope
Revises: 0011_scale_ops
Create Date: 2026-12-07 02:20:00

"""
from alembic import op
import sqlalchemy as sa

import procure.models.base


# revision identifiers, used by Alembic.
revision = '0011_price_envelope'
down_revision = '0011_scale_ops'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('panel', schema=None) as batch_op:
        batch_op.add_column(sa.Column('price_opened_at',
                                      procure.models.base.UTCDateTime(timezone=True),
                                      nullable=True))
    # Panels already past the technical consensus had their price open: a finalized panel, or
    # one whose price criteria were scored.
    op.execute(
        "UPDATE panel SET price_opened_at = COALESCE(finalized_at, created_at) "
        "WHERE status = 'finalized' OR id IN (SELECT c.panel_id FROM consensus_score c "
        "JOIN criterion k ON k.id = c.criterion_id WHERE k.envelope = 'price')")


def downgrade():
    with op.batch_alter_table('panel', schema=None) as batch_op:
        batch_op.drop_column('price_opened_at')
