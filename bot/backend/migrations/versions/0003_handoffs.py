"""Human handoff: agents, their console sessions and sign-in throttles, handoffs.

Frozen as written (does not import the models).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

ACTIVE_WHILE_OPEN = "(status IN ('queued', 'claimed')) = (active_key IS NOT NULL)"


def utc(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "agents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(12), nullable=True),
        sa.Column("login", sa.String(64), nullable=False),
        sa.Column("display_name", sa.String(100), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        utc("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_agents"),
        sa.UniqueConstraint("login", name="uq_agents_login"),
        sa.UniqueConstraint("public_id", name="uq_agents_public_id"),
    )
    op.create_table(
        "agent_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        utc("created_at"),
        utc("expires_at"),
        utc("revoked_at", nullable=True),
        sa.ForeignKeyConstraint(["agent_id"], ["agents.id"], name="fk_agent_sessions_agent_id_agents"),
        sa.PrimaryKeyConstraint("id", name="pk_agent_sessions"),
        sa.UniqueConstraint("token_hash", name="uq_agent_sessions_token_hash"),
    )
    op.create_index("ix_agent_sessions_agent_id", "agent_sessions", ["agent_id"])
    op.create_table(
        "agent_sign_in_throttles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("login_hash", sa.String(64), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        utc("window_started_at", nullable=True),
        utc("locked_until", nullable=True),
        utc("updated_at"),
        sa.PrimaryKeyConstraint("id", name="pk_agent_sign_in_throttles"),
        sa.UniqueConstraint("login_hash", name="uq_agent_sign_in_throttles_login_hash"),
    )
    op.create_table(
        "handoffs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(12), nullable=True),
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("active_key", sa.String(255), nullable=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        utc("queued_at"),
        utc("claimed_at", nullable=True),
        utc("resolved_at", nullable=True),
        utc("closed_at", nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        utc("rated_at", nullable=True),
        sa.Column("ticket_number", sa.String(12), nullable=True),
        sa.CheckConstraint("channel IN ('web', 'telegram', 'rest')", name="ck_handoffs_channel"),
        sa.CheckConstraint("language IN ('zh', 'en')", name="ck_handoffs_language"),
        sa.CheckConstraint(
            "reason IN ('customer_request', 'low_confidence', 'account_locked', 'refusal_contested')",
            name="ck_handoffs_reason",
        ),
        sa.CheckConstraint(
            "status IN ('queued', 'claimed', 'resolved', 'expired', 'abandoned')", name="ck_handoffs_status"
        ),
        sa.CheckConstraint(ACTIVE_WHILE_OPEN, name="ck_handoffs_active_key_while_active"),
        sa.CheckConstraint("active_key IS NULL OR active_key = sender_id", name="ck_handoffs_active_key_is_sender"),
        sa.CheckConstraint("status <> 'claimed' OR agent_id IS NOT NULL", name="ck_handoffs_claimed_has_agent"),
        sa.CheckConstraint(
            "rating IS NULL OR (rating BETWEEN 1 AND 5 AND status = 'resolved')", name="ck_handoffs_rating"
        ),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name="fk_handoffs_customer_id_customers"),
        sa.ForeignKeyConstraint(["agent_id"], ["agents.id"], name="fk_handoffs_agent_id_agents"),
        sa.PrimaryKeyConstraint("id", name="pk_handoffs"),
        sa.UniqueConstraint("active_key", name="uq_handoffs_active_key"),
        sa.UniqueConstraint("public_id", name="uq_handoffs_public_id"),
        sa.UniqueConstraint("ticket_number", name="uq_handoffs_ticket_number"),
    )
    op.create_index("ix_handoffs_sender_id", "handoffs", ["sender_id"])
    op.create_index("ix_handoffs_customer_id", "handoffs", ["customer_id"])
    op.create_index("ix_handoffs_agent_id", "handoffs", ["agent_id"])
    op.create_index("ix_handoffs_status_queued_at", "handoffs", ["status", "queued_at"])


def downgrade() -> None:
    for table in ("handoffs", "agent_sign_in_throttles", "agent_sessions", "agents"):
        op.drop_table(table)
