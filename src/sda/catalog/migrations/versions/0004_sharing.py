"""sharing: markings by reference, partners, principals, API keys, the audit log

Every marked table gets ``marking_id``; the markings already stored (such as
``{"releasable_to":["ALL"]}``) are read as unowned markings in their record's data
mode, rewritten in canonical form and entered in ``markings``. A marking that cannot
be read is given the audience of no partner (only the local operator sees it) and
keeps its original text.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
MARKED_TABLES = ('ingest_batches', 'element_sets', 'ephemerides', 'state_vectors', 'screening_runs',
                 'conjunctions', 'alerts', 'warnings')
INDEXED = ('conjunctions', 'alerts', 'warnings')


def upgrade() -> None:
    op.create_table('markings',
    sa.Column('id', _ID, autoincrement=True, nullable=False),
    sa.Column('marking', sa.Text(), nullable=False),
    sa.Column('owner', sa.String(length=32), nullable=False),
    sa.Column('mode', sa.String(length=16), nullable=False),
    sa.Column('audience_all', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_markings')),
    sa.UniqueConstraint('marking', name=op.f('uq_markings_marking'))
    )
    op.create_table('marking_partners',
    sa.Column('marking_id', _ID, autoincrement=False, nullable=False),
    sa.Column('partner', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['marking_id'], ['markings.id'], name=op.f('fk_marking_partners_marking_id_markings')),
    sa.PrimaryKeyConstraint('marking_id', 'partner', name=op.f('pk_marking_partners'))
    )
    op.create_index(op.f('ix_marking_partners_partner_marking_id'), 'marking_partners', ['partner', 'marking_id'],
                    unique=False)
    op.create_table('latest_by_marking',
    sa.Column('norad_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('data_mode', sa.String(length=16), nullable=False),
    sa.Column('marking_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('element_set_id', _ID, nullable=False),
    sa.Column('epoch_us', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['element_set_id'], ['element_sets.id'],
                            name=op.f('fk_latest_by_marking_element_set_id_element_sets')),
    sa.PrimaryKeyConstraint('norad_id', 'data_mode', 'marking_id', name=op.f('pk_latest_by_marking'))
    )
    op.create_table('partners',
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('created_at_us', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_partners'))
    )
    op.create_table('principals',
    sa.Column('id', _ID, autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('partner', sa.String(length=32), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('created_at_us', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['partner'], ['partners.name'], name=op.f('fk_principals_partner_partners')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_principals')),
    sa.UniqueConstraint('partner', 'name', name=op.f('uq_principals_partner_name'))
    )
    op.create_table('api_keys',
    sa.Column('id', _ID, autoincrement=True, nullable=False),
    sa.Column('principal_id', _ID, nullable=False),
    sa.Column('prefix', sa.String(length=12), nullable=False),
    sa.Column('key_sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at_us', sa.BigInteger(), nullable=False),
    sa.Column('revoked_at_us', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['principal_id'], ['principals.id'], name=op.f('fk_api_keys_principal_id_principals')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_keys')),
    sa.UniqueConstraint('key_sha256', name=op.f('uq_api_keys_key_sha256'))
    )
    op.create_index(op.f('ix_api_keys_principal_id'), 'api_keys', ['principal_id'], unique=False)
    op.create_table('audit_log',
    sa.Column('seq', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('at_us', sa.BigInteger(), nullable=False),
    sa.Column('principal_id', sa.BigInteger(), nullable=True),
    sa.Column('principal', sa.String(length=64), nullable=False),
    sa.Column('partner', sa.String(length=32), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('target', sa.Text(), nullable=False),
    sa.Column('origin', sa.Text(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('mac', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_audit_log'))
    )
    op.create_table('audit_head',
    sa.Column('id', sa.SmallInteger(), autoincrement=False, nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('mac', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_head'))
    )
    for table in MARKED_TABLES:
        op.add_column(table, sa.Column('marking_id', sa.BigInteger(), nullable=True))
    for table in INDEXED:
        op.create_index(op.f(f'ix_{table}_marking_id'), table, ['marking_id'], unique=False)
    _reference_existing_markings()


def _reference_existing_markings() -> None:
    """Enter every stored (marking, data mode) in ``markings`` and point its records at it."""
    from sda.policy.markings import Marking

    conn = op.get_bind()
    ids: dict[str, int] = {}
    for table in MARKED_TABLES:
        pairs = conn.execute(sa.text(f'SELECT DISTINCT marking, data_mode FROM {table}')).all()
        for text, mode in pairs:
            try:
                m = Marking.of_record(text, mode)
                canonical = m.to_json()
            except ValueError:
                m = Marking(releasable_to=frozenset(), mode=mode)
                canonical = text
            key = m.to_json()
            if key not in ids:
                ids[key] = _insert_marking(conn, m)
            conn.execute(sa.text(f'UPDATE {table} SET marking = :canonical, marking_id = :mid '
                                 f'WHERE marking = :text AND data_mode = :mode'),
                         {'canonical': canonical, 'mid': ids[key], 'text': text, 'mode': mode})
    conn.execute(sa.text(
        'INSERT INTO latest_by_marking (norad_id, data_mode, marking_id, element_set_id, epoch_us) '
        'SELECT norad_id, data_mode, marking_id, id, epoch_us FROM ('
        ' SELECT norad_id, data_mode, marking_id, id, epoch_us, ROW_NUMBER() OVER ('
        '  PARTITION BY norad_id, data_mode, marking_id ORDER BY epoch_us DESC, id DESC) AS rn'
        ' FROM element_sets) AS ranked WHERE rn = 1'))


def _insert_marking(conn, m) -> int:
    audience = m.audience
    mid = conn.execute(sa.text('INSERT INTO markings (marking, owner, mode, audience_all) '
                               'VALUES (:marking, :owner, :mode, :all) RETURNING id'),
                       {'marking': m.to_json(), 'owner': m.owner, 'mode': m.mode,
                        'all': audience is None}).scalar_one()
    for partner in sorted(audience or ()):
        conn.execute(sa.text('INSERT INTO marking_partners (marking_id, partner) VALUES (:mid, :p)'),
                     {'mid': mid, 'p': partner})
    return mid


def downgrade() -> None:
    for table in INDEXED:
        op.drop_index(op.f(f'ix_{table}_marking_id'), table_name=table)
    for table in MARKED_TABLES:  # a plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+), no table rebuild
        op.drop_column(table, 'marking_id')
    op.drop_table('audit_head')
    op.drop_table('audit_log')
    op.drop_index(op.f('ix_api_keys_principal_id'), table_name='api_keys')
    op.drop_table('api_keys')
    op.drop_table('principals')
    op.drop_table('partners')
    op.drop_table('latest_by_marking')
    op.drop_index(op.f('ix_marking_partners_partner_marking_id'), table_name='marking_partners')
    op.drop_table('marking_partners')
    op.drop_table('markings')
