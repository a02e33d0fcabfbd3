"""The sections every response must have (intake looks for them): set on a draft only."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from procure import policy
from procure.api.common import (
    PREFIX,
    Blueprint,
    PartEditSchema,
    Text,
    edit_part,
    remove_part,
    visible_solicitation,
)
from procure.extensions import db
from procure.models import RequiredSection
from procure.faces import actor
from procure.workflows import solicitation as flow

bp = Blueprint("api_sections", __name__, url_prefix=PREFIX,
               description="The sections a response must have")


class SectionSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    aliases = fields.List(fields.String())
    page_limit = fields.Integer(allow_none=True)


class SectionCreateSchema(Schema):
    title = Text(required=True, validate=validate.Length(min=1, max=200))
    aliases = fields.List(Text(validate=validate.Length(max=200)), load_default=list,
                          validate=validate.Length(max=20),
                          metadata={"description": "other headings that count"})
    page_limit = fields.Integer(load_default=None, allow_none=True, strict=True,
                                validate=validate.Range(min=1, max=500))


@bp.route("/solicitations/<int:solicitation_id>/sections")
class Sections(MethodView):
    @policy.rule("public.browse")
    @bp.response(200, SectionSchema(many=True))
    @bp.errors(404)
    def get(self, solicitation_id: int) -> list[RequiredSection]:
        """The sections a response to this solicitation must have."""
        return visible_solicitation(solicitation_id).sections

    @policy.rule("solicitation.manage")
    @bp.arguments(SectionCreateSchema)
    @bp.response(201, SectionSchema)
    @bp.errors(400, 403, 404, 409)
    def post(self, data: dict, solicitation_id: int) -> RequiredSection:
        """Add a required section to a draft."""
        row = visible_solicitation(solicitation_id)
        section = flow.add_section(db.session, row, actor(), title=data["title"],
                                   aliases=data["aliases"], page_limit=data["page_limit"])
        db.session.commit()
        return section


class SectionEditSchema(PartEditSchema):
    title = Text(validate=validate.Length(min=1, max=200))
    aliases = fields.List(Text(validate=validate.Length(max=200)),
                          validate=validate.Length(max=20))
    page_limit = fields.Integer(allow_none=True, strict=True,
                                validate=validate.Range(min=1, max=500))


@bp.route("/solicitations/<int:solicitation_id>/sections/<int:section_id>")
class SectionItem(MethodView):
    @policy.rule("solicitation.manage")
    @bp.arguments(SectionEditSchema)
    @bp.response(200, SectionSchema)
    @bp.errors(400, 403, 404, 409)
    def patch(self, data: dict, solicitation_id: int, section_id: int) -> RequiredSection:
        """Change a required section: in place on a draft; once published, by an addendum."""
        return edit_part(solicitation_id, RequiredSection, section_id, data)

    @policy.rule("solicitation.manage")
    @bp.response(204)
    @bp.errors(403, 404, 409)
    def delete(self, solicitation_id: int, section_id: int) -> None:
        """Remove a required section from a draft."""
        remove_part(solicitation_id, RequiredSection, section_id)
