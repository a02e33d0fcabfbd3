"""The demo story (`procure demo`, run by `make run`), built through the same use cases people use.

2005: the network-services RFI closed in September with providers' comments. Now: an RFR for
area-based lead agencies (the 29 areas as lots, some joined) and regional resource centers (one
per region), published, with an addendum and answered questions; a joint DCF/DMH draft for the
residential redesign services; users for every role."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from procure import accounts, clock
from procure.extensions import db
from procure.models import (
    AreaOffice,
    DocumentKind,
    Envelope,
    LotKind,
    Region,
    Role,
    Solicitation,
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
    ("panelist@agency.example.org", "Jordan Lee", Role.panelist, None),
    ("reviewer@agency.example.org", "Casey Nguyen", Role.panelist, None),
    # A third officer, on no panel: with officer2 chairing the blind family-support panel, the
    # award (proposed by one officer, approved by another) never needs the administrator.
    ("officer3@agency.example.org", "Robin Alvarez", Role.officer, None),
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
    for email, name, role, _ in PEOPLE:
        accounts.create_user(session, email=email, name=name, password=PASSWORD, role=role,
                             actor="demo")
    officer = session.scalar(select(User).where(User.email == PEOPLE[1][0]))
    bidders = []
    for legal_name, fein, address, diversity, email, name in PROVIDERS:
        bidders.append(accounts.register_organization(
            session, legal_name=legal_name, fein=fein, address=address,
            contact_phone="617-555-0100", diversity=diversity, name=name, email=email,
            password=PASSWORD))
    rfi = _rfi_2005(officer, bidders)
    _lead_agency_rfr(officer, bidders, rfi)
    _family_based_services_closed(officer, bidders)
    _residential_redesign_draft(officer, rfi)
    _family_support_in_evaluation(officer, bidders)
    _respite_opened_no_panel(officer, bidders)
    _western_lead_agencies_awarded(officer, bidders)
    session.commit()
    return True


def _rfi_2005(officer: User, bidders: list[User]) -> Solicitation:
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
    return rfi


def _lead_agency_rfr(officer: User, bidders: list[User], rfi: Solicitation) -> None:
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
            contract_start=date(year + 1 if clock.local(deadline).month >= 5 else year, 7, 1),
            informed_by_id=rfi.id)
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
        # The rate card, published with the RFR: each bidder prices it under "Your rates" on
        # its response, and the evaluated cost is rate x the units a year.
        from procure.models import RateUnit
        from procure.workflows import evaluation as evaluation_flow
        for service, unit, units in [
                ("Lead-agency functions, per family served", RateUnit.case_rate, 400),
                ("Family support and stabilization", RateUnit.hourly, 6000),
                ("Short-term placement", RateUnit.per_diem, 900)]:
            evaluation_flow.add_rate_line(session, rfr, officer, service=service, unit=unit,
                                          projected_units=units)
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


def _response_pdf(organization: str, fein: str, lot: int, total: str) -> bytes:
    """A small response PDF with the cover fields and the RFR's sections."""
    import io

    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen import canvas
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=letter)
    pages = [
        [f"Organization Name: {organization}", f"FEIN: {fein}", f"Lot: {lot}",
         f"Total Price: {total}"],
        ["1. Organizational Capacity", "Our family partners and clinicians have served the "
         "area's families since 1998."],
        ["2. Program Design", "Family stabilization and reunification teams meet families at "
         "home within 48 hours of referral."],
        ["3. Budget", f"Family support workers    {total}", f"Total    {total}"],
        ["Authorized Signature", f"Signed for {organization}"],
    ]
    for lines in pages:
        y = 720
        for line in lines:
            pdf.setFont("Helvetica-Bold" if line[:2].rstrip(".").isdigit() else "Helvetica", 12)
            pdf.drawString(72, y, line)
            y -= 18
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _sections_and_criteria(rfr: Solicitation, officer: User, capacity_aliases: list[str],
                           design_weight: int, design: str) -> None:
    """Three required sections; program design and cost (the rest of 100) as criteria."""
    session = db.session
    for title, aliases, limit in [("Organizational Capacity", capacity_aliases, 5),
                                  ("Program Design", ["Program Model"], 10),
                                  ("Budget", ["Cost Proposal"], 3)]:
        flow.add_section(session, rfr, officer, title=title, aliases=aliases, page_limit=limit)
    flow.add_criterion(session, rfr, officer, name="Program design", weight=design_weight,
                       max_points=10, description=design)
    flow.add_criterion(session, rfr, officer, name="Cost", weight=100 - design_weight,
                       max_points=10, envelope=Envelope.price)


def _family_based_services_closed(officer: User, bidders: list[User]) -> None:
    """An RFR past its deadline with sealed responses, for the officer to open."""
    import io

    from flask import current_app

    from procure.intake import jobs
    from procure.storage import store_from_config
    from procure.workflows import response as response_flow
    session = db.session
    now = clock.now()
    deadline = clock.from_local(datetime.combine(clock.local(now - timedelta(days=3)).date(),
                                                 datetime.min.time()).replace(hour=14))
    published_at = deadline - timedelta(days=35)
    year = clock.local(deadline).year
    areas = {a.name: a for a in session.scalars(select(AreaOffice))}
    with clock.pinned(published_at - timedelta(days=2)):
        rfr = flow.create(
            session, officer, kind=SolicitationKind.RFR, agencies=["DCF"],
            number=f"DCF-{year}-RFR-003",
            title="Family-based services: family stabilization and reunification",
            description=("Family stabilization and reunification, family support, respite and "
                         "short-term placement in two areas, with miscellaneous flexible "
                         "resources capped at $500 per family."),
            deadline=deadline, contract_start=(deadline + timedelta(days=120)).date())
        for name in ("Brockton", "Springfield"):
            area = areas.get(name) or next(iter(areas.values()))
            flow.add_lot(session, rfr, officer, kind=LotKind.network_services,
                         title=f"Family-based services: {area.name}",
                         service_model_code="family_stabilization", area_office_ids=[area.id],
                         estimated_annual_value=Decimal("700150"), max_awards=2)
        _sections_and_criteria(rfr, officer, ["Agency Capacity"], 70,
                               "Reaching families at home, quickly.")
    with clock.pinned(published_at):
        flow.publish(session, rfr, officer)
    store = store_from_config(current_app.config)
    submitted = []
    for i, (bidder, lot) in enumerate(zip(bidders[:2], rfr.lots)):
        with clock.pinned(deadline - timedelta(days=4 - i)):
            row = response_flow.start(session, bidder, lot)
            content = _response_pdf(bidder.organization.legal_name, bidder.organization.fein,
                                    lot.number, "$690,000.00")
            document = response_flow.add_document(
                session, row, bidder, kind=DocumentKind.narrative,
                filename="response.pdf", stored=store.put(io.BytesIO(content)), max_files=20)
            session.commit()
        jobs.run(document.id)
        submitted.append((row, bidder, i))
    for row, bidder, i in submitted:
        session.refresh(row)
        with clock.pinned(deadline - timedelta(days=3 - i)):
            response_flow.fire(session, row, "submit", bidder)
    with clock.pinned(deadline + timedelta(minutes=5)):
        response_flow.close_due(session)


def _residential_redesign_draft(officer: User, rfi: Solicitation) -> None:
    session = db.session
    year = clock.local(clock.now()).year
    rfr = flow.create(
        session, officer, kind=SolicitationKind.RFR, agencies=["DCF", "DMH"],
        number=f"DMH-{year}-RFR-002",
        title="Residential redesign: Follow Along, Stepping Out, Continuum, Family Partners",
        description="Draft. The joint DCF/DMH redesign of residential services adds four services.",
        deadline=clock.now() + timedelta(days=45), informed_by_id=rfi.id)
    areas = list(session.scalars(select(AreaOffice).order_by(AreaOffice.name)))[:4]
    for code, name in [("follow_along", "Follow Along"), ("stepping_out", "Stepping Out"),
                       ("continuum", "Continuum"), ("family_partners", "Family Partners")]:
        flow.add_lot(session, rfr, officer, kind=LotKind.network_services,
                     title=f"{name} network services", service_model_code=code,
                     area_office_ids=[a.id for a in areas], estimated_annual_value=Decimal("750000"),
                     max_awards=3)




def _proposal_pdf(org: str, total: str, strength: str, *, lot: int = 1) -> bytes:
    """A bidder's short proposal, one section a page, as the intake reads them."""
    import io

    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen import canvas
    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=letter)
    for lines in (
            ["Organization Name: " + org, f"Lot: {lot}", f"Total Price: ${total}",
             "Response to the family support and stabilization RFR"],
            ["1. Organizational Capacity", f"{org} has delivered in-home family support",
             "in western Massachusetts since 2001, with 40 clinicians and",
             "a board that includes two parents with lived experience."],
            ["2. Program Design", "Families are seen at home within 48 hours of referral.",
             strength, "Each family has one worker from intake to discharge."],
            ["3. Quality and Performance Measures", "Children remaining at home at 12 months",
             "is reported quarterly to the area office."],
            ["4. Budget", f"In-home family support    ${total}", f"Total    ${total}"]):
        y = 720
        for line in lines:
            page.setFont("Helvetica-Bold" if line[:2].rstrip(".").isdigit() else "Helvetica", 12)
            page.drawString(72, y, line)
            y -= 18
        page.showPage()
    page.save()
    return out.getvalue()


def _submitted(bidder: User, lot: Any, content: bytes, filename: str, started: datetime,
               submitted: datetime) -> Any:
    """A bidder's response with one proposal PDF, read by the intake and submitted."""
    import io

    from flask import current_app

    from procure.intake import jobs
    from procure.storage import store_from_config
    session = db.session
    with clock.pinned(started):
        response = response_flow.start(session, bidder, lot)
        stored = store_from_config(current_app.config).put(io.BytesIO(content))
        document = response_flow.add_document(session, response, bidder,
                                              kind=DocumentKind.narrative, filename=filename,
                                              stored=stored, max_files=20)
        session.commit()
    jobs.run(document.id)
    session.refresh(response)
    with clock.pinned(submitted):
        response_flow.fire(session, response, "submit", bidder, received_at=clock.now())
    return response


def _family_support_in_evaluation(officer: User, bidders: list[User]) -> None:
    """An opened RFR in evaluation, blind: a panel chaired by officer2 (a parent among its
    members) part-way through scoring, so the panelist signs in to work waiting; its evaluators
    see bidder codes until the panel is finalized."""
    from procure.models import MemberKind
    from procure.workflows import evaluation as evaluation_flow

    session = db.session
    now = clock.now()
    published_at, deadline = now - timedelta(days=40), now - timedelta(days=9)
    with clock.pinned(published_at - timedelta(days=3)):
        rfr = flow.create(
            session, officer, kind=SolicitationKind.RFR, agencies=["DCF"],
            number=f"DCF-{clock.local(deadline).year}-RFR-014",
            title="In-home family support and stabilization, Western region",
            description="In-home support that keeps children safely with their families: "
                        "intake within 48 hours, one worker per family, outcomes reported to "
                        "the area office.",
            deadline=deadline, expected_award=(deadline + timedelta(days=45)).date())
        springfield = session.scalar(select(AreaOffice).where(AreaOffice.name == "Springfield"))
        flow.add_lot(session, rfr, officer, kind=LotKind.network_services,
                     title="Family support: Springfield", service_model_code="family_support",
                     estimated_annual_value=Decimal("450000"), area_office_ids=[springfield.id])
        for title, aliases, limit in [
                ("Organizational Capacity", ["Organization"], 5),
                ("Program Design", ["Program Model"], 10),
                ("Quality and Performance Measures", ["Outcomes"], 4),
                ("Budget", ["Cost Proposal"], 3)]:
            flow.add_section(session, rfr, officer, title=title, aliases=aliases,
                             page_limit=limit)
        for name, weight, envelope in [("Program design", 40, Envelope.technical),
                                       ("Organizational capacity", 20, Envelope.technical),
                                       ("Quality and performance", 15, Envelope.technical),
                                       ("Cost", 25, Envelope.price)]:
            flow.add_criterion(session, rfr, officer, name=name, weight=weight, max_points=10,
                               envelope=envelope)
    with clock.pinned(published_at):
        flow.publish(session, rfr, officer)
    responses = []
    for bidder, total, strength in zip(bidders, ("412,000.00", "398,500.00", "441,250.00"), (
            "Parent partners co-lead every family team meeting.",
            "Evening and weekend visits are the norm, not the exception.",
            "A crisis line answered by the family's own team around the clock."), strict=False):
        response = _submitted(bidder, rfr.lots[0],
                              _proposal_pdf(bidder.organization.legal_name, total, strength),
                              "family-support-proposal.pdf", deadline - timedelta(days=2),
                              deadline - timedelta(days=1))
        responses.append(response)
    with clock.pinned(deadline + timedelta(minutes=1)):
        response_flow.close_due(session)
        response_flow.open_responses(session, rfr, officer)
        for response in responses:
            response_flow.fire(session, response, "accept", officer)
    people = {u.email: u for u in session.scalars(select(User).where(User.email.in_(
        ["officer2@agency.example.org", "panelist@agency.example.org",
         "reviewer@agency.example.org"])))}
    chair = people["officer2@agency.example.org"]
    parent = people["panelist@agency.example.org"]
    reviewer = people["reviewer@agency.example.org"]
    with clock.pinned(deadline + timedelta(days=2)):
        evaluation_flow.set_plan(session, rfr, officer, blind=True, half_points=True)
        panel = evaluation_flow.create_panel(session, rfr, officer, name="Family support panel",
                                             lots=[rfr.lots[0]])
        evaluation_flow.add_member(session, panel, officer, user=chair,
                                   kind=MemberKind.agency_staff, chair=True)
        evaluation_flow.add_member(session, panel, officer, user=parent,
                                   kind=MemberKind.family_representative)
        evaluation_flow.add_member(session, panel, officer, user=reviewer,
                                   kind=MemberKind.external_reviewer)
        evaluation_flow.fire(session, panel, "begin_declarations", officer)
        for member in (chair, parent, reviewer):
            for org in evaluation_flow.bidders_of(panel):
                evaluation_flow.declare(session, panel, member, organization_id=org.id,
                                        has_conflict=False)
        evaluation_flow.fire(session, panel, "begin_scoring", chair)
    technical = evaluation_flow.technical_criteria(panel)
    with clock.pinned(deadline + timedelta(days=5)):
        for sheet in evaluation_flow.live_scoresheets(panel):
            if sheet.member.user_id == reviewer.id or (
                    sheet.member.user_id == chair.id and sheet.response_id == responses[0].id):
                evaluation_flow.save_scores(session, sheet, sheet.member.user, {
                    c.id: (Decimal("7.5") if i == 0 else Decimal(7),
                           f"{c.name}: clear and specific; the pages show how.")
                    for i, c in enumerate(technical)})
                evaluation_flow.submit(session, sheet, sheet.member.user)
            elif sheet.member.user_id == parent.id and sheet.response_id == responses[0].id:
                evaluation_flow.save_scores(session, sheet, parent, {
                    technical[0].id: (Decimal(8), "Parent partners at every meeting: what "
                                                  "families ask for.")})


def _respite_opened_no_panel(officer: User, bidders: list[User]) -> None:
    """An RFR opened and judged with no panel yet: its evaluation plan (blind or not, the rate
    card) can still be set before an officer forms the panel."""
    session = db.session
    deadline = clock.now() - timedelta(days=2)
    with clock.pinned(deadline - timedelta(days=30)):
        rfr = flow.create(
            session, officer, kind=SolicitationKind.RFR, agencies=["DCF"],
            number=f"DCF-{clock.local(deadline).year}-RFR-021",
            title="Respite care for foster families", deadline=deadline,
            description="Planned and emergency respite for foster families, priced per diem "
                        "and hourly.")
        area = session.scalars(select(AreaOffice).order_by(AreaOffice.name)).first()
        flow.add_lot(session, rfr, officer, kind=LotKind.network_services,
                     title="Respite care", service_model_code="respite",
                     area_office_ids=[area.id], estimated_annual_value=Decimal("250000"))
        for title in ("Program Design", "Budget"):
            flow.add_section(session, rfr, officer, title=title, aliases=[], page_limit=10)
        flow.add_criterion(session, rfr, officer, name="Program design", weight=70,
                           max_points=10)
        flow.add_criterion(session, rfr, officer, name="Cost", weight=30, max_points=10,
                           envelope=Envelope.price)
        flow.publish(session, rfr, officer)
    rows = [_submitted(bidder, rfr.lots[0], _response_pdf(
                bidder.organization.legal_name, bidder.organization.fein, 1, "$240,000.00"),
                "respite.pdf", deadline - timedelta(days=3), deadline - timedelta(days=2))
            for bidder in bidders[1:]]
    with clock.pinned(deadline + timedelta(minutes=5)):
        response_flow.close_due(session)
        response_flow.open_responses(session, rfr, officer)
        for row in rows:
            response_flow.fire(session, row, "accept", officer)


def _western_lead_agencies_awarded(officer: User, bidders: list[User]) -> None:
    """Last spring's RFR for three Western lead-agency lots, evaluated, awarded (one award
    after a denied protest) and contracted from July 1 at $100,000 per area a year; this fiscal
    year's encumbrances drawn down month by month, one of them too fast."""
    from procure.models import MemberKind, RateType
    from procure.workflows import award as award_flow
    from procure.workflows import contract as contract_flow
    from procure.workflows import evaluation as evaluation_flow

    session = db.session
    today = clock.today()
    start = date(today.year if today.month >= 7 else today.year - 1, 7, 1)   # this FY's July 1
    deadline = _at(start.year, 3, 20, 14)
    published_at = deadline - timedelta(days=35)
    officer2 = session.scalar(select(User).where(User.email == PEOPLE[2][0]))
    reviewer = session.scalar(select(User).where(User.email == PEOPLE[4][0]))
    with clock.pinned(published_at - timedelta(days=3)):
        rfr = flow.create(
            session, officer, kind=SolicitationKind.RFR, agencies=["DCF"],
            number=f"DCF-{start.year}-RFR-007",
            title="Area-based lead agencies, Western region (first phase)",
            description="Lead-agency functions for the Western region's area offices, at "
                        "$100,000 per service area per year; contracts from July 1.",
            deadline=deadline, expected_award=date(start.year, 5, 15), contract_start=start)
        areas = {a.name: a for a in session.scalars(select(AreaOffice))}
        for group in (["Greenfield", "Pittsfield"], ["Holyoke", "Robert Van Wart"],
                      ["Springfield"]):
            flow.add_lot(session, rfr, officer, kind=LotKind.lead_agency,
                         title="Lead agency: " + " and ".join(group),
                         estimated_annual_value=LEAD_AGENCY_FUNDING * len(group),
                         area_office_ids=[areas[n].id for n in group if n in areas])
        _sections_and_criteria(rfr, officer, ["Organization"], 75,
                               "Case planning, gatekeeping, networks.")
    with clock.pinned(published_at):
        flow.publish(session, rfr, officer)
    # lot -> (bidder index, annual price, technical points)
    bids = {0: [(0, "198,000.00", 8), (2, "200,000.00", 7)],
            1: [(1, "200,000.00", 9), (2, "195,000.00", 6)],
            2: [(0, "100,000.00", 6), (1, "99,000.00", 8)]}
    responses = {}
    for lot_index, offers in bids.items():
        lot = rfr.lots[lot_index]
        for bidder_index, total, points in offers:
            bidder = bidders[bidder_index]
            response = _submitted(bidder, lot, _proposal_pdf(
                bidder.organization.legal_name, total, "Lead-agency staff sit on-site at the "
                "area office every weekday.", lot=lot.number), "lead-agency-proposal.pdf",
                deadline - timedelta(days=3), deadline - timedelta(days=2))
            responses[response.id] = (response, points)
    with clock.pinned(deadline + timedelta(minutes=1)):
        response_flow.close_due(session)
        response_flow.open_responses(session, rfr, officer)
        for response, _ in responses.values():
            response_flow.fire(session, response, "accept", officer)
    with clock.pinned(deadline + timedelta(days=2)):
        panel = evaluation_flow.create_panel(session, rfr, officer, name="Western lead agencies",
                                             lots=list(rfr.lots))
        evaluation_flow.add_member(session, panel, officer, user=officer2,
                                   kind=MemberKind.agency_staff, chair=True)
        evaluation_flow.add_member(session, panel, officer, user=reviewer,
                                   kind=MemberKind.external_reviewer)
        evaluation_flow.fire(session, panel, "begin_declarations", officer)
        for member in (officer2, reviewer):
            for org in evaluation_flow.bidders_of(panel):
                evaluation_flow.declare(session, panel, member, organization_id=org.id,
                                        has_conflict=False)
        evaluation_flow.fire(session, panel, "begin_scoring", officer2)
    technical = evaluation_flow.technical_criteria(panel)[0]
    with clock.pinned(deadline + timedelta(days=9)):
        for sheet in evaluation_flow.live_scoresheets(panel):
            points = responses[sheet.response_id][1]
            evaluation_flow.save_scores(session, sheet, sheet.member.user, {
                technical.id: (Decimal(points), "Scored against the RFR's program design.")})
            evaluation_flow.submit(session, sheet, sheet.member.user)
        evaluation_flow.fire(session, panel, "begin_consensus", officer2)
        for response, points in responses.values():
            evaluation_flow.record_consensus(
                session, panel, officer2, response=response, criterion=technical,
                points=Decimal(points), rationale="Agreed: the members' scores matched.")
        evaluation_flow.score_price(session, panel, officer2)
        evaluation_flow.fire(session, panel, "finalize", officer2)
    awards = []
    for lot in rfr.lots:
        best = award_flow.lot_ranking(session, lot)[0].response
        with clock.pinned(deadline + timedelta(days=20)):
            award = award_flow.propose(
                session, lot, officer, response=best, amount=lot.estimated_annual_value,
                justification="Lead-agency functions are funded at $100,000 per service area "
                              "per year, as the RFR says, whatever the bid.")
        with clock.pinned(deadline + timedelta(days=21)):
            award_flow.approve(session, award, officer2)
            award_flow.notify_lot(session, lot, officer)
        awards.append(award)
    loser = next(r for r, _ in responses.values()
                 if r.lot_id == awards[0].lot_id and r.id != awards[0].response_id)
    protester = next(b for b in bidders if b.organization_id == loser.organization_id)
    with clock.pinned(deadline + timedelta(days=24)):
        protest = award_flow.file_protest(session, awards[0], protester,
                                          grounds="Our cost was lower per area than scored.")
    with clock.pinned(deadline + timedelta(days=33)):
        award_flow.finalize_due(session, clock.now())
        award_flow.decide_protest(
            session, protest, officer2, uphold=False,
            reasons="Price was scored on each response's total for the lot, as section 6 of "
                    "the RFR says; your total was the higher of the two.")
    # Monthly draw-downs from July 1: two at a steady pace, one spending too fast.
    pace = {0: Decimal("0.075"), 1: Decimal("0.08"), 2: Decimal("0.16")}
    for index, award in enumerate(awards):
        with clock.pinned(_at(start.year, 6, 1, 10)):
            contract = contract_flow.create(
                session, award, officer, start_date=start,
                end_date=date(start.year + 3, 6, 30), annual_maximum=award.lot.estimated_annual_value,
                rate_type=RateType.case_rate,
                rates=[contract_flow.Rate("Lead-agency functions, per family served",
                                          RateType.case_rate, Decimal("1250.00"))],
                measures=[contract_flow.Measure("Children supported in their families without "
                                                "removal", "85% at 12 months",
                                                "2% of the annual maximum"),
                          contract_flow.Measure("Placement stability", "No more than one move "
                                                "in 12 months for 90% of children")])
            contract_flow.fire(session, contract, "sign", officer)
        with clock.pinned(_at(start.year, 7, 1, 9)):
            contract_flow.fire(session, contract, "activate", officer, today=start)
            encumbrance = contract_flow.encumber(
                session, contract, officer, fiscal_year_=contract_flow.fiscal_year(start),
                amount=contract.annual_maximum)
        month = start
        while month < today.replace(day=1):
            amount = (contract.annual_maximum * pace[index]).quantize(Decimal("0.01"))
            if amount > encumbrance.remaining:
                break
            with clock.pinned(_at(month.year, month.month, 28, 10)):
                contract_flow.draw_down(session, encumbrance, officer,
                                        service_date=month.replace(day=28), amount=amount,
                                        service=f"Lead-agency functions, {month:%B %Y}")
            month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
