"""survey tallies: counts kept as responses arrive (results read them instead of every answer)

Revision ID: 5b1e7c2a9d40
Revises: 3d12cc78428d
Create Date: 2026-11-27 23:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b1e7c2a9d40'
down_revision = '3d12cc78428d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('survey_tallies',
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('gender', sa.String(length=40), nullable=False),
    sa.Column('age_band', sa.String(length=40), nullable=False),
    sa.Column('area', sa.String(length=40), nullable=False),
    sa.Column('question_code', sa.String(length=40), nullable=False),
    sa.Column('item', sa.String(length=40), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('survey_id', 'gender', 'age_band', 'area', 'question_code', 'item', 'value')
    )
    # Count the answers stored before this version.
    from cpplan.surveys import tally

    connection = op.get_bind()
    for (survey_id,) in connection.execute(sa.text("SELECT id FROM surveys")).all():
        tally.recount(survey_id, connection=connection)


def downgrade():
    op.drop_table('survey_tallies')
