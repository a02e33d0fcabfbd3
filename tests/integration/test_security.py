"""Security basics a person relies on: headers, cookies, CSRF, sign-in limits, no enumeration."""

from __future__ import annotations

import re

from procure.extensions import db
from procure.models import User
from tests.conftest import Client
from tests.support.factories import EMAILS, PASSWORD


def test_security_headers_on_pages_and_api(app):
    http = app.test_client()
    for path in ("/", "/login", "/api/v1/solicitations/", "/no-such-page"):
        headers = http.get(path).headers
        assert "default-src 'self'" in headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"


def test_session_cookie_flags(app, people):
    c = Client(app)
    response = c.login(EMAILS["officer"], PASSWORD)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_same_answer_for_unknown_email_and_wrong_password(app, people):
    unknown = Client(app).login("nobody@nowhere.example.org", "whatever-password")
    wrong = Client(app).login(EMAILS["officer"], "wrong-password-123")
    assert unknown.status_code == wrong.status_code == 200
    message = "Email or password is not right."
    assert message in unknown.get_data(as_text=True) and message in wrong.get_data(as_text=True)


def test_repeated_failures_delay_that_account_at_that_address_only(app, people):
    """No hard lock: the wait falls on the account tried from that address (see
    test_security_probe for the growing delays and the proxy hops)."""
    c = Client(app)
    codes = [c.login(EMAILS["bidder"], "not-the-password!").status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]
    assert c.login(EMAILS["bidder"], PASSWORD).status_code == 429
    assert Client(app).login(EMAILS["officer"], PASSWORD).status_code == 302
    with app.app_context():
        assert db.session.query(User).filter_by(email=EMAILS["bidder"]).one().active


def test_login_rate_limit_per_address_counts_failures(app, people):
    saved = app.config["LOGIN_RATE_LIMIT"]
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    try:
        c = Client(app)
        codes = [c.login(f"someone{i}@x.example.org", "wrong-password-1").status_code
                 for i in range(5)]
    finally:
        app.config["LOGIN_RATE_LIMIT"] = saved
    assert codes[:3] == [200, 200, 200]
    assert 429 in codes[3:]


def test_every_state_changing_form_refuses_a_missing_csrf_token(app, people):
    c = Client(app)
    assert c.login(EMAILS["officer"], PASSWORD).status_code == 302
    refused = []
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.endpoint.startswith("api_"):
            continue
        path = rule.rule
        for name in rule.arguments:
            path = (path.replace(f"<int:{name}>", "1").replace(f"<{name}>", "x")
                    .replace(f"<uuid:{name}>", "00000000-0000-4000-8000-000000000001"))
            path = re.sub(r"<any\(([^,)]+)[^>]*>", r"\1", path)   # <any(approve, refuse):d>
        response = c.post(path, {}, csrf=False)
        refused.append((rule.endpoint, response.status_code))
    assert refused and all(code == 400 for _, code in refused), [r for r in refused if r[1] != 400]
