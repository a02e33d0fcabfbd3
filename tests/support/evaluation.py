"""An RFR past its opening with accepted responses, and a panel over it: built through the
same use cases the service uses (responses read by the real intake, deadline moved by the
clock)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import time_machine
from flask import current_app
from sqlalchemy.orm import Session

from procure import accounts
from procure.intake import jobs
from procure.storage import store_from_config
from procure.models import (
    DocumentKind,
    MemberKind,
    Panel,
    Response,
    Role,
    Solicitation,
    SupplierDiversity,
    User,
)
from procure.workflows import evaluation as evaluation_flow
from procure.workflows import response as response_flow
from procure.workflows import solicitation as flow
from tests.support.factories import PASSWORD, draft_rfr, user
from tests.support.pdfs import pdf_with_sections

ORG_C = "Gamma Youth Partners"
PRICES = {"bidder": "100,000.00", "other_bidder": "80,000.00", "third_bidder": "120,000.00"}


def proposal(org: str, total: str) -> bytes:
    return pdf_with_sections(
        ["Organization Name: " + org, "Lot: 1", f"Total Price: ${total}"],
        ["1. Organizational Capacity", f"{org} has run lead-agency functions since 1998."],
        ["2. Program Design", "Case planning teams meet weekly at the area office."],
        ["3. Budget", "Lead agency staff    $" + total, "Total    $" + total],
    )


@dataclass
class Evaluation:
    rfr: Solicitation
    responses: dict[str, Response]      # "bidder", "other_bidder", "third_bidder"
    officer: User
    chair: User
    evaluator: User
    family: User


def third_bidder(session: Session) -> User:
    return accounts.register_organization(
        session, legal_name=ORG_C, fein="04-3333333", address="3 Pine St, Worcester MA",
        contact_phone="", diversity=SupplierDiversity.none, name="Di Gamma",
        email="di@gamma-youth.example.org", password=PASSWORD)


def opened_rfr(session: Session, *, accept: bool = True,
               rates: dict[str, Any] | None = None,
               criteria: list[tuple[str, int, int]] | None = None,
               attachment: bytes | None = None) -> Evaluation:
    """Three bidders respond to lot 1; the deadline passes, the officer opens and accepts.
    `rates`: {"lines": [(service, RateUnit, projected units)], "bidder": ("250", ...), ...}: a
    rate card published with the RFR, each bidder's rates entered before submitting.
    `criteria`: (name, weight, max points) technical criteria in place of the usual ones.
    `attachment`: a PDF each bidder adds as an attachment."""
    officer = user(session, "officer")
    rfr = draft_rfr(session, officer)
    if criteria is not None:
        for criterion in list(rfr.criteria):
            flow.remove_part(session, rfr, officer, criterion)
        for name, weight, max_points in criteria:
            flow.add_criterion(session, rfr, officer, name=name, weight=weight,
                               max_points=max_points)
    lines = [evaluation_flow.add_rate_line(session, rfr, officer, service=service, unit=unit,
                                           projected_units=units)
             for service, unit, units in (rates or {}).get("lines", [])]
    flow.publish(session, rfr, officer)
    bidders = {"bidder": user(session, "bidder"), "other_bidder": user(session, "other_bidder"),
               "third_bidder": third_bidder(session)}
    store = store_from_config(current_app.config)
    responses = {}
    for key, bidder in bidders.items():
        response = response_flow.start(session, bidder, rfr.lots[0])
        stored = store.put(io.BytesIO(proposal(bidder.organization.legal_name, PRICES[key])))
        document = response_flow.add_document(
            session, response, bidder, kind=DocumentKind.narrative, filename=f"{key}.pdf",
            stored=stored, max_files=20)
        session.commit()
        jobs.run(document.id)
        if attachment is not None:
            extra = response_flow.add_document(
                session, response, bidder, kind=DocumentKind.attachment,
                filename=f"{key}-letter.pdf", stored=store.put(io.BytesIO(attachment)),
                max_files=20)
            session.commit()
            jobs.run(extra.id)
        session.refresh(response)
        if lines:
            evaluation_flow.set_proposed_rates(session, response, bidder, {
                line.id: Decimal(rate) for line, rate in zip(lines, rates[key], strict=True)})
        response_flow.fire(session, response, "submit", bidder)
        responses[key] = response
    session.commit()
    with time_machine.travel(rfr.deadline + timedelta(seconds=31)):
        response_flow.close_due(session)
        response_flow.open_responses(session, rfr, officer)
        if accept:
            for response in responses.values():
                response_flow.fire(session, response, "accept", officer)
        session.commit()
    return Evaluation(rfr=rfr, responses=responses, officer=officer,
                      chair=user(session, "officer2"), evaluator=user(session, "panelist"),
                      family=accounts.create_user(
                          session, email="parent@families.example.org", name="Pat Parent",
                          password=PASSWORD, role=Role.panelist, actor="test"))


def formed_panel(session: Session, world: Evaluation) -> Panel:
    """A panel on lot 1: an officer chairs it, a panelist and a family representative score."""
    panel = evaluation_flow.create_panel(session, world.rfr, world.officer, name="Lot 1 panel",
                                         lots=[world.rfr.lots[0]])
    evaluation_flow.add_member(session, panel, world.officer, user=world.chair,
                               kind=MemberKind.agency_staff, chair=True)
    evaluation_flow.add_member(session, panel, world.officer, user=world.evaluator,
                               kind=MemberKind.external_reviewer)
    evaluation_flow.add_member(session, panel, world.officer, user=world.family,
                               kind=MemberKind.family_representative)
    return panel


def declare_none(session: Session, panel: Panel, *members: User) -> None:
    for member in members:
        for org in evaluation_flow.bidders_of(panel):
            evaluation_flow.declare(session, panel, member, organization_id=org.id,
                                    has_conflict=False)


def scoring_panel(session: Session, world: Evaluation) -> Panel:
    """The formed panel past its declarations (no conflict), scoring: every member has a
    scoresheet for every response."""
    panel = formed_panel(session, world)
    evaluation_flow.fire(session, panel, "begin_declarations", world.officer)
    declare_none(session, panel, world.chair, world.evaluator, world.family)
    evaluation_flow.fire(session, panel, "begin_scoring", world.chair)
    return panel


def submit_all(session: Session, panel: Panel, points: int = 6) -> None:
    """Every member scores the first technical criterion and submits; consensus begins."""
    technical = evaluation_flow.technical_criteria(panel)[0]
    for sheet in evaluation_flow.live_scoresheets(panel):
        evaluation_flow.save_scores(session, sheet, sheet.member.user,
                                    {technical.id: (Decimal(points), "Sound.")})
        evaluation_flow.submit(session, sheet, sheet.member.user)
    evaluation_flow.fire(session, panel, "begin_consensus", panel.chair.user)


def agree_technical(session: Session, panel: Panel, points: int = 6) -> None:
    """The chair records the technical consensus for every response (price then opens)."""
    technical = evaluation_flow.technical_criteria(panel)[0]
    for response in evaluation_flow.responses_of(panel):
        evaluation_flow.record_consensus(session, panel, panel.chair.user, response=response,
                                         criterion=technical, points=Decimal(points),
                                         rationale="Agreed.")
