"""A response's documents: upload (multipart), the structured record read from each, replace,
remove, download. Only the bidder's organisation changes them; reading follows the seal."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask.views import MethodView
from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate

from procure import policy
from procure.api.common import PDF, PREFIX, Blueprint
from procure.api.responses import DocumentSchema, own, readable
from procure.extensions import db
from procure.faces import actor, received_at, send_document, uploads
from procure.models import Document, DocumentKind, Response
from procure.workflows import evaluation as evaluation_flow
from procure.workflows import response as flow
from procure.workflows.base import NotFound

bp = Blueprint("api_response_documents", __name__, url_prefix=f"{PREFIX}/responses",
               description="The documents of a response and the records read from them")


class UploadSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf([k.name for k in DocumentKind]))
    file = Upload(required=True, metadata={"description": "the PDF"})


class CoverCorrectionsSchema(Schema):
    """The cover fields a bidder may correct, each to its value ("" or null takes it back)."""
    organization_name = fields.String(allow_none=True, validate=validate.Length(max=500))
    tax_id = fields.String(allow_none=True, validate=validate.Length(max=500))
    contact_name = fields.String(allow_none=True, validate=validate.Length(max=500))
    contact_email = fields.String(allow_none=True, validate=validate.Length(max=500))
    lot = fields.String(allow_none=True, validate=validate.Length(max=500))
    total_price = fields.String(allow_none=True, validate=validate.Length(max=500))


class CorrectionsSchema(Schema):
    sections = fields.Dict(keys=fields.String(validate=validate.Length(max=100)),
                           values=fields.Integer(allow_none=True, strict=True,
                                                 validate=validate.Range(min=1, max=100_000)),
                           metadata={"description": "section id -> the page where it starts "
                                                    "(null takes the correction back)"})
    budget_total = fields.String(allow_none=True, validate=validate.Length(max=100), metadata={
        "description": "the budget's total, e.g. \"1272234.04\" (\"\" takes it back)"})
    cover = fields.Nested(CoverCorrectionsSchema, metadata={
        "description": "cover field -> its value (\"\" takes it back)"})


def _document_of(response: Response, document_id: UUID) -> Document:
    document = flow.readable_document(db.session, actor(), document_id)
    if document.response_id != response.id:
        raise NotFound("No such document.")
    return document


@bp.route("/<uuid:response_id>/documents")
class ResponseDocuments(MethodView):
    @policy.rule("response.read")
    @readable
    @bp.response(200, DocumentSchema(many=True))
    @bp.errors(403, 404)
    def get(self, response: Response) -> list[Document]:
        """The response's current documents, each with what intake read from it."""
        return response.current_documents

    @policy.rule("response.work")
    @own
    @bp.arguments(UploadSchema, location="form_and_files")
    @bp.response(201, DocumentSchema)
    @bp.errors(400, 403, 404, 409, 413)
    def post(self, data: dict, response: Response) -> Document:
        """Upload a PDF to my organisation's response (multipart: kind and file); it is read
        after the answer (watch `intake_status`)."""
        document = flow.upload_document(
            db.session, response, actor(), stream=data["file"].stream,
            filename=data["file"].filename, kind=DocumentKind[data["kind"]], uploads=uploads(),
            received_at=received_at())
        db.session.commit()
        return document


@bp.route("/<uuid:response_id>/documents/<uuid:document_id>")
class ResponseDocument(MethodView):
    @policy.rule("response.read")
    @readable
    @bp.response(200, DocumentSchema)
    @bp.errors(403, 404)
    def get(self, response: Response, document_id: UUID) -> Document:
        """One document and the structured record read from it."""
        return _document_of(response, document_id)

    @policy.rule("response.work")
    @own
    @bp.arguments(UploadSchema, location="form_and_files")
    @bp.response(201, DocumentSchema)
    @bp.errors(400, 403, 404, 409, 413)
    def put(self, data: dict, response: Response, document_id: UUID) -> Document:
        """Replace a document with a new PDF (multipart: kind and file); the old one stays in
        the history."""
        document = flow.upload_document(
            db.session, response, actor(), stream=data["file"].stream,
            filename=data["file"].filename, kind=DocumentKind[data["kind"]], uploads=uploads(),
            replaces_id=document_id, received_at=received_at())
        db.session.commit()
        return document

    @policy.rule("response.work")
    @own
    @bp.response(204)
    @bp.errors(403, 404, 409)
    def delete(self, response: Response, document_id: UUID) -> None:
        """Remove a document from the response (it stays in the history)."""
        flow.remove_document(db.session, response, actor(), _document_of(response, document_id))
        db.session.commit()


@bp.route("/<uuid:response_id>/documents/<uuid:document_id>/file")
class ResponseDocumentFile(MethodView):
    @policy.rule("response.read")
    @readable
    @bp.response(200, PDF, content_type="application/pdf")
    @bp.errors(403, 404)
    def get(self, response: Response, document_id: UUID) -> Any:
        """Download the PDF as uploaded (not found while it carries a price sealed to you)."""
        document = _document_of(response, document_id)
        if evaluation_flow.file_withheld(actor(), document):
            raise NotFound("No such document.")    # its price is sealed to this evaluator
        return send_document(document)


@bp.route("/<uuid:response_id>/documents/<uuid:document_id>/corrections")
class ResponseDocumentCorrections(MethodView):
    @policy.rule("response.work")
    @own
    @bp.arguments(CorrectionsSchema)
    @bp.response(200, DocumentSchema)
    @bp.errors(403, 404, 409)
    def put(self, data: dict, response: Response, document_id: UUID) -> Document:
        """Correct what was read from a document before submitting: where sections start, the
        budget's total, cover fields. Sent fields replace those corrections; the others stay.
        The record read is kept; `confirmed_record` is what the checks then use."""
        document = flow.document_of(response, document_id)
        flow.correct_record(db.session, response, actor(), document,
                            sections=data.get("sections"), budget_total=data.get("budget_total"),
                            cover=data.get("cover"))
        db.session.commit()
        return document
