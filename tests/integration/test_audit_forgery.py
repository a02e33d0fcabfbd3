"""The audit chain against a forger who knows how it is hashed: an event edited and its hash
recomputed, an event deleted and the rest renumbered and rehashed, two events swapped and
rehashed. Each time `procure audit verify` exits 1 and names the event where the chain breaks
and the one before it that was touched (the link is what catches a forger; the own hash only
catches a clumsy one)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from procure import audit
from procure.extensions import db
from procure.models import AuditEvent, AuditHead
from tests.support.factories import published_rfr, user


@pytest.fixture
def chain(app, people):
    """A real chain of events: a published RFR (create, lots, sections, criteria, publish)."""
    with app.app_context():
        published_rfr(db.session, user(db.session, "officer"))
        db.session.commit()
        count = db.session.query(AuditEvent).count()
    assert count >= 8
    assert _verify(app).exit_code == 0
    return count


def _verify(app):
    return app.test_cli_runner().invoke(args=["audit", "verify"])


def _events(session) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))


def _rehash(event: AuditEvent) -> None:
    """What a forger does after changing an event: recompute its hash with the published recipe."""
    event.hash = audit._digest(event)


def _move_head_to(session, last: AuditEvent) -> None:
    head = session.get(AuditHead, 1)
    head.seq, head.hash = last.seq, last.hash


def test_edited_middle_event_with_its_hash_recomputed_is_named(app, chain):
    with app.app_context():
        events = _events(db.session)
        middle = events[len(events) // 2]
        seq, name = middle.seq, middle.event
        middle.actor_label = "someone-else@agency.example.org"
        middle.data = {**middle.data, "title": "changed after the fact"}
        _rehash(middle)
        db.session.commit()
        assert audit._digest(middle) == middle.hash          # its own hash holds
    broken = _verify(app)
    assert broken.exit_code == 1
    assert f"BROKEN at event #{seq + 1}" in broken.output
    assert f"does not continue from event #{seq} ({name})" in broken.output


def test_deleted_event_with_the_rest_renumbered_and_rehashed_is_named(app, chain):
    with app.app_context():
        events = _events(db.session)
        victim = events[3]
        seq, before = victim.seq, (events[2].seq, events[2].event)
        db.session.delete(victim)
        db.session.flush()
        for event in events[4:]:           # close the gap, in order (seq is unique)
            event.seq -= 1
            _rehash(event)
            db.session.flush()
        _move_head_to(db.session, events[-1])
        db.session.commit()
        assert [e.seq for e in _events(db.session)] == list(range(1, chain))
    broken = _verify(app)
    assert broken.exit_code == 1
    assert f"BROKEN at event #{seq}" in broken.output
    assert "does not continue from event #%d (%s)" % before in broken.output


def test_two_events_swapped_and_rehashed_are_named(app, chain):
    with app.app_context():
        events = _events(db.session)
        first, second = events[4], events[5]
        a, b, previous = first.seq, second.seq, events[3].event
        first.seq = -1
        db.session.flush()
        second.seq = a
        db.session.flush()
        first.seq = b
        db.session.flush()
        _rehash(first)
        _rehash(second)
        db.session.commit()
        assert [e.event for e in _events(db.session)][a - 1:b] == [second.event, first.event]
    broken = _verify(app)
    assert broken.exit_code == 1
    assert f"BROKEN at event #{a}" in broken.output
    assert f"does not continue from event #{a - 1} ({previous})" in broken.output


def test_rewritten_last_event_without_moving_the_head_is_caught(app, chain):
    with app.app_context():
        last = _events(db.session)[-1]
        last.actor_label = "nobody@agency.example.org"
        _rehash(last)
        db.session.commit()
    broken = _verify(app)
    assert broken.exit_code == 1 and "BROKEN at its end" in broken.output


def test_edit_without_rehash_is_named_by_its_own_hash(app, chain):
    with app.app_context():
        target = _events(db.session)[2]
        seq = target.seq
        target.reason = "inserted later"
        db.session.commit()
    broken = _verify(app)
    assert broken.exit_code == 1
    assert f"BROKEN at event #{seq}" in broken.output
    assert "its content does not match its hash" in broken.output


def test_a_chain_of_real_work_verifies(app, chain):
    ok = _verify(app)
    assert ok.exit_code == 0 and f"Audit chain intact: {chain} events." in ok.output
