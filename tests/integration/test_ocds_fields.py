"""The OCDS release, field by field (issue 22: mutation showed the schema tests let a renamed
optional key, a dropped value, the RFI's own statuses and the choice of which events date a
release pass unnoticed; the schema allows a missing optional field and an extra one).

Each test pins what a reader of the open-contracting data sees, exactly: the tender of a
published RFR with everything an RFR can carry (an RFI that informed it, a document, an
addendum, an answered and an unanswered question, a bidders' conference, weighted criteria);
an RFI's own release, published and withdrawn; a tender cancelled for want of responses; and
which events give the release a new date (what the public can see change) and which do not
(what happens out of its sight)."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import time_machine

from procure import clock, ocds
from procure.models import RateType, SolicitationKind
from procure.storage import LocalStore
from procure.workflows import award as award_flow
from procure.workflows import contract as contract_flow
from procure.workflows import response as response_flow
from procure.workflows import solicitation as flow
from procure.workflows.base import Uploads
from tests.integration.test_ocds import _valid, validator  # noqa: F401
from tests.support.award import RANKED, finalized
from tests.support.factories import draft_rfr, published_rfr, response_ready_to_submit, user
from tests.support.pdfs import complete_response

BASE = "https://procure.example.org"


def _release(session, row) -> dict:
    return ocds.release_package(session, row, base_url=BASE)["releases"][0]


def _moment(value) -> str:
    return ocds._moment(value)


def _rich_rfr(session, tmp_path):
    """An RFR informed by a published RFI, with a document, a conference, an addendum, a
    question answered and one not: every part of the tender filled in."""
    officer = user(session, "officer")
    uploads = Uploads(store=LocalStore(tmp_path / "store"), max_bytes=10**7, max_files=5)
    rfi = flow.create(session, officer, kind=SolicitationKind.RFI, agencies=["DCF"],
                      title="Network services models", description="Tell us how.",
                      deadline=clock.now() + timedelta(days=20))
    rfi_notes = flow.upload_document(session, rfi, officer, stream=io.BytesIO(complete_response()),
                                     filename="models.pdf", title="Program models", uploads=uploads)
    flow.publish(session, rfi, officer)
    rfr = draft_rfr(session, officer)
    conference = clock.now().replace(microsecond=0) + timedelta(days=10)
    flow.update(session, rfr, officer, informed_by_id=rfi.id, conference_at=conference,
                conference_location="  600 Washington St, Boston  ",
                contract_start=date(clock.today().year + 1, 7, 1))
    notice = flow.upload_document(session, rfr, officer, stream=io.BytesIO(complete_response()),
                                  filename="rfr.pdf", title="The RFR", uploads=uploads)
    flow.publish(session, rfr, officer)
    addendum = flow.publish_addendum(session, rfr, officer, title="Clarified lot 2",
                                     body="Lot 2 covers both joined areas.")
    flow.upload_document(session, rfr, officer, stream=io.BytesIO(complete_response()),
                         filename="map.pdf", title="Map of lot 2", uploads=uploads,
                         addendum=addendum)
    bidder = user(session, "bidder")
    answered = flow.ask_question(session, rfr, bidder, "May we bid on both lots?")
    flow.answer_question(session, answered, officer, "Yes.")
    flow.ask_question(session, rfr, bidder, "Is there a page limit for annexes?")
    session.commit()
    return rfr, rfi, rfi_notes, notice, addendum


def test_a_published_rfrs_tender_planning_and_related_process_field_by_field(
        validator, ctx, people, tmp_path):
    rfr, rfi, rfi_notes, notice, addendum = _rich_rfr(ctx, tmp_path)
    release = _valid(validator, ocds.release_package(ctx, rfr, base_url=BASE + "/"))
    url = f"{BASE}/solicitations/{rfr.id}/documents/{notice.id}"
    [_, annex] = rfr.documents
    assert release["tender"] == {
        "id": rfr.number, "title": rfr.title, "description": "Area-based lead agencies.",
        "status": "active",
        "procuringEntity": {"id": "agency-DCF", "name": rfr.agencies[0].name},
        "items": [{"id": str(lot.number), "description": ocds._lot_description(lot)}
                  for lot in rfr.lots],
        "value": {"amount": 300000.0, "currency": "USD"},
        "procurementMethod": "open", "procurementMethodDetails": "Request for Responses",
        "mainProcurementCategory": "services", "submissionMethod": ["electronicSubmission"],
        "tenderPeriod": {"startDate": _moment(rfr.published_at),
                         "endDate": _moment(rfr.deadline)},
        "enquiryPeriod": {"startDate": _moment(rfr.published_at),
                          "endDate": _moment(rfr.questions_due)},
        "hasEnquiries": True,
        # July 1 begins at the agency's midnight (Eastern, daylight time): 04:00 UTC
        "contractPeriod": {"startDate": f"{rfr.contract_start.isoformat()}T04:00:00Z"},
        "documents": [{"id": str(notice.id), "documentType": "biddingDocuments",
                       "title": "The RFR", "url": url,
                       "datePublished": _moment(notice.uploaded_at),
                       "format": "application/pdf", "language": "en"},
                      {"id": str(annex.id), "documentType": "clarifications",
                       "title": "Map of lot 2",
                       "url": f"{BASE}/solicitations/{rfr.id}/documents/{annex.id}",
                       "datePublished": _moment(annex.uploaded_at),
                       "format": "application/pdf", "language": "en"}],
        "milestones": [{"id": "bidders-conference", "title": "Bidders' conference",
                        "type": "engagement", "dueDate": _moment(rfr.conference_at),
                        "description": "600 Washington St, Boston"}],
        "amendments": [{"id": "1", "date": _moment(addendum.published_at),
                        "rationale": addendum.title, "description": addendum.body}],
        "awardCriteria": "ratedCriteria",
        "awardCriteriaDetails": "Program design (60%); Cost (40%)",
    }
    assert rfr.questions_due is not None
    assert release["planning"] == {
        "budget": {"description": "Estimated annual value of the lots",
                   "amount": {"amount": 300000.0, "currency": "USD"}},
        "rationale": (f"Informed by {rfi.number}, {rfi.title}: providers' comments on the "
                      "program models."),
        "documents": [
            {"id": f"{rfi.number}-notice", "documentType": "plannedProcurementNotice",
             "title": f"{rfi.number}: {rfi.title}", "url": f"{BASE}/solicitations/{rfi.id}",
             "datePublished": _moment(rfi.published_at), "language": "en"},
            {"id": str(rfi_notes.id), "documentType": "marketStudies",
             "title": "Program models",
             "url": f"{BASE}/solicitations/{rfi.id}/documents/{rfi_notes.id}",
             "datePublished": _moment(rfi_notes.uploaded_at), "format": "application/pdf",
             "language": "en"}]}
    assert release["relatedProcesses"] == [{
        "id": "1", "relationship": ["planning"], "title": rfi.title, "scheme": "ocid",
        "identifier": f"ocds-procure-{rfi.number}", "uri": f"{BASE}/solicitations/{rfi.id}"}]
    assert release["parties"] == [{"id": "agency-DCF", "name": rfr.agencies[0].name,
                                   "roles": ["buyer", "procuringEntity"]}]
    assert release["buyer"] == {"id": "agency-DCF", "name": rfr.agencies[0].name}
    assert (release["initiationType"], release["language"]) == ("tender", "en")
    assert release["tag"] == ["planning", "tender"]
    # dated by its last public change: the answer, after the addendum
    assert release["date"] == _moment(rfr.questions[0].answered_at)


def test_a_tender_of_several_agencies_names_the_first_as_procuring_and_each_as_buyer(
        validator, ctx, people):
    officer = user(ctx, "officer")
    rfr = draft_rfr(ctx, officer)
    flow.update(ctx, rfr, officer, agencies=["DCF", "DMH"])
    flow.publish(ctx, rfr, officer)
    ctx.commit()
    release = _valid(validator, ocds.release_package(ctx, rfr, base_url=BASE))
    first, second = rfr.agencies
    assert release["tender"]["procuringEntity"] == {"id": f"agency-{first.code}",
                                                    "name": first.name}
    assert release["parties"] == [
        {"id": f"agency-{first.code}", "name": first.name, "roles": ["buyer", "procuringEntity"]},
        {"id": f"agency-{second.code}", "name": second.name, "roles": ["buyer"]}]
    assert release["tender"]["hasEnquiries"] is False
    assert "milestones" not in release["tender"], "no conference, no milestone"
    assert "contractPeriod" not in release["tender"], "no contract start was set"


def test_an_rfis_own_release_is_planning_then_withdrawn_when_cancelled(validator, app, ctx,
                                                                         people):
    officer = user(ctx, "officer")
    rfi = flow.create(ctx, officer, kind=SolicitationKind.RFI, agencies=["DCF"],
                      title="Network services models", deadline=clock.now() + timedelta(days=20))
    flow.publish(ctx, rfi, officer)
    ctx.commit()
    release = _valid(validator, ocds.release_package(ctx, rfi, base_url=BASE))
    assert release["tag"] == ["planning"]
    assert release["tender"]["status"] == "planning"
    assert release["tender"]["procurementMethodDetails"] == "Request for Information"
    assert "awardCriteria" not in release["tender"] and "items" not in release["tender"]
    with time_machine.travel(clock.now() + timedelta(days=1)):
        flow.cancel(ctx, rfi, officer, "no_need", "The models are settled.")
        ctx.commit()
        withdrawn = _valid(validator, ocds.release_package(ctx, rfi, base_url=BASE))
    assert withdrawn["tender"]["status"] == "withdrawn"
    assert withdrawn["tag"] == ["planning", "tenderCancellation"]


def test_a_tender_cancelled_for_want_of_responses_is_unsuccessful(validator, ctx, people):
    officer = user(ctx, "officer")
    rfr = published_rfr(ctx, officer)
    with time_machine.travel(rfr.deadline + timedelta(seconds=31)):
        response_flow.close_due(ctx)
        ctx.commit()
    with time_machine.travel(rfr.deadline + timedelta(days=2)):
        response_flow.fire_solicitation_event(ctx, rfr, "cancel", officer,
                                              reason="Nobody responded.",
                                              cancel_reason="no_responses")
        ctx.commit()
        release = _valid(validator, ocds.release_package(ctx, rfr, base_url=BASE))
    assert release["date"] == _moment(rfr.deadline + timedelta(days=2)), "dated by the cancel"
    assert release["tender"]["status"] == "unsuccessful"
    assert release["tag"] == ["tender", "tenderCancellation"]
    [details] = [d for d in release["tender"]["documents"]
                 if d["documentType"] == "cancellationDetails"]
    assert details == {"id": f"{rfr.number}-cancellation", "documentType": "cancellationDetails",
                       "title": "Cancelled: No responses, or none responsive",
                       "description": "Nobody responded.", "datePublished": release["date"],
                       "language": "en"}


def test_what_the_public_sees_change_dates_the_release_and_nothing_else_does(validator, ctx,
                                                                                people):
    """Out of the public's sight (an award proposed once the RFR is awarding, an approval, a
    contract in drafting, an encumbrance) the release keeps its date; the RFR's own moves, the
    award's announcement and finality, the signing, the start and a payment each date it anew."""
    world, _ = finalized(ctx)
    rfr, officer = world.rfr, world.officer
    dated = _release(ctx, rfr)["date"]
    assert dated == _moment(rfr.opened_at), "the opening was its last public change"
    lot = rfr.lots[0]
    opened = rfr.opened_at
    step = opened if opened.tzinfo is not None else opened.replace(tzinfo=UTC)   # the world's time

    def later(hours: int = 1):
        nonlocal step
        step += timedelta(hours=hours)
        return time_machine.travel(step)

    with later():
        award = award_flow.propose(ctx, lot, officer, response=world.responses[RANKED[0]],
                                   amount=Decimal(100000))
        ctx.commit()
    awarding = _release(ctx, rfr)["date"]
    assert rfr.status.name == "awarding" and awarding == _moment(step), (
        "the first proposal moves the RFR into awarding, which its public page shows")
    with later():
        award_flow.approve(ctx, award, world.chair)
        ctx.commit()
    assert _release(ctx, rfr)["date"] == awarding, "an approval is not public"
    with later():
        award_flow.notify_lot(ctx, lot, officer)
        ctx.commit()
    assert _release(ctx, rfr)["date"] == _moment(step), "the announcement is dated"
    step = award.standstill_ends_at + timedelta(seconds=1)
    with time_machine.travel(step):
        award_flow.finalize_due(ctx, clock.now())
        ctx.commit()
        finished = _release(ctx, rfr)
    assert finished["date"] == _moment(award.final_at), "the award made final is public"
    assert [a["status"] for a in finished["awards"]] == ["active"]
    start = date(clock.today().year + 1, 7, 1)
    with later():
        contract = contract_flow.create(
            ctx, award, officer, start_date=start, end_date=date(start.year + 1, 6, 30),
            rate_type=RateType.per_diem,
            rates=[contract_flow.Rate("Family support", RateType.per_diem, Decimal("180"))],
            measures=[contract_flow.Measure("Permanency within 12 months", "40%")])
        ctx.commit()
    assert _release(ctx, rfr)["date"] == finished["date"], "a contract in drafting is not public"
    with later():
        contract_flow.fire(ctx, contract, "sign", officer)
        ctx.commit()
    signed = _release(ctx, rfr)
    assert signed["date"] == _moment(contract.signed_at), "the signing is public"
    with later():
        encumbrance = contract_flow.encumber(ctx, contract, officer,
                                             fiscal_year_=contract_flow.fiscal_year(start),
                                             amount=Decimal("50000"))
        ctx.commit()
    assert _release(ctx, rfr)["date"] == signed["date"], "an encumbrance is not public"
    day = start + timedelta(days=10)
    with time_machine.travel(datetime(day.year, day.month, day.day, 20, tzinfo=UTC)):
        contract_flow.fire(ctx, contract, "activate", officer, today=start)
        ctx.commit()
        active = _release(ctx, rfr)
        assert active["date"] == _moment(contract.activated_at), "the start is public"
    with time_machine.travel(datetime(day.year, day.month, day.day, 21, tzinfo=UTC)):
        payment = contract_flow.draw_down(ctx, encumbrance, officer, service_date=day,
                                          amount=Decimal("800"), service="Family support")
        ctx.commit()
        paid = _release(ctx, rfr)
    assert paid["date"] == _moment(payment.recorded_at) != active["date"], "a payment is public"


def test_before_the_opening_an_answer_dates_the_release_a_question_submission_or_close_not(
        validator, ctx, people, tmp_path):
    officer = user(ctx, "officer")
    rfr = published_rfr(ctx, officer)
    ctx.commit()
    published = _release(ctx, rfr)["date"]
    assert published == _moment(rfr.published_at)
    bidder = user(ctx, "bidder")
    with time_machine.travel(clock.now() + timedelta(hours=1)):
        question = flow.ask_question(ctx, rfr, bidder, "May we bid on both lots?")
        response = response_ready_to_submit(ctx, bidder, rfr.lots[0], tmp_path)
        response_flow.fire(ctx, response, "submit", bidder)
        response_flow.start(ctx, user(ctx, "other_bidder"), rfr.lots[0])   # never submitted
        ctx.commit()
    assert _release(ctx, rfr)["date"] == published, "a question and a submission are sealed"
    with time_machine.travel(clock.now() + timedelta(hours=2)):
        flow.answer_question(ctx, question, officer, "Yes.")
        ctx.commit()
    answered = _release(ctx, rfr)
    assert answered["date"] == _moment(question.answered_at) != published
    assert answered["tender"]["hasEnquiries"] is True
    with time_machine.travel(rfr.deadline + timedelta(seconds=31)):
        response_flow.close_due(ctx)
        ctx.commit()
        assert rfr.status.name == "closed"
        assert _release(ctx, rfr)["date"] == answered["date"], "the close shows nothing new"
    with time_machine.travel(rfr.deadline + timedelta(hours=1)):
        response_flow.open_responses(ctx, rfr, officer)
        ctx.commit()
        opened = _release(ctx, rfr)
    assert opened["date"] == _moment(rfr.opened_at)
    assert opened["tender"]["numberOfTenderers"] == 1, "the draft never submitted is not one"
