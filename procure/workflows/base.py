"""Binding a transitions Machine to a model's status column, with guards that say why and an audit.

One Machine per model class (never per row): MACHINE.events[name].trigger(row, actor=..., ...).
The state lives in the row's `status` column; the machine stores nothing."""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session, object_session
from transitions import EventData, Machine

from procure import audit
from procure.storage import Store, StoredFile, TooLarge


class WorkflowError(Exception):
    """An action that the rules refuse now; the message tells a person what to do.

    `allowed` lists the events that are possible in the current state (409 answers show them)."""

    def __init__(self, message: str, *, allowed: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.allowed = list(allowed)


class NotFound(Exception):
    """Nothing there, or nothing this person may know is there (sealed responses look like this)."""


def refuse(message: str) -> None:
    raise WorkflowError(message)


# ---------------------------------------------------------------- side effects after the commit

def after_commit(session: Session, action: Callable[[], None]) -> None:
    """Run `action` once the session's transaction commits (queueing a read, later mail).
    On a rollback it is dropped: nothing was accepted, so there is nothing to do. A side effect
    that fails after the commit is found again from the database (`procure intake recover`)."""
    session.info.setdefault("after_commit", []).append(action)


@sa_event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    for action in session.info.pop("after_commit", []):
        action()


@sa_event.listens_for(Session, "after_rollback")
def _drop_after_commit(session: Session) -> None:
    session.info.pop("after_commit", None)


# ---------------------------------------------------------------- uploads

@dataclass(frozen=True)
class Uploads:
    """What the upload use cases need from the deployment: where files are stored, the
    limits, and how a committed document is handed to intake to be read (by its id)."""

    store: Store
    max_bytes: int
    max_files: int
    read: Callable[[int], None] = lambda document_id: None
    organization_quota: int | None = None     # bytes an organisation may store, every version


def store_upload(uploads: Uploads, stream: BinaryIO) -> StoredFile:
    """Store an uploaded file by its SHA-256 (synced to disk before any row names it)."""
    try:
        return uploads.store.put(stream, max_bytes=uploads.max_bytes)
    except TooLarge as too_large:
        raise WorkflowError(str(too_large)) from None


def safe_filename(name: str | None) -> str:
    """A file name fit to show: no directories, no control characters. Never used as a path."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip().lstrip(".")
    return name[:200] or "document.pdf"


def _reraise(event: EventData) -> None:
    raise event.error  # type: ignore[misc]


def _audit(event: EventData) -> None:
    row = event.model
    session = object_session(row)
    assert session is not None, "workflow rows must belong to a session"
    source = event.transition.source
    dest = event.transition.dest
    audit.record(session, actor=event.kwargs.get("actor"), entity_type=type(row).__name__.lower(),
                 entity_id=row.id, event=event.event.name, from_state=source, to_state=dest,
                 reason=event.kwargs.get("reason") or "", data=event.kwargs.get("audit_data"),
                 solicitation_id=getattr(row, "solicitation_id", None))


class Workflow:
    """One lifecycle: its states, its events, and how to fire them on a row."""

    def __init__(self, name: str, states: type[enum.Enum], transitions: list[dict[str, Any]],
                 labels: dict[str, str]) -> None:
        self.name = name
        self.states = states
        self.labels = labels      # event name -> what a person clicks ("Publish", "Open responses")
        unlabelled = sorted({t["trigger"] for t in transitions} - set(labels))
        if unlabelled:    # every step is shown to people by its label (the lifecycle page)
            raise ValueError(f"{name}: give a label to {', '.join(unlabelled)}")
        self.machine = Machine(
            model=None, states=states, transitions=transitions, initial=None,
            model_attribute="status", auto_transitions=False, send_event=True,
            after_state_change=[_audit], on_exception=[_reraise], queued=False)
        self.transitions = transitions

    def allowed_events(self, row: Any) -> list[str]:
        """The events possible from the row's current state (guards not yet checked)."""
        return sorted(self.machine.get_triggers(row.status.name))

    def fire(self, row: Any, event: str, *, actor: Any, reason: str = "",
             audit_data: dict[str, Any] | None = None, **data: Any) -> None:
        if event not in self.machine.events:
            raise WorkflowError(f"There is no '{event}' action for {self.name}.",
                                allowed=self.allowed_events(row))
        if event not in self.allowed_events(row):
            raise WorkflowError(
                f"You cannot {self.labels.get(event, event).lower()} {self.name} that is "
                f"{row.status.value.lower()}.", allowed=self.allowed_events(row))
        try:
            done = self.machine.events[event].trigger(row, actor=actor, reason=reason,
                                                      audit_data=audit_data, **data)
        except WorkflowError as refused:
            if not refused.allowed:   # a guard said no: what else can be done now
                refused.allowed = [e for e in self.allowed_events(row) if e != event]
            raise
        if not done:  # a condition returned False without saying why: still never ignored
            raise WorkflowError(f"The {self.labels.get(event, event).lower()} action was refused.",
                                allowed=self.allowed_events(row))
