"""A bidder's response: drafting with documents, submitting before the deadline, withdrawing,
confirming after an addendum; sealing at the deadline and opening at the opening.

Sealed means sealed: every read of a response for display goes through `readable_response`,
`readable_document` or `responses_for`, which refuse (as "not found") until the solicitation is
opened, except for the bidder's own organisation."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, BinaryIO

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, object_session
from transitions import EventData

from procure import audit, clock, disclosure, policy
from procure.storage import StoredFile
from procure.models import (
    Addendum,
    AuditEvent,
    AwardNotice,
    CancelReason,
    Document,
    DocumentKind,
    IntakeStatus,
    Lot,
    ProposedRate,
    RateCardLine,
    Receipt,
    Response,
    ResponseStatus,
    Role,
    Solicitation,
    SolicitationKind,
    SolicitationStatus,
    User,
)
from procure.workflows.base import (
    NotFound,
    Uploads,
    Workflow,
    WorkflowError,
    after_commit,
    refuse,
    safe_filename,
    store_upload,
)
from procure.workflows import notices
from procure.workflows import solicitation as solicitation_flow
from procure.workflows.solicitation import CLOSING_GRACE, is_accepting, lock, rules_for

R = ResponseStatus
EDITABLE = (R.draft, R.withdrawn)
IN_FORCE = (R.submitted, R.to_confirm)


# ---------------------------------------------------------------- guards

def _before_deadline(event: EventData) -> bool:
    row: Response = event.model
    solicitation = row.solicitation
    received = event.kwargs.get("received_at")
    if not is_accepting(solicitation, received):
        arrived = (f"Your request was received at {clock.format_moment(received, seconds=True)}. "
                   if received is not None else "")
        refuse(f"{arrived}The deadline for {solicitation.number} was "
               f"{clock.format_moment(solicitation.deadline)}; late responses are not accepted.")
    return True


def _complete_enough(event: EventData) -> bool:
    row: Response = event.model
    documents = row.current_documents
    if not documents:
        missing = missing_kinds(row)     # the kinds the RFR requires, named in one message
        refuse(missing_kinds_message(row, missing) if missing
               else "Upload at least one document before submitting.")
    waiting = [d.filename for d in documents if d.intake_status in (IntakeStatus.queued,
                                                                    IntakeStatus.parsing)]
    if waiting:
        refuse("Wait until every document has been read: " + ", ".join(waiting) + ".")
    rejected = [d.filename for d in documents if d.intake_status is IntakeStatus.rejected]
    if rejected:
        refuse("Remove or replace the rejected files first: " + ", ".join(rejected) + ".")
    missing = missing_kinds(row)
    if missing:
        refuse(missing_kinds_message(row, missing))
    unpriced = unpriced_lines(row)
    if unpriced:
        refuse("Enter your rate for every service of the rate card before submitting: "
               + ", ".join(unpriced) + ".")
    return True


def missing_kinds(row: Response) -> list[DocumentKind]:
    """The kinds of document the RFR requires that the response does not hold yet."""
    held = {d.kind.name for d in row.current_documents}
    return [DocumentKind[name] for name in row.solicitation.required_document_kinds or []
            if name not in held]


def missing_kinds_message(row: Response, missing: list[DocumentKind]) -> str:
    names = [k.value.lower() for k in missing]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    said = (f"{row.solicitation.number} requires a document of each of these kinds: {listed}.")
    if not can_change(row):
        return said
    return said + (" Upload each one choosing its kind (or replace a file given the wrong kind) "
                   "before submitting.")


def unpriced_lines(row: Response) -> list[str]:
    """The services of the RFR's published rate card this response gives no rate for."""
    session = Session.object_session(row)
    assert session is not None
    priced = set(session.scalars(select(ProposedRate.rate_card_line_id).where(
        ProposedRate.response_id == row.id)))
    return [line.service for line in session.scalars(
        select(RateCardLine).where(RateCardLine.solicitation_id == row.solicitation_id)
        .order_by(RateCardLine.position)) if line.id not in priced]


def _write_receipt(event: EventData) -> None:
    row: Response = event.model
    actor: User = event.kwargs["actor"]
    now = event.kwargs.get("received_at") or clock.now()   # when the service received it
    row.submitted_at = now
    receipt = Receipt(number=len(row.receipts) + 1, submitted_at=now, submitted_by_id=actor.id,
                      files=[{"filename": d.filename, "kind": d.kind.name, "sha256": d.sha256,
                              "size": d.size} for d in row.current_documents])
    row.receipts.append(receipt)


def _mark_withdrawn(event: EventData) -> None:
    row: Response = event.model
    if row.last_receipt is not None:
        row.last_receipt.withdrawn_at = clock.now()
    row.submitted_at = None


LABELS = {"submit": "Submit", "withdraw": "Withdraw", "confirm": "Confirm after addendum",
          "require_confirmation": "Ask to confirm", "seal": "Seal", "open": "Open",
          "accept": "Accept as responsive", "reject": "Reject as not responsive"}

RESPONSE = Workflow("a response", R, [
    {"trigger": "submit", "source": ["draft", "withdrawn"], "dest": "submitted",
     "conditions": [_before_deadline, _complete_enough], "before": [_write_receipt]},
    {"trigger": "withdraw", "source": ["submitted", "to_confirm"], "dest": "withdrawn",
     "conditions": [_before_deadline], "before": [_mark_withdrawn]},
    {"trigger": "require_confirmation", "source": "submitted", "dest": "to_confirm"},
    {"trigger": "confirm", "source": "to_confirm", "dest": "submitted",
     "conditions": [_before_deadline]},
    {"trigger": "seal", "source": ["submitted", "to_confirm"], "dest": "sealed"},
    {"trigger": "open", "source": "sealed", "dest": "opened"},
    {"trigger": "accept", "source": "opened", "dest": "accepted"},
    {"trigger": "reject", "source": "opened", "dest": "rejected"},
], LABELS)

BIDDER_EVENTS = ("submit", "withdraw", "confirm")

# What the bidder reads once it is done.
DONE = {
    "submit": "Your response is submitted. Keep the receipt.",
    "withdraw": "Your response is withdrawn: the agency will not consider it unless you submit "
                "it again before the deadline.",
    "confirm": "Your response is confirmed: it stands as submitted after the addendum.",
    "accept": "The response is accepted as responsive.",
    "reject": "The response is rejected as not responsive; the bidder will be told why.",
}

# What follows each bidder's event, said before they confirm it.
CONSEQUENCES = {
    "submit": "Submitting sends your documents as they are now, sealed until the opening; you "
              "get a receipt. To change anything afterwards, withdraw and submit again before "
              "the deadline.",
    "withdraw": "Withdrawing takes your submission back: the agency will not consider it unless "
                "you submit again before the deadline.",
    "confirm": "Confirming says your submission stands as it is after the addendum.",
}
OFFICER_EVENTS = ("accept", "reject")


# ---------------------------------------------------------------- bidder's use cases

def lot_to_respond_to(session: Session, actor: Any, lot_id: int) -> Lot:
    """A lot a bidder names to start a response: a draft's (or a never-published RFR's) lot is
    answered exactly as a lot that does not exist, so its id tells nothing."""
    lot = session.get(Lot, lot_id)
    if lot is None or not policy.allows(actor, "solicitation.view", lot.solicitation):
        raise NotFound("No such lot.")
    return lot


def start(session: Session, actor: User, lot: Lot) -> Response:
    policy.require(actor, "response.work")
    solicitation = lot.solicitation
    if solicitation.kind is not SolicitationKind.RFR:
        refuse("Only an RFR takes responses.")
    if not is_accepting(solicitation):
        refuse(f"{solicitation.number} is not taking responses "
               f"(deadline {clock.format_moment(solicitation.deadline)}).")
    existing = session.scalar(select(Response).where(
        Response.organization_id == actor.organization_id, Response.lot_id == lot.id))
    if existing is not None:
        return existing
    row = Response(solicitation=solicitation, lot=lot, organization_id=actor.organization_id,
                   status=R.draft, created_at=clock.now())
    session.add(row)
    session.flush()
    audit.record(session, actor=actor, entity_type="response", entity_id=row.id,
                 solicitation_id=row.solicitation_id, event="start",
                 to_state=R.draft.name)
    return row


class DuplicateFile(WorkflowError):
    """The same file (same SHA-256) is already in the response: nothing is added."""


def require_editable(row: Response, received_at: datetime | None = None) -> None:
    if row.status not in EDITABLE:
        refuse("This response is submitted: withdraw it to change its documents, then submit "
               "again before the deadline.")
    if not is_accepting(row.solicitation, received_at):
        refuse(f"The deadline was {clock.format_moment(row.solicitation.deadline)}; the response "
               "can no longer change.")


def upload_document(session: Session, row: Response, actor: User, *, stream: BinaryIO,
                    filename: str | None, kind: DocumentKind, uploads: Uploads,
                    replaces_id: Any = None,
                    received_at: datetime | None = None) -> Document:
    """A bidder uploads a PDF to their response, or replaces one of its current documents
    (`replaces_id`: that document's public id): the one use case the page and the API both call.

    Refused before anything is stored when the response cannot change now; the file is stored
    by its SHA-256 within `uploads.max_bytes`, then the document row is written (at most
    `uploads.max_files` current documents) and audited; the read is queued only once the
    caller commits (`uploads.read(document.id)`). `received_at` is when the service received
    the request: the deadline is judged on it. The caller commits once."""
    policy.require(actor, "response.work", row)
    replaces = document_of(row, replaces_id) if replaces_id is not None else None
    require_editable(row, received_at)   # refuse early, before storing anything
    if uploads.organization_quota is not None:
        require_storage(session, row.organization_id, 0, uploads.organization_quota)
    stored = store_upload(uploads, stream)
    if uploads.organization_quota is not None:
        require_storage(session, row.organization_id, stored.size, uploads.organization_quota)
    document = add_document(session, row, actor, kind=kind, filename=filename or "",
                            stored=stored, max_files=uploads.max_files, replaces=replaces,
                            received_at=received_at)
    document_id = document.id
    after_commit(session, lambda: uploads.read(document_id))
    return document


def stored_bytes(session: Session, organization_id: int) -> int:
    """Every stored version of every file the organisation uploaded (removed ones included)."""
    return session.scalar(select(func.coalesce(func.sum(Document.size), 0)).join(
        Response, Document.response_id == Response.id).where(
        Response.organization_id == organization_id)) or 0


def require_storage(session: Session, organization_id: int, incoming: int, quota: int) -> None:
    """Refuse an upload that would take the organisation past its storage quota."""
    used = stored_bytes(session, organization_id)
    if used + incoming > quota:
        refuse(f"Your organisation has used {used / 1024**2:.1f} MB of its {quota / 1024**2:.0f} "
               "MB of storage (every version of every file uploaded counts). Nothing was "
               "added to your response; ask the procurement office if you need more.")


def add_document(session: Session, row: Response, actor: User, *, kind: DocumentKind,
                 filename: str, stored: StoredFile, max_files: int,
                 replaces: Document | None = None,
                 received_at: datetime | None = None) -> Document:
    policy.require(actor, "response.work", row)
    lock(session, row.solicitation, shared=True)
    require_editable(row, received_at)
    same = next((d for d in row.current_documents if d.sha256 == stored.sha256), None)
    if same is not None:
        raise DuplicateFile(
            f"{safe_filename(filename)} is the same file as {same.filename}, which is already "
            "in this response: nothing was added." if same is not replaces else
            f"{safe_filename(filename)} is identical to {same.filename}, the document it would "
            "replace: nothing changed.")
    if replaces is None and len(row.current_documents) >= max_files:
        refuse(f"A response holds at most {max_files} files; remove or replace one first.")
    now = clock.now()
    if replaces is not None:
        if replaces.response_id != row.id or replaces.removed_at is not None:
            raise NotFound("That document is not part of this response.")
        replaces.removed_at = now
    document = Document(response=row, kind=kind, filename=safe_filename(filename),
                        sha256=stored.sha256, size=stored.size, uploaded_at=now,
                        uploaded_by_id=actor.id, intake_status=IntakeStatus.queued)
    session.add(document)
    session.flush()
    audit.record(session, actor=actor, entity_type="response", entity_id=row.id,
                 solicitation_id=row.solicitation_id,
                 event="upload", from_state=row.status.name, to_state=row.status.name,
                 data={"document": document.id, "sha256": stored.sha256,
                       "replaces": replaces.id if replaces else None})
    return document


def document_of(row: Response, public_id: Any) -> Document:
    """One of this response's current documents, by its public id."""
    for document in row.current_documents:
        if document.public_id == str(public_id):
            return document
    raise NotFound("That document is not part of this response.")


def remove_document(session: Session, row: Response, actor: User, document: Document) -> None:
    policy.require(actor, "response.work", row)
    require_editable(row)
    if document.response_id != row.id or document.removed_at is not None:
        raise NotFound("That document is not part of this response.")
    document.removed_at = clock.now()
    session.flush()
    audit.record(session, actor=actor, entity_type="response", entity_id=row.id,
                 solicitation_id=row.solicitation_id,
                 event="remove_document", from_state=row.status.name, to_state=row.status.name,
                 data={"document": document.id})


CORRECTABLE_COVER = {"organization_name": "organisation", "tax_id": "FEIN", "contact_name": "contact",
                     "contact_email": "contact email", "lot": "lot", "total_price": "total price"}
_FEIN = re.compile(r"^\d{2}-\d{7}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def amount_of(text: Any) -> Decimal | None:
    """An amount typed or read ("$1,272,234.04"), to the cent; None if it is not one."""
    value = _amount(text) if text not in (None, "") else None
    return value.quantize(Decimal("0.01")) if value is not None else None


def can_change(row: Response, received_at: datetime | None = None) -> bool:
    """Whether the bidder may change the response now (documents, corrections): a draft (or a
    withdrawn one) before the deadline. Otherwise its completeness check tells what it was
    submitted with and offers nothing to do."""
    return row.status in EDITABLE and is_accepting(row.solicitation, received_at)


def correct_record(session: Session, row: Response, actor: User, document: Document, *,
                   sections: dict[str, Any] | None = None, budget_total: Any = None,
                   cover: dict[str, Any] | None = None) -> dict[str, Any]:
    """The bidder corrects what intake read from one document before submitting: where a
    section starts (a page number), the budget's total, a cover field. An empty value takes
    that correction back. Each correction is kept beside what was read (``read``), with who
    and when, audited; the checks and the evaluation then use the confirmed record.
    Returns the document's corrections. Refuses (WorkflowError) with a clear message."""
    policy.require(actor, "response.work", row)
    require_editable(row)
    if document.response_id != row.id or document.removed_at is not None:
        raise NotFound("That document is not part of this response.")
    record = document.record
    if not record:
        refuse(f"{document.filename} has not been read yet (or was rejected): there is nothing "
               "to correct.")
    pages = int(record.get("pages") or 0)
    now, by = clock.now().isoformat(), actor.email
    current = {k: dict(v) for k, v in (document.corrections or {}).items()}
    changed: dict[str, Any] = {}
    known = {str(sec.id): sec.title for sec in row.solicitation.sections}
    read_sections = {s["id"]: s for s in record.get("sections") or []}
    for sid, value in (sections or {}).items():
        sid = str(sid)
        if sid not in known:
            refuse(f"This RFR has no required section {sid!r}.")
        fixes = current.setdefault("sections", {})
        if value in (None, ""):
            if fixes.pop(sid, None) is not None:
                changed[f"section {known[sid]}"] = None
            continue
        try:
            page = int(str(value).strip())
        except ValueError:
            refuse(f"The start page of “{known[sid]}” must be a page number (1 to {pages}).")
        if not 1 <= page <= pages:
            refuse(f"The start page of “{known[sid]}” must be between 1 and {pages}: "
                   f"{document.filename} has {pages} page{'s' if pages != 1 else ''}.")
        read = read_sections.get(sid)
        fixes[sid] = {"value": page, "read": read["start_page"] if read else None,
                      "title": known[sid], "by": by, "at": now}
        changed[f"section {known[sid]}"] = page
    if budget_total is not None:
        read = (record.get("budget") or {})
        read_total = read.get("stated_total") or read.get("total")
        if str(budget_total).strip() == "":
            if current.pop("budget_total", None) is not None:
                changed["budget total"] = None
        else:
            amount = _amount(budget_total)
            if amount is None or amount <= 0 or amount >= Decimal("1e12"):
                refuse(f"The budget total must be an amount in dollars, like 1,272,234.04 "
                       f"(not “{str(budget_total)[:40]}”).")
            amount = amount.quantize(Decimal("0.01"))
            current["budget_total"] = {"value": str(amount), "read": read_total, "by": by, "at": now}
            changed["budget total"] = str(amount)
    for key, value in (cover or {}).items():
        if key not in CORRECTABLE_COVER:
            refuse(f"“{key}” is not a cover field that can be corrected "
                   f"({', '.join(CORRECTABLE_COVER)}).")
        fixes = current.setdefault("cover", {})
        text = " ".join(str(value or "").split())
        if not text:
            if fixes.pop(key, None) is not None:
                changed[f"cover {CORRECTABLE_COVER[key]}"] = None
            continue
        if len(text) > 200:
            refuse(f"The {CORRECTABLE_COVER[key]} is at most 200 characters.")
        if key == "tax_id" and not _FEIN.match(text):
            refuse("A FEIN is written NN-NNNNNNN (two digits, a hyphen, seven digits).")
        if key == "contact_email" and not _EMAIL.match(text):
            refuse(f"“{text}” is not an e-mail address.")
        if key == "total_price":
            amount = _amount(text)
            if amount is None or amount <= 0:
                refuse("The total price must be an amount in dollars, like 1,272,234.04.")
            text = str(amount.quantize(Decimal("0.01")))
        fixes[key] = {"value": text, "read": (record.get("cover") or {}).get(key), "by": by, "at": now}
        changed[f"cover {CORRECTABLE_COVER[key]}"] = text
    current = {k: v for k, v in current.items() if v}
    if not changed:
        return document.corrections or {}
    document.corrections = current or None
    session.flush()
    audit.record(session, actor=actor, entity_type="response", entity_id=row.id,
                 solicitation_id=row.solicitation_id, event="correct_record",
                 from_state=row.status.name, to_state=row.status.name,
                 data={"document": document.id, "changes": changed})
    return document.corrections or {}


def fire(session: Session, row: Response, event: str, actor: User, *, reason: str = "",
         received_at: datetime | None = None) -> None:
    """A person's event on a response: bidders submit/withdraw/confirm, officers accept/reject.
    `received_at` is when the service received the request; the deadline is judged on it."""
    if event in BIDDER_EVENTS:
        policy.require(actor, "response.work", row)
        # Decided under the solicitation's lock, shared among bidders, exclusive to the close:
        # a submission racing the close is either in before it (and sealed by it) or refused.
        lock(session, row.solicitation, shared=True)
    elif event in OFFICER_EVENTS:
        policy.require(actor, "response.judge", row)
        if event == "reject" and not reason.strip():
            refuse("Say why the response is not responsive; the bidder will be told.")
        if event == "reject":
            row.rejection_reason = reason.strip()
    else:
        refuse(f"'{event}' is not something a person does to a response.")
    RESPONSE.fire(row, event, actor=actor, reason=reason, received_at=received_at)
    if event in ("submit", "confirm"):
        notices.received(session, row, row.last_receipt, confirmed=event == "confirm")
    session.flush()


def allowed_events(row: Response, actor: User) -> list[str]:
    events = RESPONSE.allowed_events(row)
    mine = BIDDER_EVENTS if policy.allows(actor, "response.work", row) else ()
    judge = OFFICER_EVENTS if policy.allows(actor, "response.judge", row) else ()
    return [e for e in events if e in mine or e in judge]


# ---------------------------------------------------------------- the solicitation's cascades
# Closing, opening and amending a solicitation move its responses. This module is downstream of
# the solicitation workflow, so it owns these use cases; the solicitation workflow never
# imports it (import-linter holds that).

def _responses(solicitation: Solicitation, statuses: tuple[ResponseStatus, ...]) -> list[Response]:
    session = object_session(solicitation)
    assert session is not None
    return list(session.scalars(select(Response).where(
        Response.solicitation_id == solicitation.id, Response.status.in_(statuses))
        .order_by(Response.id)))


def _seal_all(solicitation: Solicitation, actor: Any) -> None:
    for row in _responses(solicitation, IN_FORCE):
        row.unconfirmed_at_opening = row.status is R.to_confirm
        RESPONSE.fire(row, "seal", actor=actor or "system (deadline)")


def _open_all(solicitation: Solicitation, actor: Any) -> None:
    for row in _responses(solicitation, (R.sealed,)):
        RESPONSE.fire(row, "open", actor=actor)


CASCADES = {"close": _seal_all, "open": _open_all}


def fire_solicitation_event(session: Session, solicitation: Solicitation, event: str,
                            actor: User | str, *, reason: str = "", **data: Any) -> None:
    """Any lifecycle event on a solicitation, by name: closing seals its responses, opening
    opens them, in the same transaction. The faces come through
    `workflows.award.fire_solicitation_event`, which also withdraws awards on a cancel."""
    solicitation_flow.fire(session, solicitation, event, actor, reason=reason,
                           cascade=CASCADES.get(event), **data)


def decide_below_minimum(session: Session, solicitation: Solicitation, actor: User,
                         decision: str, reason: str) -> None:
    """An RFR opened with fewer responsive responses than its procedure's minimum: the officer
    evaluates anyway, re-advertises (this RFR is cancelled, to be advertised again) or cancels,
    each with a reason on the record."""
    if decision == "evaluate":
        return solicitation_flow.evaluate_below_minimum(session, solicitation, actor, reason)
    if decision not in solicitation_flow.BELOW_MINIMUM:
        refuse("Choose: evaluate anyway, re-advertise or cancel.")
    if solicitation_flow.below_minimum(session, solicitation) is None:
        refuse(f"{solicitation.number} needs no decision: it is not opened below the minimum.")
    code = CancelReason.readvertise if decision == "readvertise" else \
        CancelReason.too_few_responses
    fire_solicitation_event(session, solicitation, "cancel", actor, reason=reason,
                            cancel_reason=code)
    return None


def close_solicitation(session: Session, solicitation: Solicitation, actor: User | str, *,
                       grace: timedelta = CLOSING_GRACE, at: datetime | None = None) -> None:
    """Close the solicitation at its deadline and seal its submitted responses."""
    fire_solicitation_event(session, solicitation, "close", actor, grace=grace, at=at)


def close_due(session: Session, moment: datetime | None = None, *,
              grace: timedelta = CLOSING_GRACE) -> list[str]:
    """Close every published solicitation whose deadline (and grace) has passed at `moment`
    and seal their responses; the numbers closed (the scheduler runs this)."""
    moment = moment or clock.now()
    closed = []
    for row in solicitation_flow.due_to_close(session, moment, grace=grace):
        lock(session, row)   # then look again: another runner may have closed it meanwhile
        if row.status is SolicitationStatus.published and row.deadline is not None \
                and row.deadline <= moment - grace:
            close_solicitation(session, row, "system (deadline)", grace=grace, at=moment)
            closed.append(row.number)
    session.flush()
    return closed


def open_responses(session: Session, solicitation: Solicitation, actor: User) -> None:
    """The opening: the solicitation is opened and its sealed responses become readable to the
    agency."""
    fire_solicitation_event(session, solicitation, "open", actor)


def publish_addendum(session: Session, solicitation: Solicitation, actor: User, *, title: str,
                     body: str, new_deadline: datetime | None = None,
                     shorten_reason: str = "") -> Addendum:
    """Publish an addendum (workflows.solicitation), ask every bidder whose response is
    already submitted to confirm it, and mail every bidder who started one what it changed."""
    addendum = solicitation_flow.publish_addendum(session, solicitation, actor, title=title,
                                                  body=body, new_deadline=new_deadline,
                                                  shorten_reason=shorten_reason)
    ask_to_confirm(session, solicitation, addendum)
    notices.addendum_published(session, solicitation, addendum)
    return addendum


def edit_part(session: Session, solicitation: Solicitation, actor: User, part: Any,
              values: dict[str, Any], *, addendum_title: str = "",
              addendum_body: str = "") -> Addendum | None:
    """Change a lot, section or criterion (workflows.solicitation.edit_part): on a published
    solicitation that is an addendum, so submitted bidders are asked to confirm it too."""
    addendum = solicitation_flow.edit_part(session, solicitation, actor, part, values,
                                           addendum_title=addendum_title,
                                           addendum_body=addendum_body)
    if addendum is not None:
        ask_to_confirm(session, solicitation, addendum)
        notices.addendum_published(session, solicitation, addendum)
    return addendum


def ask_to_confirm(session: Session, solicitation: Solicitation, addendum: Addendum) -> None:
    for row in _responses(solicitation, (R.submitted,)):
        RESPONSE.fire(row, "require_confirmation", actor="system (addendum)",
                      reason=f"Addendum {addendum.number} was published after submission.")


# ---------------------------------------------------------------- sealed reads

def is_unsealed_for(actor: Any, row: Response) -> bool:
    """The one test of who may read a response now: policy's "response.read" rule with the
    response (its own bidder always; the agency once the solicitation is opened), or, after the
    opening, a panel member it is assigned to who declared no conflict with its bidder."""
    if policy.allows(actor, "response.read", row):
        return True
    return (row.solicitation.opened_at is not None and row.status not in EDITABLE
            and policy.allows(actor, "response.read_assigned", row))


def readable_response(session: Session, actor: Any, public_id: Any) -> Response:
    """A response by its public id (UUID4: keys are never shown, they would count the others)."""
    row = session.scalar(select(Response).where(Response.public_id == str(public_id)))
    if row is None or not is_unsealed_for(actor, row):
        raise NotFound("No such response.")
    return row


def readable_document(session: Session, actor: Any, public_id: Any) -> Document:
    document = session.scalar(select(Document).where(Document.public_id == str(public_id)))
    if document is None or not is_unsealed_for(actor, document.response):
        raise NotFound("No such document.")
    return document


def record_for(actor: Any, document: Document, *, confirmed: bool = False) -> dict | None:
    """The structured record (as read, or as the bidder confirmed it) as this person may read
    it: without the price (the cover's total, the budget and where they were read) while the
    price is sealed to them (policy.may_see_price: an evaluator before the panel's technical
    consensus)."""
    record = document.confirmed_record if confirmed else document.record
    if record is None or policy.may_see_price(actor, document.response):
        return record
    shown = {**record, "cover": {k: v for k, v in (record.get("cover") or {}).items()
                                 if k != "total_price"}}
    shown.pop("budget", None)
    sources = dict(record.get("sources") or {})
    sources.pop("budget_total", None)
    sources.pop("budget_total_simple", None)
    for reading in ("cover", "cover_simple"):
        sources[reading] = {k: v for k, v in (sources.get(reading) or {}).items()
                            if k != "total_price"}
    shown["sources"] = sources
    # what intake said of the budget or the cover's price names amounts too
    shown["problems"] = [p for p in record.get("problems") or [] if not _speaks_of_price(p)]
    return shown


def corrections_for(actor: Any, document: Document) -> dict | None:
    """The bidder's corrections to the record, without those of the price while it is sealed
    to this person (as record_for)."""
    corrections = document.corrections
    if not corrections or policy.may_see_price(actor, document.response):
        return corrections
    shown = {k: v for k, v in corrections.items() if k != "budget_total"}
    shown["cover"] = {k: v for k, v in (corrections.get("cover") or {}).items()
                      if k != "total_price"}
    return shown


def own_response(session: Session, actor: Any, public_id: Any) -> Response:
    """A response of this person's own organisation, by its public id (the bidder's pages and
    actions): policy's "response.work" rule with the response; anyone else's is not found."""
    row = session.scalar(select(Response).where(Response.public_id == str(public_id)))
    if row is None or not policy.allows(actor, "response.work", row):
        raise NotFound("No such response.")
    return row


def own_document(session: Session, actor: Any, public_id: Any) -> Document:
    """A document of this person's own organisation's response, by its public id; anyone
    else's is not found."""
    document = session.scalar(select(Document).where(Document.public_id == str(public_id)))
    if document is None or not policy.allows(actor, "response.work", document.response):
        raise NotFound("No such document.")
    return document


def responses_for(session: Session, actor: Any, solicitation: Solicitation) -> list[Response]:
    """What this person may see of a solicitation's responses: their own organisation's, or,
    for the agency after the opening, every opened one. Before the opening: not even a count."""
    query = select(Response).where(Response.solicitation_id == solicitation.id)
    if policy.allows(actor, "response.read_opened") and solicitation.opened_at is not None:
        query = query.where(Response.status.not_in(EDITABLE))
    elif getattr(actor, "organization_id", None) is not None:
        query = query.where(Response.organization_id == actor.organization_id)
    else:
        return []
    return [r for r in session.scalars(query.order_by(Response.lot_id, Response.id))
            if is_unsealed_for(actor, r)]


def audit_trail(session: Session, actor: Any, solicitation: Solicitation) -> list[Any]:
    """Every audit event of the procurement, oldest first: the solicitation's own and, of its
    responses, only those this person may read now (for the agency: after the opening, and
    never a draft's or a withdrawn response's), so the trail counts no sealed response. Where
    the disclosure table hides the bidders' identity from this person (a blind evaluator), the
    rows keep their event and hash but not who the bidder was: a bidder's action reads
    "a bidder", and no organisation, response or question is named."""
    return shown_audit_rows(session, actor, solicitation,
                            list(session.scalars(audit_trail_query(session, actor, solicitation))))


def audit_trail_query(session: Session, actor: Any, solicitation: Solicitation) -> Select:
    """The events of audit_trail as one statement, oldest first (to page): the solicitation's
    own and those of the responses this person may read now; none of any response where the
    bidders' identity is hidden from them. Show them through shown_audit_rows."""
    query = select(AuditEvent).where(AuditEvent.solicitation_id == solicitation.id)
    if disclosure.blind_now(actor, solicitation):
        query = query.where(AuditEvent.entity_type != "response")
    else:
        readable = [r.id for r in responses_for(session, actor, solicitation)]
        query = query.where(or_(AuditEvent.entity_type != "response",
                                AuditEvent.entity_id.in_(readable)))
    return query.order_by(AuditEvent.seq)


def shown_audit_rows(session: Session, actor: Any, solicitation: Solicitation,
                     events: list[AuditEvent]) -> list[Any]:
    """Events of audit_trail_query as this person is shown them: without the data and reason
    the disclosure table keeps from them; for whom the bidders' identity is hidden, a bidder's
    action reads "a bidder" and no bidder is named."""
    readable = {r.id: r for r in responses_for(session, actor, solicitation)}
    allowed: dict[tuple[int, disclosure.Kind], bool] = {}

    def shown(event: AuditEvent) -> Any:
        """The event, or without the data and reason the table keeps from this person (a cost
        correction's figures while the price is sealed to them)."""
        kind = disclosure.AUDIT_DATA.get(event.event)
        if kind is None or event.entity_type != "response":
            return event
        response = readable.get(event.entity_id)
        key = (event.entity_id, kind)
        if key not in allowed:
            allowed[key] = response is not None and disclosure.may_see(actor, kind, response)
        return event if allowed[key] else _withheld(event, kind)

    events = [shown(e) for e in events]
    if not disclosure.blind_now(actor, solicitation):
        return events
    bidders = set(session.scalars(select(User.id).where(
        User.id.in_({e.actor_id for e in events if e.actor_id is not None}),
        User.role == Role.bidder)))
    return [_without_bidders(e, bidders) for e in events]


# Audit data that names a bidder (or a row that leads to one).
_NAMING = {"organization", "organization_id", "response", "response_id", "question", "comment",
           "bidder"}


def _withheld(event: AuditEvent, kind: disclosure.Kind) -> AuditRow:
    return AuditRow(seq=event.seq, at=event.at, actor_label=event.actor_label,
                    actor_id=event.actor_id, entity_type=event.entity_type,
                    entity_id=event.entity_id, event=event.event,
                    from_state=event.from_state, to_state=event.to_state,
                    reason=f"(withheld: the {kind.value} is sealed to you for now)", data={},
                    hash=event.hash)


def _without_bidders(event: AuditEvent, bidders: set[int]) -> AuditRow:
    data = {k: v for k, v in (event.data or {}).items() if k not in _NAMING}
    return AuditRow(seq=event.seq, at=event.at, actor_label="a bidder" if event.actor_id in
                    bidders else event.actor_label, actor_id=None, entity_type=event.entity_type,
                    entity_id=event.entity_id, event=event.event, from_state=event.from_state,
                    to_state=event.to_state, reason=event.reason, data=data, hash=event.hash)


@dataclass(frozen=True)
class AuditRow:
    """An audit event as shown to someone who may not know the bidders (never written)."""
    seq: int
    at: datetime
    actor_label: str
    actor_id: int | None
    entity_type: str
    entity_id: int
    event: str
    from_state: str | None
    to_state: str | None
    reason: str
    data: dict[str, Any]
    hash: str


def my_responses_query(actor: User) -> Select:
    """This person's organisation's responses, newest first (none without an organisation)."""
    return select(Response).where(Response.organization_id == actor.organization_id,
                                  Response.organization_id.is_not(None)) \
        .order_by(Response.created_at.desc(), Response.id.desc())


def outcomes(session: Session, responses: list[Response]) -> dict[int, bool]:
    """Response id -> whether its bidder was told it was selected (the newest notice of each);
    a response with no notice yet is not in it. One query for the whole list."""
    ids = [r.id for r in responses]
    if not ids:
        return {}
    told: dict[int, bool] = {}
    for response_id, selected in session.execute(
            select(AwardNotice.response_id, AwardNotice.selected)
            .where(AwardNotice.response_id.in_(ids)).order_by(AwardNotice.id.desc())):
        told.setdefault(response_id, selected)
    return told


def answered_lots(session: Session, actor: Any, solicitation: Solicitation) -> dict[int, Response]:
    """Lot id -> the response this person's organisation has for it on this solicitation."""
    if getattr(actor, "organization_id", None) is None:
        return {}
    return {r.lot_id: r for r in session.scalars(select(Response).where(
        Response.solicitation_id == solicitation.id,
        Response.organization_id == actor.organization_id))}


def opening_counts(session: Session, solicitation: Solicitation) -> dict[str, int] | None:
    """Responses per status, for the agency: None (nothing at all) until the opening."""
    if solicitation.opened_at is None:
        return None
    rows = session.execute(select(Response.status, func.count()).where(
        Response.solicitation_id == solicitation.id, Response.status.not_in(EDITABLE))
        .group_by(Response.status)).all()
    return {status.name: count for status, count in rows}


def sealed_count(session: Session, solicitation: Solicitation) -> int | None:
    """How many responses are in (submitted or sealed) before the opening: for the agency, and
    only where the procedure's rules allow it (off by default). Never who, never what."""
    if solicitation.opened_at is not None or solicitation.kind is not SolicitationKind.RFR:
        return None
    if not rules_for(session, solicitation.kind).show_sealed_counts:
        return None
    return session.scalar(select(func.count()).select_from(Response).where(
        Response.solicitation_id == solicitation.id,
        Response.status.in_(IN_FORCE + (R.sealed,)))) or 0


# ---------------------------------------------------------------- what the bidder sees

def completeness(row: Response) -> list[dict[str, str]]:
    """Warnings before submitting, from what intake read: missing sections, page limits,
    budgets, signatures. They do not block; rejected files do (see _complete_enough)."""
    problems: list[dict[str, str]] = []
    reading = [d.filename for d in row.current_documents
               if d.intake_status in (IntakeStatus.queued, IntakeStatus.parsing)]
    if reading:
        return [{"code": "reading", "message": "Still reading " + ", ".join(reading)
                 + ": the check completes when every document is read."}]
    documents = [d for d in row.current_documents if d.record]
    found = set()
    for d in documents:
        record = d.confirmed_record
        found.update(s["id"] for s in record.get("sections", []))
        for p in file_problems(record):
            problems.append({"code": p["code"], "message": f"{d.filename}: {p['message']}"})
    for section in row.solicitation.sections:
        if str(section.id) not in found and documents:
            problems.append({"code": "missing_section",
                             "message": f"No document has the required section "
                                        f"“{section.title}”."})
    if documents and not any((d.confirmed_record.get("signature") or {}).get("found")
                             for d in documents):
        problems.append({"code": "no_signature",
                         "message": "No document has a signed signature page." + (
                             " Add a page with an authorized signature (signed, or typed as "
                             "/s/ Name)." if can_change(row) else "")})
    for d in row.current_documents:
        if d.intake_status is IntakeStatus.rejected:
            problems.append({"code": d.rejection_code or "rejected",
                             "message": f"{d.filename} was rejected: {d.rejection_message}"})
    missing = missing_kinds(row)
    if missing:
        problems.insert(0, {"code": "missing_kind", "message": missing_kinds_message(row, missing)})
    return problems + cover_checks(row)


# What intake says of one file that belongs to the response as a whole: a section or the
# signature may be in another of its files (the completeness check says it once, for all).
RESPONSE_WIDE = ("missing_section", "no_signature")


def file_problems(record: dict | None, priced: bool = True) -> list[dict]:
    """A file's own problems (its card, its record): not those of the response as a whole, and,
    for someone the price is sealed to (not `priced`), none that speaks of the price."""
    return [p for p in (record or {}).get("problems", []) if p["code"] not in RESPONSE_WIDE
            and (priced or not _speaks_of_price(p))]


def _speaks_of_price(problem: dict) -> bool:
    """What intake said of the budget or of the cover's total price (it names amounts)."""
    return problem.get("code", "").startswith("budget_") or problem.get("field") == "total_price"


def _words(name: str) -> str:
    """A name compared without case, punctuation or the corporate suffix."""
    words = re.sub(r"[^a-z0-9 ]", " ", name.lower().replace("&", " and ")).split()
    while words and words[-1] in {"inc", "incorporated", "llc", "corp", "corporation", "co",
                                  "ltd", "the"}:
        words.pop()
    return " ".join(w for w in words if w != "the")


def _amount(text: Any) -> Decimal | None:
    try:
        value = Decimal(str(text).replace(",", "").replace("$", "").strip())
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


def _money(value: Decimal) -> str:
    return f"${value:,.2f}"


def cover_checks(row: Response) -> list[dict[str, str]]:
    """What the cover sheet says, checked against the bidder's organisation profile, the lot and
    the budget read from the documents. Warnings the bidder sees before submitting."""
    problems: list[dict[str, str]] = []
    documents = [d for d in row.current_documents if d.record]
    organization, lot = row.organization, row.lot

    def warn(code: str, document: Document, message: str) -> None:
        problems.append({"code": code, "message": f"{document.filename}: {message}"})

    def total_of(budget: dict) -> Any:
        return budget.get("stated_total") if budget.get("corrected") else budget.get("total")

    budget_totals = [t for t in (_amount(total_of(d.confirmed_record.get("budget") or {}))
                                 for d in documents) if t is not None]
    for d in documents:
        cover = d.confirmed_record.get("cover") or {}
        name = (cover.get("organization_name") or "").strip()
        if name and _words(name) != _words(organization.legal_name):
            warn("cover_organization", d, f"the cover sheet names “{name}”, but your "
                 f"organisation is registered as “{organization.legal_name}”.")
        fein = re.sub(r"\D", "", cover.get("tax_id") or "")
        if fein and fein != re.sub(r"\D", "", organization.fein or ""):
            warn("cover_fein", d, f"the cover sheet gives FEIN {cover['tax_id']}, but your "
                 f"organisation's FEIN is {organization.fein}.")
        lots = [int(n) for n in re.findall(r"\d+", str(cover.get("lot") or ""))]
        if lots and lot.number not in lots:
            warn("cover_lot", d, f"the cover sheet names lot {cover['lot']}, but this response "
                 f"is for lot {lot.number} ({lot.title}).")
        price = _amount(cover.get("total_price"))
        if price is None:
            continue
        if budget_totals and all(price != total for total in budget_totals):
            warn("cover_price_budget", d, f"the cover sheet's total price {_money(price)} is not "
                 f"the budget's total ({', '.join(_money(t) for t in budget_totals)}).")
        if lot.estimated_annual_value and price > lot.estimated_annual_value:
            warn("cover_price_estimate", d, f"the cover sheet's total price {_money(price)} is "
                 f"above the lot's estimated annual value "
                 f"({_money(lot.estimated_annual_value)}).")
    return problems
