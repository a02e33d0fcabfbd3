"""The one clock. Everything that asks what time it is asks here (tests move it with time-machine)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

AGENCY_ZONE = ZoneInfo("America/New_York")


def now() -> datetime:
    """The current time, timezone-aware, in UTC."""
    if _pinned:
        return _pinned[-1]
    return datetime.now(UTC)


def today() -> date:
    """The agency's date now (contract terms, fiscal years and draw-downs are dated)."""
    return local(now()).date()


def local(moment: datetime) -> datetime:
    """A stored UTC moment in the agency's zone, for people to read."""
    return moment.astimezone(AGENCY_ZONE)


def from_local(naive: datetime) -> datetime:
    """A wall-clock time typed by a person in the agency's zone, as UTC."""
    if naive.tzinfo is None:
        naive = naive.replace(tzinfo=AGENCY_ZONE)
    return naive.astimezone(UTC)


def format_moment(moment: datetime | None, *, seconds: bool = False) -> str:
    """'Tue 14 Apr 2026, 2:00 PM EDT': how the agency writes a deadline (with seconds when
    telling someone exactly when their request arrived)."""
    if moment is None:
        return ""
    at = local(moment)
    clock_face = "%I:%M:%S" if seconds else "%I:%M"
    return at.strftime(f"%a %d %b %Y, {clock_face} %p %Z").replace(", 0", ", ")


_pinned: list[datetime] = []


class pinned:
    """Replay a moment in the past (the demo tells the 2005 story at its own dates)."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment.astimezone(UTC)

    def __enter__(self) -> datetime:
        _pinned.append(self.moment)
        return self.moment

    def __exit__(self, *exc: object) -> None:
        _pinned.pop()
