"""The lists a person keeps (my responses, my award notices, my panels, my scoresheets), a page
at a time, bounded by the page and not by how long the person's history is: as the public search
(procure.search.first_found), a list is counted no further than `search.LISTED` and lists at
most that many.

Each list's order is served by an index (migration 0019, or the table's key), so that the page
is an index walk that stops when full; the count reads at most `LISTED` + 1 rows. The pages say
"More than 1,000 ... found" (`more`), the API's X-Pagination `more_found` beside a `total` of at
most 1,000."""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, func, select
from sqlalchemy.orm import lazyload

from procure import search
from procure.extensions import db

LISTED = search.LISTED


class KeptPage(Pagination):
    """One page of a kept list (or of the public search), read already: its items, its total counted no further than
    `LISTED`, and whether more than that were found (`more`)."""

    def __init__(self, *, page: int, per_page: int, items: list[Any], total: int,
                 more: bool) -> None:
        self.more = more
        super().__init__(page=page, per_page=per_page, max_per_page=None, error_out=False,
                         items=items, total=total)

    def _query_items(self) -> list[Any]:
        return self._query_args["items"]

    def _query_count(self) -> int:
        return self._query_args["total"]


def counted(statement: Select[Any]) -> int:
    """How many rows `statement` finds, counted no further than `LISTED` + 1."""
    bounded = statement.options(lazyload("*")).order_by(None).limit(LISTED + 1).subquery()
    return db.session.scalar(select(func.count()).select_from(bounded)) or 0


def kept_page(statement: Select[Any], number: int, size: int) -> KeptPage:
    """Page `number` (of `size`) of a list in its statement's order: the page read with LIMIT
    (an index walk that stops when full), at most the first `LISTED` rows listed, and counted
    no further than `LISTED` + 1. Always counted, also when the page is not full (which would
    say how many there are): a list makes the same statements however long it is."""
    first = (number - 1) * size
    last = min(first + size, LISTED)
    items: list[Any] = []
    if first < last:
        items = list(db.session.execute(statement.offset(first).limit(last - first))
                     .unique().scalars())
    total = counted(statement)
    return KeptPage(page=number, per_page=size, items=items, total=min(total, LISTED),
                    more=total > LISTED)


def as_asked(statement: Any, *, status_column: Any = None, statuses: Any = None,
             text_columns: tuple[Any, ...] = ()) -> Any:
    """`statement` narrowed by the request's `?q=` and `?status=` (search.narrowed), for a list
    with words or a status to filter by."""
    if text_columns or status_column is not None:
        statement = search.narrowed(statement, q=request.args.get("q"),
                                    status=request.args.get("status"),
                                    status_column=status_column, statuses=statuses,
                                    text_columns=text_columns)
    return statement


def page_of(statement: Any, **filters: Any) -> KeptPage:
    """One page of a kept list as the request asks (`?q=`, `?status=`, `?page=`): the filters
    of `as_asked`, the page and count of `kept_page`."""
    return kept_page(as_asked(statement, **filters), search.page_number(request.args.get("page")),
                     current_app.config["PAGE_SIZE"])
