"""An RFR past its opening with accepted responses, and a panel over it: built through the
same use cases the service uses (responses read by the real intake, deadline moved by the
clock)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import timedelta

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
from tests.support.factories import PASSWORD, published_rfr, user
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


def opened_rfr(session: Session, *, accept: bool = True) -> Evaluation:
    """Three bidders respond to lot 1; the deadline passes, the officer opens and accepts."""
    officer = user(session, "officer")
    rfr = published_rfr(session, officer)
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
        session.refresh(response)
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
