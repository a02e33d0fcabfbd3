"""Defects a new officer met: a cancelled draft went public; an addendum cut the deadline by
weeks and closed questions in the past."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlalchemy import select

from procure import clock
from procure.extensions import db
from procure.models import AuditEvent, CancelReason, Solicitation
from procure.workflows import solicitation as flow
from tests.support.factories import draft_rfr, published_rfr, user


def _local(moment) -> str:
    return clock.local(moment).strftime("%Y-%m-%dT%H:%M")


def test_a_cancelled_draft_stays_internal(app, login):
    with app.app_context():
        officer = user(db.session, "officer")
        row = draft_rfr(db.session, officer, title="Never published: internal plans")
        flow.cancel(db.session, row, officer, CancelReason.no_need, "INTERNAL-NOTE budget moved")
        db.session.commit()
        sid = row.id
    for who in ("anonymous", "bidder"):
        c = login(who)
        listing = c.get("/").get_data(as_text=True)
        assert "Never published" not in listing
        assert "Never published" not in c.get("/?status=cancelled").get_data(as_text=True)
        page = c.get(f"/solicitations/{sid}")
        assert page.status_code == 404 and "INTERNAL-NOTE" not in page.get_data(as_text=True)
        assert c.get(f"/solicitations/{sid}/cover-sheet.pdf").status_code == 404
        api = c.get(f"/api/v1/solicitations/{sid}")
        assert api.status_code == 404
        assert "Never published" not in c.get("/api/v1/solicitations/").get_data(as_text=True)
    officer_page = login("officer").get(f"/officer/solicitations/{sid}").get_data(as_text=True)
    assert "Never published" in officer_page and "Public page" not in officer_page


def test_a_cancelled_published_solicitation_stays_public(app, login):
    with app.app_context():
        officer = user(db.session, "officer")
        row = published_rfr(db.session, officer, title="Published then cancelled")
        flow.cancel(db.session, row, officer, CancelReason.funds_cut, "Funding was withdrawn.")
        db.session.commit()
        sid = row.id
    c = login("anonymous")
    assert "Published then cancelled" in c.get("/").get_data(as_text=True)
    assert "Funding was withdrawn." in c.get(f"/solicitations/{sid}").get_data(as_text=True)


def _published(app, days_open=40):
    with app.app_context():
        row = published_rfr(db.session, user(db.session, "officer"), days_open=days_open)
        db.session.commit()
        return row.id, row.deadline, row.questions_due


def _addendum(officer, sid, **fields):
    officer.get(f"/officer/solicitations/{sid}")
    data = {"addendum-title": "Change", "addendum-body": "A change.", "addendum-confirm": "y"}
    data.update({f"addendum-{k}": v for k, v in fields.items()})
    return officer.post(f"/officer/solicitations/{sid}/addenda", data)


def _dates(app, sid):
    with app.app_context():
        row = db.session.get(Solicitation, sid)
        return row.deadline, row.questions_due, len(row.addenda)


def test_an_addendum_never_silently_cuts_the_deadline(app, login):
    sid, deadline, questions_due = _published(app)
    officer = login("officer")
    # Minutes away: refused with the earliest allowed date, nothing changes.
    soon = _addendum(officer, sid, new_deadline=_local(clock.now() + timedelta(minutes=30)))
    assert soon.status_code in (400, 409)
    assert "at least 7 days" in soon.get_data(as_text=True)
    assert _dates(app, sid) == (deadline, questions_due, 0)
    # Two weeks earlier but within the rules: refused without a reason...
    earlier = deadline - timedelta(days=14)
    refused = _addendum(officer, sid, new_deadline=_local(earlier))
    assert refused.status_code in (400, 409)
    assert "bring the deadline forward" in refused.get_data(as_text=True)
    assert _dates(app, sid) == (deadline, questions_due, 0)
    # ...and allowed with one, which bidders read and the audit keeps.
    done = _addendum(officer, sid, new_deadline=_local(earlier),
                     shorten_reason="The program must start before the fiscal year ends.")
    assert done.status_code == 302
    new_deadline, new_questions, count = _dates(app, sid)
    assert count == 1 and abs(new_deadline - earlier) < timedelta(minutes=1)
    assert new_questions > clock.now()
    public = login("anonymous").get(f"/solicitations/{sid}").get_data(as_text=True)
    assert "brought forward" in public and "before the fiscal year ends" in public
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.event == "publish_addendum"))
        assert "fiscal year" in event.reason
        assert event.data["shortened_because"].startswith("The program")


def test_questions_due_never_moves_into_the_past(app, login):
    sid, deadline, questions_due = _published(app, days_open=31)
    with time_machine.travel(clock.now() + timedelta(days=2)):
        officer = login("officer")
        # 8 days out is allowed by the addendum rule (7) but would close questions 2 days ago.
        eight = clock.now() + timedelta(days=8)
        refused = _addendum(officer, sid, new_deadline=_local(eight),
                            shorten_reason="Urgent start.")
        assert refused.status_code in (400, 409)
        assert "close them in the past" in refused.get_data(as_text=True)
        assert _dates(app, sid) == (deadline, questions_due, 0)
        ok = _addendum(officer, sid, new_deadline=_local(clock.now() + timedelta(days=12)),
                       shorten_reason="Urgent start.")
        assert ok.status_code == 302
        _, moved, _ = _dates(app, sid)
        assert moved > clock.now()
        bidder = login("bidder")
        page = bidder.get(f"/solicitations/{sid}").get_data(as_text=True)
        assert "Ask privately" in page            # the question form is still there


def test_an_addendum_close_to_the_deadline_extends_it_and_says_so(app, login):
    sid, deadline, _ = _published(app, days_open=31)
    with time_machine.travel(deadline - timedelta(days=2)):
        officer = login("officer")
        page = officer.get(f"/officer/solicitations/{sid}").get_data(as_text=True)
        assert "at least 7 days after an addendum" in page     # the rules, before sending
        assert "moves to that date" in page
        assert _addendum(officer, sid).status_code == 302
        new_deadline, _, _ = _dates(app, sid)
        assert new_deadline >= clock.now() + timedelta(days=7) - timedelta(minutes=1)


def test_sealed_counts_only_where_the_procedure_allows_and_only_to_officers(app, login):
    from procure.models import ProcedureRule, SolicitationKind
    from tests.support.pdfs import complete_response
    with app.app_context():
        row = published_rfr(db.session, user(db.session, "officer"), days_open=31)
        db.session.commit()
        sid, lot = row.id, row.lots[0].id
    for who in ("bidder", "other_bidder"):
        c = login(who)
        url = c.respond(sid, lot)
        c.upload(url, complete_response())
        from procure.intake import jobs
        jobs.wait_for_idle()
        c.get(url)
        assert c.post(url + "/events/submit", {}).status_code == 302
    officer = login("officer")
    page = officer.get(f"/officer/solicitations/{sid}").get_data(as_text=True)
    assert "keep the count sealed" in page and "received so far" not in page
    with app.app_context():
        db.session.get(ProcedureRule, SolicitationKind.RFR).show_sealed_counts = True
        db.session.commit()
    try:
        page = officer.get(f"/officer/solicitations/{sid}").get_data(as_text=True)
        assert "<strong>2</strong> received so far" in page
        assert "received so far" in officer.get(
            f"/officer/solicitations/{sid}/responses").get_data(as_text=True)
        for who in ("bidder", "anonymous", "panelist"):
            assert "received so far" not in login(who).get(
                f"/solicitations/{sid}").get_data(as_text=True)
    finally:
        with app.app_context():
            db.session.get(ProcedureRule, SolicitationKind.RFR).show_sealed_counts = False
            db.session.commit()


def test_a_reason_brings_the_deadline_forward_but_never_below_the_minimum(app, login):
    """The decision (issue 9): every addendum leaves bidders at least the procedure's
    min_days_after_addendum days. A reason allows bringing the deadline forward, within that
    minimum, never below it; the form says so before it is sent."""
    sid, deadline, questions_due = _published(app, days_open=40)
    officer = login("officer")
    page = officer.get(f"/officer/solicitations/{sid}").get_data(as_text=True)
    assert "even when the deadline is brought forward with a reason" in page
    for days in (3, 6):
        refused = _addendum(officer, sid, new_deadline=_local(clock.now() + timedelta(days=days)),
                            shorten_reason="The program must start early.")
        assert refused.status_code == 409
        text = refused.get_data(as_text=True)
        assert "leaves bidders at least 7 days after it, even when the deadline is brought " \
               "forward with a reason" in text
        assert "The program must start early." in text             # what was typed stays
        assert _dates(app, sid) == (deadline, questions_due, 0)
    done = _addendum(officer, sid, new_deadline=_local(clock.now() + timedelta(days=21)),
                     shorten_reason="The program must start early.")
    assert done.status_code == 302
    new_deadline, _, count = _dates(app, sid)
    assert count == 1 and new_deadline >= clock.now() + timedelta(days=7)
