"""Finding solicitations: the one search the public list and the API share, the one loader that
says whether this person may see a solicitation at all, and the one way to page a list.

Search words match the title, number and description, and the lots' titles and places; `%` and
`_` are matched as themselves. On PostgreSQL trigram indexes serve each word (migration 0018), and
a list is counted no further than `LISTED`: a search that finds more lists the first `LISTED` and
says that more were found, so neither the count nor the pages grow with the history.
A value that cannot be a filter (a status no public solicitation has, a region or page that is
not a number) is refused with `InvalidSearch` (the faces answer 400 with its message); a
well-formed one that names nothing finds nothing. Never a server error."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, literal_column, or_, select, union_all
from sqlalchemy.orm import Session, aliased, lazyload, selectinload

from procure import policy
from procure.models import Agency, AreaOffice, Lot, Region, Solicitation
from procure.models import SolicitationStatus as S
from procure.models.solicitation import lot_area_office
from procure.workflows.base import NotFound

MAX_WORDS = 8
MAX_PAGE = 100_000        # far past any real list; keeps the offset inside every database's range
LISTED = 1_000            # a search lists at most this many; past it a person narrows the search


FILTERS = ("q", "agency", "region", "service_model", "status")   # what a list's search sends


class InvalidSearch(ValueError):
    """A search or page that cannot be run; the message says why, in plain words, and `field`
    names the value refused (one of FILTERS, or "page")."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


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
            raise InvalidSearch(f"“{region}” is not a region; choose one from the list.",
                                field="region") from None
        if not 0 < region_id < 2**31:   # no such region: outside every database's ids
            region_id = 0
    state = None
    if status:
        state = S.__members__.get(status)
        if state not in policy.PUBLIC_STATES:
            names = ", ".join(s.name for s in policy.PUBLIC_STATES)
            raise InvalidSearch(f"“{status}” is not a status a solicitation can be found in: "
                                f"choose one from the search form's list (the API takes "
                                f"{names}).", field="status")
    return Filters(words=tuple((q or "").split()[:MAX_WORDS]), agency=agency or None,
                   region_id=region_id, service_model=service_model or None, status=state)


def _found_by(word: str) -> Any:
    """The solicitations a word finds, as a set of ids: in the title, number or description, or
    in a lot's title or the places it covers (a provider searches for its own town). Each part
    is one table's ILIKE, which a trigram index serves on PostgreSQL."""
    like = _like(word)

    def matches(column: Any) -> Any:
        return column.ilike(like, escape="\\")
    own = aliased(Solicitation)     # its own table, not the list's row: a set of ids
    return union_all(
        select(own.id).where(or_(matches(own.title), matches(own.number),
                                 matches(own.description))),
        select(Lot.solicitation_id).where(matches(Lot.title)),
        select(Lot.solicitation_id).join(Region, Lot.region_id == Region.id)
        .where(matches(Region.name)),
        select(Lot.solicitation_id).join(lot_area_office, lot_area_office.c.lot_id == Lot.id)
        .join(AreaOffice, AreaOffice.id == lot_area_office.c.area_office_id)
        .join(Region, AreaOffice.region_id == Region.id)
        .where(or_(matches(AreaOffice.name), matches(Region.name))))


def _matching(query: Select[Any], found: Filters) -> Select[Any]:
    """`query` narrowed to the published solicitations (never drafts) the filters find."""
    query = query.where(policy.PUBLIC)
    for word in found.words:
        query = query.where(Solicitation.id.in_(_found_by(word)))
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
    return query


def _in_order() -> tuple[Any, ...]:
    """The list's order: open ones first, then the rest, latest deadline first within each,
    the latest made first; written as ix_solicitation_listing's expression, a literal (a bound
    parameter would not match it), so a page is read from the index and stops when it is full."""
    is_open = Solicitation.status == literal_column(f"'{S.published.name}'")
    return is_open.desc(), Solicitation.deadline.desc(), Solicitation.id.desc()


def solicitations(found: Filters) -> Select[Any]:
    """Published solicitations (never drafts) matching the filters, in the list's order."""
    # the list shows no lots: not loading them (Solicitation.lots loads eagerly by default)
    # spares four statements and most of the rows a page reads
    return _matching(select(Solicitation), found).options(
        selectinload(Solicitation.agencies), lazyload(Solicitation.lots)).order_by(*_in_order())


@dataclass(frozen=True)
class Found:
    """One page of a search: its solicitations, how many the search found counted no further
    than `LISTED`, and whether it found more than that."""
    items: list[Solicitation]
    total: int
    more: bool


def first_found(session: Session, found: Filters, number: int, size: int) -> Found:
    """Page `number` (of `size`) of a search and how many it found, in one statement.

    With words, from one reading of the first `LISTED` + 1 ids found, in the list's order: the
    count is how many came back, the page a slice of them, and only the page's rows are loaded.
    A word found in most solicitations is matched once, not once for the page and again for
    the count. Without words the list's index serves both: the page is read from it and stops
    when full, the count reads its first `LISTED` + 1 entries and nothing else.
    A page past the first `LISTED`, or past the last page, reads only the count."""
    order = _in_order()
    first = (number - 1) * size
    last = min(first + size, LISTED)
    if found.words:
        ids = _matching(select(Solicitation.id.label("id"),
                               func.row_number().over(order_by=order).label("n")), found) \
            .order_by(*order).limit(LISTED + 1).cte("found")
        counted = select(func.count()).select_from(ids)
        page = select(Solicitation, counted.scalar_subquery()) \
            .join(ids, ids.c.id == Solicitation.id) \
            .where(ids.c.n > first, ids.c.n <= last).order_by(ids.c.n)
    else:
        counted = select(func.count()).select_from(
            _matching(select(Solicitation.id), found).limit(LISTED + 1).subquery())
        page = _matching(select(Solicitation, counted.scalar_subquery()), found) \
            .order_by(*order).offset(first).limit(last - first)
    rows: list[Any] = []
    if first < LISTED:
        rows = list(session.execute(page.options(selectinload(Solicitation.agencies),
                                                 lazyload(Solicitation.lots))).all())
    if rows:
        total = rows[0][1]
    elif first == 0:
        total = 0
    else:
        total = session.scalar(counted) or 0
    return Found([row[0] for row in rows], min(total, LISTED), total > LISTED)


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
            raise InvalidSearch("This list is not filtered by status; leave status out.",
                                field="status")
        state = statuses.__members__.get(status)
        if state is None:
            names = ", ".join(s.name for s in statuses)
            raise InvalidSearch(f"“{status}” is not a status here; use one of {names}.",
                                field="status")
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
        raise InvalidSearch(f"“{raw}” is not a page number.", field="page") from None
    if number < 1:
        raise InvalidSearch(f"There is no page {number}; pages start at 1.", field="page")
    return min(number, MAX_PAGE)


def visible_solicitation(session: Session, actor: Any, solicitation_id: int) -> Solicitation:
    """A solicitation this person may see (drafts: the agency only); otherwise not found."""
    row = session.get(Solicitation, solicitation_id)
    if row is None or not policy.allows(actor, "solicitation.view", row):
        raise NotFound("No such solicitation.")
    return row
