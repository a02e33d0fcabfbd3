"""The audit chain: intact after real work; an altered event is caught and named."""

from __future__ import annotations

from sqlalchemy import select, update

from procure.extensions import db
from procure.models import AuditEvent
from tests.support.factories import published_rfr, user


def test_verify_passes_then_names_the_tampered_event(app, people):
    with app.app_context():
        published_rfr(db.session, user(db.session, "officer"))
        db.session.commit()
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["audit", "verify"])
    assert ok.exit_code == 0 and "Audit chain intact" in ok.output
    with app.app_context():
        target = db.session.scalar(select(AuditEvent).where(AuditEvent.event == "publish"))
        seq = target.seq
        db.session.execute(update(AuditEvent).where(AuditEvent.id == target.id)
                           .values(actor_label="someone-else@agency.example.org"))
        db.session.commit()
    broken = runner.invoke(args=["audit", "verify"])
    assert broken.exit_code == 1
    assert f"BROKEN at event #{seq}" in broken.output and "publish on solicitation" in broken.output


def test_deleted_event_breaks_the_chain(app, people):
    with app.app_context():
        published_rfr(db.session, user(db.session, "officer"))
        db.session.commit()
        victim = db.session.scalar(select(AuditEvent).where(AuditEvent.event == "add_lot"))
        db.session.delete(victim)
        db.session.commit()
    broken = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert broken.exit_code == 1 and "sequence" in broken.output


def test_removing_the_last_events_is_caught(app, people):
    with app.app_context():
        published_rfr(db.session, user(db.session, "officer"))
        db.session.commit()
        last = db.session.scalar(select(AuditEvent).order_by(AuditEvent.seq.desc()))
        db.session.delete(last)
        db.session.commit()
    broken = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert broken.exit_code == 1 and "BROKEN at its end" in broken.output
