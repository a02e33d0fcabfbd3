"""The administrator's own pages: users and roles, organisations, the audit-chain check and the
procedure rules (the sealed-count setting among them)."""

from __future__ import annotations

from html import unescape

import pytest
from sqlalchemy import select, update

from procure.extensions import db
from procure.intake import jobs
from procure.models import AuditEvent, ProcedureRule, SolicitationKind
from tests.support.factories import published_rfr, user


def _text(response) -> str:
    return unescape(response.get_data(as_text=True))


def _checked(admin) -> str:
    """Ask for the audit-chain check, let the worker thread finish it, read the page."""
    asked = admin.post("/admin/audit", {})
    assert asked.status_code == 302
    jobs.wait_for_idle()
    return _text(admin.get("/admin/audit"))


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
    assert "The audit chain is intact" in _checked(admin)
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
        broken = _checked(admin)
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
    unticked = admin.post(f"/admin/users/{panelist_id}/deactivate", {}, follow_redirects=True)
    assert "was not deactivated: Tick the box to confirm" in _text(unticked)
    done = admin.post(f"/admin/users/{panelist_id}/deactivate", {"confirm": "y"},
                      follow_redirects=True)
    assert "is deactivated" in _text(done) and "Deactivated" in _text(done)
    refused = Client(app)
    assert refused.login(EMAILS["panelist"], PASSWORD).status_code != 302
    audit = _checked(admin)
    assert "The audit chain is intact" in audit


def test_admin_changes_a_role_audited_never_their_own_nor_a_bidders(app, login, people):
    from procure.models import Role, User
    admin = login("admin")
    page = _text(admin.get("/admin/users"))
    officer2, bidder, me = people["officer2"], people["bidder"], people["admin"]
    assert f"/admin/users/{officer2}/role" in page
    assert f"/admin/users/{bidder}/role" not in page and f"/admin/users/{me}/role" not in page
    done = admin.post(f"/admin/users/{officer2}/role", {f"user{officer2}-role": "panelist"},
                      follow_redirects=True)
    assert "is now panelist" in _text(done)
    own = admin.post(f"/admin/users/{me}/role", {f"user{me}-role": "officer"},
                     follow_redirects=True)
    assert "You cannot change your own role" in _text(own)
    refused = admin.post(f"/admin/users/{bidder}/role", {f"user{bidder}-role": "officer"},
                         follow_redirects=True)
    assert "a bidder's role does not change" in _text(refused)
    with app.app_context():
        assert db.session.get(User, officer2).role is Role.panelist
        assert db.session.get(User, me).role is Role.admin
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.event == "change_role"))
        assert event.data["from"] == "officer" and event.data["to"] == "panelist"
    assert "The audit chain is intact" in _checked(admin)


def test_the_last_administrator_stays_one(app, people):
    from procure import accounts
    from procure.models import Role, User
    from procure.workflows.base import WorkflowError
    with app.app_context():
        last, other = db.session.get(User, people["admin"]), db.session.get(User, people["officer"])
        with pytest.raises(WorkflowError, match="last active administrator"):
            accounts.change_role(db.session, last, Role.officer, other)


def test_admin_reactivates_and_sends_a_reset_link(app, login, people):
    from pathlib import Path

    from tests.conftest import Client
    from tests.support.factories import EMAILS, PASSWORD
    panelist = people["panelist"]
    admin = login("admin")
    admin.get("/admin/users")
    admin.post(f"/admin/users/{panelist}/deactivate", {"confirm": "y"})
    page = _text(admin.get("/admin/users"))
    assert f"/admin/users/{panelist}/reactivate" in page
    back = admin.post(f"/admin/users/{panelist}/reactivate", {"confirm": "y"},
                      follow_redirects=True)
    assert "is active again and can sign in" in _text(back)
    assert Client(app).login(EMAILS["panelist"], PASSWORD).status_code == 302
    outbox = Path(app.instance_path) / "outbox"
    before = set(outbox.glob("*.eml")) if outbox.exists() else set()
    sent = admin.post(f"/admin/users/{panelist}/reset-password", {"confirm": "y"},
                      follow_redirects=True)
    assert f"We emailed {EMAILS['panelist']} a link to set a new password" in _text(sent)
    new = set(outbox.glob("*.eml")) - before
    assert len(new) == 1 and "/reset-password/" in new.pop().read_text()
    with app.app_context():
        events = set(db.session.scalars(select(AuditEvent.event).where(
            AuditEvent.entity_type == "user", AuditEvent.entity_id == panelist)))
    assert {"deactivate", "reactivate", "send_password_reset"} <= events
