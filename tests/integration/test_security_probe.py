"""What an independent probe of the running service found (issue 7): one test per finding,
each written to fail before its fix."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import timedelta
from email import message_from_bytes
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import time_machine
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy import func, select

from procure import accounts, clock, create_app
from procure.extensions import db
from procure.models import ApiToken, AuditEvent, Role, User
from tests.conftest import Client
from tests.support.factories import EMAILS, PASSWORD, draft_rfr, user
from tests.support.pdfs import pdf_with_sections

ROOT = Path(__file__).resolve().parents[2]
OLD_DEFAULT_KEY = "dev-only-change-me"


def _bare_app(tmp_path: Path, monkeypatch, **config):
    """An app with no secret key configured, on its own SQLite file and instance folder."""
    monkeypatch.delenv("PROCURE_SECRET_KEY", raising=False)
    monkeypatch.setenv("PROCURE_INSTANCE_PATH", str(tmp_path / "instance"))
    settings = {"DATABASE_URL": "sqlite:///" + str(tmp_path / "procure.sqlite3"),
                "UPLOAD_FOLDER": str(tmp_path / "uploads"), "REDIS_URL": "", "S3_BUCKET": "",
                "PASSWORD_HASH_PROFILE": "CHEAPEST"}
    settings.update(config)
    return create_app(settings)


# --- High: anyone could sign in as the administrator ------------------------------------------

def test_without_a_configured_key_the_service_makes_its_own_and_keeps_it(tmp_path, monkeypatch):
    first = _bare_app(tmp_path, monkeypatch)
    assert first.secret_key and first.secret_key != OLD_DEFAULT_KEY
    kept = tmp_path / "instance" / "secret_key"
    assert kept.read_text().strip() == first.secret_key
    assert kept.stat().st_mode & 0o077 == 0, "the key file is readable by others"
    assert _bare_app(tmp_path, monkeypatch).secret_key == first.secret_key   # the same next start
    other = _bare_app(tmp_path / "elsewhere", monkeypatch)
    assert other.secret_key != first.secret_key                             # not shared by installs


def test_a_cookie_signed_with_the_old_default_key_opens_nothing(tmp_path, monkeypatch):
    bare = _bare_app(tmp_path, monkeypatch, TESTING=True)
    from procure.cli import upgrade_database
    with bare.app_context():
        upgrade_database()
        accounts.create_user(db.session, email="admin@agency.example.org", name="Admin",
                             password=PASSWORD, role=Role.admin, actor="test")
        db.session.commit()
        db.engine.dispose()
    forged_app = create_app({"SECRET_KEY": OLD_DEFAULT_KEY, "DATABASE_URL": "sqlite://"})
    serializer = SecureCookieSessionInterface().get_signing_serializer(forged_app)
    forged = serializer.dumps({"_user_id": "1", "_fresh": True})
    http = bare.test_client()
    http.set_cookie("session", forged)
    answer = http.get("/officer/")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_a_deployment_refuses_to_start_without_its_own_key(tmp_path, monkeypatch):
    with pytest.raises(SystemExit) as refused:
        _bare_app(tmp_path, monkeypatch, DATABASE_URL="postgresql://db.example.org/procure")
    assert "PROCURE_SECRET_KEY" in str(refused.value)
    assert not (tmp_path / "instance" / "secret_key").exists()
    configured = _bare_app(tmp_path, monkeypatch, SECRET_KEY="a-key-of-its-own-0123456789",
                           DATABASE_URL="postgresql://db.example.org/procure",
                           BASE_URL="https://procure.example.org")
    assert configured.secret_key == "a-key-of-its-own-0123456789"


def test_serving_beyond_loopback_refuses_without_a_key(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROCURE_")}
    env.update({"PROCURE_INSTANCE_PATH": str(tmp_path / "instance"),
                "PROCURE_UPLOAD_FOLDER": str(tmp_path / "uploads"),
                "PROCURE_DATABASE_URL": "sqlite:///" + str(tmp_path / "db.sqlite3")})
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    try:
        done = subprocess.run([str(Path(sys.executable).parent / "procure"), "serve", "--host",
                               "0.0.0.0", "--port", str(port)], env=env, capture_output=True,
                              text=True, timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("procure serve --host 0.0.0.0 started serving without a key of its own")
    assert done.returncode != 0
    assert "PROCURE_SECRET_KEY" in done.stderr + done.stdout


# --- Medium: open redirect after sign-in -------------------------------------------------------

@pytest.mark.parametrize("target", ["/\t/evil.example", "//evil.example", "https://evil.example/",
                                    "/\\evil.example", "\\\\evil.example", "javascript:alert(1)",
                                    "http:/evil.example", "/\r\n/evil.example", "evil.example"])
def test_sign_in_never_redirects_off_the_site(app, people, target):
    c = Client(app)
    c.get("/login")
    answer = c.post("/login?next=" + _quote(target), {"email": EMAILS["officer"],
                                                       "password": PASSWORD})
    assert answer.status_code == 302
    location = answer.headers["Location"]
    parts = urlsplit(location)
    assert parts.scheme == "" and parts.netloc == "" and location.startswith("/")
    assert not location.startswith("//") and "evil" not in location
    assert location == "/officer/"   # the person's home page


def test_sign_in_follows_a_path_on_this_site(app, people):
    c = Client(app)
    c.get("/login")
    answer = c.post("/login?next=" + _quote("/officer/solicitations/new?kind=RFR"),
                    {"email": EMAILS["officer"], "password": PASSWORD})
    assert answer.headers["Location"] == "/officer/solicitations/new?kind=RFR"


def _quote(text: str) -> str:
    from urllib.parse import quote
    return quote(text, safe="")


# --- Medium: signing out did not end the session -----------------------------------------------

def _copy_of_session(app, c: Client) -> Client:
    stolen = Client(app)
    stolen.http.set_cookie("session", c.http.get_cookie("session").value)
    return stolen


def test_a_cookie_copied_before_sign_out_stops_working(app, login):
    c = login("officer")
    stolen = _copy_of_session(app, c)
    assert stolen.get("/officer/").status_code == 200
    c.get("/")
    assert c.post("/logout", {}).status_code == 302
    refused = stolen.get("/officer/")
    assert refused.status_code == 302 and "/login" in refused.headers["Location"]


def test_sign_out_everywhere_ends_the_other_sessions_and_keeps_this_one(app, login):
    here, elsewhere = login("bidder"), login("bidder")
    page = here.get("/account")
    assert "Sign out everywhere else" in page.get_data(as_text=True)
    answer = here.post("/account/sign-out-everywhere", {})
    assert answer.status_code == 302
    assert "signed out" in here.get(answer.headers["Location"]).get_data(as_text=True)
    assert here.get("/bidder/").status_code == 200
    assert "/login" in elsewhere.get("/bidder/").headers["Location"]


def test_changing_the_password_ends_other_sessions(app, login):
    here, elsewhere = login("bidder"), login("bidder")
    here.get("/account/password")
    wrong = here.post("/account/password", {"current_password": "not-my-password",
                                            "new_password": "a-brand-new-passphrase",
                                            "confirm": "a-brand-new-passphrase"})
    assert wrong.status_code == 200 and "current password is not right" in wrong.get_data(as_text=True)
    short = here.post("/account/password", {"current_password": PASSWORD, "new_password": "short",
                                            "confirm": "short"})
    assert "at least 12 characters" in short.get_data(as_text=True)
    changed = here.post("/account/password", {"current_password": PASSWORD,
                                              "new_password": "a-brand-new-passphrase",
                                              "confirm": "a-brand-new-passphrase"})
    assert changed.status_code == 302
    assert here.get("/bidder/").status_code == 200
    assert "/login" in elsewhere.get("/bidder/").headers["Location"]
    assert Client(app).login(EMAILS["bidder"], PASSWORD).status_code == 200
    assert Client(app).login(EMAILS["bidder"], "a-brand-new-passphrase").status_code == 302


def test_deactivating_a_user_ends_their_sessions_and_tokens(app, login):
    c = login("bidder")
    with app.app_context():
        bidder = user(db.session, "bidder")
        token = accounts.issue_token(db.session, bidder, "script")
        db.session.commit()
        bidder_id, admin_id = bidder.id, user(db.session, "admin").id
    api = app.test_client()
    bearer = {"Authorization": f"Bearer {token}"}
    assert api.get("/api/v1/responses/", headers=bearer).status_code == 200
    with app.app_context():
        accounts.deactivate(db.session, user(db.session, "bidder"), user(db.session, "admin"))
        db.session.commit()
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.event == "deactivate")).one()
        assert event.actor_id == admin_id and event.entity_id == bidder_id
    assert "/login" in c.get("/bidder/").headers["Location"]
    assert api.get("/api/v1/responses/", headers=bearer).status_code in (401, 403)
    assert Client(app).login(EMAILS["bidder"], PASSWORD).status_code == 200   # refused


# --- Medium: API tokens could not be revoked, never expired, had no scope ----------------------

def _new_token(c: Client, name: str, **extra) -> str:
    c.get("/account/tokens")
    page = c.post("/account/tokens", {"name": name, "password": PASSWORD,
                                      **extra}).get_data(as_text=True)
    import re
    return re.search(r'<code id="new-token">([^<]+)</code>', page).group(1)


def test_a_token_has_a_name_an_expiry_and_a_last_use_and_can_be_revoked(app, login):
    c = login("bidder")
    token = _new_token(c, "nightly export")
    bearer = {"Authorization": f"Bearer {token}"}
    page = c.get("/account/tokens").get_data(as_text=True)
    expires = clock.format_moment(clock.now() + timedelta(days=90)).split(",")[0]
    assert "nightly export" in page and expires in page and "Never used" in page
    api = app.test_client()
    assert api.get("/api/v1/responses/", headers=bearer).status_code == 200
    page = c.get("/account/tokens").get_data(as_text=True)
    with app.app_context():
        row = db.session.scalars(select(ApiToken)).one()
        assert row.last_used_at is not None and row.expires_at > clock.now()
    assert "Never used" not in page and clock.format_moment(row.last_used_at) in page
    revoked = c.post(f"/account/tokens/{row.id}/revoke", {})
    page = c.get(revoked.headers["Location"]).get_data(as_text=True)
    assert "“nightly export” is revoked" in page and "<td>nightly export</td>" not in page
    assert api.get("/api/v1/responses/", headers=bearer).status_code in (401, 403)


def test_one_cannot_revoke_another_persons_token(app, login):
    owner, other = login("bidder"), login("bidder_colleague")
    token = _new_token(owner, "mine")
    with app.app_context():
        token_id = db.session.scalars(select(ApiToken.id)).one()
    assert other.post(f"/account/tokens/{token_id}/revoke", {}).status_code == 404
    assert app.test_client().get("/api/v1/responses/", headers={
        "Authorization": f"Bearer {token}"}).status_code == 200


def test_an_expired_token_is_refused(app, login):
    c = login("bidder")
    token = _new_token(c, "short-lived", days="30")
    bearer = {"Authorization": f"Bearer {token}"}
    api = app.test_client()
    with time_machine.travel(clock.now() + timedelta(days=29)):
        assert api.get("/api/v1/responses/", headers=bearer).status_code == 200
    with time_machine.travel(clock.now() + timedelta(days=31)):
        assert api.get("/api/v1/responses/", headers=bearer).status_code in (401, 403)


def test_a_read_only_token_reads_but_cannot_write(app, login):
    c = login("officer")
    full, read_only = _new_token(c, "full"), _new_token(c, "reader", read_only="y")
    body = {"kind": "RFI", "agencies": ["DCF"], "title": "Respite care models"}
    api = app.test_client()
    assert api.get("/api/v1/solicitations/", headers={
        "Authorization": f"Bearer {read_only}"}).status_code == 200
    refused = api.post("/api/v1/solicitations/", json=body,
                       headers={"Authorization": f"Bearer {read_only}"})
    assert refused.status_code == 403
    assert "read-only" in refused.get_json()["message"]
    assert api.post("/api/v1/solicitations/", json=body,
                    headers={"Authorization": f"Bearer {full}"}).status_code == 201
    assert "read only" in c.get("/account/tokens").get_data(as_text=True).lower()


def test_the_api_revokes_the_token_it_is_called_with(app, login):
    c = login("bidder")
    token = _new_token(c, "leaked")
    api = app.test_client()
    bearer = {"Authorization": f"Bearer {token}"}
    assert api.delete("/api/v1/tokens/current", headers=bearer).status_code == 204
    assert api.get("/api/v1/responses/", headers=bearer).status_code in (401, 403)


# --- Low: sign-in throttling -------------------------------------------------------------------

def _sign_in(app, email: str, password: str, address: str, **headers):
    c = Client(app)
    c.http.environ_base["REMOTE_ADDR"] = address
    c.get("/login")
    return c.post("/login", {"email": email, "password": password}, headers=headers)


def test_wrong_passwords_from_one_address_do_not_lock_the_account_elsewhere(app, people):
    for _ in range(12):
        _sign_in(app, EMAILS["bidder"], "not-the-password!", "10.1.0.1")
    assert _sign_in(app, EMAILS["bidder"], PASSWORD, "10.1.0.2").status_code == 302
    assert _sign_in(app, EMAILS["officer"], PASSWORD, "10.1.0.1").status_code == 302


def test_sign_in_delays_grow_for_an_account_at_an_address(app, people):
    start = clock.now()
    with time_machine.travel(start, tick=False) as traveller:
        codes = [_sign_in(app, EMAILS["bidder"], "not-the-password!", "10.2.0.1").status_code
                 for _ in range(6)]
        assert codes == [200] * 5 + [429]
        delayed = _sign_in(app, EMAILS["bidder"], PASSWORD, "10.2.0.1")
        assert delayed.status_code == 429
        assert "Too many sign-in attempts" in delayed.get_data(as_text=True)
        for _ in range(3):   # each minute five more tries, 20 failures in all...
            traveller.shift(timedelta(seconds=61))
            codes = [_sign_in(app, EMAILS["bidder"], "not-the-password!", "10.2.0.1").status_code
                     for _ in range(5)]
            assert codes == [200] * 5
        traveller.shift(timedelta(seconds=61))   # ...and then a minute is not enough: an hour
        assert _sign_in(app, EMAILS["bidder"], PASSWORD, "10.2.0.1").status_code == 429
        traveller.shift(timedelta(hours=1))
        assert _sign_in(app, EMAILS["bidder"], PASSWORD, "10.2.0.1").status_code == 302


def test_a_forwarded_address_counts_only_through_the_configured_proxy_hops(app, people):
    for hop in range(6):   # no proxy configured: the header is the client's to invent
        _sign_in(app, EMAILS["bidder"], "not-the-password!", "10.3.0.1",
                 **{"X-Forwarded-For": f"192.0.2.{hop}"})
    assert _sign_in(app, EMAILS["bidder"], PASSWORD, "10.3.0.1",
                    **{"X-Forwarded-For": "192.0.2.99"}).status_code == 429
    behind = create_app({**app.config, "PROXY_HOPS": 1})
    for _ in range(6):
        _sign_in(behind, EMAILS["bidder"], "not-the-password!", "10.3.0.2",
                 **{"X-Forwarded-For": "198.51.100.1"})
    assert _sign_in(behind, EMAILS["bidder"], PASSWORD, "10.3.0.2",
                    **{"X-Forwarded-For": "198.51.100.1"}).status_code == 429
    assert _sign_in(behind, EMAILS["bidder"], PASSWORD, "10.3.0.2",
                    **{"X-Forwarded-For": "198.51.100.2"}).status_code == 302


# --- Low: registration told who has an account; nobody checked an email ----------------------

REGISTRATION = {"legal_name": "Gamma Youth Homes", "fein": "04-3333333",
                "address": "3 Pine St, Worcester MA", "contact_phone": "", "diversity": "none",
                "name": "Gia Gamma", "email": "gia@gamma.example.org",
                "password": "gamma-password-2026"}


def _outbox(app) -> list:
    folder = Path(app.instance_path) / "outbox"
    return [message_from_bytes(p.read_bytes()) for p in sorted(folder.glob("*.eml"))] \
        if folder.exists() else []


@pytest.fixture
def empty_outbox(app):
    folder = Path(app.instance_path) / "outbox"
    for p in folder.glob("*.eml") if folder.exists() else []:
        p.unlink()
    return folder


def _link_in(message) -> str:
    import re
    body = message.get_body(("plain",)).get_content() if message.is_multipart() else \
        message.get_payload(decode=True).decode()
    return urlsplit(re.search(r"https?://\S+", body).group(0)).path


def _register(app, **changes):
    c = Client(app)
    c.get("/register")
    return c, c.post("/register", {**REGISTRATION, **changes})


def test_registration_answers_the_same_whether_or_not_the_email_exists(app, people,
                                                                          empty_outbox):
    c_new, new = _register(app)
    c_taken, taken = _register(app, legal_name="Delta Supports", fein="04-4444444",
                               email=EMAILS["other_bidder"])
    assert new.status_code == taken.status_code == 302
    assert new.headers["Location"] == taken.headers["Location"]
    for c, answer in ((c_new, new), (c_taken, taken)):
        page = c.get(answer.headers["Location"]).get_data(as_text=True)
        assert "Check your email" in page and "already" not in page
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id)).where(
            User.email == EMAILS["other_bidder"])) == 1
    sent = {m["To"]: m for m in _outbox(app)}
    assert set(sent) == {REGISTRATION["email"], EMAILS["other_bidder"]}
    assert "already has an account" in sent[EMAILS["other_bidder"]].get_payload(decode=True).decode()


def test_a_taken_organisation_is_not_confirmed_to_the_registrant_but_told_to_its_contact(
        app, people, empty_outbox):
    """Issue 18: registration told anyone that a legal name or FEIN was registered. Now the
    answer is the one a new registration gets, and the organisation's contact is told."""
    from tests.support.factories import ORG_A
    _, fresh = _register(app)
    answers = [_register(app, legal_name=name, fein=fein, email=email)[1]
               for name, fein, email in (
                   (ORG_A, "04-5555555", EMAILS["other_bidder"]),
                   (ORG_A.upper(), "04-6666666", "new.person@delta.example.org"),
                   ("Quite Another Name", "04-1111111", "third.person@delta.example.org"))]
    assert [a.status_code for a in answers] == [302, 302, 302]
    assert {a.headers["Location"] for a in answers} == {fresh.headers["Location"]}
    for answer in answers:
        assert "registered" not in answer.get_data(as_text=True)
    sent = _outbox(app)
    told = [m for m in sent if m["To"] == EMAILS["bidder"]]   # Alpha's contact
    assert len(told) == 3
    body = told[0].get_payload(decode=True).decode()
    assert ORG_A in body and "nothing was made" in body
    # Nobody at the registrants' addresses learns that Alpha exists (the one with an account
    # hears only that the address has one).
    for m in sent:
        if m["To"] != EMAILS["bidder"]:
            assert ORG_A not in m.get_payload(decode=True).decode()
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id)).where(
            User.email.in_(["new.person@delta.example.org",
                            "third.person@delta.example.org"]))) == 0


def test_a_new_account_signs_in_only_after_following_the_emailed_link(app, people, empty_outbox):
    _register(app)
    early = Client(app).login(REGISTRATION["email"], REGISTRATION["password"])
    assert early.status_code == 200
    assert "confirm your email" in early.get_data(as_text=True).lower()
    sent = _outbox(app)   # the link, and the link again at the early sign-in
    assert len(sent) == 2 and {m["To"] for m in sent} == {REGISTRATION["email"]}
    link = _link_in(sent[0])
    confirmed = Client(app).get(link)
    assert confirmed.status_code == 200
    assert "Your email address is confirmed" in confirmed.get_data(as_text=True)
    assert Client(app).login(REGISTRATION["email"], REGISTRATION["password"]).status_code == 302
    assert Client(app).get(link[:-3] + "xyz").status_code == 404    # a forged link: nothing


def test_agency_addresses_are_kept_for_staff(app, people, empty_outbox):
    _, refused = _register(app, email="someone@agency.example.org")
    assert refused.status_code == 200
    assert "for agency staff" in refused.get_data(as_text=True)
    _, refused = _register(app, email="someone@DCF.Agency.Example.org")
    assert "for agency staff" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id)).where(
            func.lower(User.email).like("%agency.example.org"))) == 4   # the staff only
    assert _outbox(app) == []


def test_adding_a_colleague_answers_the_same_and_is_rate_limited(app, login, empty_outbox,
                                                                  monkeypatch):
    c = login("bidder")
    c.get("/organization")
    new = c.post("/organization", {"name": "Dee Alpha", "email": "dee@alpha-care.example.org",
                                   "password": "dee-password-2026"})
    taken = c.post("/organization", {"name": "Cy", "email": EMAILS["other_bidder"],
                                     "password": "cy-password-20266"})
    assert new.status_code == taken.status_code == 302
    page = c.get("/organization").get_data(as_text=True)
    assert "already exists" not in page
    monkeypatch.setitem(app.config, "MEMBER_RATE_LIMIT", "2 per hour")
    codes = [c.post("/organization", {"name": f"N{i}", "email": f"n{i}@alpha-care.example.org",
                                      "password": "n-password-20266"}).status_code
             for i in range(3)]
    assert codes[-1] == 429


# --- Mail: the one path, SMTP when configured -------------------------------------------------

def test_mail_goes_through_smtp_when_configured(app, people, empty_outbox, monkeypatch):
    from aiosmtpd.controller import Controller

    received = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
            received.append(envelope)
            return "250 OK"

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", port)
    try:
        _register(app)
    finally:
        controller.stop()
    [envelope] = received
    assert envelope.rcpt_tos == [REGISTRATION["email"]]
    assert b"/verify-email/" in envelope.content
    assert _outbox(app) == []


# --- Low: downloads cached; no quota; no upload limit ------------------------------------------

def test_document_and_page_picture_downloads_are_not_stored_by_caches(app):
    from tests.support.world import build
    world = build(app)
    c = Client(app)
    assert c.login(EMAILS["bidder"], PASSWORD).status_code == 302
    for url in (f"/bidder/documents/{world.ids['document']}/file",
                f"/bidder/documents/{world.ids['document']}/pages/1.png",
                f"/solicitations/{world.ids['solicitation']}/documents/"
                f"{world.ids['public_document']}"):
        answer = c.get(url)
        assert answer.status_code == 200, url
        cache = {part.strip() for part in answer.headers["Cache-Control"].split(",")}
        assert {"no-store", "private"} <= cache, (url, cache)


def _open_rfr_response(app, c: Client) -> str:
    with app.app_context():
        from procure.workflows import solicitation as flow
        rfr = draft_rfr(db.session, user(db.session, "officer"))
        flow.publish(db.session, rfr, user(db.session, "officer"))
        db.session.commit()
        ids = rfr.id, rfr.lots[0].id
    return c.respond(*ids)


def test_every_stored_version_counts_toward_the_organisations_quota(app, login, monkeypatch):
    c = login("bidder")
    url = _open_rfr_response(app, c)
    pdf = pdf_with_sections(["1. Program Design", "We keep families together."])
    monkeypatch.setitem(app.config, "ORGANIZATION_STORAGE_BYTES", len(pdf) * 2 + 1000)
    first = c.upload(url, pdf)
    assert first.status_code == 302
    document_id = first.headers["Location"].rsplit("#document-", 1)[1]
    c.get(url)
    assert c.post(f"{url}/documents/{document_id}/remove", {"confirm": "y"}).status_code == 302
    assert c.upload(url, pdf + b"\n% second version").status_code == 302
    refused = c.upload(url, pdf + b"\n% third version")
    assert refused.status_code == 409
    assert "storage" in refused.get_data(as_text=True)
    with app.app_context():
        from procure.models import Document
        assert db.session.scalar(select(func.count(Document.id))) == 2


def test_uploads_are_rate_limited(app, login, monkeypatch):
    c = login("bidder")
    url = _open_rfr_response(app, c)
    pdf = pdf_with_sections(["1. Program Design", "We keep families together."])
    monkeypatch.setitem(app.config, "UPLOAD_RATE_LIMIT", "2 per minute")
    codes = [c.upload(url, pdf + f"\n% {i}".encode()).status_code for i in range(3)]
    assert codes == [302, 302, 429]


# --- Low: transport ------------------------------------------------------------------------

def test_secure_cookies_and_hsts_away_from_loopback(app, people, monkeypatch):
    monkeypatch.setitem(app.config, "TRUSTED_HOSTS",
                        [*app.config["TRUSTED_HOSTS"], "procure.agency.example.org"])
    http = app.test_client()
    http.get("/login", base_url="https://procure.agency.example.org")
    token = http.get("/login", base_url="https://procure.agency.example.org").get_data(as_text=True)
    import re
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', token).group(1)
    answer = http.post("/login", base_url="https://procure.agency.example.org",
                       headers={"Referer": "https://procure.agency.example.org/login"}, data={"email": EMAILS["officer"], "password": PASSWORD,
                             "csrf_token": csrf})
    assert "Secure" in answer.headers["Set-Cookie"]
    assert "max-age=" in answer.headers["Strict-Transport-Security"]
    local = Client(app).login(EMAILS["officer"], PASSWORD)   # the demo on 127.0.0.1 / localhost
    assert "Secure" not in local.headers["Set-Cookie"]
    assert "Strict-Transport-Security" not in local.headers
