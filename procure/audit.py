"""Writing and verifying the hash-chained audit log."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from procure import clock
from procure.models import (
    AuditEvent,
    AuditHead,
    Award,
    Contract,
    Panel,
    Protest,
    Response,
    Scoresheet,
    User,
)

GENESIS = "0" * 64


def _digest(event: Any) -> str:
    body = {
        "seq": event.seq, "at": event.at.isoformat(), "actor_id": event.actor_id,
        "actor_label": event.actor_label, "entity_type": event.entity_type,
        "entity_id": event.entity_id, "event": event.event, "from_state": event.from_state,
        "to_state": event.to_state, "reason": event.reason, "data": event.data,
        "prev_hash": event.prev_hash,
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def actor_label(actor: User | str | None) -> str:
    if isinstance(actor, User):
        return actor.email
    return actor or "system"


def record(session: Session, *, actor: User | str | None, entity_type: str, entity_id: int,
           event: str, from_state: str | None = None, to_state: str | None = None,
           reason: str = "", data: dict[str, Any] | None = None,
           solicitation_id: int | None = None) -> AuditEvent:
    """Append one event to the chain, in the caller's transaction (the head row is locked).
    `solicitation_id`: the procurement the event belongs to (a solicitation's own events need
    not say it); its trail shows every event that names it."""
    if entity_type == "solicitation":
        solicitation_id = entity_id
    head = session.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalar()
    if head is None:
        head = AuditHead(id=1, seq=0, hash=GENESIS)
        session.add(head)
    session.flush()
    entry = AuditEvent(
        seq=head.seq + 1, at=clock.now(), actor_id=actor.id if isinstance(actor, User) else None,
        actor_label=actor_label(actor), entity_type=entity_type, entity_id=entity_id, event=event,
        from_state=from_state, to_state=to_state, reason=reason or "",
        solicitation_id=solicitation_id,
        data=json.loads(json.dumps(data or {}, default=str)), prev_hash=head.hash,
    )
    # The stored timestamp keeps microseconds on every database; hash what will be read back.
    entry.hash = _digest(entry)
    head.seq, head.hash = entry.seq, entry.hash
    session.add(entry)
    return entry


@dataclass
class Verification:
    events: int
    broken_at: Any    # the first event that breaks the chain (a row of audit_event), or None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return not self.problem


def _owner(session: Session) -> Callable[[Any], int | None]:
    """The solicitation an event must name, from its (hashed) entity: a solicitation's own,
    its responses', panels', scoresheets', awards', protests' and contracts'; none for people,
    organisations and rules."""
    queries = {
        "response": select(Response.id, Response.solicitation_id),
        "panel": select(Panel.id, Panel.solicitation_id),
        "scoresheet": select(Scoresheet.id, Panel.solicitation_id).join(Panel),
        "award": select(Award.id, Award.solicitation_id),
        "protest": select(Protest.id, Award.solicitation_id).join(Award),
        "contract": select(Contract.id, Contract.solicitation_id),
    }
    owners = {kind: dict(session.execute(query).tuples().all())
              for kind, query in queries.items()}

    def owner(event: Any) -> int | None:
        if event.entity_type == "solicitation":
            return event.entity_id
        return owners.get(event.entity_type, {}).get(event.entity_id)
    return owner


def verify(session: Session, progress: Callable[[int], None] | None = None,
           batch: int = 5000) -> Verification:
    """Walk the chain in order, up to the head as it is when the walk starts; name the first
    event whose hash or link does not hold, or that names another procurement than its
    entity's. Events are read `batch` at a time as plain rows (the memory stays that of one
    batch); `progress(events checked)` is called after each batch, outside any read."""
    head = session.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).first()
    last = head.seq if head is not None else \
        session.scalar(select(func.coalesce(func.max(AuditEvent.seq), 0)))
    expected_prev, expected_seq, count = GENESIS, 1, 0
    owner = _owner(session)
    previous: Any = None
    columns = AuditEvent.__table__.c
    while True:
        rows = session.execute(select(*columns).where(
            columns.seq >= expected_seq, columns.seq <= last)
            .order_by(columns.seq).limit(batch)).all()
        for event in rows:
            count += 1
            if event.seq != expected_seq:
                return Verification(count, event,
                                    f"sequence {event.seq} where {expected_seq} was due")
            if event.prev_hash != expected_prev:
                # A forger who rehashes what they changed breaks the link after it: name both ends.
                after = (f"event #{previous.seq} ({previous.event})" if previous is not None
                         else "the start of the chain")
                return Verification(count, event, f"its link does not continue from {after}: "
                                                  "that event was changed, or events after it "
                                                  "were removed or reordered")
            if _digest(event) != event.hash:
                return Verification(count, event, "its content does not match its hash")
            if event.solicitation_id != owner(event):
                return Verification(count, event, "it is filed under another solicitation than "
                                                  f"its {event.entity_type}'s")
            expected_prev, expected_seq, previous = event.hash, expected_seq + 1, event
        if progress is not None:
            progress(count)
        if len(rows) < batch:
            break
    if head is not None and (head.seq, head.hash) != (expected_seq - 1, expected_prev):
        return Verification(count, None, f"the chain ends at event #{expected_seq - 1} but "
                                         f"#{head.seq} was written: the last events are gone")
    return Verification(count, None)
