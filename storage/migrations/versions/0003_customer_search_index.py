"""The customers list's indexes: institution, CIF, name, phone tail and phone in one covering index
(replacing the index on institution alone), and name with CIF (replacing name alone); then fresh planner
statistics.

A branch manager's search scans the branch's customers for a CIF prefix, a part of the name or a phone
tail; with these columns in the index the scan never reads the customer table. The list sorted by name
breaks ties by CIF, which the name index now gives in order.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 13:30:00.000000
"""

from collections.abc import Sequence

from alembic import op

from storage.engine import refresh_statistics


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.create_index(
            'ix_customer_scope_search',
            ['institution_id', 'cif', 'name', 'phone_tail', 'phone'],
            unique=False,
        )
        batch_op.drop_index('ix_customer_institution_id')
        batch_op.create_index('ix_customer_name_cif', ['name', 'cif'], unique=False)
        batch_op.drop_index('ix_customer_name')
    refresh_statistics(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.create_index('ix_customer_name', ['name'], unique=False)
        batch_op.drop_index('ix_customer_name_cif')
        batch_op.create_index('ix_customer_institution_id', ['institution_id'], unique=False)
        batch_op.drop_index('ix_customer_scope_search')
