"""Telegram users linked to the customer they verified as.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "telegram_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("telegram_user_id", sa.BigInteger(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name="fk_telegram_links_customer_id_customers"),
        sa.PrimaryKeyConstraint("id", name="pk_telegram_links"),
        sa.UniqueConstraint("telegram_user_id", name="uq_telegram_links_telegram_user_id"),
    )
    op.create_index("ix_telegram_links_customer_id", "telegram_links", ["customer_id"])


def downgrade() -> None:
    op.drop_table("telegram_links")
