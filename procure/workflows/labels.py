"""The one mapping of lifecycle states to the words people read ("in_evaluation" is never shown:
"In evaluation" is)."""

from __future__ import annotations

import enum

from procure.models import DocumentKind, IntakeStatus, ResponseStatus, SolicitationStatus

STATES: dict[str, type[enum.Enum]] = {
    "solicitation": SolicitationStatus, "response": ResponseStatus, "document": IntakeStatus,
    "kind": DocumentKind,
}


def state_label(name: str | enum.Enum | None, entity: str = "solicitation") -> str:
    """'in_evaluation' -> 'In evaluation'; a state of a response with entity='response'."""
    if name is None:
        return ""
    if isinstance(name, enum.Enum):
        return str(name.value)
    states = STATES.get(entity, SolicitationStatus)
    try:
        return str(states[name].value)
    except KeyError:
        return name.replace("_", " ").capitalize()
