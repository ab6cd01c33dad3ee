"""object names indexed for case-insensitive prefix search

A name search such as ``STARLINK*`` read every object's name; with this index it reads
only the names with that prefix. SQLite: an index on ``name COLLATE NOCASE``, which its
case-insensitive ``LIKE 'PREFIX%'`` uses. PostgreSQL: an index on ``upper(name)`` with
``text_pattern_ops``, which ``upper(name) LIKE 'PREFIX%'`` uses in any locale.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

INDEX = 'ix_objects_name_search'


def upgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        op.execute(f'CREATE INDEX {INDEX} ON objects (name COLLATE NOCASE)')
    else:
        op.execute(f'CREATE INDEX {INDEX} ON objects (upper(name) text_pattern_ops)')


def downgrade() -> None:
    op.execute(f'DROP INDEX {INDEX}')
