"""A provider's own organisation: what it registered, and its supplier-diversity certification,
which its people change as the page does (adding colleagues stays with a person signed in by
password: see the API parity exceptions)."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from procure import accounts, policy
from procure.api.common import PREFIX, Blueprint
from procure.extensions import db
from procure.faces import actor
from procure.models import Organization, SupplierDiversity

bp = Blueprint("api_organization", __name__, url_prefix=f"{PREFIX}/organization",
               description="The caller's own provider organisation")


class OrganizationSchema(Schema):
    legal_name = fields.String()
    fein = fields.String()
    address = fields.String()
    contact_name = fields.String()
    contact_email = fields.String()
    contact_phone = fields.String()
    diversity = fields.Function(lambda o: o.diversity.name, metadata={
        "description": "supplier-diversity certification: "
                       + ", ".join(d.name for d in SupplierDiversity)})
    diversity_label = fields.Function(lambda o: o.diversity.value)


class DiversitySchema(Schema):
    diversity = fields.String(required=True,
                              validate=validate.OneOf([d.name for d in SupplierDiversity]))


@bp.route("/")
class OwnOrganization(MethodView):
    @policy.rule("organization.manage")
    @bp.response(200, OrganizationSchema)
    @bp.errors(403)
    def get(self) -> Organization:
        """My organisation as registered, with its supplier-diversity certification."""
        return actor().organization

    @policy.rule("organization.manage")
    @bp.arguments(DiversitySchema)
    @bp.response(200, OrganizationSchema)
    @bp.errors(403, 422)
    def patch(self, data: dict) -> Organization:
        """Change my organisation's supplier-diversity certification (audited)."""
        who = actor()
        accounts.change_diversity(db.session, who.organization, who,
                                  SupplierDiversity[data["diversity"]])
        db.session.commit()
        return who.organization
