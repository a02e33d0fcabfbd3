"""Mail that holds under attack (issue 18): header values are one line before they are queued,
one message that cannot be built or that the server refuses never holds up the rest of its
batch, the reset form queues (never sends) within the request, names in mail are one line of
plain text, and lookalike agency domains are refused."""

from __future__ import annotations

from html import unescape

import pytest
from sqlalchemy import insert, select

from procure import clock, mail, scheduler
from procure.extensions import db
from procure.models import OutgoingMail, User
from tests.conftest import Client
from tests.integration.test_mail import SmtpServer, free_port
from tests.support.factories import EMAILS

GOOD = "ann@alpha-care.example.org"


class RefusingServer(SmtpServer):
    """aiosmtpd that refuses one recipient (550), as a real server refuses a mailbox."""

    def __init__(self, port: int, refused: str) -> None:
        super().__init__(port)
        self.refused = refused

    def start(self) -> None:
        from email import message_from_bytes, policy as email_policy

        from aiosmtpd.controller import Controller
        received, refused = self.received, self.refused

        class Handler:
            async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: N802
                if address == refused:
                    return "550 5.1.1 no such mailbox"
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, server, session, envelope):  # noqa: N802
                received.append((list(envelope.rcpt_tos),
                                 message_from_bytes(envelope.content, policy=email_policy.default)))
                return "250 OK"

        self._controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self._controller.start()


@pytest.fixture
def smtp(app, monkeypatch):
    server = RefusingServer(free_port(), refused="nobody@refused.example.org")
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", server.port)
    server.start()
    yield server
    server.stop()


def _text(response) -> str:
    return unescape(response.get_data(as_text=True))


def test_a_subject_with_a_line_break_adds_no_header(app, smtp):
    with app.app_context():
        mail.queue(db.session, GOOD, "Addendum 1\r\nBcc: victim@evil.example\x00\x1b",
                   "Changed.")
        db.session.commit()
        row = db.session.scalars(select(OutgoingMail)).one()
        assert row.subject == "Addendum 1 Bcc: victim@evil.example"
        assert row.sent_at is not None
    [(recipients, message)] = smtp.received
    assert recipients == [GOOD] and message["Bcc"] is None
    assert message["Subject"] == "Addendum 1 Bcc: victim@evil.example"


def test_a_poison_message_never_holds_up_the_rest_of_its_batch(app, smtp):
    """A row an older release queued with a CR/LF in its subject (it could not be built), and
    one the server refuses, ahead of a good one: at the tick the good one is sent."""
    now = clock.now()
    with app.app_context():
        db.session.execute(insert(OutgoingMail).values(
            to=GOOD, subject="x\r\nBcc: victim@evil.example", body="Poison.", created_at=now,
            attempts=0, next_attempt_at=now))
        db.session.execute(insert(OutgoingMail).values(
            to="nobody@refused.example.org", subject="Refused", body="Refused.", created_at=now,
            attempts=0, next_attempt_at=now))
        db.session.execute(insert(OutgoingMail).values(
            to="cy@beta-services.example.org", subject="Good", body="Good.", created_at=now,
            attempts=0, next_attempt_at=now))
        db.session.commit()
        done = scheduler.run_due(db.session, now)["mail"]
        assert done == ["2 sent", "1 kept to retry"], [
            (r.subject, r.last_error) for r in db.session.scalars(select(OutgoingMail))]
        rows = {r.subject: r for r in db.session.scalars(select(OutgoingMail))}
        assert rows["Good"].sent_at is not None
        assert rows["Refused"].sent_at is None and "550" in rows["Refused"].last_error
    subjects = sorted(m["Subject"] for _, m in smtp.received)
    assert subjects == ["Good", "x Bcc: victim@evil.example"]
    assert all(m["Bcc"] is None for _, m in smtp.received)
    assert "victim@evil.example" not in smtp.recipients()


def test_the_reset_form_queues_the_link_and_the_tick_sends_it(app, people, smtp):
    for address in (EMAILS["bidder"], "nobody@nowhere.example.org"):
        c = Client(app)
        c.get("/forgot-password")
        assert c.post("/forgot-password", {"email": address}).status_code == 302
    assert smtp.received == []                   # nothing is sent within the request
    with app.app_context():
        rows = list(db.session.scalars(select(OutgoingMail)))
        assert [r.to for r in rows] == [EMAILS["bidder"]]   # no trace of the unknown address
        assert scheduler.run_due(db.session)["mail"] == ["1 sent"]
    assert smtp.recipients() == [EMAILS["bidder"]]


REGISTRATION = {"legal_name": "Gamma Youth Homes", "fein": "04-3333333",
                "address": "3 Pine St, Worcester MA", "contact_phone": "", "diversity": "none",
                "name": "Gia Gamma", "email": "gia@gamma.example.org",
                "password": "gamma-password-2026"}


def _register(app, **changes):
    c = Client(app)
    page = _text(c.get("/register"))
    assert 'name="name"' in page and 'name="email"' in page
    return c.post("/register", {**REGISTRATION, **changes})


def test_a_name_in_mail_is_one_line_of_plain_text(app, people):
    refused = _register(app, name="Gia\r\n\r\nYour account is locked: https://evil.example/x")
    assert refused.status_code == 200
    assert "A name is plain text: it cannot hold a web address." in _text(refused)
    assert _register(app, name="Gia\r\nGamma\t\u202e").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(User.name).where(
            User.email == REGISTRATION["email"])) == "Gia Gamma"


@pytest.mark.parametrize("address", [
    "x@\u0430gency.example.org",                  # a Cyrillic а
    "x@xn--gency-3ve.example.org",                # the same, as punycode
    "x@\uff41gency.example.org",                  # a fullwidth a
    "x@agency\u3002example.org",                  # an ideographic full stop
    "x@AGENCY.example.org.",                      # capitals and a trailing dot
    "x@mail.\u0430g\u0435ncy.example.org",        # a subdomain, two letters changed
])
def test_lookalike_agency_domains_are_refused(app, people, address):
    answer = _register(app, email=address)
    assert answer.status_code == 200, address
    assert ("for agency staff" in _text(answer)
            or "looks like one at agency.example.org" in _text(answer)
            or "valid email" in _text(answer).lower()), address
    with app.app_context():
        assert db.session.scalar(select(User.id).where(User.name == "Gia Gamma")) is None


def test_an_ordinary_domain_still_registers(app, people):
    assert _register(app, email="gia@agency-partners.example.net").status_code == 302
