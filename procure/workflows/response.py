"""A bidder's response: drafting with documents, submitting before the deadline, withdrawing,
confirming after an addendum; sealing at the deadline and opening at the opening.

Sealed means sealed: every read of a response for display goes through `readable_response`,
`readable_document` or `responses_for`, which refuse (as "not found") until the solicitation is
opened, except for the bidder's own organisation."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, object_session
from transitions import EventData

from procure import audit, clock, policy
from procure.intake.storage import StoredFile
from procure.models import (
    Addendum,
    Document,
    DocumentKind,
    IntakeStatus,
    Lot,
    Receipt,
    Response,
    ResponseStatus,
    Solicitation,
    SolicitationKind,
    User,
)
from procure.workflows.base import NotFound, Workflow, refuse
from procure.workflows.solicitation import is_accepting, lock

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
        refuse("Upload at least one document before submitting.")
    waiting = [d.filename for d in documents if d.intake_status in (IntakeStatus.queued,
                                                                    IntakeStatus.parsing)]
    if waiting:
        refuse("Wait until every document has been read: " + ", ".join(waiting) + ".")
    rejected = [d.filename for d in documents if d.intake_status is IntakeStatus.rejected]
    if rejected:
        refuse("Remove or replace the rejected files first: " + ", ".join(rejected) + ".")
    return True


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
OFFICER_EVENTS = ("accept", "reject")


# ---------------------------------------------------------------- bidder's use cases

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
    audit.record(session, actor=actor, entity_type="response", entity_id=row.id, event="start",
                 to_state=R.draft.name)
    return row


def require_editable(row: Response, received_at: datetime | None = None) -> None:
    if row.status not in EDITABLE:
        refuse("This response is submitted: withdraw it to change its documents, then submit "
               "again before the deadline.")
    if not is_accepting(row.solicitation, received_at):
        refuse(f"The deadline was {clock.format_moment(row.solicitation.deadline)}; the response "
               "can no longer change.")


def add_document(session: Session, row: Response, actor: User, *, kind: DocumentKind,
                 filename: str, stored: StoredFile, max_files: int,
                 replaces: Document | None = None,
                 received_at: datetime | None = None) -> Document:
    policy.require(actor, "response.work", row)
    lock(session, row.solicitation, shared=True)
    require_editable(row, received_at)
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
                 event="remove_document", from_state=row.status.name, to_state=row.status.name,
                 data={"document": document.id})


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
    session.flush()


def allowed_events(row: Response, actor: User) -> list[str]:
    events = RESPONSE.allowed_events(row)
    mine = BIDDER_EVENTS if policy.allows(actor, "response.work", row) else ()
    judge = OFFICER_EVENTS if policy.allows(actor, "response.judge", row) else ()
    return [e for e in events if e in mine or e in judge]


# ---------------------------------------------------------------- driven by the solicitation

def _responses(solicitation: Solicitation, statuses: tuple[ResponseStatus, ...]) -> list[Response]:
    session = object_session(solicitation)
    assert session is not None
    return list(session.scalars(select(Response).where(
        Response.solicitation_id == solicitation.id, Response.status.in_(statuses))
        .order_by(Response.id)))


def ask_to_confirm(session: Session, solicitation: Solicitation, addendum: Addendum) -> None:
    for row in _responses(solicitation, (R.submitted,)):
        RESPONSE.fire(row, "require_confirmation", actor="system (addendum)",
                      reason=f"Addendum {addendum.number} was published after submission.")


def seal_all(solicitation: Solicitation, actor: Any) -> None:
    for row in _responses(solicitation, IN_FORCE):
        row.unconfirmed_at_opening = row.status is R.to_confirm
        RESPONSE.fire(row, "seal", actor=actor or "system (deadline)")


def open_all(solicitation: Solicitation, actor: Any) -> None:
    for row in _responses(solicitation, (R.sealed,)):
        RESPONSE.fire(row, "open", actor=actor)


# ---------------------------------------------------------------- sealed reads

def is_unsealed_for(actor: Any, row: Response) -> bool:
    """The one test of who may read a response now: its own bidder always; the agency only
    once the solicitation is opened, and never a draft or a withdrawn response."""
    if policy.allows(actor, "response.work", row):
        return True
    if row.solicitation.opened_at is None or row.status in EDITABLE:
        return False
    return (policy.allows(actor, "response.read_opened", row)
            or policy.allows(actor, "response.read_assigned", row))


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


def my_responses(session: Session, actor: User) -> list[Response]:
    if actor.organization_id is None:
        return []
    return list(session.scalars(select(Response).where(
        Response.organization_id == actor.organization_id).order_by(Response.created_at.desc())))


def opening_counts(session: Session, solicitation: Solicitation) -> dict[str, int] | None:
    """Responses per status, for the agency: None (nothing at all) until the opening."""
    if solicitation.opened_at is None:
        return None
    rows = session.execute(select(Response.status, func.count()).where(
        Response.solicitation_id == solicitation.id, Response.status.not_in(EDITABLE))
        .group_by(Response.status)).all()
    return {status.name: count for status, count in rows}


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
        found.update(s["id"] for s in d.record.get("sections", []))
        for p in d.record.get("problems", []):
            if p["code"] != "missing_section":
                problems.append({"code": p["code"], "message": f"{d.filename}: {p['message']}"})
    for section in row.solicitation.sections:
        if str(section.id) not in found and documents:
            problems.append({"code": "missing_section",
                             "message": f"No document has the required section "
                                        f"“{section.title}”."})
    for d in row.current_documents:
        if d.intake_status is IntakeStatus.rejected:
            problems.append({"code": d.rejection_code or "rejected",
                             "message": f"{d.filename} was rejected: {d.rejection_message}"})
    if documents and any(p["code"] == "no_signature" for p in problems) and any(
            d.record.get("signature", {}).get("found") for d in documents):
        problems = [p for p in problems if p["code"] != "no_signature"]
    return problems


def safe_filename(name: str) -> str:
    """A file name fit to show: no directories, no control characters. Never used as a path."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip().lstrip(".")
    return name[:200] or "document.pdf"


