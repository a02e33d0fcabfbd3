"""The JSON API under /api/v1 (flask-smorest): one module per collection, each with its
schemas; every operation names its policy action and calls the same workflow use cases as the
pages. Bearer tokens only: no session, so no CSRF. Every refusal is documented in the spec in
the one shape of `common.ProblemSchema`."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from procure import policy
from procure.api import (
    addenda,
    audit,
    awards,
    comments,
    contracts,
    criteria,
    documents,
    evaluation,
    invitations,
    lots,
    ocds,
    organization,
    questions,
    receipts,
    response_documents,
    responses,
    sections,
    solicitations,
    tokens,
)
from procure.api.common import ProblemSchema
from procure.extensions import csrf

COLLECTIONS = (solicitations, lots, sections, criteria, documents, addenda, questions, comments,
               audit, responses, response_documents, receipts, tokens, evaluation, awards,
               contracts, ocds, organization, invitations)


class ProcureApi(Api):
    ERROR_SCHEMA = ProblemSchema         # what the error handlers answer with
    DEFAULT_ERROR_RESPONSE_NAME = None   # each operation documents the refusals it can give


def init_app(app: Flask) -> None:
    api = ProcureApi(app)
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    for module in COLLECTIONS:
        api.register_blueprint(module.bp)
        csrf.exempt(module.bp)
    # Any operation answers 401 to credentials that sign nobody in (a revoked or expired token).
    # Any operation that takes a body answers 400 to one that is not JSON (or nests too deep).
    unauthorized = api.spec.components.get_ref("response", "UNAUTHORIZED")
    bad_request = api.spec.components.get_ref("response", "BAD_REQUEST")
    for operations in api.spec._paths.values():
        for operation in operations.values():
            if isinstance(operation, dict) and "responses" in operation:
                operation["responses"].setdefault("401", unauthorized)
                if "requestBody" in operation:
                    operation["responses"].setdefault("400", bad_request)
    # The spec itself is public.
    for endpoint, view in list(app.view_functions.items()):
        if endpoint.startswith("api-docs."):
            app.view_functions[endpoint] = policy.rule("public.browse")(view)
