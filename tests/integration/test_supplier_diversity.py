"""Supplier diversity can be changed after registering (issue 19: it could not), on the
organisation's page as rendered and by the API; it is in API answers and the OCDS parties."""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import select

from procure import accounts
from procure.extensions import db
from procure.models import AuditEvent, Organization, SupplierDiversity
from tests.integration.test_every_form_as_rendered import fill, forms_of
from tests.support.factories import ORG_A, user


def _diversity(app) -> SupplierDiversity:
    with app.app_context():
        return db.session.scalar(select(Organization.diversity).where(
            Organization.legal_name == ORG_A))


def test_a_bidder_changes_the_certification_on_the_page_and_by_the_api(app, login):
    bidder = login("bidder")
    page = bidder.get("/organization").get_data(as_text=True)
    form = next(f for f in forms_of("/organization", page)
                if urlsplit(f.action).path == "/organization/diversity")
    data = fill(form, 1)
    data["diversity-diversity"] = ["women_owned"]
    saved = bidder.post(form.action, data, csrf=False)
    assert saved.status_code == 302
    assert "Supplier diversity: Women-owned business." in bidder.get(
        "/organization").get_data(as_text=True)
    assert _diversity(app) is SupplierDiversity.women_owned
    with app.app_context():
        assert db.session.scalar(select(AuditEvent.event).where(
            AuditEvent.event == "change_diversity")) == "change_diversity"
        token = accounts.issue_token(db.session, user(db.session, "bidder"), "test")
        other = accounts.issue_token(db.session, user(db.session, "officer"), "test")
        db.session.commit()
    http = app.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    assert http.get("/api/v1/organization/", headers=auth).get_json()["diversity"] == \
        "women_owned"
    changed = http.patch("/api/v1/organization/", headers=auth,
                         json={"diversity": "minority_and_women_owned"})
    assert changed.status_code == 200
    assert changed.get_json()["diversity_label"] == "Minority- and women-owned business"
    assert _diversity(app) is SupplierDiversity.minority_and_women_owned
    assert http.patch("/api/v1/organization/", headers=auth,
                      json={"diversity": "large"}).status_code == 422
    assert http.patch("/api/v1/organization/", headers={"Authorization": f"Bearer {other}"},
                      json={"diversity": "none"}).status_code == 403


def test_a_response_in_the_api_and_the_ocds_parties_carry_the_certification(app):
    from tests.support.world import build
    world = build(app)
    http = app.test_client()
    answer = http.get(f"/api/v1/responses/{world.ids['response']}",
                      headers={"Authorization": f"Bearer {world.tokens['bidder']}"}).get_json()
    assert answer["organization_diversity"] in SupplierDiversity.__members__
    from procure import ocds
    with app.app_context():
        party = ocds._Parties()
        organization = db.session.scalar(select(Organization).where(
            Organization.legal_name == ORG_A))
        party.organization(organization, "tenderer")
        assert next(iter(party.rows.values()))["details"] == {
            "supplierDiversity": organization.diversity.value}


def test_the_panel_report_says_each_named_bidders_certification(app, login, people):
    from tests.support.award import finalized
    with app.app_context():
        world, panel = finalized(db.session)
        panel_id = panel.public_id
    report = login("officer").get(f"/evaluation/panels/{panel_id}/report")
    assert report.status_code == 200
    text = report.get_data(as_text=True)
    assert "Beta Family Services <span class=\"small\">(Minority-owned business)</span>" in text
    assert f"{ORG_A} <span class=\"small\">(Not certified)</span>" in text
