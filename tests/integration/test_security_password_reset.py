"""Forgot your password? (issues 9 and 13): the same answer whether or not an account exists; a
signed, time-limited link that works once; the new password follows the usual rules and ends
every other session; the request is rate-limited like signing in. The administrator can send the
same link."""

from __future__ import annotations

import re
from datetime import timedelta
from email import message_from_bytes
from html import unescape
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import time_machine
from sqlalchemy import select

from procure import clock
from procure.extensions import db
from procure.models import AuditEvent
from tests.conftest import Client
from tests.support.factories import EMAILS, PASSWORD

NEW_PASSWORD = "a-brand-new-password-2026"
SAME_ANSWER = "If an account exists for that address, we sent a link"


def _text(response) -> str:
    return unescape(response.get_data(as_text=True))


@pytest.fixture
def outbox(app):
    folder = Path(app.instance_path) / "outbox"
    for p in folder.glob("*.eml") if folder.exists() else []:
        p.unlink()

    def read() -> list:
        from procure import scheduler
        with app.app_context():      # the form queues the link; the scheduler's tick sends it
            scheduler.run_due(db.session)
        return [message_from_bytes(p.read_bytes()) for p in sorted(folder.glob("*.eml"))] \
            if folder.exists() else []
    return read


def _link(message) -> str:
    body = message.get_body(("plain",)).get_content() if message.is_multipart() else \
        message.get_payload(decode=True).decode()
    return urlsplit(re.search(r"https?://\S+/reset-password/\S+", body).group(0)).path


def _ask(app, email: str):
    c = Client(app)
    page = _text(c.get("/login"))
    assert 'href="/forgot-password"' in page and "Forgot your password?" in page
    c.get("/forgot-password")
    return c.post("/forgot-password", {"email": email}, follow_redirects=True)


def test_the_answer_is_the_same_whether_or_not_an_account_exists(app, people, outbox):
    known, unknown = _ask(app, EMAILS["bidder"]), _ask(app, "nobody@nowhere.example.org")
    assert known.status_code == unknown.status_code == 200
    assert SAME_ANSWER in _text(known) and SAME_ANSWER in _text(unknown)
    def answer(page: str) -> str:     # the page without its form's one-off CSRF token
        return re.sub(r'value="[^"]+"', "", page)
    assert answer(_text(known)) == answer(_text(unknown))
    sent = outbox()
    assert [m["To"] for m in sent] == [EMAILS["bidder"]]
    assert "Set a new password" in sent[0]["Subject"]


def test_the_link_sets_a_new_password_once_and_ends_every_other_session(app, login, outbox):
    elsewhere = login("bidder")                      # signed in on another device
    assert elsewhere.get("/bidder/").status_code == 200
    _ask(app, EMAILS["bidder"])
    link = _link(outbox()[0])
    c = Client(app)
    form = _text(c.get(link))
    assert "Set a new password" in form and EMAILS["bidder"] in form
    short = c.post(link, {"new_password": "short", "confirm": "short"})
    assert short.status_code == 400 and "at least 12 characters" in _text(short)
    done = c.post(link, {"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
                  follow_redirects=True)
    assert "Your new password is set" in _text(done)
    assert elsewhere.get("/bidder/").status_code == 302          # that session ended
    assert Client(app).login(EMAILS["bidder"], PASSWORD).status_code == 200   # old one: no
    assert Client(app).login(EMAILS["bidder"], NEW_PASSWORD).status_code == 302
    used = Client(app).get(link)                                  # the link works once
    assert used.status_code == 404 and "This link does not work" in _text(used)
    with app.app_context():
        assert db.session.scalar(select(AuditEvent.id).where(
            AuditEvent.event == "reset_password")) is not None


def test_a_forged_or_expired_link_does_nothing(app, people, outbox):
    _ask(app, EMAILS["officer"])
    link = _link(outbox()[0])
    assert Client(app).get(link[:-4] + "abcd").status_code == 404
    with time_machine.travel(clock.now() + timedelta(hours=3)):
        late = Client(app)
        assert late.get(link).status_code == 404
        assert late.post(link, {"new_password": NEW_PASSWORD,
                                "confirm": NEW_PASSWORD}).status_code == 404
    assert Client(app).login(EMAILS["officer"], PASSWORD).status_code == 302


def test_asking_for_links_is_rate_limited_like_signing_in(app, people, outbox):
    c = Client(app)
    c.get("/forgot-password")
    codes = [c.post("/forgot-password", {"email": EMAILS["panelist"]}).status_code
             for _ in range(6)]
    assert codes == [302] * 5 + [429]
    assert len(outbox()) == 5
