"""Staff can be added (issue 18): the administrator invites an officer or a panelist by email,
with the role chosen; the emailed link sets the password once, within INVITATION_DAYS; page and
API, audited."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
import time_machine
from sqlalchemy import select

from procure import accounts, clock
from procure.extensions import db
from procure.models import AuditEvent, Role, User
from tests.conftest import Client
from tests.support.factories import EMAILS
from tests.support.outbox import outbox_reader

NEW = "dana@agency.example.org"
CHOSEN = "dana-chooses-this-2026"


def _text(response) -> str:
    return unescape(response.get_data(as_text=True))


@pytest.fixture
def outbox(app):
    read = outbox_reader(app)
    return lambda: [m for body in read() for m in re.findall(r"https?://\S+/invitation/\S+", body)]


def _invite(admin: Client, **fields):
    page = _text(admin.get("/admin/users"))
    assert "Invite a member of staff" in page
    for name in ("invite-name", "invite-email", "invite-role"):
        assert f'name="{name}"' in page
    return admin.post("/admin/users/invite", {f"invite-{k}": v for k, v in fields.items()})


def _path(link: str) -> str:
    return re.sub(r"^https?://[^/]+", "", link)


def test_the_administrator_invites_an_officer_who_sets_a_password_once(app, login, outbox):
    admin = login("admin")
    empty = _invite(admin)
    assert empty.status_code == 400 and "This field is required." in _text(empty)
    sent = _invite(admin, name="Dana Officer", email=NEW, role="officer")
    assert sent.status_code == 302
    page = _text(admin.get(sent.headers["Location"]))
    assert f"We emailed {NEW} an invitation to the agency's procurement service as a procurement officer" in page
    assert "Invited, not yet accepted" in page
    [link] = outbox()
    assert link.startswith(app.config["BASE_URL"] + "/invitation/")
    assert Client(app).login(NEW, CHOSEN).status_code == 200          # no password yet
    c = Client(app)
    form = _text(c.get(_path(link)))
    assert "Accept your invitation" in form and "procurement officer" in form and NEW in form
    short = c.post(_path(link), {"new_password": "short", "confirm": "short"})
    assert short.status_code == 400 and "at least 12 characters" in _text(short)
    done = c.post(_path(link), {"new_password": CHOSEN, "confirm": CHOSEN})
    assert done.status_code == 302
    signed_in = Client(app).login(NEW, CHOSEN)
    assert signed_in.status_code == 302 and "/officer/" in signed_in.headers["Location"]
    assert Client(app).get(_path(link)).status_code == 404             # once only
    with app.app_context():
        events = [e.event for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.event.in_(["invite", "accept_invitation"])))]
        assert events == ["invite", "accept_invitation"]
        assert db.session.scalar(select(User.role).where(User.email == NEW)) is Role.officer


def test_an_invitation_expires_and_a_new_one_replaces_it(app, login, outbox):
    admin = login("admin")
    assert _invite(admin, name="Pat Panel", email=NEW, role="panelist").status_code == 302
    [first] = outbox()
    with time_machine.travel(clock.now() + timedelta(days=app.config["INVITATION_DAYS"], hours=1)):
        late = Client(app).get(_path(first))
        assert late.status_code == 404 and "invitation link works once" in _text(late)
    assert _invite(admin, name="Pat Panel", email=NEW, role="panelist").status_code == 302
    first_again, second = outbox()
    assert first_again == first
    assert Client(app).get(_path(first)).status_code == 404            # replaced
    assert Client(app).get(_path(second)).status_code == 200


def test_an_address_with_an_account_or_a_lookalike_is_refused(app, login, outbox):
    admin = login("admin")
    taken = _invite(admin, name="Ann", email=EMAILS["bidder"], role="officer")
    assert taken.status_code == 409 and "already has an account" in _text(taken)
    lookalike = _invite(admin, name="Eve", email="eve@\u0430gency.example.org", role="officer")
    assert lookalike.status_code in (400, 409)
    assert outbox() == []


def test_only_the_administrator_invites(app, login):
    for who in ("officer", "panelist", "bidder"):
        c = login(who)
        c.get("/")
        answer = c.post("/admin/users/invite", {"invite-name": "X", "invite-email": NEW,
                                                "invite-role": "admin"})
        assert answer.status_code in (302, 403), who
    with app.app_context():
        assert db.session.scalar(select(User.id).where(User.email == NEW)) is None


def test_the_api_invites_officers_and_panelists(app, people, outbox):
    with app.app_context():
        admin_token = accounts.issue_token(db.session, db.session.get(User, people["admin"]), "a")
        officer_token = accounts.issue_token(db.session, db.session.get(User, people["officer"]),
                                             "o")
        db.session.commit()
    api = app.test_client()
    body = {"email": NEW, "name": "Dana Officer", "role": "panelist"}
    made = api.post("/api/v1/invitations/", json=body,
                    headers={"Authorization": f"Bearer {admin_token}"})
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["email"] == NEW and made.get_json()["role"] == "panelist"
    assert len(outbox()) == 1
    assert api.post("/api/v1/invitations/", json=body, headers={
        "Authorization": f"Bearer {officer_token}"}).status_code == 403
    admin_role = api.post("/api/v1/invitations/", json={**body, "role": "admin"},
                          headers={"Authorization": f"Bearer {admin_token}"})
    assert admin_role.status_code == 422 and "role" in admin_role.get_json()["errors"]["json"]
    assert api.post("/api/v1/invitations/", json=body).status_code == 403
