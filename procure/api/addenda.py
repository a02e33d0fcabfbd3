"""Addenda: numbered, published changes to an open solicitation (a new deadline, a revised
document). Published, never edited."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate

from procure import policy
from procure.api.common import PREFIX, Blueprint, Moment, Text, visible_solicitation
from procure.extensions import db
from procure.faces import actor, uploads
from procure.models import Addendum
from procure.workflows import response as response_flow
from procure.workflows import solicitation as flow

bp = Blueprint("api_addenda", __name__, url_prefix=PREFIX,
               description="Addenda to published solicitations")


class AddendumSchema(Schema):
    number = fields.Integer()
    title = fields.String()
    body = fields.String()
    published_at = fields.DateTime()
    new_deadline = fields.DateTime(allow_none=True)
    documents = fields.Function(lambda a: [{"id": d.id, "title": d.title, "filename": d.filename}
                                           for d in a.documents])


class AddendumCreateSchema(Schema):
    title = Text(required=True, validate=validate.Length(min=1, max=300))
    body = Text(required=True, validate=validate.Length(min=1, max=20000),
                metadata={"description": "what changes"})
    new_deadline = Moment(
                          metadata={"description": "leave out to keep the deadline"})
    file = Upload(metadata={"description": "a revised document (PDF)"})


@bp.route("/solicitations/<int:solicitation_id>/addenda")
class Addenda(MethodView):
    @policy.rule("public.browse")
    @bp.response(200, AddendumSchema(many=True))
    @bp.errors(404)
    def get(self, solicitation_id: int) -> list[Addendum]:
        """The solicitation's addenda, in order."""
        return visible_solicitation(solicitation_id).addenda

    @policy.rule("solicitation.manage")
    @bp.arguments(AddendumCreateSchema, location="form_and_files")
    @bp.response(201, AddendumSchema)
    @bp.errors(400, 403, 404, 409, 413)
    def post(self, data: dict, solicitation_id: int) -> Addendum:
        """Publish an addendum (multipart: its fields and, optionally, a revised PDF)."""
        row = visible_solicitation(solicitation_id)
        who = actor()
        addendum = response_flow.publish_addendum(db.session, row, who, title=data["title"],
                                                  body=data["body"],
                                                  new_deadline=data.get("new_deadline"))
        if data.get("file") is not None:
            flow.upload_document(db.session, row, who, stream=data["file"].stream,
                                 filename=data["file"].filename, title=data["title"],
                                 uploads=uploads(), addendum=addendum)
        db.session.commit()
        return addendum
