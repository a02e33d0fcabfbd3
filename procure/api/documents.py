"""A solicitation's own documents (the RFR, its forms): attached to a draft, or to a published
one through an addendum; downloadable by anyone once published."""

from __future__ import annotations

from typing import Any

from flask import abort
from flask.views import MethodView
from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate

from procure import policy
from procure.api.common import PDF, PREFIX, Blueprint, Text, visible_solicitation
from procure.extensions import db
from procure.faces import actor, send_document, uploads
from procure.models import SolicitationDocument
from procure.workflows import solicitation as flow

bp = Blueprint("api_documents", __name__, url_prefix=PREFIX,
               description="A solicitation's documents")


class SolicitationDocumentSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    filename = fields.String()
    sha256 = fields.String()
    size = fields.Integer()
    uploaded_at = fields.DateTime()
    addendum = fields.Function(lambda d: d.addendum.number if d.addendum else None,
                               allow_none=True)


class DocumentUploadSchema(Schema):
    title = Text(required=True, validate=validate.Length(min=1, max=300))
    file = Upload(required=True, metadata={"description": "the PDF"})


@bp.route("/solicitations/<int:solicitation_id>/documents")
class Documents(MethodView):
    @policy.rule("public.browse")
    @bp.response(200, SolicitationDocumentSchema(many=True))
    @bp.errors(404)
    def get(self, solicitation_id: int) -> list[SolicitationDocument]:
        """The solicitation's documents, addenda's included."""
        return visible_solicitation(solicitation_id).documents

    @policy.rule("solicitation.manage")
    @bp.arguments(DocumentUploadSchema, location="form_and_files")
    @bp.response(201, SolicitationDocumentSchema)
    @bp.errors(400, 403, 404, 409, 413)
    def post(self, data: dict, solicitation_id: int) -> SolicitationDocument:
        """Attach a PDF to a draft (multipart: title and file)."""
        row = visible_solicitation(solicitation_id)
        document = flow.upload_document(db.session, row, actor(), stream=data["file"].stream,
                                        filename=data["file"].filename, title=data["title"],
                                        uploads=uploads())
        db.session.commit()
        return document


@bp.route("/solicitations/<int:solicitation_id>/documents/<int:document_id>")
class DocumentFile(MethodView):
    @policy.rule("public.browse")
    @bp.response(200, PDF, content_type="application/pdf")
    @bp.errors(404)
    def get(self, solicitation_id: int, document_id: int) -> Any:
        """Download one of the solicitation's documents (the PDF)."""
        row = visible_solicitation(solicitation_id)
        document = db.session.get(SolicitationDocument, document_id)
        if document is None or document.solicitation_id != row.id:
            abort(404)
        return send_document(document)
