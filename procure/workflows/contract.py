"""Contracts: made from final awards, signed, active until they expire or are terminated;
amended while active, keeping every figure's history; an open-order encumbrance per state
fiscal year that draw-downs (the provider's payments) reduce, never below zero.

Contract machine: drafting -> signed -> active -> expired | terminated (an amendment keeps an
active contract active and records what it changed). The scheduler starts signed contracts
on their start date and expires active ones after their end date.

Downstream of award: a contract is made only from a final award."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, BinaryIO

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from transitions import EventData

from procure import audit, clock, policy
from procure.models import (
    AmendmentStatus,
    Award,
    AwardStatus,
    Contract,
    ContractAmendment,
    ContractDocument,
    ContractRate,
    ContractStatus,
    DrawDown,
    Encumbrance,
    PerformanceMeasure,
    RateType,
    User,
)
from procure.workflows.base import (
    Uploads,
    Workflow,
    WorkflowError,
    refuse,
    safe_filename,
    store_upload,
)

C = ContractStatus
FAMILY_FUNDS_CAP = Decimal(500)      # flexible family funds, per family per fiscal year
MONEY = Decimal("0.01")


# ---------------------------------------------------------------- state fiscal years

def fiscal_year(day: date) -> int:
    """The state fiscal year a day falls in, named by the year it ends: FY2006 runs from
    July 1, 2005 to June 30, 2006."""
    return day.year + 1 if day.month >= 7 else day.year


def fiscal_year_bounds(year: int) -> tuple[date, date]:
    return date(year - 1, 7, 1), date(year, 6, 30)


def fiscal_years(contract: Contract) -> list[int]:
    """The fiscal years the contract's term touches."""
    return list(range(fiscal_year(contract.start_date), fiscal_year(contract.end_date) + 1))


def money(amount: Decimal) -> str:
    return f"${amount:,.2f}"


def long_date(day: date) -> str:
    """'July 1, 2026'."""
    return f"{day:%B} {day.day}, {day.year}"


# ---------------------------------------------------------------- the machine

def _ready_to_sign(event: EventData) -> bool:
    contract: Contract = event.model
    missing = []
    if contract.rate_type is not RateType.cost_reimbursement and not contract.rates:
        missing.append("its rates")
    if not contract.measures:
        missing.append("at least one performance measure")
    if missing:
        refuse("The contract needs " + " and ".join(missing) + " before it is signed.")
    return True


def _started(event: EventData) -> bool:
    contract: Contract = event.model
    if contract.start_date > event.kwargs.get("today", clock.today()):
        refuse(f"The contract starts on {long_date(contract.start_date)}; it becomes active then.")
    return True


def _ended(event: EventData) -> bool:
    contract: Contract = event.model
    if contract.end_date >= event.kwargs.get("today", clock.today()):
        refuse(f"The contract runs until {long_date(contract.end_date)}.")
    return True


def _reason_given(event: EventData) -> bool:
    if not (event.kwargs.get("reason") or "").strip():
        refuse("Say why; it stays on the record and the provider is told.")
    return True


def _stamp(column: str) -> Any:
    def stamp(event: EventData) -> None:
        setattr(event.model, column, clock.now())
        if column == "ended_at":
            event.model.end_reason = (event.kwargs.get("reason") or "").strip()
    return stamp


CONTRACT_LABELS = {"sign": "Record the signature", "activate": "Activate", "amend": "Amend",
                   "expire": "Expire", "terminate": "Terminate"}

CONTRACT = Workflow("a contract", C, [
    {"trigger": "sign", "source": "drafting", "dest": "signed",
     "conditions": [_ready_to_sign], "before": [_stamp("signed_at")]},
    {"trigger": "activate", "source": "signed", "dest": "active",
     "conditions": [_started], "before": [_stamp("activated_at")]},
    {"trigger": "amend", "source": "active", "dest": "active", "conditions": [_reason_given]},
    {"trigger": "expire", "source": "active", "dest": "expired",
     "conditions": [_ended], "before": [_stamp("ended_at")]},
    {"trigger": "terminate", "source": ["signed", "active"], "dest": "terminated",
     "conditions": [_reason_given], "before": [_stamp("ended_at")]},
], CONTRACT_LABELS)


# ---------------------------------------------------------------- making a contract

@dataclass
class Rate:
    service: str
    unit: RateType
    rate: Decimal | None      # None: a cost reimbursement row


@dataclass
class Measure:
    name: str
    target: str
    incentive: str = ""


def default_term(award: Award) -> tuple[date, date]:
    """From the RFR's planned contract start (or the next July 1) for three fiscal years."""
    start = award.solicitation.contract_start
    if start is None:
        today = clock.today()
        start = date(today.year if today.month < 7 else today.year + 1, 7, 1)
    return start, date(start.year + 3, start.month, start.day) - timedelta(days=1)


def _check_terms(start: date, end: date, annual_maximum: Decimal, rates: list[Rate],
                 measures: list[Measure]) -> None:
    if end <= start:
        refuse("The contract must end after it starts.")
    if annual_maximum <= 0:
        refuse("The annual maximum must be more than $0.")
    for rate in rates:
        if not rate.service.strip():
            refuse("Name the service each rate pays for.")
        if rate.unit is RateType.cost_reimbursement:
            if rate.rate is not None and rate.rate < 0:
                refuse(f"{rate.service} is reimbursed at cost: leave its rate empty.")
            continue
        if rate.rate is None:
            refuse(f"Give the rate for {rate.service} (only a cost reimbursement row has none).")
        if rate.rate <= 0:
            refuse(f"The rate for {rate.service} must be more than $0.")
    for measure in measures:
        if not measure.name.strip() or not measure.target.strip():
            refuse("Each performance measure needs a name and a target.")


def _within_award(award: Award, maximum: Decimal) -> None:
    """A contract's annual maximum comes from its approved award: never above it by drafting
    (an amendment approved by a second officer raises it, once the contract is active)."""
    if maximum > award.amount:
        refuse(f"The annual maximum cannot exceed the approved award, {money(award.amount)} a "
               "year. To pay more, amend the active contract: another officer approves it.")


def create(session: Session, award: Award, actor: User, *, start_date: date | None = None,
           end_date: date | None = None, annual_maximum: Decimal | None = None,
           rate_type: RateType, rates: list[Rate] = (), measures: list[Measure] = ()) -> Contract:
    """A contract in drafting from a final award: the awardee, the lot and its area offices."""
    policy.require(actor, "contract.manage")
    if award.status is not AwardStatus.final:
        refuse("A contract is made from a final award (after the standstill period).")
    if session.scalar(select(Contract.id).where(Contract.award_id == award.id)) is not None:
        refuse(f"{award.lot.label} already has its contract with "
               f"{award.organization.legal_name}.")
    default_start, default_end = default_term(award)
    start, end = start_date or default_start, end_date or default_end
    maximum = award.amount if annual_maximum is None else annual_maximum
    _check_terms(start, end, maximum, list(rates), list(measures))
    _within_award(award, maximum)
    siblings = session.scalar(select(func.count(Contract.id)).where(
        Contract.lot_id == award.lot_id)) or 0
    number = f"{award.solicitation.number}-L{award.lot.number}" + (
        f"-{siblings + 1}" if siblings else "")
    contract = Contract(
        number=number, award=award, solicitation_id=award.solicitation_id, lot=award.lot,
        organization=award.organization, area_offices=list(award.lot.area_offices),
        status=C.drafting, start_date=start, end_date=end, annual_maximum=maximum,
        rate_type=rate_type, created_at=clock.now(),
        rates=[_stored(r)
               for r in rates],
        measures=[PerformanceMeasure(name=m.name.strip(), target=m.target.strip(),
                                     incentive=m.incentive.strip()) for m in measures])
    session.add(contract)
    session.flush()
    audit.record(session, actor=actor, entity_type="contract", entity_id=contract.id,
                 event="create", to_state=C.drafting.name,
                 solicitation_id=contract.solicitation_id,
                 data={"number": number, "award": award.public_id,
                       "annual_maximum": str(maximum)})
    return contract


def edit_draft(session: Session, contract: Contract, actor: User, *, start_date: date,
               end_date: date, annual_maximum: Decimal, rate_type: RateType, rates: list[Rate],
               measures: list[Measure]) -> None:
    """Change the terms while drafting (after signing, only an amendment changes them)."""
    policy.require(actor, "contract.manage")
    if contract.status is not C.drafting:
        refuse("Only a contract in drafting is edited; amend an active contract instead.")
    _check_terms(start_date, end_date, annual_maximum, rates, measures)
    _within_award(contract.award, annual_maximum)
    contract.start_date, contract.end_date = start_date, end_date
    contract.annual_maximum, contract.rate_type = annual_maximum, rate_type
    contract.rates = [_stored(r)
                      for r in rates]
    contract.measures = [PerformanceMeasure(name=m.name.strip(), target=m.target.strip(),
                                            incentive=m.incentive.strip()) for m in measures]
    session.flush()
    audit.record(session, actor=actor, entity_type="contract", entity_id=contract.id,
                 event="edit_draft", solicitation_id=contract.solicitation_id,
                 data={"annual_maximum": str(annual_maximum), "rates": len(rates),
                       "measures": len(measures)})


def fire(session: Session, contract: Contract, event: str, actor: User | str, *,
         reason: str = "", today: date | None = None) -> None:
    """sign, activate, expire, terminate (amend has its own use case)."""
    if not isinstance(actor, str):
        policy.require(actor, "contract.manage")
    if event == "amend":
        refuse("An amendment says what it changes: use the amendment form.")
    CONTRACT.fire(contract, event, actor=actor, reason=reason, today=today or clock.today())
    session.flush()


def _stored(rate: Rate) -> ContractRate:
    """A cost reimbursement row pays what is spent: it has no rate (kept as $0)."""
    return ContractRate(service=rate.service.strip(), unit=rate.unit,
                        rate=rate.rate if rate.rate is not None else Decimal(0))


def _rates_text(rates: list[Any]) -> str:
    return "; ".join(f"{r.service}: at cost" if r.unit is RateType.cost_reimbursement
                     else f"{r.service}: {money(r.rate)} {r.unit.value.lower()}"
                     for r in rates) or "none"


def _measures_text(measures: list[Any]) -> str:
    return "; ".join(f"{m.name}: {m.target}" + (f" ({m.incentive})" if m.incentive else "")
                     for m in measures) or "none"


def amend(session: Session, contract: Contract, actor: User, *, reason: str,
          annual_maximum: Decimal | None = None, end_date: date | None = None,
          rates: list[Rate] | None = None, measures: list[Measure] | None = None
          ) -> ContractAmendment:
    """A numbered amendment of an active contract, keeping each changed figure before and
    after. The annual maximum never falls below what a fiscal year already encumbers; raising
    it above the approved award waits for another officer (`approve_amendment`)."""
    policy.require(actor, "contract.manage")
    changes: list[dict[str, str]] = []
    new_maximum = contract.annual_maximum if annual_maximum is None else annual_maximum
    new_end = contract.end_date if end_date is None else end_date
    new_rates = list(contract.rates) if rates is None else rates
    new_measures = list(contract.measures) if measures is None else measures
    _check_terms(contract.start_date, new_end, new_maximum, new_rates, new_measures)
    if new_maximum != contract.annual_maximum:
        biggest = max((e.amount for e in contract.encumbrances), default=Decimal(0))
        if new_maximum < biggest:
            refuse(f"A fiscal year already encumbers {money(biggest)}: the annual maximum "
                   "cannot fall below it.")
        changes.append({"field": "Annual maximum", "before": money(contract.annual_maximum),
                        "after": money(new_maximum)})
    if new_end != contract.end_date:
        changes.append({"field": "End date", "before": long_date(contract.end_date),
                        "after": long_date(new_end)})
    if rates is not None and _rates_text(rates) != _rates_text(contract.rates):
        changes.append({"field": "Rates", "before": _rates_text(contract.rates),
                        "after": _rates_text(rates)})
    if measures is not None and _measures_text(measures) != _measures_text(contract.measures):
        changes.append({"field": "Performance measures",
                        "before": _measures_text(contract.measures),
                        "after": _measures_text(measures)})
    if not changes:
        refuse("The amendment changes nothing: change a figure, a date, a rate or a measure.")
    if new_maximum > contract.annual_maximum and new_maximum > contract.award.amount:
        return _ask_approval(session, contract, actor, reason, new_maximum, changes)
    CONTRACT.fire(contract, "amend", actor=actor, reason=reason.strip(),
                  audit_data={"changes": changes})
    contract.annual_maximum, contract.end_date = new_maximum, new_end
    if rates is not None:
        contract.rates = [_stored(r)
                          for r in rates]
    if measures is not None:
        contract.measures = [PerformanceMeasure(name=m.name.strip(), target=m.target.strip(),
                                                incentive=m.incentive.strip()) for m in measures]
    amendment = ContractAmendment(contract=contract, number=len(contract.amendments) + 1,
                                  reason=reason.strip(), changes=changes, made_by_id=actor.id,
                                  made_at=clock.now())
    session.add(amendment)
    session.flush()
    return amendment


def _ask_approval(session: Session, contract: Contract, actor: User, reason: str,
                  maximum: Decimal, changes: list[dict[str, str]]) -> ContractAmendment:
    """An amendment raising the annual maximum above the approved award: recorded, numbered,
    and in force only once another officer approves it."""
    if len(changes) != 1:
        refuse(f"Raising the annual maximum above the award ({money(contract.award.amount)}) "
               "needs another officer's approval: amend the maximum on its own, and the other "
               "changes in another amendment.")
    if not reason.strip():
        refuse("Say why; it stays on the record and the provider is told.")
    if "amend" not in CONTRACT.allowed_events(contract):
        refuse(f"Only an active contract is amended; this one is "
               f"{contract.status.value.lower()}.")
    if any(a.status is AmendmentStatus.awaiting_approval for a in contract.amendments):
        refuse("An amendment of this contract already waits for approval: approve or refuse it "
               "first.")
    amendment = ContractAmendment(
        contract=contract, number=len(contract.amendments) + 1, reason=reason.strip(),
        changes=changes, made_by_id=actor.id, made_at=clock.now(),
        status=AmendmentStatus.awaiting_approval, annual_maximum=maximum)
    session.add(amendment)
    session.flush()
    audit.record(session, actor=actor, entity_type="contract", entity_id=contract.id,
                 event="amendment_proposed", reason=reason.strip(),
                 solicitation_id=contract.solicitation_id,
                 data={"number": amendment.number, "annual_maximum": str(maximum),
                       "award_amount": str(contract.award.amount)})
    return amendment


def approve_amendment(session: Session, amendment: ContractAmendment, actor: User
                      ) -> ContractAmendment:
    """Another officer than its author puts an amendment raising the maximum into force."""
    policy.require(actor, "contract.manage")
    contract = amendment.contract
    if amendment.status is not AmendmentStatus.awaiting_approval:
        refuse(f"Amendment {amendment.number} is {amendment.status.value.lower()}: nothing waits "
               "for approval.")
    if amendment.made_by_id == actor.id:
        refuse("You proposed this amendment: another officer must approve it.")
    maximum = amendment.annual_maximum
    assert maximum is not None
    change = {"field": "Annual maximum", "before": money(contract.annual_maximum),
              "after": money(maximum)}
    CONTRACT.fire(contract, "amend", actor=actor, reason=amendment.reason,
                  audit_data={"changes": [change], "amendment": amendment.number,
                              "proposed_by": amendment.made_by_id})
    contract.annual_maximum = maximum
    amendment.changes = [change]
    amendment.status = AmendmentStatus.in_force
    amendment.approved_by_id, amendment.approved_at = actor.id, clock.now()
    session.flush()
    return amendment


def refuse_amendment(session: Session, amendment: ContractAmendment, actor: User, *,
                     reason: str) -> ContractAmendment:
    """An amendment waiting for approval is refused (by any officer, its author too), with
    the reason; the contract stays as it was."""
    policy.require(actor, "contract.manage")
    if amendment.status is not AmendmentStatus.awaiting_approval:
        refuse(f"Amendment {amendment.number} is {amendment.status.value.lower()}: nothing waits "
               "for approval.")
    if not reason.strip():
        refuse("Say why the amendment is refused; it stays on the record.")
    amendment.status = AmendmentStatus.refused
    amendment.approved_by_id, amendment.approved_at = actor.id, clock.now()
    session.flush()
    audit.record(session, actor=actor, entity_type="contract", entity_id=amendment.contract_id,
                 event="amendment_refused", reason=reason.strip(),
                 solicitation_id=amendment.contract.solicitation_id,
                 data={"number": amendment.number})
    return amendment


def add_document(session: Session, contract: Contract, actor: User, uploads: Uploads, *,
                 title: str, stream: BinaryIO, filename: str) -> ContractDocument:
    """The signed contract, its attachments, amendments' signed pages."""
    policy.require(actor, "contract.manage")
    if not title.strip():
        refuse("Give the document a title (for example “Signed contract”).")
    stored = store_upload(uploads, stream)
    document = ContractDocument(contract=contract, title=title.strip(),
                                filename=safe_filename(filename), sha256=stored.sha256,
                                size=stored.size, uploaded_at=clock.now(),
                                uploaded_by_id=actor.id)
    session.add(document)
    session.flush()
    audit.record(session, actor=actor, entity_type="contract", entity_id=contract.id,
                 event="add_document", solicitation_id=contract.solicitation_id,
                 data={"title": document.title, "sha256": stored.sha256})
    return document


# ---------------------------------------------------------------- the scheduler's jobs

def start_due(session: Session, moment: datetime) -> list[str]:
    """Signed contracts whose start date has come become active."""
    today = clock.local(moment).date()
    done = []
    for contract in session.scalars(select(Contract).where(
            Contract.status == C.signed, Contract.start_date <= today).order_by(Contract.id)):
        CONTRACT.fire(contract, "activate", actor="scheduler", today=today)
        done.append(contract.number)
    session.flush()
    return done


def expire_due(session: Session, moment: datetime) -> list[str]:
    """Active contracts past their end date expire."""
    today = clock.local(moment).date()
    done = []
    for contract in session.scalars(select(Contract).where(
            Contract.status == C.active, Contract.end_date < today).order_by(Contract.id)):
        CONTRACT.fire(contract, "expire", actor="scheduler", today=today)
        done.append(contract.number)
    session.flush()
    return done


# ---------------------------------------------------------------- encumbrances and draw-downs

def encumber(session: Session, contract: Contract, actor: User, *, fiscal_year_: int,
             amount: Decimal) -> Encumbrance:
    """Set aside a fiscal year's money on a signed or active contract (the open order), up to
    its annual maximum; raise or lower it later, never below what is drawn."""
    policy.require(actor, "contract.manage")
    if contract.status not in (C.signed, C.active):
        refuse("Money is encumbered on a signed or active contract.")
    if fiscal_year_ not in fiscal_years(contract):
        refuse(f"FY{fiscal_year_} is outside the contract's term "
               f"({long_date(contract.start_date)} to {long_date(contract.end_date)}).")
    if amount <= 0:
        refuse("The encumbrance must be more than $0.")
    if amount > contract.annual_maximum:
        refuse(f"The encumbrance cannot exceed the contract's annual maximum, "
               f"{money(contract.annual_maximum)}.")
    row = session.scalar(select(Encumbrance).where(Encumbrance.contract_id == contract.id,
                                                   Encumbrance.fiscal_year == fiscal_year_)
                         .with_for_update())
    before = None
    if row is None:
        row = Encumbrance(contract=contract, fiscal_year=fiscal_year_, amount=amount,
                          drawn=Decimal(0), created_at=clock.now(), created_by_id=actor.id)
        session.add(row)
    else:
        if amount < row.drawn:
            refuse(f"{money(row.drawn)} is already drawn in FY{fiscal_year_}: the encumbrance "
                   "cannot be less.")
        before, row.amount = row.amount, amount
    session.flush()
    audit.record(session, actor=actor, entity_type="contract", entity_id=contract.id,
                 event="encumber", solicitation_id=contract.solicitation_id,
                 data={"fiscal_year": fiscal_year_, "amount": str(amount),
                       "before": str(before) if before is not None else None})
    return row


# Every Unicode dash (hyphen, non-breaking hyphen, en and em dash, minus sign...) is one '-'.
_DASHES = re.compile(r"[\u002D\u00AD\u058A\u05BE\u1400\u1806\u2010-\u2015\u2053\u207B"
                     r"\u208B\u2212\u2E17\u2E1A\u2E3A\u2E3B\u2E40\u301C\u3030\u30A0"
                     r"\uFE31\uFE32\uFE58\uFE63\uFF0D]")
FAMILY_REFERENCE = re.compile(r"[A-Z0-9](?:[A-Z0-9./_#-]{0,58}[A-Z0-9])?")


def family_key(reference: str) -> str:
    """A family reference as one spelling: NFKC, every dash a '-', no spaces or invisible
    characters (zero-width space, joiners), capitals. FAM-2, fam-2, FAM\u20112 (non-breaking
    hyphen) and FAM-\u200b2 are one family. Refused unless it is then letters and digits with
    - . / _ # between them: a lookalike letter from another script is no family reference.
    The cap counts a family without its separators (same_family): FAM 2, FAM.2 and FAM-2 too."""
    text = unicodedata.normalize("NFKC", reference)
    text = _DASHES.sub("-", text)
    text = "".join(ch for ch in text if not ch.isspace()
                   and unicodedata.category(ch) not in ("Cf", "Cc", "Zs", "Zl", "Zp"))
    text = text.casefold().upper()
    if not FAMILY_REFERENCE.fullmatch(text):
        shown = "".join(ch for ch in reference if ch.isprintable())[:60]
        refuse(f"“{shown}” is not a family reference: use letters and digits, with - . / _ # "
               "between them (for example FAM-2).")
    return text


FAMILY_SEPARATORS = "-./_#"


def same_family(key: str) -> str:
    """A family as the cap counts it: its key without separators (FAM-2, FAM.2, FAM2: one)."""
    return key.translate({ord(ch): None for ch in FAMILY_SEPARATORS})


def _same_family_sql(column: Any) -> Any:
    """same_family, written in SQL over a stored family reference (any database)."""
    for ch in FAMILY_SEPARATORS:
        column = func.replace(column, ch, "")
    return column


def _hold(session: Session, encumbrance: Encumbrance, family: str) -> None:
    """Serialise draw-downs on one encumbrance, and flexible funds for one family in a fiscal
    year, until the commit: on PostgreSQL the encumbrance's row lock (and a transaction lock
    on the family and year, which spans contracts); SQLite has no row locks, so a write comes
    first: it takes the database's one write lock, and every other writer waits for the
    commit (SQLite serialises writers)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(Encumbrance.id).where(Encumbrance.id == encumbrance.id)
                        .with_for_update())
        if family:
            session.execute(select(func.pg_advisory_xact_lock(
                func.hashtext(f"flexible funds FY{encumbrance.fiscal_year} {family}"))))
    else:
        session.execute(update(Encumbrance).where(Encumbrance.id == encumbrance.id)
                        .values(drawn=Encumbrance.drawn)
                        .execution_options(synchronize_session=False))


def draw_down(session: Session, encumbrance: Encumbrance, actor: User, *, service_date: date,
              amount: Decimal, service: str, family_reference: str = "",
              flexible_funds: bool = False) -> DrawDown:
    """Record a payment against the fiscal year's encumbrance. Never beyond what remains: the
    check and the drawing are one UPDATE, so of two draw-downs racing for the last dollars
    exactly the ones that fit succeed. Flexible family funds: at most $500 per family a year,
    checked under the same lock (the family named as `family_key` writes it, and recorded as
    its first payment was)."""
    policy.require(actor, "contract.manage")
    contract = encumbrance.contract
    if contract.status is not C.active:
        refuse("Payments are drawn down on an active contract.")
    amount = amount.quantize(MONEY)
    if amount <= 0:
        refuse("The amount must be more than $0.")
    if not service.strip():
        refuse("Name the service the payment is for.")
    if fiscal_year(service_date) != encumbrance.fiscal_year:
        start, end = fiscal_year_bounds(encumbrance.fiscal_year)
        refuse(f"The service date must fall in FY{encumbrance.fiscal_year} "
               f"({long_date(start)} to {long_date(end)}).")
    if not contract.start_date <= service_date <= contract.end_date:
        refuse("The service date must fall within the contract's term.")
    if service_date > clock.today():
        refuse(f"The service date {long_date(service_date)} is still to come: a payment is "
               "drawn down for a service delivered.")
    family = family_key(family_reference) if family_reference.strip() else ""
    if flexible_funds and not family:
        refuse("Flexible family funds name the family they were spent for.")
    _hold(session, encumbrance, same_family(family) if flexible_funds else "")
    # A family keeps the spelling its first payment gave it (FAM 9, then fam-9: both FAM9), so
    # the payments list names each family one way.
    typed = family
    if family:
        family = session.scalar(select(DrawDown.family_reference).where(
            _same_family_sql(DrawDown.family_reference) == same_family(family))
            .order_by(DrawDown.id).limit(1)) or family
    if flexible_funds:
        spent = session.scalar(select(func.coalesce(func.sum(DrawDown.amount), 0))
                               .join(Encumbrance).where(
            DrawDown.flexible_funds.is_(True),
            _same_family_sql(DrawDown.family_reference) == same_family(family),
            Encumbrance.fiscal_year == encumbrance.fiscal_year)) or 0
        if Decimal(spent) + amount > FAMILY_FUNDS_CAP:
            left = max(FAMILY_FUNDS_CAP - Decimal(spent), Decimal(0))
            written = f" (written {typed} here)" if typed != family else ""
            refuse(f"Flexible funds are capped at {money(FAMILY_FUNDS_CAP)} per family a year; "
                   f"family {family}{written} has {money(left)} left in "
                   f"FY{encumbrance.fiscal_year}.")
    drawn = session.execute(
        update(Encumbrance)
        .where(Encumbrance.id == encumbrance.id, Encumbrance.drawn + amount <= Encumbrance.amount)
        .values(drawn=Encumbrance.drawn + amount)
        .execution_options(synchronize_session=False))
    session.refresh(encumbrance)
    if drawn.rowcount != 1:  # type: ignore[attr-defined]
        raise WorkflowError(
            f"Only {money(encumbrance.remaining)} remains of the FY{encumbrance.fiscal_year} "
            f"encumbrance; a payment of {money(amount)} would exceed it.")
    row = DrawDown(encumbrance=encumbrance, service_date=service_date, amount=amount,
                   service=service.strip(), family_reference=family or None,
                   flexible_funds=flexible_funds, recorded_by_id=actor.id,
                   recorded_at=clock.now())
    session.add(row)
    session.flush()
    audit.record(session, actor=actor, entity_type="contract", entity_id=contract.id,
                 event="draw_down", solicitation_id=contract.solicitation_id,
                 data={"fiscal_year": encumbrance.fiscal_year, "amount": str(amount),
                       "service": row.service, "flexible_funds": flexible_funds})
    return row


@dataclass
class Pace:
    """How fast an encumbrance is being spent, and whether it lasts the fiscal year. Days count
    from when money could first be drawn: the later of the contract's start and July 1."""
    drawn: Decimal
    amount: Decimal
    days_elapsed: int               # days of drawing so far, `since` included
    days_in_year: int               # days money can be drawn this fiscal year
    projected: Decimal              # spent by June 30 at this pace
    runs_out_on: date | None        # the day the money runs out at this pace, if before June 30
    since: date | None = None       # the first day money could be drawn
    until: date | None = None       # the last (June 30, or the contract's end if sooner)

    @property
    def warning(self) -> str:
        if self.runs_out_on is None:
            return ""
        return (f"At this pace ({money(self.drawn)} in {self.days_elapsed} "
                f"day{'s' if self.days_elapsed != 1 else ''}) the encumbrance "
                f"runs out on {long_date(self.runs_out_on)}, before the fiscal year ends; "
                f"{money(self.projected)} would be spent by {self.until_text}.")

    @property
    def until_text(self) -> str:
        if self.until is None or (self.until.month, self.until.day) == (6, 30):
            return "June 30"
        return long_date(self.until)


def pace(encumbrance: Encumbrance, today: date | None = None) -> Pace:
    """Project the year's spending from the pace so far: a straight line from the first day
    money could be drawn (the contract's start, if after July 1) to June 30."""
    fy_start, end = fiscal_year_bounds(encumbrance.fiscal_year)
    start = max(fy_start, encumbrance.contract.start_date)
    end = min(end, max(encumbrance.contract.end_date, start))
    today = today or clock.today()
    days_in_year = (end - start).days + 1
    elapsed = max(0, min((min(today, end) - start).days + 1, days_in_year))
    drawn = encumbrance.drawn
    if elapsed == 0 or drawn <= 0:
        return Pace(drawn, encumbrance.amount, elapsed, days_in_year, Decimal(0), None, start, end)
    per_day = drawn / elapsed
    projected = (per_day * days_in_year).quantize(MONEY, ROUND_HALF_UP)
    runs_out = None
    if projected > encumbrance.amount:
        runs_out = start + timedelta(days=int(encumbrance.amount / per_day))
    return Pace(drawn, encumbrance.amount, elapsed, days_in_year, projected, runs_out, start, end)
