"""What the public can see of a solicitation as an Open Contracting Data Standard 1.1 release
package: planning (the RFI that informed the RFR), the tender, the awards once the bidders are
told, the contracts once signed, and the draw-downs as the contracts' transactions.

One release per package, describing the solicitation as it stands: dated by the last change
the release shows (publication, an addendum, an answer, the opening, an award announced or
made final, a contract signed, amended or paid, a cancellation), and named by that moment, so
two fetches with nothing changed between them give the same release (and the same package).
The ocid is the configured prefix, a hyphen and the solicitation's number:
`ocds-procure-DCF-2026-RFR-014`. `ocds-procure` is this service's own default, not a prefix
registered with the Open Contracting Partnership: a deployment that publishes for real
registers one and sets `PROCURE_OCDS_OCID_PREFIX`.

Agency states map to the closed codelists (tenderStatus, awardStatus, contractStatus,
releaseTag) in the tables below. What stays out, whatever the state:
  - whatever the disclosure table (procure.disclosure) keeps from the public: before the
    opening not who responded, not how many (`numberOfTenderers` appears once the solicitation
    is opened); who responded (`tenderers`, their FEINs) only once the lot's awards are final
    (standstill over) or the RFR is cancelled: a blind evaluation's panelists must not find the
    bidders' names here, and a pending awardee is not named during standstill;
  - awards until they are final (the public awards page says the same: awards are published
    once the standstill is over), and contracts still in drafting;
  - scores, protests, and a draw-down's family reference (a draw-down is a date, an amount, a
    payer and a payee).

Awards and contracts are worth their annual amount over the whole term: `value` is the total,
and the item beside it says the annual figure (`unit` "year", its `value`) and the years
(`quantity`). A lot's item names its area offices and region; the bidders' conference is a
tender milestone; a cancellation's reason is a `cancellationDetails` document; an RFI has no
budget (it buys nothing).

No Flask here: the faces (`procure export ocds`, `GET /api/v1/solicitations/<id>/ocds`) give
the base URL and the prefix from their configuration."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from procure import clock, disclosure
from procure.models import (
    AuditEvent,
    Award,
    AwardStatus,
    CancelReason,
    Contract,
    ContractStatus,
    DrawDown,
    Encumbrance,
    Lot,
    Organization,
    Response,
    ResponseStatus,
    Solicitation,
    SolicitationKind,
    SolicitationStatus,
)
from procure.workflows import award as award_flow
from procure.workflows import contract as contract_flow

OCID_PREFIX = "ocds-procure"
VERSION = "1.1"
CURRENCY = "USD"
PUBLISHER = "Procurement office (procure)"

S = SolicitationStatus
# tenderStatus: an RFR is "active" from publication until its awards are final (the opening
# and the evaluation are part of the tender process); "complete" once awarded.
TENDER_STATUS = {
    S.published: "active", S.closed: "active", S.opened: "active", S.in_evaluation: "active",
    S.awarding: "active", S.awarded: "complete", S.archived: "complete",
    S.cancelled: "cancelled",
}
# awardStatus: announced and in standstill is "pending"; final is "active"; withdrawn after
# it was announced (the RFR cancelled) is "cancelled".
AWARD_STATUS = {AwardStatus.standstill: "pending", AwardStatus.final: "active",
                AwardStatus.withdrawn: "cancelled"}
# contractStatus: signed but not yet started is "pending"; expired or terminated both close
# it ("terminated": the codelist's word for a contract that was in force and has ended).
CONTRACT_STATUS = {ContractStatus.signed: "pending", ContractStatus.active: "active",
                   ContractStatus.expired: "terminated", ContractStatus.terminated: "terminated"}
# Who responded, once the responses are opened: opened, then judged.
OPENED = (ResponseStatus.opened, ResponseStatus.accepted, ResponseStatus.rejected)
# The solicitation's own moves that change what its release shows (the close does not: the
# tender stays active and nothing of the responses shows until the opening).
PUBLIC_MOVES = ("publish", "open", "begin_awarding", "complete_award", "cancel", "archive")
# An award's states the public sees it in: its moves into and out of them are changes.
ANNOUNCED = (AwardStatus.standstill.name, AwardStatus.final.name)
CENTS = Decimal("0.01")


class NotPublic(Exception):
    """A draft (or a draft cancelled before publication): nothing of it is published."""


def ocid(solicitation: Solicitation, prefix: str = OCID_PREFIX) -> str:
    return f"{prefix}-{solicitation.number}"


def _moment(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _day(value: date | None) -> str | None:
    """A calendar date of the agency (a contract's start, a service date) as its midnight."""
    if value is None:
        return None
    return _moment(clock.from_local(datetime(value.year, value.month, value.day)))


def _value(amount: Decimal) -> dict[str, Any]:
    return {"amount": float(amount), "currency": CURRENCY}


def _long_day(value: date) -> str:
    return f"{value:%B} {value.day}, {value.year}"


def _months_later(day: date, months: int) -> date:
    years, month = divmod(day.month - 1 + months, 12)
    year = day.year + years
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def term_years(start: date, end: date) -> Decimal:
    """How many years a term from `start` to `end` (both included) lasts: whole months by the
    calendar, the days left over as days of a year (July 1, 2026 to June 30, 2029: 3)."""
    after = end + timedelta(days=1)
    months = (after.year - start.year) * 12 + after.month - start.month
    while months > 0 and _months_later(start, months) > after:
        months -= 1
    rest = (after - _months_later(start, months)).days
    return (Decimal(months) / 12 + Decimal(rest) / 365).quantize(Decimal("0.0001"))


def _over_the_term(annual: Decimal, start: date, end: date) -> tuple[Decimal, Decimal, str]:
    """(the total over the term, the years, a sentence giving the annual figure beside it)."""
    years = term_years(start, end)
    total = (annual * years).quantize(CENTS, ROUND_HALF_UP)
    shown = f"{years.normalize():f}"
    return total, years, (f"${annual:,.2f} a year for {shown} year{'' if years == 1 else 's'} "
                          f"({_long_day(start)} to {_long_day(end)}): ${total:,.2f} in all")


def _yearly_item(lot: Lot, annual: Decimal, years: Decimal) -> dict[str, Any]:
    """The lot as the item bought: so many years at the annual figure."""
    return {"id": str(lot.number), "description": _lot_description(lot),
            "quantity": float(years), "unit": {"name": "year", "value": _value(annual)}}


def _lot_description(lot: Lot) -> str:
    """The lot's label with the places it covers: its area offices and their region(s), or the
    region of a regional lot."""
    offices = list(lot.area_offices)
    regions = sorted({o.region.name for o in offices}
                     | ({lot.region.name} if lot.region is not None else set()))
    places = []
    if offices:
        places.append(("area office" if len(offices) == 1 else "area offices") + ": "
                      + ", ".join(o.name for o in offices))
    if regions:
        places.append(("region" if len(regions) == 1 else "regions") + ": " + ", ".join(regions))
    return lot.label + (f" ({'; '.join(places)})" if places else "")


def _drop_empty(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v not in (None, [], {}, "")}


def _agency_id(code: str) -> str:
    return f"agency-{code}"


def _organization_id(organization: Organization) -> str:
    return "US-EIN-" + organization.fein.replace("-", "")


def _organization_reference(organization: Organization) -> dict[str, str]:
    return {"id": _organization_id(organization), "name": organization.legal_name}


class _Parties:
    """The release's parties, each once, with every role it plays."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[str, Any]] = {}

    def agency(self, code: str, name: str, *roles: str) -> dict[str, str]:
        self._add(_agency_id(code), {"name": name}, roles)
        return {"id": _agency_id(code), "name": name}

    def organization(self, organization: Organization, *roles: str) -> dict[str, str]:
        self._add(_organization_id(organization), {
            "name": organization.legal_name,
            "identifier": {"scheme": "US-EIN", "id": organization.fein.replace("-", ""),
                           "legalName": organization.legal_name},
            "address": {"streetAddress": organization.address, "countryName": "United States"},
            "details": {"supplierDiversity": organization.diversity.value},
        }, roles)
        return _organization_reference(organization)

    def _add(self, key: str, fields: dict[str, Any], roles: tuple[str, ...]) -> None:
        row = self.rows.setdefault(key, {"id": key, **fields, "roles": []})
        row["roles"].extend(r for r in roles if r not in row["roles"])


def _document(doc: Any, kind: str, base_url: str, solicitation_id: int) -> dict[str, Any]:
    return _drop_empty({
        "id": str(doc.id), "documentType": kind, "title": doc.title,
        "url": f"{base_url}/solicitations/{solicitation_id}/documents/{doc.id}",
        "datePublished": _moment(doc.uploaded_at), "format": "application/pdf",
        "language": "en"})


def _planning(solicitation: Solicitation, base_url: str, prefix: str,
              lots_value: Decimal) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The RFI whose comments informed the RFR (and the RFR's estimated annual value)."""
    rfi = solicitation.informed_by
    planning: dict[str, Any] = {}
    if solicitation.lots and lots_value > 0:      # an RFI buys nothing: no budget, not $0
        planning["budget"] = {"description": "Estimated annual value of the lots",
                              "amount": _value(lots_value)}
    related = []
    if rfi is not None and rfi.published_at is not None:
        planning["rationale"] = (f"Informed by {rfi.number}, {rfi.title}: providers' comments "
                                 "on the program models.")
        planning["documents"] = [
            {"id": f"{rfi.number}-notice", "documentType": "plannedProcurementNotice",
             "title": f"{rfi.number}: {rfi.title}", "url": f"{base_url}/solicitations/{rfi.id}",
             "datePublished": _moment(rfi.published_at), "language": "en"},
            *[_document(d, "marketStudies", base_url, rfi.id) for d in rfi.documents]]
        related.append({"id": "1", "relationship": ["planning"], "title": rfi.title,
                        "scheme": "ocid", "identifier": ocid(rfi, prefix),
                        "uri": f"{base_url}/solicitations/{rfi.id}"})
    return planning, related


def _tender(session: Session, solicitation: Solicitation, parties: _Parties, base_url: str,
            lots_value: Decimal) -> dict[str, Any]:
    is_rfi = solicitation.kind is SolicitationKind.RFI
    if is_rfi:
        status = "withdrawn" if solicitation.status is S.cancelled else "planning"
    elif (solicitation.status is S.cancelled
          and solicitation.cancel_reason is CancelReason.no_responses):
        status = "unsuccessful"
    else:
        status = TENDER_STATUS[solicitation.status]
    procuring = None
    for index, agency in enumerate(solicitation.agencies):
        roles = ("buyer", "procuringEntity") if index == 0 else ("buyer",)
        reference = parties.agency(agency.code, agency.name, *roles)
        procuring = procuring or reference
    tender: dict[str, Any] = {
        "id": solicitation.number, "title": solicitation.title,
        "description": solicitation.description, "status": status,
        "procuringEntity": procuring,
        "items": [{"id": str(lot.number), "description": _lot_description(lot)}
                  for lot in solicitation.lots],
        "value": _value(lots_value) if solicitation.lots else None,
        "procurementMethod": "open", "procurementMethodDetails": solicitation.kind.value,
        "mainProcurementCategory": "services",
        "submissionMethod": ["electronicSubmission"],
        "tenderPeriod": _drop_empty({"startDate": _moment(solicitation.published_at),
                                     "endDate": _moment(solicitation.deadline)}),
        "enquiryPeriod": _drop_empty({"startDate": _moment(solicitation.published_at),
                                      "endDate": _moment(solicitation.questions_due)}),
        "hasEnquiries": any(q.answer is not None for q in solicitation.questions),
        "contractPeriod": _drop_empty({"startDate": _day(solicitation.contract_start)}),
        "documents": [
            _document(d, "clarifications" if d.addendum_id else "biddingDocuments", base_url,
                      solicitation.id) for d in solicitation.documents]
        + _cancellation(session, solicitation),
        "milestones": [_drop_empty({
            "id": "bidders-conference", "title": "Bidders' conference", "type": "engagement",
            "dueDate": _moment(solicitation.conference_at),
            "description": solicitation.conference_location.strip() or None})]
        if solicitation.conference_at is not None else [],
        "amendments": [_drop_empty({
            "id": str(a.number), "date": _moment(a.published_at), "rationale": a.title,
            "description": a.body}) for a in solicitation.addenda],
    }
    if solicitation.criteria:
        tender["awardCriteria"] = "ratedCriteria"
        tender["awardCriteriaDetails"] = "; ".join(
            f"{c.name} ({c.weight}%)" for c in solicitation.criteria)
    if solicitation.opened_at is not None:     # never before the opening: not who, not how many
        responded = list(session.scalars(select(Response).where(
            Response.solicitation_id == solicitation.id, Response.status.in_(OPENED))
            .order_by(Response.id).options(selectinload(Response.organization))))
        tenderers: dict[int, dict[str, str]] = {}
        if disclosure.may_see(None, disclosure.Kind.counts, solicitation):
            tender["numberOfTenderers"] = len({r.organization_id for r in responded})
        for response in responded:
            if disclosure.may_see(None, disclosure.Kind.identity, response):
                tenderers.setdefault(response.organization_id,
                                     parties.organization(response.organization, "tenderer"))
        if tenderers:
            tender["tenderers"] = list(tenderers.values())
    return _drop_empty(tender)


def _cancellation(session: Session, solicitation: Solicitation) -> list[dict[str, Any]]:
    """Why the solicitation was cancelled (its coded reason and the officer's words), as the
    tender's cancellation document, dated by the cancellation."""
    if solicitation.status is not S.cancelled:
        return []
    when = session.scalar(select(AuditEvent.at).where(
        AuditEvent.entity_type == "solicitation", AuditEvent.entity_id == solicitation.id,
        AuditEvent.event == "cancel").order_by(AuditEvent.seq.desc()).limit(1))
    reason = solicitation.cancel_reason.value if solicitation.cancel_reason else "Cancelled"
    return [_drop_empty({
        "id": f"{solicitation.number}-cancellation", "documentType": "cancellationDetails",
        "title": f"Cancelled: {reason}", "description": solicitation.cancel_text.strip(),
        "datePublished": _moment(when), "language": "en"})]


def _public_awards(every: list[Award]) -> list[Award]:
    """Awards the public may know of: final (standstill over), their awardee named as the
    disclosure table allows."""
    return [a for a in every if a.status is AwardStatus.final
            and disclosure.may_see(None, disclosure.Kind.identity, a.response)]


def _first_contracts(session: Session, awards: list[Award]) -> dict[int, Contract]:
    """Each award's first contract (by id), if any, in one query."""
    first: dict[int, Contract] = {}
    if awards:
        for contract in session.scalars(select(Contract).where(
                Contract.award_id.in_([a.id for a in awards])).order_by(Contract.id)):
            first.setdefault(contract.award_id, contract)
    return first


def _award(award: Award, contract: Contract | None, parties: _Parties) -> dict[str, Any]:
    """The award's value over the contract's term (the contract's own once made, else the term a
    contract from it would have), the annual amount beside it."""
    start, end = ((contract.start_date, contract.end_date) if contract is not None
                  else contract_flow.default_term(award))
    total, years, words = _over_the_term(award.amount, start, end)
    return _drop_empty({
        "id": award.public_id, "title": award.lot.label, "description": words,
        "status": AWARD_STATUS[award.status],
        "date": _moment(award.final_at or award.notified_at), "value": _value(total),
        "suppliers": [parties.organization(award.organization, "supplier")],
        "items": [_yearly_item(award.lot, award.amount, years)],
        "contractPeriod": {"startDate": _day(start), "endDate": _day(end)},
    })


def _draw_downs(session: Session, contracts: list[Contract]) -> dict[int, list[DrawDown]]:
    """Each contract's draw-downs in the order they were served, in one query."""
    by_contract: dict[int, list[DrawDown]] = {c.id: [] for c in contracts}
    if contracts:
        for row, contract_id in session.execute(
                select(DrawDown, Encumbrance.contract_id).join(Encumbrance)
                .where(Encumbrance.contract_id.in_(list(by_contract)))
                .order_by(DrawDown.service_date, DrawDown.id)).tuples():
            by_contract[contract_id].append(row)
    return by_contract


def _transactions(contract: Contract, rows: list[DrawDown], payer: dict[str, str] | None,
                  payee: dict[str, str]) -> list[dict[str, Any]]:
    return [_drop_empty({"id": f"{contract.number}-{row.id}", "date": _day(row.service_date),
                         "value": _value(row.amount), "payer": payer, "payee": payee})
            for row in rows]


def _contract(contract: Contract, draw_downs: list[DrawDown], parties: _Parties,
              payer: dict[str, str] | None) -> dict[str, Any]:
    payee = parties.organization(contract.organization, "supplier", "payee")
    if payer is not None:
        parties.agency(payer["id"].removeprefix("agency-"), payer["name"], "payer")
    transactions = _transactions(contract, draw_downs, payer, payee)
    total, years, words = _over_the_term(contract.annual_maximum, contract.start_date,
                                         contract.end_date)
    return _drop_empty({
        "id": contract.number, "awardID": contract.award.public_id,
        "title": f"{contract.number}: {contract.lot.label}",
        "description": (f"{contract.rate_type.value}; annual maximum {words}; area offices: "
                        + (", ".join(o.name for o in contract.area_offices) or "none")),
        "status": CONTRACT_STATUS[contract.status],
        "period": {"startDate": _day(contract.start_date), "endDate": _day(contract.end_date)},
        "value": _value(total),
        "dateSigned": _moment(contract.signed_at),
        "items": [_yearly_item(contract.lot, contract.annual_maximum, years)],
        "documents": [{"id": d.public_id,
                       "documentType": "contractSigned" if "sign" in d.title.lower()
                       else "contractAnnexe",
                       "title": d.title, "datePublished": _moment(d.uploaded_at)}
                      for d in contract.documents],
        "amendments": [_drop_empty({
            "id": str(a.number), "date": _moment(a.made_at), "rationale": a.reason,
            "description": "; ".join(f"{c['field']}: {c['before']} to {c['after']}"
                                     for c in a.changes)}) for a in contract.amendments],
        "implementation": {"transactions": transactions} if transactions else None,
    })


def last_change(session: Session, solicitation: Solicitation, every_award: list[Award],
                contracts: list[Contract]) -> datetime:
    """When what the release shows last changed: the solicitation's publication, addenda,
    documents, answers, its public moves (opened, evaluation over, awarded, cancelled), the RFI
    that informed it; the shown awards' announcement, finality, withdrawal (and an announced
    award reopened); the shown contracts' signing, start, end, amendments, documents and
    payments. Nothing that happens out of the public's sight (a submission, a proposal, an
    encumbrance) moves it."""
    rfi = solicitation.informed_by
    moments: list[datetime | None] = [
        solicitation.published_at, solicitation.opened_at,
        rfi.published_at if rfi is not None else None,
        *[a.published_at for a in solicitation.addenda],
        *[d.uploaded_at for d in solicitation.documents],
        *[q.answered_at for q in solicitation.questions if q.answer is not None],
        *[c.signed_at for c in contracts], *[c.activated_at for c in contracts],
        *[c.ended_at for c in contracts],
        *[a.made_at for c in contracts for a in c.amendments],
        *[d.uploaded_at for c in contracts for d in c.documents]]
    moments += session.scalars(select(AuditEvent.at).where(
        AuditEvent.entity_type == "solicitation", AuditEvent.entity_id == solicitation.id,
        AuditEvent.event.in_(PUBLIC_MOVES)))
    if every_award:
        moments += session.scalars(select(AuditEvent.at).where(
            AuditEvent.entity_type == "award",
            AuditEvent.entity_id.in_([a.id for a in every_award]),
            AuditEvent.to_state.in_(ANNOUNCED) | AuditEvent.from_state.in_(ANNOUNCED)))
    if contracts:
        moments += session.scalars(select(DrawDown.recorded_at).join(Encumbrance).where(
            Encumbrance.contract_id.in_([c.id for c in contracts])))
    known = [m if m.tzinfo is not None else m.replace(tzinfo=UTC)
             for m in moments if m is not None]
    return max(known)


def release(session: Session, solicitation: Solicitation, *, base_url: str = "",
            prefix: str = OCID_PREFIX) -> dict[str, Any]:
    """The solicitation as it stands, as one OCDS release, dated and named by its last change
    (never by the moment it is asked for: the same release whenever it is fetched)."""
    if solicitation.published_at is None:
        raise NotPublic(f"{solicitation.number} has not been published.")
    base_url = base_url.rstrip("/")
    parties = _Parties()
    lots_value = sum((lot.estimated_annual_value for lot in solicitation.lots), Decimal(0))
    tender = _tender(session, solicitation, parties, base_url, lots_value)
    planning, related = _planning(solicitation, base_url, prefix, lots_value)
    every_award = award_flow.awards_of(   # with their awardees: a query, not one per award
        session, solicitation, selectinload(Award.response).selectinload(Response.organization))
    public_awards = _public_awards(every_award)
    first_contract = _first_contracts(session, public_awards)
    awards = [_award(a, first_contract.get(a.id), parties) for a in public_awards]
    shown = {a.id for a in public_awards}
    buyer = tender.get("procuringEntity")
    contract_rows = [c for c in session.scalars(
        select(Contract).where(Contract.solicitation_id == solicitation.id,
                               Contract.status.in_(list(CONTRACT_STATUS)))
        .order_by(Contract.id).options(
            selectinload(Contract.area_offices), selectinload(Contract.documents),
            selectinload(Contract.amendments))) if c.award_id in shown]
    draw_downs = _draw_downs(session, contract_rows)
    contracts = [_contract(c, draw_downs[c.id], parties, buyer) for c in contract_rows]

    tags = ["tender"] if solicitation.kind is SolicitationKind.RFR else ["planning"]
    if planning.get("rationale") and "planning" not in tags:
        tags.insert(0, "planning")
    if solicitation.status is S.cancelled:
        tags.append("tenderCancellation")
    if awards:
        tags.append("award")
        if any(a["status"] == "cancelled" for a in awards):
            tags.append("awardCancellation")
    if contracts:
        tags.append("contract")
        if any(c.get("amendments") for c in contracts):
            tags.append("contractAmendment")
        if any(c.get("implementation") for c in contracts):
            tags.append("implementation")
        if any(c["status"] == "terminated" for c in contracts):
            tags.append("contractTermination")
    the_ocid = ocid(solicitation, prefix)
    stamp = _moment(last_change(session, solicitation, every_award, contract_rows))
    return _drop_empty({
        "ocid": the_ocid, "id": f"{the_ocid}-{stamp}", "date": stamp, "tag": tags,
        "initiationType": "tender", "language": "en",
        "parties": list(parties.rows.values()), "buyer": buyer,
        "planning": planning, "tender": tender, "awards": awards, "contracts": contracts,
        "relatedProcesses": related,
    })


def release_package(session: Session, solicitation: Solicitation, *, base_url: str = "",
                    prefix: str = OCID_PREFIX) -> dict[str, Any]:
    """An OCDS 1.1 release package holding the solicitation's release, published when the
    release last changed: two fetches with no change between them are the same package."""
    base = base_url.rstrip("/")
    the_release = release(session, solicitation, base_url=base_url, prefix=prefix)
    return {
        "uri": f"{base or 'urn:procure'}/api/v1/solicitations/{solicitation.id}/ocds",
        "version": VERSION,
        "publishedDate": the_release["date"],
        "publisher": {"name": PUBLISHER},
        "releases": [the_release],
    }


def find(session: Session, number: str) -> Solicitation | None:
    return session.scalar(select(Solicitation).where(Solicitation.number == number))
