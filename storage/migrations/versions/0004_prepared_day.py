"""Prepared days: the views of an RM's day computed from the bank's data (the day's reminders,
recommendations and churn alerts; a month of the work calendar), kept until that data changes
(:mod:`storage.prepared`).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 16:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('prepared_day',
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('view', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('inputs_version', sa.Integer(), nullable=False),
    sa.Column('body', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('prepared_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_prepared_day_staff_id_staff')),
    sa.PrimaryKeyConstraint('staff_id', 'view', name=op.f('pk_prepared_day'))
    )


def downgrade() -> None:
    op.drop_table('prepared_day')
