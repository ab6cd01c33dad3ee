"""catalog: batches, objects, element sets, ephemerides, state vectors

Revision ID: 0001
Revises: 
Create Date: 2026-11-22
"""

from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ingest_batches',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('origin', sa.Text(), nullable=False),
    sa.Column('format', sa.String(length=16), nullable=False),
    sa.Column('data_mode', sa.String(length=16), nullable=False),
    sa.Column('ingested_at_us', sa.BigInteger(), nullable=False),
    sa.Column('content_sha256', sa.String(length=64), nullable=False),
    sa.Column('n_records', sa.Integer(), nullable=False),
    sa.Column('n_new', sa.Integer(), nullable=False),
    sa.Column('n_rejected', sa.Integer(), nullable=False),
    sa.Column('marking', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ingest_batches')),
    sa.UniqueConstraint('content_sha256', 'source', 'data_mode', name=op.f('uq_ingest_batches_content_sha256_source_data_mode'))
    )
    op.create_table('objects',
    sa.Column('norad_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('name', sa.String(length=80), nullable=True),
    sa.Column('intl_designator', sa.String(length=16), nullable=True),
    sa.Column('object_type', sa.String(length=16), nullable=True),
    sa.Column('owner', sa.String(length=16), nullable=True),
    sa.Column('metadata_epoch_us', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('norad_id', name=op.f('pk_objects'))
    )
    with op.batch_alter_table('objects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_objects_intl_designator'), ['intl_designator'], unique=False)

    op.create_table('element_sets',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('norad_id', sa.BigInteger(), nullable=False),
    sa.Column('epoch_us', sa.BigInteger(), nullable=False),
    sa.Column('mean_motion_rev_day', sa.Double(), nullable=False),
    sa.Column('eccentricity', sa.Double(), nullable=False),
    sa.Column('inclination_deg', sa.Double(), nullable=False),
    sa.Column('raan_deg', sa.Double(), nullable=False),
    sa.Column('arg_perigee_deg', sa.Double(), nullable=False),
    sa.Column('mean_anomaly_deg', sa.Double(), nullable=False),
    sa.Column('bstar_per_er', sa.Double(), nullable=False),
    sa.Column('mean_motion_dot', sa.Double(), nullable=False),
    sa.Column('mean_motion_ddot', sa.Double(), nullable=False),
    sa.Column('classification', sa.String(length=1), nullable=False),
    sa.Column('ephemeris_type', sa.SmallInteger(), nullable=False),
    sa.Column('element_set_no', sa.Integer(), nullable=False),
    sa.Column('rev_at_epoch', sa.Integer(), nullable=False),
    sa.Column('mean_element_theory', sa.String(length=16), nullable=False),
    sa.Column('ref_frame', sa.String(length=16), nullable=False),
    sa.Column('time_system', sa.String(length=8), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=True),
    sa.Column('intl_designator', sa.String(length=16), nullable=True),
    sa.Column('object_type', sa.String(length=16), nullable=True),
    sa.Column('semi_major_axis_km', sa.Double(), nullable=True),
    sa.Column('period_min', sa.Double(), nullable=True),
    sa.Column('perigee_alt_km', sa.Double(), nullable=True),
    sa.Column('apogee_alt_km', sa.Double(), nullable=True),
    sa.Column('regime', sa.String(length=8), nullable=False),
    sa.Column('format', sa.String(length=8), nullable=False),
    sa.Column('tle_line1', sa.String(length=69), nullable=True),
    sa.Column('tle_line2', sa.String(length=69), nullable=True),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('batch_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('source_line', sa.Integer(), nullable=True),
    sa.Column('data_mode', sa.String(length=16), nullable=False),
    sa.Column('marking', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['ingest_batches.id'], name=op.f('fk_element_sets_batch_id_ingest_batches')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_element_sets')),
    sa.UniqueConstraint('content_hash', name=op.f('uq_element_sets_content_hash'))
    )
    with op.batch_alter_table('element_sets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_element_sets_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_element_sets_norad_id_epoch_us'), ['norad_id', 'epoch_us'], unique=False)

    op.create_table('ephemerides',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('norad_id', sa.BigInteger(), nullable=True),
    sa.Column('object_name', sa.String(length=80), nullable=False),
    sa.Column('object_id', sa.String(length=32), nullable=False),
    sa.Column('center_name', sa.String(length=32), nullable=False),
    sa.Column('ref_frame', sa.String(length=16), nullable=False),
    sa.Column('time_system', sa.String(length=8), nullable=False),
    sa.Column('start_us', sa.BigInteger(), nullable=False),
    sa.Column('stop_us', sa.BigInteger(), nullable=False),
    sa.Column('useable_start_us', sa.BigInteger(), nullable=True),
    sa.Column('useable_stop_us', sa.BigInteger(), nullable=True),
    sa.Column('interpolation', sa.String(length=16), nullable=True),
    sa.Column('interpolation_degree', sa.SmallInteger(), nullable=True),
    sa.Column('ref_frame_epoch_us', sa.BigInteger(), nullable=True),
    sa.Column('n_states', sa.Integer(), nullable=False),
    sa.Column('epochs_npy', sa.LargeBinary(), nullable=False),
    sa.Column('states_npy', sa.LargeBinary(), nullable=False),
    sa.Column('covariance_epochs_npy', sa.LargeBinary(), nullable=True),
    sa.Column('covariance_npy', sa.LargeBinary(), nullable=True),
    sa.Column('covariance_frames', sa.Text(), nullable=True),
    sa.Column('originator', sa.String(length=64), nullable=True),
    sa.Column('creation_date_us', sa.BigInteger(), nullable=True),
    sa.Column('comments', sa.Text(), nullable=True),
    sa.Column('format', sa.String(length=8), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('batch_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('source_line', sa.Integer(), nullable=True),
    sa.Column('data_mode', sa.String(length=16), nullable=False),
    sa.Column('marking', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['ingest_batches.id'], name=op.f('fk_ephemerides_batch_id_ingest_batches')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ephemerides')),
    sa.UniqueConstraint('content_hash', name=op.f('uq_ephemerides_content_hash'))
    )
    with op.batch_alter_table('ephemerides', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ephemerides_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ephemerides_norad_id'), ['norad_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ephemerides_object_id'), ['object_id'], unique=False)

    op.create_table('state_vectors',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('norad_id', sa.BigInteger(), nullable=True),
    sa.Column('object_name', sa.String(length=80), nullable=False),
    sa.Column('object_id', sa.String(length=32), nullable=False),
    sa.Column('center_name', sa.String(length=32), nullable=False),
    sa.Column('ref_frame', sa.String(length=16), nullable=False),
    sa.Column('time_system', sa.String(length=8), nullable=False),
    sa.Column('epoch_us', sa.BigInteger(), nullable=False),
    sa.Column('x_km', sa.Double(), nullable=False),
    sa.Column('y_km', sa.Double(), nullable=False),
    sa.Column('z_km', sa.Double(), nullable=False),
    sa.Column('vx_km_s', sa.Double(), nullable=False),
    sa.Column('vy_km_s', sa.Double(), nullable=False),
    sa.Column('vz_km_s', sa.Double(), nullable=False),
    sa.Column('covariance_npy', sa.LargeBinary(), nullable=True),
    sa.Column('covariance_frame', sa.String(length=16), nullable=True),
    sa.Column('has_maneuvers', sa.Boolean(), nullable=False),
    sa.Column('details', sa.Text(), nullable=False),
    sa.Column('originator', sa.String(length=64), nullable=True),
    sa.Column('creation_date_us', sa.BigInteger(), nullable=True),
    sa.Column('format', sa.String(length=8), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('batch_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('source_line', sa.Integer(), nullable=True),
    sa.Column('data_mode', sa.String(length=16), nullable=False),
    sa.Column('marking', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['ingest_batches.id'], name=op.f('fk_state_vectors_batch_id_ingest_batches')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_state_vectors')),
    sa.UniqueConstraint('content_hash', name=op.f('uq_state_vectors_content_hash'))
    )
    with op.batch_alter_table('state_vectors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_state_vectors_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_state_vectors_norad_id'), ['norad_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_state_vectors_object_id'), ['object_id'], unique=False)

    op.create_table('latest_element_sets',
    sa.Column('norad_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('data_mode', sa.String(length=16), nullable=False),
    sa.Column('element_set_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('epoch_us', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['element_set_id'], ['element_sets.id'], name=op.f('fk_latest_element_sets_element_set_id_element_sets')),
    sa.PrimaryKeyConstraint('norad_id', 'data_mode', name=op.f('pk_latest_element_sets'))
    )


def downgrade() -> None:
    op.drop_table('latest_element_sets')
    with op.batch_alter_table('state_vectors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_state_vectors_object_id'))
        batch_op.drop_index(batch_op.f('ix_state_vectors_norad_id'))
        batch_op.drop_index(batch_op.f('ix_state_vectors_batch_id'))

    op.drop_table('state_vectors')
    with op.batch_alter_table('ephemerides', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ephemerides_object_id'))
        batch_op.drop_index(batch_op.f('ix_ephemerides_norad_id'))
        batch_op.drop_index(batch_op.f('ix_ephemerides_batch_id'))

    op.drop_table('ephemerides')
    with op.batch_alter_table('element_sets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_element_sets_norad_id_epoch_us'))
        batch_op.drop_index(batch_op.f('ix_element_sets_batch_id'))

    op.drop_table('element_sets')
    with op.batch_alter_table('objects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_objects_intl_designator'))

    op.drop_table('objects')
    op.drop_table('ingest_batches')
