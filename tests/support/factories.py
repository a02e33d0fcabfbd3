"""Building people and solicitations through the same use cases the service uses."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from procure import accounts, clock
from procure.models import (
    AreaOffice,
    Envelope,
    LotKind,
    Role,
    Solicitation,
    SolicitationKind,
    SupplierDiversity,
    User,
)
from procure.workflows import solicitation as flow

PASSWORD = "correct-horse-battery"
EMAILS = {
    "admin": "admin@agency.example.org",
    "officer": "officer@agency.example.org",
    "officer2": "officer2@agency.example.org",
    "panelist": "panelist@agency.example.org",
    "bidder": "ann@alpha-care.example.org",
    "bidder_colleague": "bo@alpha-care.example.org",
    "other_bidder": "cy@beta-services.example.org",
}
ORG_A = "Alpha Care Collaborative"
ORG_B = "Beta Family Services"


def make_people(session: Session) -> dict[str, User]:
    made = {}
    for key, role in [("admin", Role.admin), ("officer", Role.officer),
                      ("officer2", Role.officer), ("panelist", Role.panelist)]:
        made[key] = accounts.create_user(session, email=EMAILS[key], name=key.title(),
                                         password=PASSWORD, role=role, actor="test")
    made["bidder"] = accounts.register_organization(
        session, legal_name=ORG_A, fein="04-1111111", address="1 Elm St, Springfield MA",
        contact_phone="", diversity=SupplierDiversity.none, name="Ann Alpha",
        email=EMAILS["bidder"], password=PASSWORD)
    made["bidder_colleague"] = accounts.create_user(
        session, email=EMAILS["bidder_colleague"], name="Bo Alpha", password=PASSWORD,
        role=Role.bidder, organization=made["bidder"].organization, actor=made["bidder"])
    made["other_bidder"] = accounts.register_organization(
        session, legal_name=ORG_B, fein="04-2222222", address="2 Oak St, Boston MA",
        contact_phone="", diversity=SupplierDiversity.minority_owned, name="Cy Beta",
        email=EMAILS["other_bidder"], password=PASSWORD)
    return made


def user(session: Session, key: str) -> User:
    return session.scalar(select(User).where(User.email == EMAILS[key]))


SECTIONS = [("Organizational Capacity", ["Agency Capacity"], 5),
            ("Program Design", ["Service Delivery Approach"], 10),
            ("Budget", ["Cost Proposal"], 3)]


def draft_rfr(session: Session, officer: User, *, days_open: int = 40,
              number: str | None = None, title: str = "Lead agencies for the Western region") -> Solicitation:
    """A complete RFR draft: publishable as it stands."""
    deadline = clock.now() + timedelta(days=days_open)
    row = flow.create(session, officer, kind=SolicitationKind.RFR, agencies=["DCF"],
                      number=number, title=title, description="Area-based lead agencies.",
                      deadline=deadline)
    areas = session.scalars(select(AreaOffice).order_by(AreaOffice.name)).all()
    flow.add_lot(session, row, officer, kind=LotKind.lead_agency, title="Lead agency: Holyoke",
                 estimated_annual_value=Decimal("100000"), area_office_ids=[areas[0].id])
    flow.add_lot(session, row, officer, kind=LotKind.lead_agency,
                 title="Lead agency: joined areas", estimated_annual_value=Decimal("200000"),
                 area_office_ids=[areas[1].id, areas[2].id])
    for title, aliases, limit in SECTIONS:
        flow.add_section(session, row, officer, title=title, aliases=aliases, page_limit=limit)
    flow.add_criterion(session, row, officer, name="Program design", weight=60, max_points=10)
    flow.add_criterion(session, row, officer, name="Cost", weight=40, max_points=10,
                       envelope=Envelope.price)
    return row


def published_rfr(session: Session, officer: User, **kwargs) -> Solicitation:
    row = draft_rfr(session, officer, **kwargs)
    flow.publish(session, row, officer)
    return row


def response_ready_to_submit(session: Session, bidder: User, lot, store_dir):
    """The bidder's response to a lot with one stored document already read: ready to submit."""
    import io

    from procure.models import DocumentKind, IntakeStatus
    from procure.storage import LocalStore
    from procure.workflows import response as response_flow
    from procure.workflows.base import Uploads
    from tests.support.pdfs import complete_response
    row = response_flow.start(session, bidder, lot)
    uploads = Uploads(store=LocalStore(store_dir), max_bytes=10**7, max_files=5)
    document = response_flow.upload_document(session, row, bidder,
                                             stream=io.BytesIO(complete_response()),
                                             filename="p.pdf", kind=DocumentKind.narrative,
                                             uploads=uploads)
    document.intake_status = IntakeStatus.parsed
    document.record = {"pages": 1, "sections": [], "problems": []}
    session.flush()
    return row
