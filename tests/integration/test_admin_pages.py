"""The administrator's own pages: users and roles, organisations, the audit-chain check and the
procedure rules (the sealed-count setting among them)."""

from __future__ import annotations

from html import unescape

from sqlalchemy import update

from procure.extensions import db
from procure.models import AuditEvent, ProcedureRule, SolicitationKind
from tests.support.factories import published_rfr, user


def _text(response) -> str:
    return unescape(response.get_data(as_text=True))


def test_admin_sees_users_organisations_audit_and_rules(app, login):
    with app.app_context():
        published_rfr(db.session, user(db.session, "officer"))
        db.session.commit()
    admin = login("admin")
    home = _text(admin.get("/"))
    assert 'href="/admin/"' in home and "Administration" in home
    users = _text(admin.get("/admin/users"))
    for expected in ("Procurement officer", "Bidder", "Panelist", "Alpha Care Collaborative"):
        assert expected in users
    assert "Alpha Care Collaborative" in _text(admin.get("/admin/organizations"))
    assert "The audit chain is intact" in _text(admin.get("/admin/audit"))
    rules = _text(admin.get("/admin/rules"))
    assert "Request for Responses (RFR)" in rules and "sealed responses" in rules
    bad = admin.post("/admin/rules/RFR", {"RFR-min_days_open": "12.5",
                                          "RFR-question_cutoff_days": "10",
                                          "RFR-min_days_after_addendum": "7",
                                          "RFR-standstill_days": "10", "RFR-min_responses": "1"})
    assert bad.status_code == 400
    assert "Enter a whole number from 0 to 365; 12.5 is not one." in _text(bad)
    saved = admin.post("/admin/rules/RFR", {"RFR-min_days_open": "21",
                                            "RFR-question_cutoff_days": "10",
                                            "RFR-min_days_after_addendum": "7",
                                            "RFR-standstill_days": "10", "RFR-min_responses": "1",
                                            "RFR-show_sealed_counts": "y"})
    assert saved.status_code == 302
    try:
        with app.app_context():
            rule = db.session.get(ProcedureRule, SolicitationKind.RFR)
            assert rule.min_days_open == 21 and rule.show_sealed_counts is True
        # Someone edits the log behind the service's back: the check names the event.
        with app.app_context():
            db.session.execute(update(AuditEvent).where(AuditEvent.seq == 2).values(reason="x"))
            db.session.commit()
        broken = _text(admin.get("/admin/audit"))
        assert "The audit chain is broken" in broken and "event #2" in broken
    finally:
        with app.app_context():
            rule = db.session.get(ProcedureRule, SolicitationKind.RFR)
            rule.min_days_open, rule.show_sealed_counts = 30, False
            db.session.commit()


def test_only_the_administrator_gets_in(app, login):
    for who in ("officer", "bidder", "panelist", "anonymous"):
        c = login(who)
        assert c.get("/admin/users").status_code in (302, 403), who
        assert 'href="/admin/"' not in _text(c.get("/"))


def test_each_role_has_its_menu(app, login):
    panel = _text(login("panelist").get("/"))
    assert "/evaluation/mine" in panel and "/account/tokens" in panel and "Sign out" in panel
    bidder = _text(login("bidder").get("/"))
    assert "My responses" in bidder and "/account/tokens" in bidder
    officer = _text(login("officer").get("/"))
    assert "Officer dashboard" in officer and "/admin/" not in officer


def test_admin_deactivates_a_user_who_then_cannot_sign_in(app, login, people):
    from tests.conftest import Client
    from tests.support.factories import EMAILS, PASSWORD
    admin = login("admin")
    page = _text(admin.get("/admin/users"))
    with app.app_context():
        panelist_id = user(db.session, "panelist").id
    assert f"/admin/users/{panelist_id}/deactivate" in page
    assert "will no longer sign in" in page
    done = admin.post(f"/admin/users/{panelist_id}/deactivate", {}, follow_redirects=True)
    assert "is deactivated" in _text(done) and "Deactivated" in _text(done)
    refused = Client(app)
    assert refused.login(EMAILS["panelist"], PASSWORD).status_code != 302
    audit = _text(admin.get("/admin/audit"))
    assert "The audit chain is intact" in audit
