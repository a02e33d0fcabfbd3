"""What bidders are told by mail: each addendum to a solicitation they started a response to, and
a reminder a few days before the deadline while their response is still a draft.

Mail goes to the people of the bidder's organisation who can act on it (bidders whose account is
active and whose address is confirmed). It is queued (procure.mail) in the transaction that
decides it and sent after the commit; a reminder carries a key, so it goes once per person and
deadline however many runners of the scheduler find it due."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from procure import clock, mail
from procure.models import (
    Addendum,
    Receipt,
    Response,
    ResponseStatus,
    Role,
    Solicitation,
    SolicitationStatus,
    User,
)


def contacts(session: Session, organization_ids: Iterable[int]) -> list[User]:
    """The people of these organisations who can act on a response, by organisation then name."""
    ids = set(organization_ids)
    if not ids:
        return []
    return list(session.scalars(select(User).where(
        User.organization_id.in_(ids), User.role == Role.bidder, User.active.is_(True),
        User.email_confirmed.is_(True)).order_by(User.organization_id, User.name, User.id)))


def addendum_published(session: Session, solicitation: Solicitation, addendum: Addendum) -> int:
    """Tell every bidder with a response in progress or submitted (not withdrawn) what the
    addendum changed; how many messages were queued."""
    organizations = session.scalars(select(Response.organization_id).where(
        Response.solicitation_id == solicitation.id,
        Response.status != ResponseStatus.withdrawn).distinct())
    subject = f"{solicitation.number}: Addendum {addendum.number}, {addendum.title}"
    lines = [f"Addendum {addendum.number} to {solicitation.number}, {solicitation.title}, was "
             f"published on {clock.format_moment(addendum.published_at)}.", "",
             addendum.title, "", addendum.body]
    if addendum.changes:
        lines += ["", "What it changed:"]
        lines += [f"- {c['part']}: {c['field']}: {c['before']} -> {c['after']}"
                  for c in addendum.changes]
    if addendum.new_deadline is not None:
        lines += ["", f"The deadline is now {clock.format_moment(addendum.new_deadline)} "
                      f"(it was {clock.format_moment(addendum.previous_deadline)})."]
    lines += ["", "If you have already submitted your response, sign in to confirm that it "
                  "stands, or change and submit it again, before the deadline.", "",
              "Read the addendum: " + mail.link(f"/solicitations/{solicitation.id}#addenda")]
    body = "\n".join(lines)
    return sum(mail.queue(session, person.email, subject, body)
               for person in contacts(session, organizations))


def received(session: Session, response: Response, receipt: Receipt | None, *,
             confirmed: bool = False) -> int:
    """The receipt by mail to the organisation's people, once per submission: when it was
    received and each file's SHA-256 (confirming after an addendum says it stands)."""
    if receipt is None:
        return 0
    solicitation = response.solicitation
    when = clock.format_moment(receipt.submitted_at, seconds=True)
    what = "confirmed after the addendum" if confirmed else "received"
    subject = (f"{solicitation.number}: your response to lot {response.lot.number} was {what}"
               f" (receipt {receipt.number})")
    lines = [f"Your organisation's response to {solicitation.number}, {solicitation.title}, "
             f"lot {response.lot.number} ({response.lot.title}), was received on {when}.",
             "" if not confirmed else f"It was confirmed on {clock.format_moment(clock.now())}.",
             "Files submitted (SHA-256):",
             *[f"- {f['filename']} ({f['kind'].replace('_', ' ')}): {f['sha256']}"
               for f in receipt.files],
             "", "It stays sealed until the opening. To change it, withdraw it and submit again "
                 f"before the deadline, {clock.format_moment(solicitation.deadline)}.", "",
             "Your response: " + mail.link(f"/bidder/responses/{response.public_id}")]
    key = f"receipt:{response.id}:{receipt.number}:{'confirm' if confirmed else 'submit'}"
    return sum(mail.queue(session, person.email, subject, "\n".join(lines),
                          key=f"{key}:{person.id}")
               for person in contacts(session, [response.organization_id]))


def remind_due(session: Session, moment: datetime, days: int) -> list[str]:
    """Remind the bidders whose response is still a draft `days` before the deadline (once per
    person and deadline): the drafts begun by then, never one begun since (its bidder is at
    work on it); the numbers of the solicitations whose bidders were reminded."""
    drafts = session.execute(
        select(Response, Solicitation).join(Response.solicitation).where(
            Solicitation.status == SolicitationStatus.published,
            Solicitation.deadline > moment, Solicitation.deadline <= moment + timedelta(days=days),
            Response.status == ResponseStatus.draft)
        .order_by(Solicitation.id, Response.id)).all()
    lots: dict[tuple[Solicitation, int], list[str]] = {}
    for response, solicitation in drafts:
        assert solicitation.deadline is not None
        if response.created_at > solicitation.deadline - timedelta(days=days):
            continue
        lots.setdefault((solicitation, response.organization_id), []).append(
            f"Lot {response.lot.number}: {response.lot.title}")
    reminded: list[str] = []
    for (solicitation, organization_id), names in lots.items():
        assert solicitation.deadline is not None
        due = clock.format_moment(solicitation.deadline)
        subject = f"{solicitation.number}: your response is not submitted; the deadline is {due}"
        body = "\n".join([
            f"Your organisation started a response to {solicitation.number}, "
            f"{solicitation.title}, and has not submitted it:", "", *names, "",
            f"Responses are received until {due}. A draft is not a response: sign in and "
            "submit it before then, or it will not be considered.", "",
            "Your responses: " + mail.link("/bidder/")])
        key = f"deadline-reminder:{solicitation.id}:{solicitation.deadline.isoformat()}"
        sent = [mail.queue(session, person.email, subject, body, key=f"{key}:{person.id}")
                for person in contacts(session, [organization_id])]
        if any(sent) and solicitation.number not in reminded:
            reminded.append(solicitation.number)
    return reminded
