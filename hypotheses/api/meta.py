"""The OpenAPI document itself."""

from __future__ import annotations

from flask import jsonify

from hypotheses.api.blueprint import bp
from hypotheses.api.openapi import operation
from hypotheses.api.openapi_document import build_document


@operation(
    bp, "/openapi.json", "GET", summary="This OpenAPI 3.1 document", permission=None, tag="meta"
)
def openapi_document():
    """The complete description of every operation (no token needed)."""
    return jsonify(build_document())
