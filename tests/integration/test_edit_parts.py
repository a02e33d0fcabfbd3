"""Officers edit a lot, section or criterion in place before publishing; after publishing only
through an addendum that lists what changed (bidders see the list; the audit says which)."""

from __future__ import annotations

from html import unescape

from procure.extensions import db
from procure.models import Addendum, Lot
from tests.support.factories import draft_rfr, published_rfr, user


def _text(response) -> str:
    return unescape(response.get_data(as_text=True))


def _covers(row: Lot, lot: int) -> dict:
    """What the lot editor sends of what a lot covers, as it stands."""
    return {f"lot{lot}-kind": row.kind.name,
            f"lot{lot}-area_offices": [str(a.id) for a in row.area_offices],
            f"lot{lot}-region": str(row.region_id or 0),
            f"lot{lot}-service_model": row.service_model_code or ""}


def test_a_draft_lot_is_edited_in_place_and_the_audit_says_which(app, login):
    with app.app_context():
        row = draft_rfr(db.session, user(db.session, "officer"))
        db.session.commit()
        sid, lot, section = row.id, row.lots[0].id, row.sections[0].id
        covers = _covers(row.lots[0], lot)
    officer = login("officer")
    url = f"/officer/solicitations/{sid}"
    page = _text(officer.get(url))
    assert "Edit lot 1" in page and "Addendum title" not in page
    bad = officer.post(f"{url}/lot/{lot}/edit", {
        f"lot{lot}-title": "Lead agency: Holyoke and Springfield",
        f"lot{lot}-estimated_annual_value": "1e30", f"lot{lot}-max_awards": "2", **covers})
    assert bad.status_code == 400
    assert "Lead agency: Holyoke and Springfield" in _text(bad)     # kept beside the error
    done = officer.post(f"{url}/lot/{lot}/edit", {
        f"lot{lot}-title": "Lead agency: Holyoke and Springfield",
        f"lot{lot}-estimated_annual_value": "150,000", f"lot{lot}-max_awards": "2", **covers})
    assert done.status_code == 302
    assert officer.post(f"{url}/section/{section}/edit", {
        f"section{section}-title": "Agency Capacity", f"section{section}-aliases": "Capacity",
        f"section{section}-page_limit": ""}).status_code == 302
    with app.app_context():
        edited = db.session.get(Lot, lot)
        assert edited.title == "Lead agency: Holyoke and Springfield"
        assert edited.max_awards == 2 and str(edited.estimated_annual_value) == "150000.00"
    audit = _text(officer.get(url + "/audit"))
    assert "edit lot: Lot 1: Lead agency: Holyoke" in audit
    assert "estimated annual value: $100,000.00 → $150,000.00" in audit
    assert "add lot: Lot 2: Lead agency: joined areas" in audit
    assert "page limit: 5 → none" in audit


def test_after_publishing_a_change_goes_through_an_addendum_bidders_read(app, login):
    with app.app_context():
        row = published_rfr(db.session, user(db.session, "officer"))
        db.session.commit()
        sid, lot = row.id, row.lots[1].id
        covers = _covers(row.lots[1], lot)
    officer = login("officer")
    url = f"/officer/solicitations/{sid}"
    page = _text(officer.get(url))
    assert "Change by addendum: lot 2" in page
    fields = {f"lot{lot}-title": "Lead agency: joined areas", f"lot{lot}-max_awards": "1",
              f"lot{lot}-estimated_annual_value": "240000", **covers}
    refused = officer.post(f"{url}/lot/{lot}/edit", fields)
    assert refused.status_code == 409 and "changes only by addendum" in _text(refused)
    with app.app_context():
        assert db.session.query(Addendum).count() == 0
    fields[f"lot{lot}-addendum_title"] = "Joined areas funded for two service areas"
    unticked = officer.post(f"{url}/lot/{lot}/edit", fields)     # the addendum asks once
    assert unticked.status_code == 400 and "Tick the box to confirm" in _text(unticked)
    assert "Joined areas funded for two service areas" in _text(unticked)   # what was typed
    fields[f"lot{lot}-confirm"] = "y"
    assert officer.post(f"{url}/lot/{lot}/edit", fields).status_code == 302
    public = _text(login("anonymous").get(f"/solicitations/{sid}"))
    assert "Addendum 1: Joined areas funded for two service areas" in public
    assert "What addendum 1 changed" in public
    assert "Lot 2: Lead agency: joined areas" in public and "$200,000.00" in public
    assert "$240,000.00" in public
    audit = _text(officer.get(url + "/audit"))
    assert "publish addendum: Addendum 1: Joined areas funded" in audit
    assert "estimated annual value: $200,000.00 → $240,000.00" in audit


def test_the_api_changes_what_a_lot_covers_like_the_page(app, people):
    from sqlalchemy import select

    from procure import accounts
    from procure.models import LotKind, Region
    with app.app_context():
        row = draft_rfr(db.session, user(db.session, "officer"))
        region = db.session.scalars(select(Region).order_by(Region.name)).first()
        token = accounts.issue_token(db.session, user(db.session, "officer"), "test")
        db.session.commit()
        sid, lot, region_id, region_name = row.id, row.lots[0].id, region.id, region.name
    http = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    url = f"/api/v1/solicitations/{sid}/lots/{lot}"
    refused = http.patch(url, headers=headers, json={"kind": "resource_center"})
    assert refused.status_code == 409
    assert "needs its region" in refused.get_json()["message"]
    done = http.patch(url, headers=headers, json={"kind": "resource_center",
                                                  "region_id": region_id})
    assert done.status_code == 200
    assert done.get_json()["kind"] == "resource_center"
    assert done.get_json()["region"] == region_name
    with app.app_context():
        assert db.session.get(Lot, lot).kind is LotKind.resource_center


def test_an_area_office_named_twice_covers_the_lot_once(app, people):
    """Found by the API fuzz: a lot changed with the same area office twice was a 500."""
    from procure.extensions import db
    from procure.models import AreaOffice
    from procure.workflows import solicitation as flow
    from sqlalchemy import select
    from tests.support.factories import draft_rfr, user
    with app.app_context():
        officer = user(db.session, "officer")
        rfr = draft_rfr(db.session, officer)
        area = db.session.scalars(select(AreaOffice).order_by(AreaOffice.name)).first()
        lot = flow.add_lot(db.session, rfr, officer, kind=rfr.lots[0].kind, title="Twice",
                           estimated_annual_value=rfr.lots[0].estimated_annual_value,
                           area_office_ids=[area.id, area.id])
        db.session.commit()
        assert [a.id for a in lot.area_offices] == [area.id]
