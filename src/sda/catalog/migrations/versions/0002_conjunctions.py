"""conjunctions: screening runs, conjunctions (with ingested CDMs), asset thresholds, alerts

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('asset_thresholds',
    sa.Column('norad_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('owner', sa.String(length=64), nullable=False),
    sa.Column('max_miss_km', sa.Double(), nullable=True),
    sa.Column('min_pc', sa.Double(), nullable=True),
    sa.Column('max_hours_to_tca', sa.Double(), nullable=True),
    sa.Column('updated_at_us', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('norad_id', 'owner', name=op.f('pk_asset_thresholds'))
    )
    op.create_table('screening_runs',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('start_us', sa.BigInteger(), nullable=False),
    sa.Column('window_s', sa.Double(), nullable=False),
    sa.Column('threshold_km', sa.Double(), nullable=False),
    sa.Column('primaries', sa.Text(), nullable=True),
    sa.Column('n_objects', sa.Integer(), nullable=False),
    sa.Column('n_conjunctions', sa.Integer(), nullable=False),
    sa.Column('run_time_s', sa.Double(), nullable=False),
    sa.Column('created_at_us', sa.BigInteger(), nullable=False),
    sa.Column('data_mode', sa.String(length=16), nullable=False),
    sa.Column('marking', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_screening_runs'))
    )
    op.create_table('conjunctions',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('norad_id_1', sa.BigInteger(), nullable=False),
    sa.Column('norad_id_2', sa.BigInteger(), nullable=False),
    sa.Column('tca_us', sa.BigInteger(), nullable=False),
    sa.Column('miss_distance_km', sa.Double(), nullable=False),
    sa.Column('relative_speed_km_s', sa.Double(), nullable=False),
    sa.Column('miss_r_km', sa.Double(), nullable=False),
    sa.Column('miss_t_km', sa.Double(), nullable=False),
    sa.Column('miss_n_km', sa.Double(), nullable=False),
    sa.Column('x_1_km', sa.Double(), nullable=False),
    sa.Column('y_1_km', sa.Double(), nullable=False),
    sa.Column('z_1_km', sa.Double(), nullable=False),
    sa.Column('vx_1_km_s', sa.Double(), nullable=False),
    sa.Column('vy_1_km_s', sa.Double(), nullable=False),
    sa.Column('vz_1_km_s', sa.Double(), nullable=False),
    sa.Column('x_2_km', sa.Double(), nullable=False),
    sa.Column('y_2_km', sa.Double(), nullable=False),
    sa.Column('z_2_km', sa.Double(), nullable=False),
    sa.Column('vx_2_km_s', sa.Double(), nullable=False),
    sa.Column('vy_2_km_s', sa.Double(), nullable=False),
    sa.Column('vz_2_km_s', sa.Double(), nullable=False),
    sa.Column('frame', sa.String(length=16), nullable=False),
    sa.Column('element_set_id_1', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('element_set_id_2', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('epoch_1_us', sa.BigInteger(), nullable=True),
    sa.Column('epoch_2_us', sa.BigInteger(), nullable=True),
    sa.Column('pc', sa.Double(), nullable=True),
    sa.Column('pc_method', sa.String(length=32), nullable=True),
    sa.Column('hbr_m', sa.Double(), nullable=True),
    sa.Column('covariance_assumed', sa.Boolean(), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('origin', sa.Text(), nullable=True),
    sa.Column('screening_threshold_km', sa.Double(), nullable=True),
    sa.Column('batch_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('run_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('cdm_kvn', sa.Text(), nullable=True),
    sa.Column('content_hash', sa.String(length=64), nullable=True),
    sa.Column('created_at_us', sa.BigInteger(), nullable=False),
    sa.Column('data_mode', sa.String(length=16), nullable=False),
    sa.Column('marking', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['ingest_batches.id'], name=op.f('fk_conjunctions_batch_id_ingest_batches')),
    sa.ForeignKeyConstraint(['element_set_id_1'], ['element_sets.id'], name=op.f('fk_conjunctions_element_set_id_1_element_sets')),
    sa.ForeignKeyConstraint(['element_set_id_2'], ['element_sets.id'], name=op.f('fk_conjunctions_element_set_id_2_element_sets')),
    sa.ForeignKeyConstraint(['run_id'], ['screening_runs.id'], name=op.f('fk_conjunctions_run_id_screening_runs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conjunctions')),
    sa.UniqueConstraint('content_hash', name=op.f('uq_conjunctions_content_hash'))
    )
    with op.batch_alter_table('conjunctions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conjunctions_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_conjunctions_norad_id_1_tca_us'), ['norad_id_1', 'tca_us'], unique=False)
        batch_op.create_index(batch_op.f('ix_conjunctions_norad_id_2_tca_us'), ['norad_id_2', 'tca_us'], unique=False)
        batch_op.create_index(batch_op.f('ix_conjunctions_run_id'), ['run_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_conjunctions_tca_us'), ['tca_us'], unique=False)

    op.create_table('alerts',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('conjunction_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('norad_id', sa.BigInteger(), nullable=False),
    sa.Column('owner', sa.String(length=64), nullable=False),
    sa.Column('thresholds_met', sa.Text(), nullable=False),
    sa.Column('level', sa.String(length=8), nullable=False),
    sa.Column('created_at_us', sa.BigInteger(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('data_mode', sa.String(length=16), nullable=False),
    sa.Column('marking', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['conjunction_id'], ['conjunctions.id'], name=op.f('fk_alerts_conjunction_id_conjunctions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alerts')),
    sa.UniqueConstraint('conjunction_id', 'norad_id', 'owner', name=op.f('uq_alerts_conjunction_id_norad_id_owner'))
    )
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alerts_created_at_us'), ['created_at_us'], unique=False)
        batch_op.create_index(batch_op.f('ix_alerts_owner'), ['owner'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alerts_owner'))
        batch_op.drop_index(batch_op.f('ix_alerts_created_at_us'))

    op.drop_table('alerts')
    with op.batch_alter_table('conjunctions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conjunctions_tca_us'))
        batch_op.drop_index(batch_op.f('ix_conjunctions_run_id'))
        batch_op.drop_index(batch_op.f('ix_conjunctions_norad_id_2_tca_us'))
        batch_op.drop_index(batch_op.f('ix_conjunctions_norad_id_1_tca_us'))
        batch_op.drop_index(batch_op.f('ix_conjunctions_batch_id'))

    op.drop_table('conjunctions')
    op.drop_table('screening_runs')
    op.drop_table('asset_thresholds')
