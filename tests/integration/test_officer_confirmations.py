"""What a new officer met (issue 9): refusals come back on the page they were on, with what was
typed; steps that cannot be undone ask once, with a box to tick (no JavaScript needed); a draft
nobody outside saw is cancelled without a coded reason; the lot editor changes what a lot
covers; plain words where a code or a wrong plural showed."""

from __future__ import annotations

from html import unescape

from sqlalchemy import select

from procure.extensions import db
from procure.models import (
    AreaOffice,
    AuditEvent,
    Lot,
    LotKind,
    Region,
    Response,
    ResponseStatus,
    Solicitation,
    SolicitationKind,
    SolicitationStatus,
)
from procure.workflows import solicitation as flow
from tests.support.evaluation import opened_rfr
from tests.support.factories import draft_rfr, published_rfr, user


def _text(response) -> str:
    return unescape(response.get_data(as_text=True))


def _draft(app, **kwargs) -> tuple[int, dict]:
    with app.app_context():
        row = draft_rfr(db.session, user(db.session, "officer"), **kwargs)
        db.session.commit()
        return row.id, {"lot": row.lots[0].id, "section": row.sections[0].id,
                        "criterion": row.criteria[0].id}


def _published(app) -> int:
    with app.app_context():
        row = published_rfr(db.session, user(db.session, "officer"))
        db.session.commit()
        return row.id


def test_the_publish_guard_answers_on_the_rfrs_own_page(app, login):
    with app.app_context():
        row = flow.create(db.session, user(db.session, "officer"), kind=SolicitationKind.RFR,
                          agencies=["DCF"], title="Nothing added yet")
        db.session.commit()
        sid = row.id
    officer = login("officer")
    url = f"/officer/solicitations/{sid}"
    officer.get(url)
    refused = officer.post(f"{url}/events/publish", {})
    page = _text(refused)
    assert refused.status_code == 409
    assert "Cannot publish yet: set a submission deadline; add at least one lot" in page
    assert 'id="refusal"' in page and "Go back" not in page       # on the RFR's page itself
    assert "Add a lot" in page and "Nothing added yet" in page    # its forms, values kept


def test_removing_a_part_asks_once_then_says_which(app, login):
    sid, parts = _draft(app)
    officer = login("officer")
    url = f"/officer/solicitations/{sid}"
    page = _text(officer.get(url))
    assert "Remove lot 1…" in page and "Yes, remove lot 1" in page
    unticked = officer.post(f"{url}/lot/{parts['lot']}/remove", {})
    assert unticked.status_code == 400
    assert "Tick the box to confirm; nothing was changed." in _text(unticked)
    with app.app_context():
        assert db.session.get(Lot, parts["lot"]) is not None
    for part in ("lot", "section", "criterion"):
        done = officer.post(f"{url}/{part}/{parts[part]}/remove", {"confirm": "y"},
                            follow_redirects=True)
        assert done.status_code == 200
    page = _text(done)
    assert "Criterion “Program design”: removed." in page
    with app.app_context():
        row = db.session.get(Solicitation, sid)
        assert len(row.lots) == 1 and len(row.sections) == 2 and len(row.criteria) == 1


def test_an_addendum_is_published_only_once_ticked_and_what_was_typed_stays(app, login):
    sid = _published(app)
    officer = login("officer")
    url = f"/officer/solicitations/{sid}"
    page = _text(officer.get(url))
    assert "No addenda yet." in page and "None." not in page
    fields = {"addendum-title": "New budget form", "addendum-body": "Use form B from now on."}
    unticked = officer.post(f"{url}/addenda", fields)
    assert unticked.status_code == 400
    page = _text(unticked)
    assert "Tick the box to confirm; nothing was changed." in page
    assert "New budget form" in page and "Use form B from now on." in page
    with app.app_context():
        assert db.session.get(Solicitation, sid).addenda == []
    done = officer.post(f"{url}/addenda", {**fields, "addendum-confirm": "y"})
    assert done.status_code == 302


def test_rejecting_without_a_reason_and_accepting_unticked_come_back_beside_the_button(
        app, login):
    with app.app_context():
        world = opened_rfr(db.session, accept=False)
        target = world.responses["bidder"].public_id
    officer = login("officer")
    url = f"/officer/responses/{target}"
    page = _text(officer.get(url))
    assert "Is it responsive?" in page and "it meets the requirements" in page
    refused = officer.post(f"{url}/events/reject", {"reason": "   "})
    assert refused.status_code == 409
    page = _text(refused)
    assert "Say why the response is not responsive; the bidder will be told." in page
    assert "Alpha Care Collaborative: lot 1" in page and "Go back" not in page
    unticked = officer.post(f"{url}/events/accept", {})
    assert unticked.status_code == 400
    assert "Tick the box to accept it as responsive" in _text(unticked)
    with app.app_context():
        assert db.session.scalar(select(Response.status).where(
            Response.public_id == target)) is ResponseStatus.opened
    accepted = officer.post(f"{url}/events/accept", {"confirm": "y"}, follow_redirects=True)
    assert "The response is accepted as responsive." in _text(accepted)


def test_a_never_published_draft_is_cancelled_without_a_coded_reason(app, login):
    sid, _ = _draft(app)
    officer = login("officer")
    url = f"/officer/solicitations/{sid}"
    page = _text(officer.get(url))
    assert "No reason or explanation is needed" in page and 'name="cancel-cancel_reason"' not in page
    done = officer.post(f"{url}/events/cancel", {}, follow_redirects=True)
    assert done.status_code == 200 and "is cancelled" in _text(done)
    with app.app_context():
        row = db.session.get(Solicitation, sid)
        assert row.status is SolicitationStatus.cancelled and row.cancel_reason is None
    dashboard = _text(officer.get("/officer/"))
    assert "Submission deadline:" not in dashboard          # no "next date" once cancelled


def test_a_published_rfr_still_needs_its_reason_and_explanation(app, login):
    sid = _published(app)
    officer = login("officer")
    url = f"/officer/solicitations/{sid}"
    officer.get(url)
    refused = officer.post(f"{url}/events/cancel", {"cancel-cancel_reason": "funds_cut",
                                                    "cancel-text": ""})
    assert refused.status_code == 400 and "This field is required" in _text(refused)


def test_the_lot_editor_changes_kind_and_what_the_lot_covers(app, login):
    sid, parts = _draft(app)
    lot = parts["lot"]
    with app.app_context():
        region = db.session.scalars(select(Region).order_by(Region.name)).first()
        areas = db.session.scalars(select(AreaOffice).order_by(AreaOffice.name)).all()
        region_id, region_name, area = region.id, region.name, areas[3]
        area_id, area_name = area.id, area.name
    officer = login("officer")
    url = f"/officer/solicitations/{sid}"
    page = _text(officer.get(url))
    assert f'name="lot{lot}-kind"' in page and f'name="lot{lot}-region"' in page
    fields = {f"lot{lot}-title": "Resource center", f"lot{lot}-estimated_annual_value": "100000",
              f"lot{lot}-max_awards": "1", f"lot{lot}-kind": "resource_center",
              f"lot{lot}-region": "0"}
    refused = officer.post(f"{url}/lot/{lot}/edit", fields)
    assert refused.status_code == 409
    assert "A regional resource center lot needs its region." in _text(refused)
    assert "Resource center" in _text(refused)                       # kept
    fields[f"lot{lot}-region"] = str(region_id)
    assert officer.post(f"{url}/lot/{lot}/edit", fields).status_code == 302
    fields.update({f"lot{lot}-kind": "lead_agency", f"lot{lot}-area_offices": [str(area_id)]})
    assert officer.post(f"{url}/lot/{lot}/edit", fields).status_code == 302
    with app.app_context():
        edited = db.session.get(Lot, lot)
        assert edited.kind is LotKind.lead_agency and edited.region_id == region_id
        assert [a.id for a in edited.area_offices] == [area_id]
        changes = [c for e in db.session.scalars(select(AuditEvent).where(
            AuditEvent.event == "edit_lot")) for c in e.data["changes"]]
    shown = {(c["field"], c["after"]) for c in changes}
    assert ("Kind of lot", LotKind.resource_center.value) in shown
    assert ("Region", region_name) in shown and ("Area offices", area_name) in shown
