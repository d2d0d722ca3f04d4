"""Measures remember the measure of the previous plan version they were copied from (money follows them).

Revision ID: 76c95d6b2ce4
Revises: b0b8734730bb
Create Date: 2026-11-28 06:21:25.642082

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '76c95d6b2ce4'
down_revision = 'b0b8734730bb'
branch_labels = None
depends_on = None


FK = "fk_plan_measures_previous_id"


def upgrade():
    with op.batch_alter_table('plan_measures', schema=None) as batch_op:
        batch_op.add_column(sa.Column('previous_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(FK, 'plan_measures', ['previous_id'], ['id'], ondelete='SET NULL')
    # Versions made before this column: a copy kept its original's position, and its library code or title.
    op.execute("""
        UPDATE plan_measures SET previous_id = (
            SELECT o.id FROM plan_measures o JOIN plans p ON p.previous_id = o.plan_id
            WHERE p.id = plan_measures.plan_id AND o.position = plan_measures.position
              AND (o.library_code = plan_measures.library_code OR o.title_ru = plan_measures.title_ru)
            ORDER BY o.id LIMIT 1)
        WHERE plan_id IN (SELECT id FROM plans WHERE previous_id IS NOT NULL)
    """)


def downgrade():
    with op.batch_alter_table('plan_measures', schema=None) as batch_op:
        batch_op.drop_constraint(FK, type_='foreignkey')
        batch_op.drop_column('previous_id')
