"""warnings: indications and warnings raised by the analyses

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('warnings',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('norad_id', sa.BigInteger(), nullable=True),
    sa.Column('related_ids', sa.Text(), nullable=False),
    sa.Column('time_us', sa.BigInteger(), nullable=False),
    sa.Column('window_start_us', sa.BigInteger(), nullable=True),
    sa.Column('window_stop_us', sa.BigInteger(), nullable=True),
    sa.Column('confidence', sa.Double(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at_us', sa.BigInteger(), nullable=False),
    sa.Column('data_mode', sa.String(length=16), nullable=False),
    sa.Column('marking', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_warnings')),
    sa.UniqueConstraint('content_hash', name=op.f('uq_warnings_content_hash'))
    )
    op.create_index(op.f('ix_warnings_norad_id'), 'warnings', ['norad_id'], unique=False)
    op.create_index(op.f('ix_warnings_time_us'), 'warnings', ['time_us'], unique=False)
    op.create_index(op.f('ix_warnings_created_at_us'), 'warnings', ['created_at_us'], unique=False)
    op.create_index(op.f('ix_warnings_kind_time_us'), 'warnings', ['kind', 'time_us'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_warnings_kind_time_us'), table_name='warnings')
    op.drop_index(op.f('ix_warnings_created_at_us'), table_name='warnings')
    op.drop_index(op.f('ix_warnings_time_us'), table_name='warnings')
    op.drop_index(op.f('ix_warnings_norad_id'), table_name='warnings')
    op.drop_table('warnings')
