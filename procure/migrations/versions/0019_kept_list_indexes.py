"""The lists a person keeps stay as fast with ten years of history: each list's order as an
index, so that a page is an index walk that stops when full (my responses by organisation,
newest first; the panels at work first, the latest first; the officer's solicitations, latest
deadline first). The same indexes on SQLite.

Revision ID: 0019_kept_list_indexes
Revises: 0018_scale_search_indexes
Create Date: 2026-12-07 23:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019_kept_list_indexes'
down_revision = '0018_scale_search_indexes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_response_organization_listing', 'response',
                    ['organization_id', 'created_at', 'id'], unique=False)
    op.create_index('ix_panel_listing', 'panel',
                    [sa.text("(status = 'finalized')"), sa.text('id DESC')], unique=False)
    op.create_index('ix_solicitation_officer_listing', 'solicitation',
                    [sa.text('(deadline IS NULL)'), sa.text('deadline DESC'),
                     sa.text('id DESC')], unique=False)


def downgrade():
    op.drop_index('ix_solicitation_officer_listing', table_name='solicitation')
    op.drop_index('ix_panel_listing', table_name='panel')
    op.drop_index('ix_response_organization_listing', table_name='response')
