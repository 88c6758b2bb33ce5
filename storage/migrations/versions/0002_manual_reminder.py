"""Manual reminders (手工提醒): a reminder an RM writes for a day, optionally about a customer.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('manual_reminder',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('due', sa.Date(), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_manual_reminder_customer_id_customer')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_manual_reminder_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_manual_reminder'))
    )
    with op.batch_alter_table('manual_reminder', schema=None) as batch_op:
        batch_op.create_index('ix_manual_reminder_staff_id_due', ['staff_id', 'due'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('manual_reminder', schema=None) as batch_op:
        batch_op.drop_index('ix_manual_reminder_staff_id_due')

    op.drop_table('manual_reminder')
