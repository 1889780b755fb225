"""Initial schema: customers, transactions, tickets, codes, outbox, audit.

Frozen as written: later changes go in new revisions, and this file does
not import the models (they will move on; this history must not).

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""
from __future__ import annotations

from typing import List

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TICKET_STATUSES = "status IN ('open', 'in_review', 'resolved', 'rejected')"
ACTIVE_WHILE_OPEN = "(status IN ('open', 'in_review')) = (active_key IS NOT NULL)"
DISPUTE_REASONS = "reason IN ('unauthorised', 'not_received', 'not_as_described', 'charged_twice', 'other')"
REFUND_REASONS = "reason IN ('not_received', 'wrong_amount', 'cancelled_order', 'other')"


def utc(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def customer_fk(table: str, nullable: bool = False) -> List[sa.SchemaItem]:
    return [
        sa.Column("customer_id", sa.Integer(), nullable=nullable),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=f"fk_{table}_customer_id_customers"),
    ]


def upgrade() -> None:
    op.create_table(
        "customers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(16), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("preferred_language", sa.String(2), nullable=False),
        sa.Column("locked", sa.Boolean(), nullable=False),
        utc("locked_at", nullable=True),
        sa.Column("two_step_enabled", sa.Boolean(), nullable=False),
        utc("created_at"),
        sa.CheckConstraint("preferred_language IN ('zh', 'en')", name="ck_customers_language"),
        sa.PrimaryKeyConstraint("id", name="pk_customers"),
        sa.UniqueConstraint("email", name="uq_customers_email"),
        sa.UniqueConstraint("phone", name="uq_customers_phone"),
        sa.UniqueConstraint("public_id", name="uq_customers_public_id"),
    )
    op.create_table(
        "transactions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(20), nullable=False),
        *customer_fk("transactions"),
        sa.Column("counterparty", sa.String(200), nullable=False),
        sa.Column("amount", sa.Numeric(12, 2), nullable=False),
        sa.Column("currency", sa.CHAR(3), nullable=False),
        sa.Column("cross_border", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        utc("created_at"),
        utc("completed_at", nullable=True),
        sa.CheckConstraint("status IN ('pending', 'completed', 'failed', 'refunded')", name="ck_transactions_status"),
        sa.CheckConstraint("amount >= 0", name="ck_transactions_amount_not_negative"),
        sa.PrimaryKeyConstraint("id", name="pk_transactions"),
        sa.UniqueConstraint("public_id", name="uq_transactions_public_id"),
    )
    op.create_index("ix_transactions_customer_id", "transactions", ["customer_id"])
    create_ticket_table("disputes", DISPUTE_REASONS)
    create_ticket_table("refunds", REFUND_REASONS)
    op.create_table(
        "password_reset_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        *customer_fk("password_reset_requests"),
        sa.Column("token_hash", sa.String(64), nullable=False),
        utc("expires_at"),
        utc("used_at", nullable=True),
        utc("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_password_reset_requests"),
        sa.UniqueConstraint("token_hash", name="uq_password_reset_requests_token_hash"),
    )
    op.create_index("ix_password_reset_requests_customer_id", "password_reset_requests", ["customer_id"])
    op.create_table(
        "verification_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_hash", sa.String(64), nullable=False),
        *customer_fk("verification_codes"),
        sa.Column("code_hash", sa.String(64), nullable=False),
        utc("expires_at"),
        utc("used_at", nullable=True),
        utc("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_verification_codes"),
    )
    op.create_index("ix_verification_codes_contact_hash", "verification_codes", ["contact_hash"])
    op.create_index("ix_verification_codes_customer_id", "verification_codes", ["customer_id"])
    op.create_table(
        "verification_throttles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_hash", sa.String(64), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        utc("locked_until", nullable=True),
        utc("updated_at"),
        sa.PrimaryKeyConstraint("id", name="pk_verification_throttles"),
        sa.UniqueConstraint("contact_hash", name="uq_verification_throttles_contact_hash"),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("recipient", sa.String(254), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        utc("created_at"),
        utc("sent_at", nullable=True),
        sa.CheckConstraint("channel IN ('email', 'sms')", name="ck_outbox_channel"),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
    )
    op.create_index("ix_outbox_recipient", "outbox", ["recipient"])
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        *customer_fk("audit_events", nullable=True),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        utc("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_audit_events"),
    )
    op.create_index("ix_audit_events_customer_id", "audit_events", ["customer_id"])
    op.create_index("ix_audit_events_kind", "audit_events", ["kind"])


def create_ticket_table(table: str, reasons: str) -> None:
    """Disputes and refunds: one row per ticket, `active_key` unique while open."""
    op.create_table(
        table,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_number", sa.String(12), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("active_key", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        utc("created_at"),
        utc("updated_at"),
        *customer_fk(table),
        sa.Column("transaction_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(TICKET_STATUSES, name=f"ck_{table}_status"),
        sa.CheckConstraint(reasons, name=f"ck_{table}_reason"),
        sa.CheckConstraint(ACTIVE_WHILE_OPEN, name=f"ck_{table}_active_key_while_active"),
        sa.CheckConstraint("active_key IS NULL OR active_key = transaction_id", name=f"ck_{table}_active_key_is_transaction"),
        sa.ForeignKeyConstraint(["transaction_id"], ["transactions.id"], name=f"fk_{table}_transaction_id_transactions"),
        sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
        sa.UniqueConstraint("active_key", name=f"uq_{table}_active_key"),
        sa.UniqueConstraint("ticket_number", name=f"uq_{table}_ticket_number"),
    )
    op.create_index(f"ix_{table}_customer_id", table, ["customer_id"])
    op.create_index(f"ix_{table}_transaction_id", table, ["transaction_id"])


def downgrade() -> None:
    for table in (
        "audit_events", "outbox", "verification_throttles", "verification_codes",
        "password_reset_requests", "refunds", "disputes", "transactions", "customers",
    ):
        op.drop_table(table)
