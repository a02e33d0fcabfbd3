"""marshmallow schemas of the JSON API (the OpenAPI spec is generated from them)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from procure.models import CancelReason, SolicitationKind
from procure.policy import PUBLIC_STATES


class AgencySchema(Schema):
    code = fields.String()
    name = fields.String()


class LotSchema(Schema):
    id = fields.Integer()
    number = fields.Integer()
    kind = fields.Function(lambda lot: lot.kind.name)
    title = fields.String()
    region = fields.Function(lambda lot: lot.region.name if lot.region else None, allow_none=True)
    service_model = fields.String(attribute="service_model_code", allow_none=True)
    area_offices = fields.Function(lambda lot: [a.name for a in lot.area_offices])
    estimated_annual_value = fields.Decimal(as_string=True)
    max_awards = fields.Integer()


class SectionSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    aliases = fields.List(fields.String())
    page_limit = fields.Integer(allow_none=True)


class CriterionSchema(Schema):
    name = fields.String()
    description = fields.String()
    weight = fields.Integer()
    max_points = fields.Integer()
    envelope = fields.Function(lambda c: c.envelope.name)


class AddendumSchema(Schema):
    number = fields.Integer()
    title = fields.String()
    body = fields.String()
    published_at = fields.DateTime()
    new_deadline = fields.DateTime(allow_none=True)


class AnswerSchema(Schema):
    question = fields.String(attribute="body")
    answer = fields.String()
    answered_at = fields.DateTime()


class SolicitationSummarySchema(Schema):
    id = fields.Integer()
    number = fields.String()
    kind = fields.Function(lambda s: s.kind.name)
    title = fields.String()
    status = fields.Function(lambda s: s.status.name)
    agencies = fields.Function(lambda s: [a.code for a in s.agencies])
    deadline = fields.DateTime(allow_none=True)


class SolicitationSchema(SolicitationSummarySchema):
    description = fields.String()
    questions_due = fields.DateTime(allow_none=True)
    conference_at = fields.DateTime(allow_none=True)
    conference_location = fields.String()
    expected_award = fields.Date(allow_none=True)
    contract_start = fields.Date(allow_none=True)
    published_at = fields.DateTime(allow_none=True)
    cancel_reason = fields.Function(lambda s: s.cancel_reason.name if s.cancel_reason else None,
                                    allow_none=True)
    cancel_text = fields.String()
    lots = fields.List(fields.Nested(LotSchema))
    sections = fields.List(fields.Nested(SectionSchema))
    criteria = fields.List(fields.Nested(CriterionSchema))
    addenda = fields.List(fields.Nested(AddendumSchema))
    answers = fields.Function(lambda s: AnswerSchema(many=True).dump(
        [q for q in s.questions if q.answer is not None]))
    allowed_events = fields.List(fields.String())


class SolicitationCreateSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf([k.name for k in SolicitationKind]))
    title = fields.String(required=True, validate=validate.Length(min=1, max=300))
    agencies = fields.List(fields.String(validate=validate.Length(max=8)), required=True,
                           validate=validate.Length(min=1, max=5))
    number = fields.String(validate=validate.Regexp(r"^[A-Z]{2,5}-\d{4}-(RFI|RFR)-\d{3}$"))
    description = fields.String(validate=validate.Length(max=20000))
    deadline = fields.AwareDateTime(allow_none=True)
    questions_due = fields.AwareDateTime(allow_none=True)


class ListArgsSchema(Schema):
    """The public search's filters (procure.search); unknown values are answered 400."""
    q = fields.String(validate=validate.Length(max=200))
    status = fields.String(validate=validate.OneOf([s.name for s in PUBLIC_STATES]))
    agency = fields.String(validate=validate.Length(max=8))
    region = fields.Integer(strict=False)
    service_model = fields.String(validate=validate.Length(max=40))


class EventArgsSchema(Schema):
    reason = fields.String(load_default="", validate=validate.Length(max=2000))
    cancel_reason = fields.String(validate=validate.OneOf([r.name for r in CancelReason]))


class StatusSchema(Schema):
    id = fields.Integer()
    status = fields.String()
    allowed_events = fields.List(fields.String())


class ResponseStatusSchema(StatusSchema):
    id = fields.String(metadata={"description": "the response's public id (UUID)"})


class DocumentSchema(Schema):
    id = fields.String(attribute="public_id")
    kind = fields.Function(lambda d: d.kind.name)
    filename = fields.String()
    sha256 = fields.String()
    size = fields.Integer()
    intake_status = fields.Function(lambda d: d.intake_status.name)
    pages_done = fields.Integer()
    pages_total = fields.Integer()
    rejection_code = fields.String(allow_none=True)
    rejection_message = fields.String(allow_none=True)
    record = fields.Dict(allow_none=True)


class ResponseSchema(Schema):
    id = fields.String(attribute="public_id")
    solicitation = fields.Function(lambda r: r.solicitation.number)
    lot = fields.Function(lambda r: r.lot.number)
    organization = fields.Function(lambda r: r.organization.legal_name)
    status = fields.Function(lambda r: r.status.name)
    submitted_at = fields.DateTime(allow_none=True)
    documents = fields.Function(lambda r: DocumentSchema(many=True).dump(r.current_documents))
    allowed_events = fields.List(fields.String())


class ProblemSchema(Schema):
    code = fields.Integer()
    status = fields.String()
    message = fields.String()
    allowed = fields.List(fields.String())
