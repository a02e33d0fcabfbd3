"""API tokens end with the password (issue 18): a password reset, "sign out everywhere" and a
change of password each stop every token of the person; making a token asks for the current
password again; an invalid token is answered 401 with WWW-Authenticate, never as the public."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path
from email import message_from_bytes

import pytest

from procure import scheduler
from procure.extensions import db
from tests.conftest import Client
from tests.support.factories import EMAILS, PASSWORD

NEW_PASSWORD = "a-brand-new-password-2026"
BODY = {"kind": "RFI", "agencies": ["DCF"], "title": "Respite care models"}


def _text(response) -> str:
    return unescape(response.get_data(as_text=True))


def _make_token(c: Client, name: str = "nightly export", password: str = PASSWORD):
    page = _text(c.get("/account/tokens"))
    assert 'name="password"' in page and "Your current password" in page
    return c.post("/account/tokens", {"name": name, "days": "90", "password": password})


def _token(c: Client) -> str:
    made = _make_token(c)
    assert made.status_code == 200
    return re.search(r'<code id="new-token">([^<]+)</code>', _text(made)).group(1)


def _works(app, token: str) -> int:
    return app.test_client().post("/api/v1/solicitations/", json=BODY,
                                  headers={"Authorization": f"Bearer {token}"}).status_code


def test_making_a_token_asks_for_the_current_password(app, login):
    c = login("officer")
    missing = c.post("/account/tokens", {"name": "x", "days": "90"})
    assert missing.status_code == 400
    assert "Enter your current password to make a token." in _text(missing)
    wrong = _make_token(c, password="not-my-password")
    assert wrong.status_code == 400 and "no token was made" in _text(wrong)
    assert 'id="new-token"' not in _text(wrong)
    assert _works(app, _token(c)) == 201


def test_sign_out_everywhere_ends_the_tokens(app, login):
    c = login("officer")
    token = _token(c)
    assert _works(app, token) == 201
    c.get("/account")
    assert c.post("/account/sign-out-everywhere", {}).status_code == 302
    assert _works(app, token) == 401


def test_changing_the_password_ends_the_tokens(app, login):
    c = login("officer")
    token = _token(c)
    page = c.get("/account/password")
    assert page.status_code == 200
    changed = c.post("/account/password", {"current_password": PASSWORD,
                                           "new_password": NEW_PASSWORD,
                                           "confirm": NEW_PASSWORD})
    assert changed.status_code == 302
    assert _works(app, token) == 401


def test_a_password_reset_ends_the_tokens(app, login):
    c = login("officer")
    token = _token(c)
    folder = Path(app.instance_path) / "outbox"
    before = set(folder.glob("*.eml")) if folder.exists() else set()
    asker = Client(app)
    asker.get("/forgot-password")
    asker.post("/forgot-password", {"email": EMAILS["officer"]})
    with app.app_context():
        scheduler.run_due(db.session)
    [sent] = set(folder.glob("*.eml")) - before
    body = message_from_bytes(sent.read_bytes()).get_payload(decode=True).decode()
    link = re.search(r"https?://[^/\s]+(/reset-password/\S+)", body).group(1)
    reset = Client(app)
    assert "Set a new password" in _text(reset.get(link))
    assert reset.post(link, {"new_password": NEW_PASSWORD,
                             "confirm": NEW_PASSWORD}).status_code == 302
    assert _works(app, token) == 401


@pytest.mark.parametrize("header", ["Bearer not-a-token", "Bearer ", "Basic b2ZmaWNlcjpwdw=="])
def test_an_invalid_token_is_answered_401_not_as_the_public(app, people, header):
    answer = app.test_client().get("/api/v1/solicitations/", headers={"Authorization": header})
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert answer.get_json()["code"] == 401 and "token" in answer.get_json()["message"]
    public = app.test_client().get("/api/v1/solicitations/")
    assert public.status_code == 200


def test_json_nested_too_deeply_is_refused_400(app, login):
    c = login("officer")
    token = _token(c)
    deep = "[" * 50000 + "]" * 50000
    answer = app.test_client().post("/api/v1/solicitations/", data=deep,
                                    content_type="application/json",
                                    headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 400 and answer.get_json()["code"] == 400
