"""The OCDS export validates against the official OCDS 1.1 release-package schema (offline: the
schema and codelists in ../shared/ocds/) and uses only codes of the codelists: a published RFR
before its opening (nothing of its sealed responses anywhere), an awarded RFR with a contract
and two draw-downs, and a cancelled RFR. Both faces: the CLI and the API."""

from __future__ import annotations

import csv
import json
import os
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from jsonschema import Draft4Validator
from referencing import Registry
from referencing.jsonschema import DRAFT4

from procure import clock, ocds
from procure.extensions import db
from procure.models import ContractStatus, RateType, SolicitationKind
from procure.workflows import award as award_flow
from procure.workflows import contract as contract_flow
from procure.workflows import response as response_flow
from procure.workflows import solicitation as flow
from tests.conftest import require_or_skip
from tests.support.award import RANKED, finalized
from tests.support.factories import ORG_A, ORG_B, draft_rfr, response_ready_to_submit, user

OCDS = Path(os.environ["PROCURE_SHARED_DIR"]) / "ocds"
RELEASE_URL = "https://standard.open-contracting.org/schema/1__1__5/release-schema.json"


def _schema(name: str) -> dict:
    return json.loads((OCDS / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def validator():
    require_or_skip((OCDS / "release-package-schema.json").is_file(),
                    f"the OCDS schema is not in {OCDS} (../shared/ocds/)")
    registry = Registry().with_resource(RELEASE_URL,
                                        DRAFT4.create_resource(_schema("release-schema.json")))
    return Draft4Validator(_schema("release-package-schema.json"), registry=registry,
                           format_checker=Draft4Validator.FORMAT_CHECKER)


def _codes(name: str) -> set[str]:
    with (OCDS / "codelists" / name).open(encoding="utf-8") as f:
        return {row["Code"] for row in csv.DictReader(f)}


def _valid(validator, package: dict) -> dict:
    """Schema-valid, every code from its codelist; the one release."""
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
              for e in validator.iter_errors(package)]
    assert errors == []
    [release] = package["releases"]
    used = {
        "releaseTag.csv": release["tag"], "initiationType.csv": [release["initiationType"]],
        "tenderStatus.csv": [release["tender"]["status"]],
        "awardStatus.csv": [a["status"] for a in release.get("awards", [])],
        "contractStatus.csv": [c["status"] for c in release.get("contracts", [])],
        "partyRole.csv": [r for p in release["parties"] for r in p["roles"]],
        "method.csv": [release["tender"]["procurementMethod"]],
        "procurementCategory.csv": [release["tender"]["mainProcurementCategory"]],
        "submissionMethod.csv": release["tender"]["submissionMethod"],
        "awardCriteria.csv": [release["tender"].get("awardCriteria", "ratedCriteria")],
        "relatedProcess.csv": [r for p in release.get("relatedProcesses", [])
                               for r in p["relationship"]],
        "relatedProcessScheme.csv": [p["scheme"] for p in release.get("relatedProcesses", [])],
        "documentType.csv": [d["documentType"] for d in _documents(release)],
        "currency.csv": [v["currency"] for v in _values(release)],
    }
    wrong = {name: sorted(set(codes) - _codes(name)) for name, codes in used.items()
             if set(codes) - _codes(name)}
    assert wrong == {}
    ids = [p["id"] for p in release["parties"]]
    assert len(ids) == len(set(ids)), "each party once"
    return release


def _documents(release: dict) -> list[dict]:
    return (release.get("planning", {}).get("documents", [])
            + release["tender"].get("documents", [])
            + [d for c in release.get("contracts", []) for d in c.get("documents", [])])


def _values(node) -> list[dict]:
    if isinstance(node, dict):
        found = [node] if set(node) == {"amount", "currency"} else []
        return found + [v for child in node.values() for v in _values(child)]
    if isinstance(node, list):
        return [v for child in node for v in _values(child)]
    return []


def _package(session, row) -> dict:
    return ocds.release_package(session, row, base_url="https://procure.example.org")


# ---------------------------------------------------------------- before the opening

@pytest.fixture
def sealed(ctx, people, tmp_path):
    """An RFR informed by an RFI, published, with two submitted (sealed) responses."""
    officer = user(ctx, "officer")
    rfi = flow.create(ctx, officer, kind=SolicitationKind.RFI, agencies=["DCF"],
                      title="Network services models", deadline=clock.now() + timedelta(days=20))
    flow.publish(ctx, rfi, officer)
    rfr = draft_rfr(ctx, officer)
    flow.update(ctx, rfr, officer, informed_by_id=rfi.id)
    flow.publish(ctx, rfr, officer)
    responses = []
    for who in ("bidder", "other_bidder"):
        response = response_ready_to_submit(ctx, user(ctx, who), rfr.lots[0], tmp_path)
        response_flow.fire(ctx, response, "submit", user(ctx, who))
        responses.append(response)
    ctx.commit()
    return rfr, rfi, responses


def test_a_published_rfr_before_its_opening_says_nothing_of_its_responses(validator, ctx,
                                                                           sealed):
    rfr, rfi, responses = sealed
    package = _package(ctx, rfr)
    release = _valid(validator, package)
    assert release["ocid"] == f"ocds-procure-{rfr.number}"
    assert release["tag"] == ["planning", "tender"]
    assert release["tender"]["status"] == "active"
    assert [i["description"].partition(" (")[0] for i in release["tender"]["items"]] == [
        l.label for l in rfr.lots]
    assert release["tender"]["value"] == {"amount": 300000.0, "currency": "USD"}
    assert release["planning"]["rationale"].startswith(f"Informed by {rfi.number}")
    assert release["relatedProcesses"][0]["identifier"] == f"ocds-procure-{rfi.number}"
    assert "numberOfTenderers" not in release["tender"]
    assert "tenderers" not in release["tender"] and "awards" not in release
    text = json.dumps(package)
    for needle in [ORG_A, ORG_B, "04-1111111", "041111111",
                   *[r.public_id for r in responses],
                   *[d.sha256 for r in responses for d in r.documents]]:
        assert needle not in text, f"{needle!r} is in the release before the opening"


def test_after_the_opening_the_tenderers_are_counted_then_named_after_the_evaluation(
        validator, ctx, sealed):
    rfr, _, _ = sealed
    officer = user(ctx, "officer")
    with time_machine.travel(rfr.deadline + timedelta(seconds=31)):
        response_flow.close_due(ctx)
        response_flow.open_responses(ctx, rfr, officer)
        ctx.commit()
        release = _valid(validator, _package(ctx, rfr))
        assert release["tender"]["numberOfTenderers"] == 2
        text = json.dumps(release)
        assert ORG_A not in text and ORG_B not in text, "no names while the panels score"
        response_flow.fire_solicitation_event(ctx, rfr, "cancel", officer,
                                              reason="No longer needed.", cancel_reason="no_need")
        release = _valid(validator, _package(ctx, rfr))
    assert {t["name"] for t in release["tender"]["tenderers"]} == {ORG_A, ORG_B}
    tenderers = [p for p in release["parties"] if "tenderer" in p["roles"]]
    assert {p["identifier"]["scheme"] for p in tenderers} == {"US-EIN"}


def _both_faces(app, rfr, tmp_path) -> list[tuple[str, str]]:
    """The package as the public API gives it and as `procure export ocds` writes it."""
    answer = app.test_client().get(f"/api/v1/solicitations/{rfr.id}/ocds")
    assert answer.status_code == 200
    out = tmp_path / f"{rfr.number}.json"
    done = app.test_cli_runner().invoke(args=["export", "ocds", rfr.number, "-o", str(out)])
    assert done.exit_code == 0, done.output
    return [("the API", answer.get_data(as_text=True)), ("the CLI", out.read_text())]


def _names_and_counts_no_bidder(validator, face: str, text: str, responses) -> dict:
    release = _valid(validator, json.loads(text))
    assert "numberOfTenderers" not in release["tender"], f"{face} counts the sealed responses"
    assert "tenderers" not in release["tender"], f"{face} names who responded"
    assert [p for p in release["parties"] if "tenderer" in p["roles"]] == [], face
    for needle in [ORG_A, ORG_B, "04-1111111", "041111111", "04-2222222", "042222222",
                   *[r.public_id for r in responses],
                   *[d.sha256 for r in responses for d in r.documents]]:
        assert needle not in text, f"{face}: {needle!r} is in the release before the opening"
    return release


def test_closed_at_the_deadline_but_not_yet_opened_the_export_names_and_counts_no_bidder(
        validator, app, ctx, sealed, tmp_path):
    """Between the deadline and the opening the responses are sealed: the public export (API
    and CLI) neither counts nor names who responded."""
    rfr, _, responses = sealed
    with time_machine.travel(rfr.deadline + timedelta(seconds=31)):
        response_flow.close_due(ctx)
        ctx.commit()
        assert rfr.status.name == "closed" and rfr.opened_at is None
        for face, text in _both_faces(app, rfr, tmp_path):
            release = _names_and_counts_no_bidder(validator, face, text, responses)
            assert release["tender"]["status"] == "active"


@pytest.mark.parametrize("when", ["while published", "after the deadline closed it"])
def test_cancelled_before_the_opening_the_export_names_and_counts_no_bidder(
        validator, app, ctx, sealed, tmp_path, when):
    """A cancellation before the opening never unseals: the cancelled RFR's export (API and CLI)
    neither counts nor names the bidders whose sealed responses it held."""
    rfr, _, responses = sealed
    officer = user(ctx, "officer")
    moment = rfr.deadline + timedelta(seconds=31) if when.startswith("after") else clock.now()
    with time_machine.travel(moment):
        response_flow.close_due(ctx)
        response_flow.fire_solicitation_event(ctx, rfr, "cancel", officer,
                                              reason="The program's funding was withdrawn.",
                                              cancel_reason="funds_cut")
        ctx.commit()
        assert rfr.status.name == "cancelled" and rfr.opened_at is None
        for face, text in _both_faces(app, rfr, tmp_path):
            release = _names_and_counts_no_bidder(validator, face, text, responses)
            assert release["tender"]["status"] == "cancelled"


# ---------------------------------------------------------------- awarded, contracted, paid

def awarded_with_contract(session):
    """Lot 1 awarded to the top-ranked bidder, final after standstill; a per-diem contract
    signed and active, FY2027 encumbered, two draw-downs."""
    world, _ = finalized(session)
    lot = world.rfr.lots[0]
    award = award_flow.propose(session, lot, world.officer, response=world.responses[RANKED[0]],
                                 amount=Decimal(100000))
    award_flow.approve(session, award, world.chair)
    award_flow.notify_lot(session, lot, world.officer)
    award_flow.finalize_due(session, award.standstill_ends_at + timedelta(seconds=1))
    start = date(clock.today().year + 1, 7, 1)
    contract = contract_flow.create(
        session, award, world.officer, start_date=start,
        end_date=date(start.year + 3, 6, 30), rate_type=RateType.per_diem,
        rates=[contract_flow.Rate("Family support", RateType.per_diem, Decimal("180"))],
        measures=[contract_flow.Measure("Permanency within 12 months", "40%")])
    contract_flow.fire(session, contract, "sign", world.officer)
    contract_flow.fire(session, contract, "activate", world.officer, today=start)
    fy = contract_flow.fiscal_year(start)
    encumbrance = contract_flow.encumber(session, contract, world.officer, fiscal_year_=fy,
                                         amount=Decimal("100000"))
    for day, amount in [(start + timedelta(days=30), "8000"), (start + timedelta(days=61),
                                                               "9500.50")]:
        with time_machine.travel(datetime(day.year, day.month, day.day, 20, tzinfo=UTC)):
            contract_flow.draw_down(session, encumbrance, world.officer, service_date=day,
                                    amount=Decimal(amount), service="Family support",
                                    family_reference="FAM-0042")
    session.commit()
    return world, award, contract


def test_an_awarded_rfr_with_a_contract_and_two_draw_downs(validator, ctx, people):
    world, award, contract = awarded_with_contract(ctx)
    assert world.rfr.status.name == "awarded" and contract.status is ContractStatus.active
    package = _package(ctx, world.rfr)
    release = _valid(validator, package)
    assert release["tag"] == ["tender", "award", "contract", "implementation"]
    assert release["tender"]["status"] == "complete"
    assert release["tender"]["numberOfTenderers"] == 3
    [published_award] = release["awards"]
    assert published_award["status"] == "active"
    assert published_award["suppliers"][0]["name"] == award.organization.legal_name
    supplier = next(p for p in release["parties"]
                    if p["id"] == published_award["suppliers"][0]["id"])
    assert {"supplier", "tenderer", "payee"} <= set(supplier["roles"])
    assert supplier["identifier"]["id"] == award.organization.fein.replace("-", "")
    [published_contract] = release["contracts"]
    assert published_contract["awardID"] == published_award["id"]
    assert published_contract["status"] == "active"
    assert published_contract["period"]["startDate"].startswith(str(contract.start_date))
    transactions = published_contract["implementation"]["transactions"]
    assert [t["value"]["amount"] for t in transactions] == [8000.0, 9500.5]
    assert {t["payee"]["name"] for t in transactions} == {award.organization.legal_name}
    assert {t["payer"]["id"] for t in transactions} == {"agency-DCF"}
    text = json.dumps(package)
    assert "FAM-0042" not in text, "a family's reference is never published"
    assert "Agreed by the panel" not in text and "80.68" not in text, "no scores"


def test_an_award_is_published_only_once_standstill_is_over(validator, ctx, people):
    """As the public awards page says: proposed, approved, then announced to the bidders, the
    award and its awardee stay out of the public release (and no tenderer is named, no FEIN)
    until the standstill ends and the award is final."""
    world, _ = finalized(ctx)
    lot = world.rfr.lots[0]
    award = award_flow.propose(ctx, lot, world.officer, response=world.responses[RANKED[0]],
                               amount=Decimal(100000))
    names = [r.organization.legal_name for r in world.responses.values()]
    feins = [r.organization.fein.replace("-", "") for r in world.responses.values()]
    for step in ("proposed", "approved", "notified"):
        if step == "approved":
            award_flow.approve(ctx, award, world.chair)
        if step == "notified":
            award_flow.notify_lot(ctx, lot, world.officer)
        release = _valid(validator, _package(ctx, world.rfr))
        text = json.dumps(release)
        assert "awards" not in release and release["tender"]["status"] == "active", step
        assert [n for n in names + feins if n in text] == [], step
    award_flow.finalize_due(ctx, award.standstill_ends_at + timedelta(seconds=1))
    release = _valid(validator, _package(ctx, world.rfr))
    assert [a["status"] for a in release["awards"]] == ["active"]
    assert release["awards"][0]["suppliers"][0]["name"] == award.organization.legal_name
    assert "award" in release["tag"]


def test_a_cancelled_rfr(validator, ctx, people):
    officer = user(ctx, "officer")
    rfr = draft_rfr(ctx, officer)
    flow.publish(ctx, rfr, officer)
    response_flow.fire_solicitation_event(ctx, rfr, "cancel", officer,
                                          reason="The program's funding was withdrawn.",
                                          cancel_reason="funds_cut")
    release = _valid(validator, _package(ctx, rfr))
    assert release["tender"]["status"] == "cancelled"
    assert release["tag"] == ["tender", "tenderCancellation"]


def test_a_draft_is_not_exported(ctx, people):
    rfr = draft_rfr(ctx, user(ctx, "officer"))
    with pytest.raises(ocds.NotPublic):
        _package(ctx, rfr)


# ---------------------------------------------------------------- the two faces

def test_the_api_gives_the_package_to_anyone_for_a_published_rfr(validator, app, ctx, sealed):
    rfr, _, _ = sealed
    draft = draft_rfr(ctx, user(ctx, "officer"), title="Not yet")
    ctx.commit()
    http = app.test_client()
    answer = http.get(f"/api/v1/solicitations/{rfr.id}/ocds")
    assert answer.status_code == 200
    release = _valid(validator, answer.get_json())
    assert release["tender"]["tenderPeriod"]["endDate"].endswith("Z")
    assert ORG_A not in answer.get_data(as_text=True)
    assert http.get(f"/api/v1/solicitations/{draft.id}/ocds").status_code == 404
    assert http.get("/api/v1/solicitations/999999/ocds").status_code == 404


def test_the_cli_writes_the_package(validator, app, ctx, people, tmp_path):
    rfr = draft_rfr(ctx, user(ctx, "officer"))
    flow.publish(ctx, rfr, user(ctx, "officer"))
    ctx.commit()
    runner = app.test_cli_runner()
    out = tmp_path / "package.json"
    done = runner.invoke(args=["export", "ocds", rfr.number, "-o", str(out)])
    assert done.exit_code == 0, done.output
    _valid(validator, json.loads(out.read_text()))
    printed = runner.invoke(args=["export", "ocds", rfr.number])
    assert json.loads(printed.stdout)["releases"][0]["tender"]["id"] == rfr.number
    missing = runner.invoke(args=["export", "ocds", "DCF-1999-RFR-999"])
    assert missing.exit_code == 1 and "No solicitation numbered" in missing.output


def test_every_published_solicitation_of_the_demo_exports_and_validates(validator, app):
    """The demo's story, from the RFI to the awarded RFR whose contracts are drawn down: each
    published solicitation's package validates; the awarded one carries transactions, and the
    RFRs not yet past their evaluation name no bidder."""
    from procure.models import Organization, Solicitation
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo"]).exit_code == 0
    with app.app_context():
        numbers = [s.number for s in db.session.scalars(
            db.select(Solicitation).where(Solicitation.published_at.is_not(None)))]
        names = [o.legal_name for o in db.session.scalars(db.select(Organization))]
    statuses, transactions = {}, 0
    for number in numbers:
        done = runner.invoke(args=["export", "ocds", number])
        assert done.exit_code == 0, done.output
        release = _valid(validator, json.loads(done.stdout))
        statuses[number] = release["tender"]["status"]
        transactions += sum(len(c.get("implementation", {}).get("transactions", []))
                            for c in release.get("contracts", []))
        if "tenderers" not in release["tender"]:
            assert not [n for n in names if n in done.stdout], number
    assert "complete" in statuses.values() and transactions > 0, statuses
