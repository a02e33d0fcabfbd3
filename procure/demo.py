"""The demo story (`procure demo`, run by `make run`), built through the same use cases people use.

2005: the network-services RFI closed in September with providers' comments. Now: an RFR for
area-based lead agencies (the 29 areas as lots, some joined) and regional resource centers (one
per region), published, with an addendum and answered questions; a joint DCF/DMH draft for the
residential redesign services; users for every role."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from procure import accounts, clock
from procure.extensions import db
from procure.models import (
    AreaOffice,
    Envelope,
    LotKind,
    Region,
    Role,
    SolicitationKind,
    SupplierDiversity,
    User,
)
from procure.workflows import response as response_flow
from procure.workflows import solicitation as flow

PASSWORD = "procure-demo-2026"

PEOPLE = [
    ("admin@agency.example.org", "Alex Admin", Role.admin, None),
    ("officer@agency.example.org", "Pat Okafor", Role.officer, None),
    ("officer2@agency.example.org", "Sam Rivera", Role.officer, None),
    ("panelist@agency.example.org", "Jordan Lee (parent representative)", Role.panelist, None),
]

PROVIDERS = [
    ("Bridgeways Family Services, Inc.", "04-2103345", "12 Main Street, Springfield, MA 01103",
     SupplierDiversity.none, "bidder@bridgeways.example.org", "Morgan Blake"),
    ("Harbor Light Community Partners", "04-3310987", "400 Harbor Road, Boston, MA 02127",
     SupplierDiversity.minority_owned, "bidder@harborlight.example.org", "Dana Chen"),
    ("Pioneer Valley Youth Network", "04-2877120", "55 Elm Street, Holyoke, MA 01040",
     SupplierDiversity.women_owned, "bidder@pioneervalley.example.org", "Riley Santos"),
]

USERS_FOR_PRINT = [(email, role.value, "") for email, _, role, _ in PEOPLE] + [
    (email, Role.bidder.value, org) for org, _, _, _, email, _ in PROVIDERS]

# Area offices joined under one lead-agency contract: 29 service areas, 18 lead-agency lots
# (as in the Family-Based Services Initiative).
JOINED = [("Greenfield", "Pittsfield"), ("Holyoke", "Robert Van Wart"),
          ("Leominster", "Worcester West"), ("Haverhill", "Lawrence"), ("Lynn", "Salem"),
          ("Arlington", "Waltham"), ("Cambridge", "Malden"), ("Hyde Park", "Dimock Street"),
          ("Harbor", "Park Street"), ("Brockton", "Fall River"), ("Plymouth", "Taunton")]

LEAD_AGENCY_FUNDING = Decimal("100000")   # per service area per year


def _at(year: int, month: int, day: int, hour: int = 12) -> datetime:
    return clock.from_local(datetime(year, month, day, hour))


def load() -> bool:
    """Load the story once; False when it is already there."""
    session = db.session
    if session.scalar(select(User.id).where(User.email == PEOPLE[1][0])):
        return False
    staff = {}
    for email, name, role, _ in PEOPLE:
        staff[role] = staff.get(role) or accounts.create_user(
            session, email=email, name=name, password=PASSWORD, role=role, actor="demo")
    officer = session.scalar(select(User).where(User.email == PEOPLE[1][0]))
    bidders = []
    for legal_name, fein, address, diversity, email, name in PROVIDERS:
        bidders.append(accounts.register_organization(
            session, legal_name=legal_name, fein=fein, address=address,
            contact_phone="617-555-0100", diversity=diversity, name=name, email=email,
            password=PASSWORD))
    _rfi_2005(officer, bidders)
    _lead_agency_rfr(officer, bidders)
    _residential_redesign_draft(officer)
    session.commit()
    return True


def _rfi_2005(officer: User, bidders: list[User]) -> None:
    session = db.session
    with clock.pinned(_at(2005, 8, 1, 9)):
        rfi = flow.create(
            session, officer, kind=SolicitationKind.RFI, agencies=["DCF"],
            number="DCF-2005-RFI-001",
            title="Family Networks: program models for network services",
            description=("The Department asks providers, families and the public for input on "
                         "program models for network services delivered in lead agencies' "
                         "local networks: per diem, hourly and case-rate payment, and how "
                         "services draw down an area's open order encumbrance.\n\n"
                         "Responses are comments, not bids."),
            deadline=_at(2005, 9, 30, 17))
        flow.publish(session, rfi, officer)
    comments = [
        "Case rates work for Commonworks; for family stabilization we ask for a blend of case "
        "rate and flexible funds so families do not have to tell their story again.",
        "Please keep room for small community-based agencies in the networks: capacity-building "
        "support for minority-owned providers would widen the pool.",
        "Respite and short-term placement need an hourly rate; per diem does not fit.",
    ]
    for day, (bidder, text) in enumerate(zip(bidders, comments), start=5):
        with clock.pinned(_at(2005, 9, day, 10)):
            flow.comment_on_rfi(session, rfi, bidder, text)
    with clock.pinned(_at(2005, 10, 1, 0)):
        response_flow.close_due(session)


def _lead_agency_rfr(officer: User, bidders: list[User]) -> None:
    session = db.session
    now = clock.now()
    published_at = now - timedelta(days=20)
    deadline = clock.from_local(datetime.combine(clock.local(now + timedelta(days=24)).date(),
                                                 datetime.min.time()).replace(hour=14))
    year = clock.local(deadline).year
    with clock.pinned(published_at - timedelta(days=5)):
        rfr = flow.create(
            session, officer, kind=SolicitationKind.RFR, agencies=["DCF", "DMH"],
            number=f"DCF-{year}-RFR-001",
            title="Area-based lead agencies and regional resource centers",
            description=(
                "The Departments jointly design, price and procure a system of care for "
                "children and families. Each area-based lead agency takes part in case-planning "
                "teams, gatekeeping and utilization review, builds and manages its area's network "
                "of providers, monitors quality and seeks third-party reimbursement; its staff "
                "sit on-site at the area office. Each regional resource center serves special "
                "populations too small for one area office and brokers services across its "
                "region.\n\nLead-agency functions are funded at $100,000 per service area per "
                "year. Some area offices are joined under one contract. Contracts are "
                "performance-based, measured on permanency, stability and children supported "
                "in their families without removal."),
            questions_due=deadline - timedelta(days=12),
            conference_at=published_at + timedelta(days=7, hours=2),
            conference_location="Department of Children and Families, 600 Washington Street, Boston",
            deadline=deadline, expected_award=(deadline + timedelta(days=60)).date(),
            contract_start=date(year + 1 if clock.local(deadline).month >= 5 else year, 7, 1))
        areas = {a.name: a for a in session.scalars(select(AreaOffice))}
        joined = {name for pair in JOINED for name in pair}
        groups = [list(pair) for pair in JOINED] + [[n] for n in sorted(areas) if n not in joined]
        groups.sort(key=lambda g: g[0])
        for group in groups:
            flow.add_lot(session, rfr, officer, kind=LotKind.lead_agency,
                         title="Lead agency: " + " and ".join(group),
                         estimated_annual_value=LEAD_AGENCY_FUNDING * len(group),
                         area_office_ids=[areas[n].id for n in group])
        for region in session.scalars(select(Region).order_by(Region.name)):
            flow.add_lot(session, rfr, officer, kind=LotKind.resource_center,
                         title=f"Regional resource center: {region.name}",
                         estimated_annual_value=Decimal("350000"), region_id=region.id)
        for title, aliases, limit in [
                ("Organizational Capacity", ["Agency Capacity", "Organization"], 5),
                ("Program Design", ["Service Delivery Approach", "Program Model"], 10),
                ("Network Management", ["Provider Network"], 6),
                ("Quality and Performance Measures", ["Quality Management", "Outcomes"], 4),
                ("Budget", ["Budget Narrative", "Cost Proposal"], 3)]:
            flow.add_section(session, rfr, officer, title=title, aliases=aliases, page_limit=limit)
        for name, weight, envelope, text in [
                ("Program design", 30, Envelope.technical,
                 "Case planning, gatekeeping and utilization review; continuity for families."),
                ("Network management", 20, Envelope.technical,
                 "Building a broad local network, including community-based and minority-owned "
                 "providers."),
                ("Organizational capacity", 15, Envelope.technical, "Staff, governance, finances."),
                ("Quality and outcomes", 15, Envelope.technical,
                 "Permanency, stability, children supported in their families."),
                ("Cost", 20, Envelope.price, "Administrative cost against the area's budget.")]:
            flow.add_criterion(session, rfr, officer, name=name, weight=weight, max_points=10,
                               description=text, envelope=envelope)
    with clock.pinned(published_at):
        flow.publish(session, rfr, officer)
    questions = [
        (bidders[0], "May one organisation respond to both a lead-agency lot and the regional "
                     "resource center lot of the same region?",
         "Yes. Submit a separate response for each lot; each is evaluated on its own."),
        (bidders[1], "Is the $100,000 per service area the whole lead-agency budget, or only "
                     "the administrative functions?",
         "It funds the lead-agency functions only. Service budgets are assigned to each area "
         "separately and drawn down through the open order encumbrance."),
        (bidders[2], "Do joined area offices need one on-site team or one per office?", None),
    ]
    for i, (bidder, question, answer) in enumerate(questions):
        with clock.pinned(published_at + timedelta(days=2 + i)):
            q = flow.ask_question(session, rfr, bidder, question)
        if answer:
            with clock.pinned(published_at + timedelta(days=6 + i)):
                flow.answer_question(session, q, officer, answer)
    with clock.pinned(published_at + timedelta(days=10)):
        response_flow.publish_addendum(
            session, rfr, officer, title="Budget form clarified; deadline extended one week",
            body="The budget section must show lead-agency functions separately from "
                 "network-development costs. The submission deadline moves one week later.",
            new_deadline=deadline + timedelta(days=7))


def _residential_redesign_draft(officer: User) -> None:
    session = db.session
    year = clock.local(clock.now()).year
    rfr = flow.create(
        session, officer, kind=SolicitationKind.RFR, agencies=["DCF", "DMH"],
        number=f"DMH-{year}-RFR-002",
        title="Residential redesign: Follow Along, Stepping Out, Continuum, Family Partners",
        description="Draft. The joint DCF/DMH redesign of residential services adds four services.",
        deadline=clock.now() + timedelta(days=45))
    areas = list(session.scalars(select(AreaOffice).order_by(AreaOffice.name)))[:4]
    for code, name in [("follow_along", "Follow Along"), ("stepping_out", "Stepping Out"),
                       ("continuum", "Continuum"), ("family_partners", "Family Partners")]:
        flow.add_lot(session, rfr, officer, kind=LotKind.network_services,
                     title=f"{name} network services", service_model_code=code,
                     area_office_ids=[a.id for a in areas], estimated_annual_value=Decimal("750000"),
                     max_awards=3)


