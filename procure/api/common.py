"""What every collection of the API shares: the blueprint class (with multipart bodies), the
error answers documented in the spec, the problem and status schemas, finding a solicitation."""

from __future__ import annotations

import http
import json
from datetime import date, datetime
from collections.abc import Callable
from typing import Any

from flask import abort
from flask_smorest import Blueprint as SmorestBlueprint
from marshmallow import Schema, ValidationError, fields, validate
from webargs.flaskparser import FlaskParser
from werkzeug.datastructures import CombinedMultiDict

from procure import search
from procure.extensions import db
from procure.models import CancelReason, Solicitation
from procure.faces import actor
from procure.kept_lists import kept_page
from procure.workflows import response as response_flow
from procure.workflows import solicitation as solicitation_flow

PREFIX = "/api/v1"


class Parser(FlaskParser):
    """webargs' Flask parser with one more location: a multipart form's fields and files
    together (a document and its title in one request)."""

    __location_map__ = dict(form_and_files="load_form_and_files", **FlaskParser.__location_map__)

    def _raw_load_json(self, req: Any) -> Any:
        """JSON nested too deeply for Python's reader is a body that cannot be read (400)."""
        try:
            return super()._raw_load_json(req)
        except RecursionError:
            abort(400, description="The JSON body is nested too deeply to read.")

    def load_form_and_files(self, req: Any, schema: Schema) -> dict[str, Any]:
        """A field sent twice is a list, which a one-value field then refuses (422)."""
        sent = CombinedMultiDict([req.files, req.form])
        return {key: values[0] if len(values) == 1 else values
                for key, values in sent.lists()}


class Blueprint(SmorestBlueprint):
    ARGUMENTS_PARSER = Parser()
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {
        **SmorestBlueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
        "form_and_files": "multipart/form-data",
    }

    def errors(self, *codes: int) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Document the refusals an operation can answer with (all in ProblemSchema's shape):
        400 unreadable body, 403 not allowed, 404 nothing there (or sealed), 409 refused by the
        workflow, 413 file too large, 422 invalid fields (added by `arguments` itself)."""
        def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
            for code in codes:
                view = self.alt_response(code, response=http.HTTPStatus(code).name)(view)
            return view
        return decorate

    def _set_pagination_metadata(self, page_params: Any, result: Any, headers: Any) -> Any:
        """A list counted no further than `search.LISTED` (the search, the kept lists) says in
        its X-Pagination whether more were found (`more_found`) beside the total listed."""
        result, headers = super()._set_pagination_metadata(page_params, result, headers)
        more = getattr(page_params, "more_found", None)
        if more is not None:
            metadata = json.loads(headers[self.PAGINATION_HEADER_NAME])
            headers[self.PAGINATION_HEADER_NAME] = json.dumps({**metadata, "more_found": more})
        return result, headers


def Text(**kwargs: Any) -> fields.String:  # noqa: N802 (a field, named like one)
    """Text a person wrote: any characters but NUL (which no database stores)."""
    no_nul = validate.Regexp(r"^[^\x00]*$", error="Text may not contain the NUL character.")
    extra = kwargs.pop("validate", None)
    return fields.String(validate=[no_nul, *([extra] if extra else [])], **kwargs)


def DatabaseId(**kwargs: Any) -> fields.Integer:  # noqa: N802 (a field, named like one)
    """An id in a body: an integer the database can hold (larger ones are simply not valid)."""
    kwargs.setdefault("strict", True)   # a query string's ids are text: those pass strict=False
    return fields.Integer(validate=validate.Range(min=1, max=2**31 - 1), **kwargs)


YEARS = r"^(20[0-9]{2}|2100)-"   # the spec's way of saying "between 2000 and 2100"


def _within_service_years(value: datetime) -> None:
    if not 2000 <= value.year <= 2100:
        raise ValidationError("Give a moment between the years 2000 and 2100.")


def Moment(**kwargs: Any) -> fields.AwareDateTime:  # noqa: N802
    """A moment with its time zone (ISO 8601), within the years the service plans for."""
    return fields.AwareDateTime(validate=_within_service_years,
                                metadata={"pattern": YEARS, **kwargs.pop("metadata", {})}, **kwargs)


def _date_within_service_years(value: date) -> None:
    if not 2000 <= value.year <= 2100:
        raise ValidationError("Give a date between the years 2000 and 2100.")


def Day(**kwargs: Any) -> fields.Date:  # noqa: N802
    return fields.Date(validate=_date_within_service_years,
                       metadata={"pattern": YEARS, **kwargs.pop("metadata", {})}, **kwargs)


class ProblemSchema(Schema):
    """Every refusal: what went wrong in plain words; `allowed` lists the events allowed now
    (on 409), `errors` the fields that did not validate (on 422)."""
    code = fields.Integer(required=True)
    status = fields.String(required=True)
    message = fields.String(required=True)
    allowed = fields.List(fields.String())
    errors = fields.Dict()


class StatusSchema(Schema):
    id = fields.Raw(metadata={
        "description": "a solicitation's id (integer), a response's public id (UUID)"})
    status = fields.String()
    allowed_events = fields.List(fields.String())


class EventArgsSchema(Schema):
    reason = Text(load_default="", validate=validate.Length(max=2000))
    cancel_reason = fields.String(validate=validate.OneOf([r.name for r in CancelReason]))


PDF = {"type": "string", "format": "binary"}   # a download's body in the spec


def visible_solicitation(solicitation_id: int) -> Solicitation:
    """A solicitation this person may see (drafts: the agency only); otherwise 404."""
    return search.visible_solicitation(db.session, actor(), solicitation_id)


def paged(statement: Any, pagination_parameters: Any) -> list[Any]:
    """One page of an API list as asked (`?page=`, `?page_size=`; flask-smorest's
    X-Pagination header gives the total and the pages): an answer, and a number of queries,
    that stay the same size whatever the data. Eager-load what the schema reads on the
    statement itself."""
    page = db.paginate(statement, page=search.page_number(pagination_parameters.page),
                       per_page=pagination_parameters.page_size, error_out=False)
    pagination_parameters.item_count = page.total
    return list(page.items)


def kept(statement: Any, pagination_parameters: Any) -> list[Any]:
    """One page of a list a person keeps (their responses, panels, scoresheets), as `paged`
    but bounded by the page, not the history (procure.kept_lists): at most the first
    `search.LISTED` listed, X-Pagination's `total` counted no further and its `more_found`
    saying whether more were found."""
    page = kept_page(statement, search.page_number(pagination_parameters.page),
                     pagination_parameters.page_size)
    pagination_parameters.item_count = page.total
    pagination_parameters.more_found = page.more
    return list(page.items)


def with_events(row: Any, events: list[str]) -> Any:
    row.allowed_events = events
    return row


class PartEditSchema(Schema):
    """What every change to a lot, section or criterion may carry: on a published RFR the
    change is an addendum, which needs a title (its body defaults to the list of changes)."""
    addendum_title = Text(load_default="", validate=validate.Length(max=300))
    addendum_body = Text(load_default="", validate=validate.Length(max=20000))


def edit_part(solicitation_id: int, model: type, part_id: int, values: dict[str, Any]) -> Any:
    """Change a lot, section or criterion through the use case the officer's page calls: in
    place on a draft, by an addendum listing each change once published."""
    row = visible_solicitation(solicitation_id)
    part = db.session.get(model, part_id)
    if part is None or part.solicitation_id != row.id:
        abort(404)
    title, body = values.pop("addendum_title", ""), values.pop("addendum_body", "")
    response_flow.edit_part(db.session, row, actor(), part, values, addendum_title=title,
                            addendum_body=body)
    db.session.commit()
    return part


def remove_part(solicitation_id: int, model: type, part_id: int) -> None:
    """Remove a lot, section or criterion from a draft through the use case the page calls."""
    row = visible_solicitation(solicitation_id)
    part = db.session.get(model, part_id) or abort(404)
    solicitation_flow.remove_part(db.session, row, actor(), part)
    db.session.commit()
