"""Search that stays as fast with ten years of history: trigram indexes for search words in
solicitations' titles, numbers and descriptions and lots' titles (pg_trgm GIN on PostgreSQL; empty
on SQLite, whose LIKE cannot use them), the public list's order as an index, and the lots a place
or a region finds

Revision ID: 0018_scale_search_indexes
Revises: 0017_scale_audit_checks
Create Date: 2026-12-07 14:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018_scale_search_indexes'
down_revision = '0017_scale_audit_checks'
branch_labels = None
depends_on = None

SEARCHED = [('solicitation', 'title'), ('solicitation', 'number'),
            ('solicitation', 'description'), ('lot', 'title')]


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        # a trusted extension (PostgreSQL 13+): the database's owner may create it
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    for table, column in SEARCHED:
        op.create_index(f'ix_{table}_{column}_trigram', table, [column], unique=False,
                        postgresql_using='gin', postgresql_ops={column: 'gin_trgm_ops'},
                        sqlite_where=sa.text('0'))
    op.create_index('ix_solicitation_listing', 'solicitation',
                    [sa.text("(status = 'published')"), 'deadline', 'id'], unique=False,
                    postgresql_where=sa.text('published_at IS NOT NULL'),
                    sqlite_where=sa.text('published_at IS NOT NULL'))
    op.create_index('ix_lot_area_office_area_office_id', 'lot_area_office', ['area_office_id'],
                    unique=False)
    op.create_index(op.f('ix_lot_region_id'), 'lot', ['region_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_lot_region_id'), table_name='lot')
    op.drop_index('ix_lot_area_office_area_office_id', table_name='lot_area_office')
    op.drop_index('ix_solicitation_listing', table_name='solicitation')
    for table, column in reversed(SEARCHED):
        op.drop_index(f'ix_{table}_{column}_trigram', table_name=table)
    # pg_trgm stays: other objects of the database may use it
