"""Links in mail are built on the configured base address (PROCURE_BASE_URL), never on the
request's Host header, and requests for a host the service does not serve are refused (issue 18:
a reset link pointing at http://evil.example/... handed the token over)."""

from __future__ import annotations

import re

import pytest

from procure import create_app
from tests.conftest import Client
from tests.support.factories import EMAILS
from tests.support.outbox import outbox_reader

REGISTRATION = {"legal_name": "Gamma Youth Homes", "fein": "04-3333333",
                "address": "3 Pine St, Worcester MA", "contact_phone": "", "diversity": "none",
                "name": "Gia Gamma", "email": "gia@gamma.example.org",
                "password": "gamma-password-2026"}


@pytest.fixture
def outbox(app):
    return outbox_reader(app)


def _links(bodies: list[str]) -> list[str]:
    return [link for body in bodies for link in re.findall(r"https?://\S+", body)]


def test_a_forged_host_is_refused_and_mails_nothing(app, people, outbox):
    """The tester's steps: GET then POST /forgot-password, both naming Host: evil.example."""
    http = app.test_client()
    page = http.get("/forgot-password", base_url="http://evil.example")
    assert page.status_code == 400 and 'name="email"' not in page.get_data(as_text=True)
    token = Client(app)
    token.get("/forgot-password")            # a real form's token, from the real host
    for forged in (http.post("/forgot-password", base_url="http://evil.example",
                             data={"email": EMAILS["bidder"], "csrf_token": token.token}),
                   token.http.post("/forgot-password", headers={"Host": "evil.example"},
                                   data={"email": EMAILS["bidder"],
                                         "csrf_token": token.token})):
        assert forged.status_code == 400
        assert "evil.example" not in forged.get_data(as_text=True)
    assert outbox() == []


def test_every_link_in_account_mail_is_on_the_base_address(app, people, outbox, monkeypatch):
    """Asked from a host the service serves (loopback here), the links still name the
    configured address: a reset link, a confirmation link, the "already registered" notice."""
    monkeypatch.setitem(app.config, "BASE_URL", "https://procure.example.org")
    c = Client(app)
    c.get("/forgot-password")
    assert c.post("/forgot-password", {"email": EMAILS["bidder"]}).status_code == 302
    c.get("/register")
    assert c.post("/register", REGISTRATION).status_code == 302
    c.get("/register")
    again = {**REGISTRATION, "legal_name": "Delta Homes", "fein": "04-4444444",
             "email": EMAILS["other_bidder"]}
    assert c.post("/register", again).status_code == 302
    links = _links(outbox())
    assert any("/reset-password/" in link for link in links)
    assert any("/verify-email/" in link for link in links)
    assert any(link.endswith("/forgot-password") or "/login" in link for link in links)
    assert links and all(link.startswith("https://procure.example.org/") for link in links), links


def test_the_hosts_served_follow_the_base_address(tmp_path):
    settings = {"TESTING": True, "SECRET_KEY": "x", "UPLOAD_FOLDER": str(tmp_path),
                "DATABASE_URL": "sqlite:///" + str(tmp_path / "db.sqlite3")}
    deployed = create_app({**settings, "BASE_URL": "https://procure.example.org/"})
    assert deployed.config["BASE_URL"] == "https://procure.example.org"
    assert deployed.config["TRUSTED_HOSTS"] == ["procure.example.org"]   # not loopback
    http = deployed.test_client()
    assert http.get("/login", base_url="https://procure.example.org").status_code == 200
    assert http.get("/login", base_url="http://localhost").status_code == 400
    local = create_app({**settings, "BASE_URL": "http://127.0.0.1:8123"})
    assert {"127.0.0.1", "localhost", "::1"} <= set(local.config["TRUSTED_HOSTS"])
    assert local.test_client().get("/login", base_url="http://localhost:8123").status_code == 200


def test_without_a_base_address_only_loopback_is_served_and_the_refusal_says_why(tmp_path):
    unset = create_app({"TESTING": True, "SECRET_KEY": "x", "UPLOAD_FOLDER": str(tmp_path),
                        "DATABASE_URL": "sqlite:///" + str(tmp_path / "db.sqlite3")})
    http = unset.test_client()
    assert http.get("/login", base_url="http://127.0.0.1:5000").status_code == 200
    refused = http.get("/login", base_url="https://procure.example.org")
    assert refused.status_code == 400 and "PROCURE_BASE_URL" in refused.get_data(as_text=True)


def test_serving_beyond_loopback_needs_the_base_address(app, monkeypatch):
    import socket
    monkeypatch.setitem(app.config, "BASE_URL_CONFIGURED", False)
    with socket.socket() as taken:   # were the check missing, serving fails at once: no hang
        taken.bind(("0.0.0.0", 0))
        port = taken.getsockname()[1]
        result = app.test_cli_runner().invoke(
            args=["serve", "--host", "0.0.0.0", "--port", str(port)])
    assert result.exit_code != 0
    assert "PROCURE_BASE_URL" in str(result.exception) + result.output
