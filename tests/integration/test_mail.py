"""Mail leaves through a queue in the database: sent after the commit to a real SMTP server on
loopback (aiosmtpd), kept and retried when that server is down, never sent for a rollback;
addenda reach the bidders who started a response to that solicitation, and only them."""

from __future__ import annotations

import socket
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import select

from procure import clock, mail
from procure.extensions import db
from procure.models import OutgoingMail, Response, ResponseStatus
from procure.workflows import response as response_flow
from tests.support.factories import EMAILS, published_rfr, user


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpServer:
    """aiosmtpd on loopback; what it received, as (recipients, message). Starts down until
    `start()`, so a test can have the mail server down first."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.received: list[tuple[list[str], EmailMessage]] = []
        self._controller = None

    def start(self) -> None:
        from aiosmtpd.controller import Controller
        received = self.received

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
                received.append((list(envelope.rcpt_tos),
                                 message_from_bytes(envelope.content, policy=policy.default)))
                return "250 OK"

        self._controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def to(self, address: str) -> list[EmailMessage]:
        return [message for recipients, message in self.received if address in recipients]

    def recipients(self) -> list[str]:
        return sorted(address for recipients, _ in self.received for address in recipients)


@pytest.fixture
def smtp_down(app, monkeypatch):
    """The app configured for an SMTP server on loopback that is not running yet."""
    server = SmtpServer(free_port())
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", server.port)
    yield server
    server.stop()


@pytest.fixture
def smtp(smtp_down):
    """The app configured for an SMTP server on loopback that is running."""
    smtp_down.start()
    return smtp_down


def body(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()


def rows() -> list[OutgoingMail]:
    return list(db.session.scalars(select(OutgoingMail).order_by(OutgoingMail.id)))


def test_queued_mail_goes_to_the_smtp_server_after_the_commit_not_before(app, smtp):
    with app.app_context():
        assert mail.queue(db.session, "ann@alpha-care.example.org", "Your receipt", "Received.")
        db.session.flush()
        assert smtp.received == []                  # inside the transaction: nothing has left
        db.session.commit()
        [message] = smtp.to("ann@alpha-care.example.org")
        assert message["Subject"] == "Your receipt"
        assert message["From"] == app.config["MAIL_FROM"]
        assert body(message).strip() == "Received."
        [row] = rows()
        assert row.sent_at is not None and row.attempts == 1 and row.last_error == ""


def test_a_rollback_queues_and_sends_nothing(app, smtp):
    with app.app_context():
        mail.queue(db.session, "ann@alpha-care.example.org", "Award notice", "You were selected.")
        db.session.rollback()
        db.session.commit()
        assert rows() == []
    assert smtp.received == []


def test_a_mail_server_that_is_down_loses_nothing_and_the_scheduler_sends_it_later(
        app, smtp_down):
    from procure import scheduler
    with app.app_context():
        mail.queue(db.session, "ann@alpha-care.example.org", "First", "One.")
        mail.queue(db.session, "cy@beta-services.example.org", "Second", "Two.")
        db.session.commit()                      # the server is down: kept, with why
        kept = rows()
        assert [(r.sent_at, r.attempts) for r in kept] == [(None, 1), (None, 1)]
        assert all("refused" in r.last_error.lower() for r in kept), [r.last_error for r in kept]
        now = clock.now()
        assert all(r.next_attempt_at > now for r in kept)

        # Still down: the first is tried again and kept; the second waits for the next run (a
        # server that is down costs one try per run, not one per message).
        assert scheduler.run_due(db.session, now + timedelta(minutes=2))["mail"] == \
            ["1 kept to retry"]
        assert [r.attempts for r in rows()] == [2, 1]

        smtp_down.start()
        assert scheduler.run_due(db.session, now)["mail"] == []     # not yet time to try again
        later = now + timedelta(minutes=10)
        assert scheduler.run_due(db.session, later)["mail"] == ["2 sent"]
        assert scheduler.run_due(db.session, later + timedelta(hours=1))["mail"] == []
        assert [(r.sent_at is not None, r.attempts, r.last_error) for r in rows()] == \
            [(True, 3, ""), (True, 2, "")]
    assert smtp_down.recipients() == ["ann@alpha-care.example.org", "cy@beta-services.example.org"]
    assert sorted(m["Subject"] for _, m in smtp_down.received) == ["First", "Second"]


def test_a_message_another_runner_is_sending_is_left_to_it_until_that_runner_is_presumed_dead(
        app, smtp_down):
    with app.app_context():
        mail.queue(db.session, "ann@alpha-care.example.org", "Once", "Only once.")
        db.session.commit()                      # down: kept, due again in a minute
        smtp_down.start()
        due = rows()[0].next_attempt_at
        assert mail._claim(db.session, rows()[0].id, due)       # another runner takes it ...
        assert mail.deliver_due(db.session, due) == []           # ... so this one leaves it
        assert smtp_down.received == []
        assert mail.deliver_due(db.session, due + mail.CLAIM) == ["1 sent"]   # it died: taken back
    assert len(smtp_down.received) == 1


def test_without_smtp_mail_is_written_to_the_outbox(app):
    assert not app.config["SMTP_HOST"]
    outbox = Path(app.instance_path) / "outbox"
    before = set(outbox.glob("*.eml")) if outbox.exists() else set()
    with app.app_context():
        mail.queue(db.session, "ann@alpha-care.example.org", "Written", "To the outbox.")
        db.session.commit()
        [row] = rows()
        assert row.sent_at is not None
    [new] = set(outbox.glob("*.eml")) - before
    message = message_from_bytes(new.read_bytes(), policy=policy.default)
    assert message["To"] == "ann@alpha-care.example.org" and message["Subject"] == "Written"
    assert not list(outbox.glob("*.part"))
    assert new.stat().st_mode & 0o777 == 0o600      # it may hold a live password-reset link


def test_a_keyed_message_is_queued_once(app, smtp):
    with app.app_context():
        assert mail.queue(db.session, "ann@alpha-care.example.org", "Once", "x", key="k:1")
        db.session.commit()
        assert not mail.queue(db.session, "ann@alpha-care.example.org", "Once", "x", key="k:1")
        db.session.commit()
        assert len(rows()) == 1
    assert len(smtp.received) == 1


# --- Addenda reach the bidders who started a response to that solicitation, and only them ----

def test_an_addendum_is_mailed_to_the_bidders_of_that_solicitation_only(app, people, smtp):
    with app.app_context():
        officer = user(db.session, "officer")
        alpha, beta = user(db.session, "bidder"), user(db.session, "other_bidder")
        rfr = published_rfr(db.session, officer, title="Lead agencies for the Western region")
        other = published_rfr(db.session, officer, title="Family support for the Southeast")
        now = clock.now()
        db.session.add_all([
            Response(solicitation=rfr, lot=rfr.lots[0], organization_id=alpha.organization_id,
                     status=ResponseStatus.draft, created_at=now),
            Response(solicitation=rfr, lot=rfr.lots[1], organization_id=beta.organization_id,
                     status=ResponseStatus.withdrawn, created_at=now),
            Response(solicitation=other, lot=other.lots[0], organization_id=beta.organization_id,
                     status=ResponseStatus.draft, created_at=now)])
        db.session.commit()
        new_deadline = rfr.deadline + timedelta(days=7)
        response_flow.publish_addendum(db.session, rfr, officer, title="Budget form replaced",
                                       body="Use the revised budget form (Attachment C).",
                                       new_deadline=new_deadline)
        assert smtp.received == []               # not before the commit
        db.session.commit()
        number, deadline = rfr.number, clock.format_moment(rfr.deadline)
    # Both people of the organisation with a draft; nobody whose response was withdrawn, and
    # nobody who responded only to another solicitation.
    assert smtp.recipients() == sorted([EMAILS["bidder"], EMAILS["bidder_colleague"]])
    message = smtp.to(EMAILS["bidder"])[0]
    assert message["Subject"] == f"{number}: Addendum 1, Budget form replaced"
    text = body(message)
    assert "Use the revised budget form (Attachment C)." in text
    assert f"The deadline is now {deadline}" in text
