"""The Open Contracting Data Standard release package of a published solicitation (the same
as `procure export ocds NUMBER`): public, like the public pages; nothing sealed before the
opening (see procure.ocds)."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, request
from flask.views import MethodView

from procure import ocds, policy
from procure.api.common import PREFIX, Blueprint, visible_solicitation
from procure.extensions import db
from procure.public_cache import public_page
from procure.workflows.base import NotFound

bp = Blueprint("api_ocds", __name__, url_prefix=f"{PREFIX}/solicitations",
               description="Open Contracting Data Standard 1.1 release packages")

PACKAGE = {"type": "object", "description": "an OCDS 1.1 release package "
           "(https://standard.open-contracting.org/1.1/en/schema/release_package/)"}


@bp.route("/<int:solicitation_id>/ocds")
class ReleasePackage(MethodView):
    @policy.rule("public.browse")
    @public_page
    @bp.response(200, PACKAGE)
    @bp.errors(404)
    def get(self, solicitation_id: int) -> Any:
        """The published solicitation as an OCDS release package: planning, tender, the
        announced awards, the signed contracts and their draw-downs as transactions."""
        row = visible_solicitation(solicitation_id)
        config = current_app.config
        try:
            package = ocds.release_package(
                db.session, row,
                base_url=(config.get("OCDS_BASE_URL") or config.get("BASE_URL")
                          or request.host_url),
                prefix=config.get("OCDS_OCID_PREFIX") or ocds.OCID_PREFIX)
        except ocds.NotPublic as draft:
            raise NotFound(str(draft)) from None
        return jsonify(package)   # the standard's own shape, not one of this API's schemas
