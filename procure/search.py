"""Finding solicitations: the one search the public list and the API share, the one loader that
says whether this person may see a solicitation at all, and the one way to page a list.

Search words match the title, number and description; `%` and `_` are matched as themselves.
A value that cannot be a filter (a status no public solicitation has, a region or page that is
not a number) is refused with `InvalidSearch` (the faces answer 400 with its message); a
well-formed one that names nothing finds nothing. Never a server error."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, selectinload

from procure import policy
from procure.models import Agency, AreaOffice, Lot, Region, Solicitation
from procure.models import SolicitationStatus as S
from procure.workflows.base import NotFound

MAX_WORDS = 8
MAX_PAGE = 100_000        # far past any real list; keeps the offset inside every database's range


class InvalidSearch(ValueError):
    """A search or page that cannot be run; the message says why, in plain words."""


@dataclass(frozen=True)
class Filters:
    words: tuple[str, ...] = ()
    agency: str | None = None
    region_id: int | None = None
    service_model: str | None = None
    status: S | None = None


def _like(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def filters(*, q: str | None = None, agency: str | None = None,
            region: str | int | None = None, service_model: str | None = None,
            status: str | None = None) -> Filters:
    """Read filters as a person or a client sent them (strings). A value that cannot be a
    filter (a status no public solicitation has, a region that is not a number) is refused; a
    well-formed one that names nothing we know simply finds nothing."""
    region_id = None
    if region not in (None, ""):
        try:
            region_id = int(region)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise InvalidSearch(f"“{region}” is not a region; choose one from the list.") from None
        if not 0 < region_id < 2**31:   # no such region: outside every database's ids
            region_id = 0
    state = None
    if status:
        state = S.__members__.get(status)
        if state not in policy.PUBLIC_STATES:
            names = ", ".join(s.name for s in policy.PUBLIC_STATES)
            raise InvalidSearch(f"“{status}” is not a status a solicitation can be found in; "
                                f"use one of {names}.")
    return Filters(words=tuple((q or "").split()[:MAX_WORDS]), agency=agency or None,
                   region_id=region_id, service_model=service_model or None, status=state)


def solicitations(found: Filters) -> Select[Any]:
    """Published solicitations (never drafts) matching the filters: open ones first, then the
    rest, latest deadline first within each."""
    query = select(Solicitation).where(policy.PUBLIC)
    for word in found.words:
        like = _like(word)
        query = query.where(or_(
            Solicitation.title.ilike(like, escape="\\"),
            Solicitation.number.ilike(like, escape="\\"),
            Solicitation.description.ilike(like, escape="\\"),
            # the places its lots cover: a provider searches for its own town
            Solicitation.lots.any(or_(
                Lot.title.ilike(like, escape="\\"),
                Lot.area_offices.any(or_(
                    AreaOffice.name.ilike(like, escape="\\"),
                    AreaOffice.region.has(Region.name.ilike(like, escape="\\")))),
                Lot.region.has(Region.name.ilike(like, escape="\\"))))))
    if found.agency:
        query = query.where(Solicitation.agencies.any(Agency.code == found.agency))
    if found.region_id is not None:
        query = query.where(Solicitation.lots.any(or_(
            Lot.region_id == found.region_id,
            Lot.area_offices.any(AreaOffice.region_id == found.region_id))))
    if found.service_model:
        query = query.where(Solicitation.lots.any(Lot.service_model_code == found.service_model))
    if found.status is not None:
        query = query.where(Solicitation.status == found.status)
    return query.options(selectinload(Solicitation.agencies)).order_by(
        Solicitation.status != S.published, Solicitation.deadline.desc(), Solicitation.id.desc())


def narrowed(statement: Select[Any], *, q: str | None, status: str | None,
             status_column: Any, statuses: Any, text_columns: tuple[Any, ...]) -> Select[Any]:
    """A person's own list (their responses, notices, contracts, panels) filtered as the public
    list is: every word of `q` in one of `text_columns`, and `status` one of `statuses` (an
    enum; any other is refused, like the public list's)."""
    for word in (q or "").split()[:MAX_WORDS]:
        like = _like(word)
        statement = statement.where(or_(*(c.ilike(like, escape="\\") for c in text_columns)))
    if status:
        if statuses is None:
            raise InvalidSearch("This list is not filtered by status; leave status out.")
        state = statuses.__members__.get(status)
        if state is None:
            names = ", ".join(s.name for s in statuses)
            raise InvalidSearch(f"“{status}” is not a status here; use one of {names}.")
        statement = statement.where(status_column == state)
    return statement


def page_number(raw: Any) -> int:
    """A page number from a query string: 1 when absent, refused when not a page number; a page
    past any real list is simply empty (never an offset the database cannot hold)."""
    if raw in (None, ""):
        return 1
    try:
        number = int(raw)
    except (TypeError, ValueError):
        raise InvalidSearch(f"“{raw}” is not a page number.") from None
    if number < 1:
        raise InvalidSearch(f"There is no page {number}; pages start at 1.")
    return min(number, MAX_PAGE)


def visible_solicitation(session: Session, actor: Any, solicitation_id: int) -> Solicitation:
    """A solicitation this person may see (drafts: the agency only); otherwise not found."""
    row = session.get(Solicitation, solicitation_id)
    if row is None or not policy.allows(actor, "solicitation.view", row):
        raise NotFound("No such solicitation.")
    return row
