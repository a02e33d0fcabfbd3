"""The RFI and RFR lifecycles: drafting, publishing, addenda, questions, the deadline, the opening.

Use cases take a Session and the acting User, change rows, and write the audit in the same
transaction; the caller commits once. Nothing here knows Flask."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from decimal import Decimal
from collections.abc import Callable
from typing import Any, BinaryIO

from sqlalchemy import func, select
from sqlalchemy.orm import Session, object_session, selectinload
from transitions import EventData

from procure import audit, clock, policy
from procure.models import (
    Addendum,
    Agency,
    AreaOffice,
    CancelReason,
    Criterion,
    DocumentKind,
    Envelope,
    Lot,
    LotKind,
    ProcedureRule,
    Question,
    Region,
    RequiredSection,
    Response,
    ResponseStatus,
    RfiComment,
    ServiceModel,
    Solicitation,
    SolicitationDocument,
    SolicitationKind,
    SolicitationStatus,
    User,
)
from procure.workflows.base import (
    NotFound,
    Uploads,
    Workflow,
    WorkflowError,
    refuse,
    safe_filename,
    store_upload,
)

S = SolicitationStatus
MAX_AMOUNT = Decimal("999999999999.99")     # what an amount column (14 digits, 2 decimals) holds


# ---------------------------------------------------------------- guards (raise with the reason)

def _session(row: Solicitation) -> Session:
    session = object_session(row)
    assert session is not None, "workflow rows must belong to a session"
    return session


def _rule(row: Solicitation) -> ProcedureRule:
    return rules_for(_session(row), row.kind)


def _publishable(event: EventData) -> bool:
    problems = publish_problems(event.model)
    if problems:
        refuse(problems)
    return True


def publish_problems(row: Solicitation) -> str:
    """What stops a draft from being published, in one sentence ("" when nothing does): said
    where the officer would confirm, and again if the publish is tried regardless."""
    now = clock.now()
    rule = _rule(row)
    problems = []
    if not row.agencies:
        problems.append("choose at least one issuing agency")
    if row.deadline is None:
        problems.append("set a submission deadline")
    elif row.deadline <= now:
        problems.append("the deadline is in the past: set one in the future")
    elif row.deadline - now < timedelta(days=rule.min_days_open):
        problems.append(f"an {row.kind.name} must stay open at least {rule.min_days_open} days: "
                        f"move the deadline to {clock.format_moment(now + timedelta(days=rule.min_days_open))} or later")
    if row.kind is SolicitationKind.RFR:
        if not row.lots:
            problems.append("add at least one lot")
        if not row.sections:
            problems.append("add the response sections bidders must include")
        if not row.criteria:
            problems.append("add evaluation criteria")
        elif row.criteria_weight != 100:
            problems.append(f"criteria weights add up to {row.criteria_weight}, not 100")
        if row.deadline is not None and row.questions_due is not None:
            latest = row.deadline - timedelta(days=rule.question_cutoff_days)
            if row.questions_due > latest:
                problems.append(f"questions must close at least {rule.question_cutoff_days} days "
                                f"before the deadline (by {clock.format_moment(latest)})")
    return "Cannot publish yet: " + "; ".join(problems) + "." if problems else ""


# What counts for a submission is when the service received it. Requests received just before
# the deadline may still be in progress just after it, so the clock closes a solicitation this
# long after its deadline; anything received after the deadline is refused meanwhile.
CLOSING_GRACE = timedelta(seconds=30)


def closes_at(row: Solicitation) -> datetime | None:
    return row.deadline + CLOSING_GRACE if row.deadline is not None else None


def _deadline_passed(event: EventData) -> bool:
    row: Solicitation = event.model
    now = min(event.kwargs.get("at") or clock.now(), clock.now())   # never ahead of the clock
    if row.deadline is None or row.deadline > now:
        refuse(f"The deadline ({clock.format_moment(row.deadline)}) has not passed yet.")
    grace = event.kwargs.get("grace", CLOSING_GRACE)
    if row.deadline + grace > now:
        refuse("Submissions received before the deadline are still being recorded; it closes at "
               f"{clock.format_moment(row.deadline + grace)}.")
    return True


def _cancel_reason_given(event: EventData) -> bool:
    """A solicitation that was ever public is cancelled with a coded reason and an explanation
    bidders read; a draft nobody outside ever saw needs neither."""
    if event.model.published_at is None:
        return True
    reason = event.kwargs.get("cancel_reason")
    text = (event.kwargs.get("reason") or "").strip()
    if not isinstance(reason, CancelReason):
        refuse("Choose why the solicitation is cancelled.")
    if not text:
        refuse("Explain the cancellation in a few words; bidders will read it.")
    return True


def _has_accepted_response(event: EventData) -> bool:
    accepted = _session(event.model).scalar(select(Response.id).where(
        Response.solicitation_id == event.model.id,
        Response.status == ResponseStatus.accepted).limit(1))
    if accepted is None:
        refuse("Accept at least one response as responsive before evaluation begins.")
    short = below_minimum(_session(event.model), event.model)
    if short is not None:
        count, minimum = short
        refuse(f"{event.model.number} has {count} responsive response"
               f"{'' if count == 1 else 's'}; the procedure asks for at least {minimum}. "
               "Decide first, with a reason on the record: evaluate anyway, re-advertise or "
               "cancel.")
    return True


def below_minimum(session: Session, row: Solicitation) -> tuple[int, int] | None:
    """(responsive responses, the procedure's minimum) where an opened RFR has fewer accepted
    responses than its procedure's minimum and no officer has yet decided to evaluate anyway;
    None otherwise."""
    if row.kind is not SolicitationKind.RFR or row.opened_at is None \
            or row.below_minimum_at is not None:
        return None
    minimum = rules_for(session, row.kind).min_responses
    count = session.scalar(select(func.count()).select_from(Response).where(
        Response.solicitation_id == row.id, Response.status == ResponseStatus.accepted)) or 0
    return (count, minimum) if count < minimum else None


# What an officer may decide for an RFR opened below the minimum (the cancels are the response
# workflow's: workflows.response.decide_below_minimum).
BELOW_MINIMUM = {"evaluate": "Evaluate anyway", "readvertise": "Re-advertise (cancel this RFR)",
                 "cancel": "Cancel"}


def evaluate_below_minimum(session: Session, row: Solicitation, actor: User,
                           reason: str) -> None:
    """Evaluate an RFR opened below its procedure's minimum anyway, the reason on the record."""
    policy.require(actor, "solicitation.manage")
    short = below_minimum(session, row)
    if row.status is not S.opened or short is None:
        refuse(f"{row.number} needs no decision: it is not opened below the minimum.")
    if not reason.strip():
        refuse("Give the reason: it goes on the record.")
    row.below_minimum_at = clock.now()
    row.below_minimum_reason = reason.strip()
    session.flush()
    audit.record(session, actor=actor, entity_type="solicitation", entity_id=row.id,
                 event="evaluate_below_minimum", from_state=row.status.name,
                 to_state=row.status.name, reason=reason.strip(),
                 data={"responses": short[0], "minimum": short[1]})


# ---------------------------------------------------------------- callbacks

def _stamp_published(event: EventData) -> None:
    row: Solicitation = event.model
    row.published_at = clock.now()
    if row.kind is SolicitationKind.RFR and row.questions_due is None and row.deadline is not None:
        row.questions_due = row.deadline - timedelta(days=_rule(row).question_cutoff_days)


def _stamp_cancelled(event: EventData) -> None:
    row: Solicitation = event.model
    reason = event.kwargs.get("cancel_reason")
    row.cancel_reason = reason if isinstance(reason, CancelReason) else None
    row.cancel_text = (event.kwargs.get("reason") or "").strip()


def _cascade_given(event: EventData) -> bool:
    """Closing or opening an RFR moves its responses too. That cascade belongs to the response
    workflow (downstream; this module never imports it), which passes it as `cascade`: an RFR
    is closed or opened only through `workflows.response` (close_solicitation, close_due,
    open_responses, fire_solicitation_event)."""
    if not callable(event.kwargs.get("cascade")):
        raise WorkflowError(f"An RFR's {event.event.name} moves its responses too: fire it "
                            "through procure.workflows.response.")
    return True


def _checked_by_award(event: EventData) -> bool:
    """Awarding moves only through procure.workflows.award, which checks that every panel is
    finalized (begin_awarding) and every award final (complete_award) and says so."""
    if not event.kwargs.get("checked_by_award"):
        raise WorkflowError(f"An RFR's {event.event.name} is decided by its awards: fire it "
                            "through procure.workflows.award.")
    return True


def _run_cascade(event: EventData) -> None:
    event.kwargs["cascade"](event.model, event.kwargs.get("actor"))


def _stamp_opened(event: EventData) -> None:
    event.model.opened_at = clock.now()


LABELS = {
    "publish": "Publish", "close": "Close at the deadline", "open": "Open responses",
    "begin_evaluation": "Begin evaluation", "begin_awarding": "Begin awarding",
    "complete_award": "Complete the award", "archive": "Archive",
    "cancel": "Cancel",
}

def done_message(row: Solicitation, event: str) -> str:
    """What the officer reads once an event is done, in plain words."""
    now = row.status.value.lower()
    return {
        "publish": f"{row.number} is published; it is now open to bidders until "
                   f"{clock.format_moment(row.deadline)}.",
        "open": f"{row.number}: the responses are opened; they are listed on the responses page.",
        "cancel": f"{row.number} is cancelled.",
        "close": f"{row.number} is closed; responses stay sealed until you open them.",
    }.get(event, f"{row.number}: {LABELS.get(event, event).lower()} done; it is now {now}.")


def consequences(row: Solicitation) -> dict[str, str]:
    """What follows each event that cannot be undone, said before the person confirms."""
    never_published = row.published_at is None
    return {
        "publish": f"Publishing makes {row.number} public to everyone at once. From then on it "
                   "changes only by addendum, and bidders may respond until the deadline.",
        "open": "Opening unseals every response at once: the agency sees who responded and "
                "reads what they sent. This cannot be undone.",
        "begin_evaluation": "Evaluation begins on the responses accepted as responsive; the "
                            "others are set aside.",
        "archive": "Archiving files the solicitation away; it stays readable.",
        "cancel": ("Cancelling ends it for good. " + (
            "It was never published, so it stays internal: nobody outside the agency sees it."
            if never_published else
            "Everyone sees it as cancelled with your explanation, no more responses are taken, "
            "and bidders who responded are told.")),
    }


RFR = Workflow("an RFR", S, [
    {"trigger": "publish", "source": "draft", "dest": "published",
     "conditions": [_publishable], "before": [_stamp_published]},
    {"trigger": "close", "source": "published", "dest": "closed",
     "conditions": [_deadline_passed, _cascade_given], "after": [_run_cascade]},
    {"trigger": "open", "source": "closed", "dest": "opened", "conditions": [_cascade_given],
     "before": [_stamp_opened], "after": [_run_cascade]},
    {"trigger": "begin_evaluation", "source": "opened", "dest": "in_evaluation",
     "conditions": [_has_accepted_response]},
    # Awarding belongs to the award workflow (downstream), which checks the panels and awards.
    {"trigger": "begin_awarding", "source": "in_evaluation", "dest": "awarding",
     "conditions": [_checked_by_award]},
    {"trigger": "complete_award", "source": "awarding", "dest": "awarded",
     "conditions": [_checked_by_award]},
    {"trigger": "cancel", "source": ["draft", "published", "closed", "opened", "in_evaluation",
                                     "awarding"],
     "dest": "cancelled", "conditions": [_cancel_reason_given], "before": [_stamp_cancelled]},
], LABELS)

RFI = Workflow("an RFI", S, [
    {"trigger": "publish", "source": "draft", "dest": "published",
     "conditions": [_publishable], "before": [_stamp_published]},
    {"trigger": "close", "source": "published", "dest": "closed", "conditions": [_deadline_passed]},
    {"trigger": "archive", "source": "closed", "dest": "archived"},
    {"trigger": "cancel", "source": ["draft", "published"], "dest": "cancelled",
     "conditions": [_cancel_reason_given], "before": [_stamp_cancelled]},
], LABELS)

# Each lifecycle's states in the order people meet them (for the picture of the lifecycle).
STATE_ORDER = {
    SolicitationKind.RFR: [S.draft, S.published, S.closed, S.opened, S.in_evaluation,
                           S.awarding, S.awarded],
    SolicitationKind.RFI: [S.draft, S.published, S.closed, S.archived],
}


def workflow_for(row: Solicitation) -> Workflow:
    return RFR if row.kind is SolicitationKind.RFR else RFI


def rules_for(session: Session, kind: SolicitationKind) -> ProcedureRule:
    rule = session.get(ProcedureRule, kind)
    if rule is None:
        raise WorkflowError(f"No procedure rules are set for {kind.value}s; run `procure init-db`.")
    return rule


RULE_FIELDS = {
    "min_days_open": "Days open at least",
    "question_cutoff_days": "Questions close this many days before the deadline",
    "min_days_after_addendum": "Days bidders get at least after an addendum",
    "standstill_days": "Standstill days after an award",
    "min_responses": "Responses needed at least",
    "show_sealed_counts": "Officers see how many sealed responses arrived before the opening",
}


# An RFI awards nothing and takes no minimum of responses: these rules are the RFR's alone.
RFR_ONLY_RULES = ("standstill_days", "min_responses")


def rule_fields(kind: SolicitationKind) -> dict[str, str]:
    """The rules that apply to a kind of solicitation, each with its name."""
    return {key: name for key, name in RULE_FIELDS.items()
            if kind is SolicitationKind.RFR or key not in RFR_ONLY_RULES}


def set_rules(session: Session, kind: SolicitationKind, actor: User, **values: Any) -> ProcedureRule:
    """An administrator changes a procedure's rules; the audit keeps each change."""
    rule = rules_for(session, kind)
    changes = {}
    for key, value in values.items():
        if key not in RULE_FIELDS:
            continue
        if key != "show_sealed_counts" and (not isinstance(value, int) or not 0 <= value <= 365):
            refuse(f"{RULE_FIELDS[key]}: a whole number of days from 0 to 365.")
        if getattr(rule, key) != value:
            changes[key] = [getattr(rule, key), value]
            setattr(rule, key, value)
    if changes:
        session.flush()
        audit.record(session, actor=actor, entity_type="procedure_rule", entity_id=0,
                     event="set_rules", data={"what": f"{kind.value} rules", "kind": kind.name,
                                              "changes": changes})
    return rule


# Fired by the award workflow as awards are proposed and made final, never by a button.
AWARD_EVENTS = ("begin_awarding", "complete_award")


def allowed_events(row: Solicitation) -> list[str]:
    """The events a person can fire now. Closing is the clock's: offered only once due."""
    events = [e for e in workflow_for(row).allowed_events(row) if e not in AWARD_EVENTS]
    if "close" in events and (row.deadline is None or closes_at(row) > clock.now()):
        events.remove("close")
    return events


def fire(session: Session, row: Solicitation, event: str, actor: User | str, *,
         reason: str = "", cascade: Callable[[Solicitation, Any], None] | None = None,
         **data: Any) -> None:
    """Fire any lifecycle event by name. Closing and opening an RFR also move its responses:
    the faces fire events through `workflows.response.fire_solicitation_event`, which passes
    that `cascade`."""
    if event == "cancel":
        return cancel(session, row, actor, data.get("cancel_reason"), reason)
    if event == "close":
        lock(session, row)
    workflow_for(row).fire(row, event, actor=actor, reason=reason, cascade=cascade, **data)
    session.flush()


def publish(session: Session, row: Solicitation, actor: User) -> None:
    fire(session, row, "publish", actor)


def cancel(session: Session, row: Solicitation, actor: User | str,
           reason: CancelReason | str | None, text: str) -> None:
    if isinstance(reason, str):
        try:
            reason = CancelReason[reason]
        except KeyError:
            reason = None
    workflow_for(row).fire(row, "cancel", actor=actor, reason=text, cancel_reason=reason,
                           audit_data={"cancel_reason": reason.name if reason else None})
    session.flush()


# ---------------------------------------------------------------- drafting

def _require_draft(row: Solicitation) -> None:
    if row.status is not S.draft:
        refuse(f"{row.number} is {row.status.value.lower()}: a published solicitation changes "
               "only by addendum.")


def next_number(session: Session, agency: str, kind: SolicitationKind, year: int) -> str:
    prefix = f"{agency}-{year}-{kind.name}-"
    taken = session.scalars(select(Solicitation.number).where(
        Solicitation.number.like(prefix + "%"))).all()
    n = max((int(t.rsplit("-", 1)[1]) for t in taken if t.rsplit("-", 1)[1].isdigit()), default=0)
    return f"{prefix}{n + 1:03d}"


DRAFT_FIELDS = ("title", "description", "questions_due", "conference_at", "conference_location",
                "deadline", "expected_award", "contract_start", "informed_by_id",
                "required_document_kinds")


def required_kinds(names: Any) -> list[str]:
    """The kinds of document an RFR requires of every response (DocumentKind names, in the
    kinds' order); an unknown name is refused, naming the kinds there are."""
    names = list(names or [])
    unknown = [n for n in names if n not in DocumentKind.__members__]
    if unknown:
        refuse(f"There is no kind of document “{unknown[0]}”; the kinds are "
               + ", ".join(k.name for k in DocumentKind) + ".")
    return [k.name for k in DocumentKind if k.name in names]


def _normalized(fields: dict) -> dict:
    if "required_document_kinds" in fields:
        fields["required_document_kinds"] = required_kinds(fields["required_document_kinds"])
    return fields


def _check_informed_by(session: Session, kind: SolicitationKind, rfi_id: int | None) -> None:
    if rfi_id is None:
        return
    rfi = session.get(Solicitation, rfi_id)
    if kind is not SolicitationKind.RFR or rfi is None or rfi.kind is not SolicitationKind.RFI:
        refuse("Only an RFR names the RFI that informed it, and that must be an RFI.")


def rfi_choices(session: Session) -> list[Solicitation]:
    """The RFIs an RFR may name as having informed it (published ones, newest first)."""
    return list(session.scalars(select(Solicitation).where(
        Solicitation.kind == SolicitationKind.RFI, policy.PUBLIC).order_by(Solicitation.id.desc())))


def rfi_comments(session: Session, row: Solicitation) -> list[RfiComment]:
    """The comments of the RFI that informed this RFR, for the officer drafting it."""
    if row.informed_by_id is None:
        return []
    return list(session.scalars(select(RfiComment).where(
        RfiComment.solicitation_id == row.informed_by_id).order_by(RfiComment.submitted_at)))


def create(session: Session, actor: User, *, kind: SolicitationKind, agencies: list[str],
           number: str | None = None, **fields: Any) -> Solicitation:
    agency_rows = _agencies(session, agencies)
    year = clock.local(clock.now()).year
    number = number or next_number(session, agency_rows[0].code if agency_rows else "DCF", kind, year)
    if session.scalar(select(Solicitation.id).where(Solicitation.number == number)):
        refuse(f"The number {number} is already used by another solicitation.")
    _check_informed_by(session, kind, fields.get("informed_by_id"))
    fields = _normalized(fields)
    row = Solicitation(number=number, kind=kind, agencies=agency_rows, created_by_id=actor.id,
                       created_at=clock.now(), status=S.draft,
                       **{k: v for k, v in fields.items() if k in DRAFT_FIELDS})
    session.add(row)
    session.flush()
    audit.record(session, actor=actor, entity_type="solicitation", entity_id=row.id,
                 event="create", to_state=S.draft.name, data={"number": number})
    return row


def update(session: Session, row: Solicitation, actor: User, *, agencies: list[str] | None = None,
           **fields: Any) -> None:
    _require_draft(row)
    if "informed_by_id" in fields:
        _check_informed_by(session, row.kind, fields["informed_by_id"])
    fields = _normalized(fields)
    changed = {}
    for key, value in fields.items():
        if key in DRAFT_FIELDS and getattr(row, key) != value:
            setattr(row, key, value)
            changed[key] = value
    if agencies is not None:
        row.agencies = _agencies(session, agencies)
        changed["agencies"] = agencies
    if changed:
        audit.record(session, actor=actor, entity_type="solicitation", entity_id=row.id,
                     event="edit", from_state=row.status.name, to_state=row.status.name,
                     data={"fields": sorted(changed)})
    session.flush()


def _agencies(session: Session, codes: list[str]) -> list[Agency]:
    rows = [session.get(Agency, code) for code in codes]
    if not codes or any(r is None for r in rows):
        refuse("Choose at least one issuing agency (DCF, DMH).")
    return rows  # type: ignore[return-value]


def _area_offices(session: Session, ids: Any) -> list[AreaOffice]:
    """The area offices a lot covers, each once however often it was named."""
    areas = [session.get(AreaOffice, i) for i in dict.fromkeys(ids)]
    if any(a is None for a in areas):
        refuse("One of the chosen area offices does not exist.")
    return areas


def add_lot(session: Session, row: Solicitation, actor: User, *, kind: LotKind, title: str,
            estimated_annual_value: Decimal, max_awards: int = 1,
            area_office_ids: list[int] = (), region_id: int | None = None,
            service_model_code: str | None = None) -> Lot:
    _require_draft(row)
    if row.kind is not SolicitationKind.RFR:
        refuse("Only an RFR has lots; an RFI asks for comments.")
    areas = _area_offices(session, area_office_ids)
    _check_coverage(session, kind, areas, region_id, service_model_code)
    if estimated_annual_value is None or not estimated_annual_value.is_finite() \
            or not 0 <= estimated_annual_value <= MAX_AMOUNT:
        refuse("The estimated annual value is an amount in dollars from $0 to "
               f"${MAX_AMOUNT:,}.")
    if max_awards < 1:
        refuse("A lot may get at least one award.")
    number = max((lot.number for lot in row.lots), default=0) + 1
    lot = Lot(number=number, kind=kind, title=title.strip(), area_offices=areas,
              region_id=region_id, service_model_code=service_model_code,
              estimated_annual_value=estimated_annual_value, max_awards=max_awards)
    row.lots.append(lot)
    session.flush()
    audit.record(session, actor=actor, entity_type="solicitation", entity_id=row.id,
                 event="add_lot", from_state="draft", to_state="draft",
                 data={"lot": number, "title": lot.title, "what": part_label(lot)})
    return lot


def _check_coverage(session: Session, kind: LotKind, areas: list[AreaOffice],
                    region_id: int | None, service_model_code: str | None) -> None:
    """What a lot covers fits its kind (adding and editing a lot alike)."""
    if kind is LotKind.lead_agency and not areas:
        refuse("A lead-agency lot covers one area office or a group of joined area offices.")
    if region_id is not None and session.get(Region, region_id) is None:
        refuse("The chosen region does not exist.")
    if kind is LotKind.resource_center and region_id is None:
        refuse("A regional resource center lot needs its region.")
    if service_model_code and session.get(ServiceModel, service_model_code) is None:
        refuse("The chosen service model does not exist.")
    if kind is LotKind.network_services and not service_model_code:
        refuse("A network-services lot needs its service model.")


def add_section(session: Session, row: Solicitation, actor: User, *, title: str,
                aliases: list[str] = (), page_limit: int | None = None) -> RequiredSection:
    _require_draft(row)
    if page_limit is not None and page_limit < 1:
        refuse("A page limit is at least 1 page (leave it empty for no limit).")
    section = RequiredSection(position=len(row.sections) + 1, title=title.strip(),
                              aliases=[a.strip() for a in aliases if a.strip()],
                              page_limit=page_limit)
    row.sections.append(section)
    session.flush()
    audit.record(session, actor=actor, entity_type="solicitation", entity_id=row.id,
                 event="add_section", from_state="draft", to_state="draft",
                 data={"title": section.title, "what": part_label(section)})
    return section


def add_criterion(session: Session, row: Solicitation, actor: User, *, name: str, weight: int,
                  max_points: int, description: str = "",
                  envelope: Envelope = Envelope.technical) -> Criterion:
    _require_draft(row)
    if not 0 < weight <= 100:
        refuse("A weight is between 1 and 100.")
    if max_points < 1:
        refuse("Maximum points must be at least 1.")
    criterion = Criterion(position=len(row.criteria) + 1, name=name.strip(), weight=weight,
                          max_points=max_points, description=description, envelope=envelope)
    row.criteria.append(criterion)
    session.flush()
    audit.record(session, actor=actor, entity_type="solicitation", entity_id=row.id,
                 event="add_criterion", from_state="draft", to_state="draft",
                 data={"name": criterion.name, "weight": weight, "what": part_label(criterion)})
    return criterion


def remove_part(session: Session, row: Solicitation, actor: User, part: Lot | RequiredSection |
                Criterion) -> None:
    _require_draft(row)
    collection = {Lot: row.lots, RequiredSection: row.sections, Criterion: row.criteria}[type(part)]
    if part not in collection:
        raise NotFound("That part is not in this solicitation.")
    collection.remove(part)
    session.flush()
    audit.record(session, actor=actor, entity_type="solicitation", entity_id=row.id,
                 event=f"remove_{PART_NAMES[type(part)]}", from_state="draft",
                 to_state="draft", data={"what": part_label(part)})


PART_NAMES = {Lot: "lot", RequiredSection: "section", Criterion: "criterion"}

# What can be edited on each part, with the words people read for each field.
PART_FIELDS: dict[type, dict[str, str]] = {
    Lot: {"title": "Title", "kind": "Kind of lot", "area_offices": "Area offices",
          "region_id": "Region", "service_model_code": "Service model",
          "estimated_annual_value": "Estimated annual value", "max_awards": "Awards it may get"},
    RequiredSection: {"title": "Title", "aliases": "Other headings that count",
                      "page_limit": "Page limit"},
    Criterion: {"name": "Name", "description": "What evaluators look for",
                "weight": "Weight (%)", "max_points": "Maximum points", "envelope": "Envelope"},
}


def part_label(part: Lot | RequiredSection | Criterion) -> str:
    if isinstance(part, Lot):
        return f"Lot {part.number}: {part.title}"
    if isinstance(part, RequiredSection):
        return f"Section “{part.title}”"
    return f"Criterion “{part.name}”"


def _shown(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "none"
    if isinstance(value, Decimal):
        return f"${value:,.2f}"
    if isinstance(value, list):
        return ", ".join(_shown(v) for v in value)
    if isinstance(value, (Envelope, LotKind)):
        return value.value
    if isinstance(value, (AreaOffice, Region, ServiceModel)):
        return value.name
    return str(value)


def _lot_values(session: Session, lot: Lot, values: dict[str, Any]) -> dict[str, Any]:
    """A lot's new values as rows (area offices, region and service model by their ids or
    codes), checked like a new lot: what it covers fits its kind."""
    values = dict(values)
    if "area_offices" in values:
        values["area_offices"] = sorted(_area_offices(session, values["area_offices"] or []),
                                        key=lambda a: a.id)
    for key in ("region_id", "service_model_code"):
        if key in values and not values[key]:
            values[key] = None
    if "kind" in values and not isinstance(values["kind"], LotKind):
        try:
            values["kind"] = LotKind[values["kind"]]
        except KeyError:
            refuse("Choose the kind of lot.")
    _check_coverage(session, values.get("kind", lot.kind),
                    values.get("area_offices", lot.area_offices),
                    values.get("region_id", lot.region_id),
                    values.get("service_model_code", lot.service_model_code))
    return values


def _current(session: Session, part: Any, key: str) -> Any:
    """A part's value as it is compared and shown: rows rather than their keys."""
    if key == "area_offices":
        return sorted(part.area_offices, key=lambda a: a.id)
    if key == "region_id":
        return part.region if part.region_id is not None else None
    if key == "service_model_code":
        return part.service_model if part.service_model_code else None
    return getattr(part, key)


def _apply(session: Session, part: Any, values: dict[str, Any]) -> None:
    """Set the new values (a lot's region and service model through their relationships, so
    what is read next is the new row)."""
    for key, value in values.items():
        if key in ("region_id", "service_model_code"):
            setattr(part, key.rsplit("_", 1)[0], _as_shown(session, key, value))
        else:
            setattr(part, key, value)


def _as_shown(session: Session, key: str, value: Any) -> Any:
    if key == "region_id" and value is not None:
        return session.get(Region, value)
    if key == "service_model_code" and value is not None:
        return session.get(ServiceModel, value)
    return value


def _check_part_values(part: Any, values: dict[str, Any]) -> None:
    """The same rules as when adding the part."""
    if "title" in values and not str(values["title"]).strip() or \
            "name" in values and not str(values["name"]).strip():
        refuse("A name or title cannot be empty.")
    value = values.get("estimated_annual_value")
    if "estimated_annual_value" in values and (
            value is None or not value.is_finite() or not 0 <= value <= MAX_AMOUNT):
        refuse("The estimated annual value is an amount in dollars from $0 to "
               f"${MAX_AMOUNT:,}.")
    if "max_awards" in values and not 1 <= values["max_awards"] <= 50:
        refuse("A lot may get from 1 to 50 awards.")
    if values.get("page_limit") is not None and values["page_limit"] < 1:
        refuse("A page limit is at least 1 page (leave it empty for no limit).")
    if "weight" in values and not 0 < values["weight"] <= 100:
        refuse("A weight is between 1 and 100.")
    if "max_points" in values and values["max_points"] < 1:
        refuse("Maximum points must be at least 1.")


def edit_part(session: Session, row: Solicitation, actor: User,
              part: Lot | RequiredSection | Criterion, values: dict[str, Any], *,
              addendum_title: str = "", addendum_body: str = "") -> Addendum | None:
    """Change a lot, section or criterion: in place while a draft; once published, only by an
    addendum that lists each change for bidders (returned)."""
    lock(session, row)
    if part.solicitation_id != row.id:
        raise NotFound("That part is not in this solicitation.")
    allowed = PART_FIELDS[type(part)]
    values = {k: v for k, v in values.items() if k in allowed}
    if "title" in values:
        values["title"] = values["title"].strip()
    if "aliases" in values:
        values["aliases"] = [a.strip() for a in values["aliases"] if a.strip()]
    _check_part_values(part, values)
    if isinstance(part, Lot):
        values = _lot_values(session, part, values)
    label = part_label(part)
    changes = [{"part": label, "field": allowed[k], "before": _shown(_current(session, part, k)),
                "after": _shown(_as_shown(session, k, v))}
               for k, v in values.items() if _current(session, part, k) != _as_shown(session, k, v)]
    if not changes:
        refuse(f"Nothing changed in {label}.")
    if row.status is S.draft:
        _apply(session, part, values)
        session.flush()
        audit.record(session, actor=actor, entity_type="solicitation", entity_id=row.id,
                     event=f"edit_{PART_NAMES[type(part)]}", from_state="draft",
                     to_state="draft", data={"what": label, "changes": changes})
        return None
    if row.status is not S.published:
        refuse(f"{row.number} is {row.status.value.lower()}: its lots, sections and criteria "
               "no longer change.")
    if not addendum_title.strip():
        refuse("A published solicitation changes only by addendum: give the addendum a title "
               "(bidders read it with the list of changes).")
    _apply(session, part, values)
    session.flush()
    if isinstance(part, Criterion):
        session.refresh(row)
        if row.criteria_weight != 100:
            refuse(f"Criteria weights would add up to {row.criteria_weight}, not 100.")
    body = addendum_body.strip() or "; ".join(
        f"{c['part']}: {c['field'].lower()} changes from {c['before']} to {c['after']}"
        for c in changes) + "."
    return publish_addendum(session, row, actor, title=addendum_title, body=body,
                            changes=changes)


def upload_document(session: Session, row: Solicitation, actor: User, *, stream: BinaryIO,
                    filename: str | None, title: str, uploads: Uploads,
                    addendum: Addendum | None = None) -> SolicitationDocument:
    """An officer uploads a document of the solicitation (the RFR itself, a form, an annex):
    the one use case the page and the API both call. It joins a draft directly; once
    published, only with an addendum (`addendum`). Refused before anything is stored when the
    solicitation cannot take it; the file is stored by SHA-256 within `uploads.max_bytes`, then
    the row is written and audited. The caller commits once."""
    if addendum is None:
        _require_draft(row)
    stored = store_upload(uploads, stream)
    document = SolicitationDocument(solicitation=row, addendum=addendum, title=title.strip(),
                                    filename=safe_filename(filename), sha256=stored.sha256,
                                    size=stored.size, uploaded_at=clock.now())
    session.add(document)
    session.flush()
    audit.record(session, actor=actor, entity_type="solicitation", entity_id=row.id,
                 event="attach_document", from_state=row.status.name, to_state=row.status.name,
                 data={"title": document.title, "sha256": stored.sha256})
    return document


# ---------------------------------------------------------------- while published

def lock(session: Session, row: Solicitation, *, shared: bool = False) -> None:
    """Serialize actions on one solicitation (PostgreSQL row lock; SQLite serializes writers).
    Bidders' actions share the lock with each other; closing and addenda take it alone."""
    session.execute(select(Solicitation.id).where(Solicitation.id == row.id)
                    .with_for_update(read=shared))
    session.refresh(row)


def addendum_rules(session: Session, row: Solicitation) -> dict[str, Any]:
    """What an addendum may do to the dates, said before it is sent (the form shows it)."""
    rule = rules_for(session, row.kind)
    now = clock.now()
    return {"min_days": rule.min_days_after_addendum, "cutoff_days": rule.question_cutoff_days,
            "earliest": now + timedelta(days=rule.min_days_after_addendum),
            "deadline": row.deadline, "questions_due": row.questions_due,
            "questions_open": row.questions_due is None or row.questions_due > now}


def _too_early(rules: dict[str, Any]) -> str:
    """The one rule every addendum keeps, a shortening with a reason too: bidders get at least
    the procedure's days after it (min_days_after_addendum)."""
    return (f"An addendum leaves bidders at least {rules['min_days']} days after it, even when "
            f"the deadline is brought forward with a reason: choose a deadline on or after "
            f"{clock.format_moment(rules['earliest'])}.")


def _addendum_dates(session: Session, row: Solicitation, new_deadline: datetime | None,
                    shorten_reason: str) -> tuple[datetime, datetime | None, str]:
    """The deadline and questions-due an addendum leaves, and what it tells bidders about them.
    Refuses (never silently changes) a deadline that is too close; shortening needs a reason."""
    rules = addendum_rules(session, row)
    now, previous, earliest = clock.now(), row.deadline, rules["earliest"]
    if previous is None:
        refuse("This solicitation has no deadline to amend.")
    note = ""
    if new_deadline is None:
        deadline = previous
        if deadline < earliest:   # too close: bidders get the minimum, and are told
            deadline = earliest
            note = (f"The deadline moves to {clock.format_moment(deadline)} so that bidders "
                    f"have at least {rules['min_days']} days after this addendum.")
    else:
        deadline = new_deadline
        if deadline <= now:
            refuse("The new deadline must be in the future.")
        if deadline < earliest:
            refuse(_too_early(rules))
        if deadline < previous:
            if not shorten_reason.strip():
                refuse(f"This addendum would bring the deadline forward from "
                       f"{clock.format_moment(previous)} to {clock.format_moment(deadline)}. "
                       "Bidders plan on the published deadline: keep or extend it, or give the "
                       "reason for bringing it forward (it is published with the addendum and "
                       "recorded in the audit trail).")
            note = (f"The deadline is brought forward from {clock.format_moment(previous)} to "
                    f"{clock.format_moment(deadline)}: {shorten_reason.strip()}")
    questions_due = row.questions_due
    latest = deadline - timedelta(days=rules["cutoff_days"])
    if questions_due is not None and questions_due > now and questions_due > latest:
        if latest <= now:
            refuse(f"Questions close {rules['cutoff_days']} days before the deadline, so this "
                   f"deadline would close them in the past: choose a deadline on or after "
                   f"{clock.format_moment(now + timedelta(days=rules['cutoff_days']))}.")
        questions_due = latest
        note += (" " if note else "") + (f"Questions are now due by "
                                         f"{clock.format_moment(questions_due)}.")
    return deadline, questions_due, note


_NUMBERED = re.compile(r"^\s*addendum\s*(?:no\.?|number|#)?\s*\d+\s*[:.,;\-–—]*\s*", re.I)


def addendum_title(typed: str, number: int) -> str:
    """The title as typed without a number the officer typed ("Addendum 1: Dates" is
    "Dates"): the service numbers addenda, and shows "Addendum 1: Dates" once."""
    title = _NUMBERED.sub("", typed or "").strip()
    if not title:
        refuse(f"Give the addendum a title that says what it changes; the service numbers it "
               f"(this is addendum {number}).")
    return title


def publish_addendum(session: Session, row: Solicitation, actor: User, *, title: str, body: str,
                     new_deadline: datetime | None = None, shorten_reason: str = "",
                     changes: list[dict[str, str]] | None = None) -> Addendum:
    """Publish a numbered addendum; `changes` lists what it changed in the lots, sections and
    criteria (edit_part makes them), shown to bidders with it."""
    lock(session, row)
    if row.status is not S.published:
        refuse(f"Addenda are issued only while a solicitation is open; {row.number} is "
               f"{row.status.value.lower()}.")
    now = clock.now()
    previous, previous_questions = row.deadline, row.questions_due
    deadline, questions_due, note = _addendum_dates(session, row, new_deadline, shorten_reason)
    number = max((a.number for a in row.addenda), default=0) + 1
    title = addendum_title(title, number)
    addendum = Addendum(solicitation=row, number=number, title=title,
                        body=body.strip() + ("\n\n" + note if note else ""), published_at=now,
                        published_by_id=actor.id, previous_deadline=previous,
                        new_deadline=deadline if deadline != previous else None,
                        changes=list(changes or []))
    session.add(addendum)
    row.deadline, row.questions_due = deadline, questions_due
    session.flush()
    data: dict[str, Any] = {"addendum": number, "title": addendum.title,
                            "what": f"Addendum {number}: {addendum.title}",
                            "previous_deadline": previous, "deadline": row.deadline,
                            "changes": addendum.changes}
    if questions_due != previous_questions:
        data.update(previous_questions_due=previous_questions, questions_due=questions_due)
    if deadline < previous:
        data["shortened_because"] = shorten_reason.strip()
    audit.record(session, actor=actor, entity_type="solicitation", entity_id=row.id,
                 event="publish_addendum", from_state=row.status.name, to_state=row.status.name,
                 reason=data.get("shortened_because", ""), data=data)
    return addendum


def ask_question(session: Session, row: Solicitation, actor: User, body: str) -> Question:
    now = clock.now()
    if row.status is not S.published:
        refuse("Questions are taken only while the solicitation is open.")
    if row.questions_due is not None and now > row.questions_due:
        refuse(f"Questions closed on {clock.format_moment(row.questions_due)}.")
    if not body.strip():
        refuse("Write your question.")
    question = Question(solicitation=row, asked_by_id=actor.id, body=body.strip(), asked_at=now)
    session.add(question)
    session.flush()
    audit.record(session, actor=actor, entity_type="solicitation", entity_id=row.id,
                 event="ask_question", data={"question": question.id})
    return question


def answer_question(session: Session, question: Question, actor: User, answer: str) -> None:
    if question.solicitation.status not in (S.published, S.closed):
        refuse("Answers are published only while the solicitation is open or just closed.")
    if not answer.strip():
        refuse("Write the answer; it is published to every bidder.")
    first = question.answer is None
    question.answer = answer.strip()
    question.answered_at = clock.now()
    question.answered_by_id = actor.id
    session.flush()
    audit.record(session, actor=actor, entity_type="solicitation",
                 entity_id=question.solicitation_id,
                 event="answer_question" if first else "revise_answer",
                 data={"question": question.id})


def comment_on_rfi(session: Session, row: Solicitation, actor: User, body: str) -> RfiComment:
    if row.kind is not SolicitationKind.RFI:
        refuse("Comments are for RFIs; respond to an RFR with a response.")
    if row.status is not S.published or (row.deadline and clock.now() >= row.deadline):
        refuse("This RFI is not taking comments.")
    if not body.strip():
        refuse("Write your comment.")
    comment = RfiComment(solicitation_id=row.id, organization_id=actor.organization_id,
                         author_id=actor.id, body=body.strip(), submitted_at=clock.now())
    session.add(comment)
    session.flush()
    audit.record(session, actor=actor, entity_type="solicitation", entity_id=row.id,
                 event="comment", data={"comment": comment.id})
    return comment


# ---------------------------------------------------------------- the clock moves the workflow

def due_to_close(session: Session, moment: datetime, *,
                 grace: timedelta = CLOSING_GRACE) -> list[Solicitation]:
    """Published solicitations whose deadline (and grace) had passed at `moment`. The response
    workflow's `close_due` closes them and seals their responses (the scheduler calls it)."""
    return list(session.scalars(select(Solicitation).where(
        Solicitation.status == S.published, Solicitation.deadline <= moment - grace)
        .order_by(Solicitation.id)))


def is_accepting(row: Solicitation, at: datetime | None = None) -> bool:
    at = at or clock.now()
    return row.status is S.published and row.deadline is not None and at < row.deadline


def time_left(row: Solicitation, moment: datetime | None = None) -> str | None:
    """Until the deadline, in words a bidder can act on: "12 days", "1 day 5 hours",
    "3 hours 12 minutes", "12 minutes", "less than a minute"; None once it has passed."""
    if row.deadline is None:
        return None
    left = row.deadline - (moment or clock.now())
    if left.total_seconds() <= 0:
        return None
    minutes = int(left.total_seconds() // 60)
    days, hours, minutes = minutes // 1440, minutes % 1440 // 60, minutes % 60

    def unit(n: int, word: str) -> str:
        return f"{n} {word}{'' if n == 1 else 's'}"
    if days >= 2:
        return unit(days, "day")
    if days == 1:
        return unit(1, "day") + (f" {unit(hours, 'hour')}" if hours else "")
    if hours:
        return unit(hours, "hour") + (f" {unit(minutes, 'minute')}" if minutes else "")
    return unit(minutes, "minute") if minutes else "less than a minute"


def next_deadline(row: Solicitation) -> tuple[str, datetime] | None:
    """The next date that matters on the officer's dashboard (none once it is closed or
    cancelled: its dates no longer matter)."""
    if row.status not in (S.draft, S.published):
        return None
    now = clock.now()
    for label, moment in (("Questions due", row.questions_due),
                          ("Bidders' conference", row.conference_at),
                          ("Submission deadline", row.deadline)):
        if moment is not None and moment > now:
            return label, moment
    return None


# ---------------------------------------------------------------- what each person sees

def questions_for(row: Solicitation, actor: Any) -> list[Question]:
    """The questions this person may read: the agency all of them; anyone else the answered
    ones (published without the asker's name) and, signed in, their own still waiting."""
    if policy.allows(actor, "solicitation.view_internal"):
        return list(row.questions)
    me = actor.id if getattr(actor, "is_authenticated", False) else None
    return [q for q in row.questions
            if q.answer is not None or (me is not None and q.asked_by_id == me)]


def comments_on(session: Session, row: Solicitation) -> list[RfiComment]:
    """The comments received on an RFI, first received first (the agency reads them)."""
    return list(session.scalars(select(RfiComment).where(RfiComment.solicitation_id == row.id)
                                .options(selectinload(RfiComment.organization))
                                .order_by(RfiComment.submitted_at, RfiComment.id)))
