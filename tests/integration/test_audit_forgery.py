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
from tests.support.factories import draft_rfr, published_rfr, user


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


def test_the_hash_recipe_is_fixed(ctx, people):
    """Every stored chain was hashed with this recipe: a change to it (a field renamed, dropped,
    another separator) would make every existing chain fail verification. Written out by hand."""
    from datetime import UTC, datetime
    import hashlib
    event = AuditEvent(seq=7, at=datetime(2026, 4, 14, 18, 0, 0, 250000, tzinfo=UTC), actor_id=3,
                       actor_label="officer@agency.example.org", entity_type="solicitation",
                       entity_id=12, event="publish", from_state="draft", to_state="published",
                       reason="", data={"number": "DCF-2026-RFR-001", "lots": [1, 2]},
                       prev_hash="a" * 64)
    canonical = ('{"actor_id":3,"actor_label":"officer@agency.example.org",'
                 '"at":"2026-04-14T18:00:00.250000+00:00","data":{"lots":[1,2],'
                 '"number":"DCF-2026-RFR-001"},"entity_id":12,"entity_type":"solicitation",'
                 '"event":"publish","from_state":"draft","prev_hash":"' + "a" * 64 + '",'
                 '"reason":"","seq":7,"to_state":"published"}')
    assert audit._digest(event) == hashlib.sha256(canonical.encode()).hexdigest()


def test_each_event_records_who_did_it(ctx, people):
    officer = user(ctx, "officer")
    rfr = draft_rfr(ctx, officer)     # events name a solicitation that exists (a foreign key)
    ctx.flush()
    before = _events(ctx)             # making the people and the draft wrote the first events
    n = len(before)
    first = audit.record(ctx, actor=officer, entity_type="solicitation", entity_id=rfr.id,
                         event="edit", reason="typo", data={"fields": ["title"]})
    second = audit.record(ctx, actor=None, entity_type="solicitation", entity_id=rfr.id,
                          event="close")
    third = audit.record(ctx, actor="system (deadline)", entity_type="response", entity_id=2,
                         event="seal", from_state="submitted", to_state="sealed")
    assert (first.actor_id, first.actor_label, first.reason, first.data) == (
        officer.id, officer.email, "typo", {"fields": ["title"]})
    assert (second.actor_id, second.actor_label, second.reason, second.data) == (
        None, "system", "", {})
    assert (third.actor_label, third.from_state, third.to_state) == (
        "system (deadline)", "submitted", "sealed")
    assert [e.seq for e in (first, second, third)] == [n + 1, n + 2, n + 3]
    assert before[0].prev_hash == audit.GENESIS and first.prev_hash == before[-1].hash
    assert second.prev_hash == first.hash and third.prev_hash == second.hash
    ctx.flush()
    head = ctx.get(AuditHead, 1)
    assert (head.seq, head.hash) == (n + 3, third.hash)
    result = audit.verify(ctx)
    assert result.ok and result.events == n + 3 and result.broken_at is None
    assert result.problem == ""


def test_verify_says_what_is_wrong(ctx, people):
    officer = user(ctx, "officer")
    rfr = draft_rfr(ctx, officer)     # events name a solicitation that exists (a foreign key)
    for n in range(4):
        audit.record(ctx, actor=officer, entity_type="solicitation", entity_id=rfr.id,
                     event=f"edit{n}")
    ctx.flush()
    events = _events(ctx)
    k = len(events) - 2                                 # the seq of the second of the four
    events[k - 1].prev_hash = "f" * 64                  # a link cut, its own hash left stale
    ctx.flush()
    result = audit.verify(ctx)
    assert not result.ok and result.events == k and result.broken_at.seq == k
    assert result.problem == (f"its link does not continue from event #{k - 1} (edit0): that "
                              "event was changed, or events after it were removed or reordered")
    events[k - 1].prev_hash = events[k - 2].hash
    first = events[0].prev_hash
    events[0].prev_hash = "f" * 64
    ctx.flush()
    result = audit.verify(ctx)
    assert result.broken_at.seq == 1 and result.events == 1
    assert result.problem.startswith("its link does not continue from the start of the chain")
    events[0].prev_hash = first
    ctx.delete(events[-1])
    ctx.flush()
    result = audit.verify(ctx)
    last = len(events)
    assert result.broken_at is None and result.events == last - 1 and not result.ok
    assert result.problem == (f"the chain ends at event #{last - 1} but #{last} was written: "
                              "the last events are gone")
    events[k].reason = "rewritten"                      # its hash left as it was
    ctx.flush()
    result = audit.verify(ctx)
    assert result.broken_at.seq == k + 1 and result.events == k + 1
    assert result.problem == "its content does not match its hash"
    ctx.delete(events[k - 1])
    ctx.flush()
    result = audit.verify(ctx)
    assert result.broken_at.seq == k + 1 and result.events == k
    assert result.problem == f"sequence {k + 1} where {k} was due"
