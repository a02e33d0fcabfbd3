"""The audit chain: intact after real work; an altered event is caught and named."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select, update

from procure.extensions import db
from procure.models import AuditEvent, Solicitation
from procure.workflows import response as response_flow
from tests.support.contract import drafted, final_award
from tests.support.factories import draft_rfr, published_rfr, user


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


def test_the_trail_shows_the_responses_events_only_after_the_opening(app):
    """Events carry their solicitation: its trail lists the responses' events once opened,
    none before (the trail counts no sealed response); moving an event to another solicitation's
    trail is caught by verify."""
    from tests.conftest import Client
    from tests.support import world as world_support
    from tests.support.factories import EMAILS, PASSWORD
    world = world_support.build(app)
    officer = Client(app)
    officer.login(EMAILS["officer"], PASSWORD)
    trail = f"/officer/solicitations/{world.ids['solicitation']}/audit"
    sealed = officer.get(trail).get_data(as_text=True)
    assert "publish" in sealed and "(response)" not in sealed

    with app.app_context(), time_machine.travel(world.deadline + timedelta(seconds=31)):
        rfr = db.session.get(Solicitation, world.ids["solicitation"])
        response_flow.close_due(db.session)
        response_flow.open_responses(db.session, rfr, user(db.session, "officer"))
        db.session.commit()
    opened = officer.get(trail).get_data(as_text=True)
    assert "<td>submit <span" in opened and "(response)" in opened
    runner = app.test_cli_runner()
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.event == "submit"))
        seq = event.seq
        db.session.execute(update(AuditEvent).where(AuditEvent.id == event.id)
                           .values(solicitation_id=world.ids["draft"]))
        db.session.commit()
    broken = runner.invoke(args=["audit", "verify"])
    assert broken.exit_code == 1 and f"#{seq}" in broken.output
    assert "it is filed under another solicitation than its response's." in broken.output


@pytest.mark.parametrize("entity", ["panel", "scoresheet", "award", "contract"])
def test_an_evaluation_award_or_contract_event_moved_elsewhere_is_caught(app, people, entity):
    with app.app_context():
        world, award = final_award(db.session)
        drafted(db.session, world, award)
        other = draft_rfr(db.session, world.officer, title="Another RFR").id
        db.session.commit()
    runner = app.test_cli_runner()
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.entity_type == entity)
                                   .order_by(AuditEvent.seq)).first()
        db.session.execute(update(AuditEvent).where(AuditEvent.id == event.id)
                           .values(solicitation_id=other))
        db.session.commit()
        seq = event.seq
    broken = runner.invoke(args=["audit", "verify"])
    assert broken.exit_code == 1 and f"#{seq}" in broken.output
    assert f"it is filed under another solicitation than its {entity}'s." in broken.output

def test_a_rolled_back_first_event_leaves_the_chain_whole(app):
    """The first event ever written is rolled back (its action failed); the events after it still
    form one chain from #1. (On PostgreSQL the rollback spends the head row's first id: the head
    must be the row with id 1 whatever the database would number it.)"""
    from procure import audit
    with app.app_context():
        audit.record(db.session, actor="system", entity_type="user", entity_id=1, event="failed")
        db.session.flush()
        db.session.rollback()
        for n in range(3):
            audit.record(db.session, actor="system", entity_type="user", entity_id=1,
                         event=f"event {n}")
            db.session.commit()
        assert [e.seq for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq))] \
            == [1, 2, 3]
    ok = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert ok.exit_code == 0 and "Audit chain intact: 3 events." in ok.output


def test_an_events_data_keeps_moments_and_amounts_as_text(app, people):
    """An edit's changes name moments and amounts (a moved deadline, a lot's ceiling): the event
    is written, with them as text, and the chain verifies."""
    from datetime import UTC, datetime
    from decimal import Decimal
    from procure import audit
    moment = datetime(2026, 5, 1, 17, 0, tzinfo=UTC)
    with app.app_context():
        audit.record(db.session, actor="system", entity_type="user", entity_id=1, event="edit",
                     data={"changes": {"deadline": moment, "ceiling": Decimal("1250000.50")}})
        db.session.commit()
        stored = db.session.scalar(select(AuditEvent).where(AuditEvent.event == "edit"))
        assert stored.data == {"changes": {"deadline": "2026-05-01 17:00:00+00:00",
                                           "ceiling": "1250000.50"}}
    ok = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert ok.exit_code == 0 and "Audit chain intact" in ok.output
