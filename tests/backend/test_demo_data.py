import os
import subprocess
import sys
from datetime import timedelta

from sqlalchemy import select

from bot.backend.db import PROJECT_DIR, make_engine, session_scope
from bot.backend.demo_data import DEMO_CUSTOMERS, seed
from bot.backend.disputes import dispute_eligibility
from bot.backend.models import metadata
from bot.backend.refunds import refund_eligibility

from .helpers import NOW


def snapshot(session) -> dict:
    return {table.name: sorted(map(tuple, session.execute(select(table)).all()), key=repr)
            for table in metadata.sorted_tables}


def test_seeding_twice_changes_nothing(seeded):
    with session_scope(seeded) as session:
        before = snapshot(session)
        seed(session, NOW + timedelta(days=3))
    with session_scope(seeded) as session:
        assert snapshot(session) == before
    assert len(before["customers"]) == 3 and len(before["transactions"]) == 12


# What DEMO_CUSTOMERS promises each transaction shows, checked against the rules.
REFUND_OUTCOMES = {
    "T20261102-0001": None, "T20260903-0002": "outside_refund_window", "T20261105-0003": "pending",
    "T20261028-0004": None, "T20261101-0005": "failed", "T20261103-0101": None,
    "T20261020-0102": "already_refunded", "T20261030-0103": "already_disputed",
    "T20261104-0104": "pending", "T20260815-0105": "outside_refund_window", "T20261029-0201": None,
}


def test_the_demo_transactions_show_what_they_promise(session):
    described = {t.public_id: (c.public_id, t) for c in DEMO_CUSTOMERS for t in c.transactions}
    for public_id, reason in REFUND_OUTCOMES.items():
        customer_id, _ = described[public_id]
        assert refund_eligibility(session, customer_id, public_id, NOW).reason_code == reason, public_id
    assert dispute_eligibility(session, "C-1002", "T20261030-0103").open_ticket == "DSP-000001"
    assert dispute_eligibility(session, "C-1003", "T20261015-0202").reason_code == "already_disputed"
    assert {c.public_id: c.language for c in DEMO_CUSTOMERS} == {"C-1001": "zh", "C-1002": "en", "C-1003": "zh"}


def test_the_command_migrates_and_seeds_a_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    env = {**os.environ, "KDPAY_DATABASE_URL": url, "KDPAY_SECRET_PEPPER": "test-pepper"}
    for _ in range(2):
        done = subprocess.run([sys.executable, "-m", "bot.backend.demo_data"], cwd=PROJECT_DIR, env=env,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
    assert "C-1001" in done.stdout and "T20261102-0001" in done.stdout
    engine = make_engine(url)
    with session_scope(engine) as session:
        assert len(snapshot(session)["customers"]) == 3
    engine.dispose()
