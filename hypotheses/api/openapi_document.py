"""The OpenAPI 3.1 document served at ``GET /api/v1/openapi.json``, built from the operations
``hypotheses.api.openapi.operation`` registered: their paths, shapes, permissions and errors,
with the rules a JSON Schema cannot say written beside the 422 answers."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from hypotheses.api.openapi import NO_CONTROL, OPERATIONS, Operation
from hypotheses.api.schemas import WEEK, ErrorResponse
from hypotheses.api.schemas_experiments import ResultsCsvQuery

PREFIX = "/api/v1"
ERROR_TEXT = {
    400: "Malformed request (e.g. invalid JSON).",
    401: "Missing or invalid API token.",
    403: "The token's role may not do this.",
    404: "Not found in the token's team.",
    409: "Conflicts with the current state.",
    413: "The request body is too large.",
    415: "The body is not sent as JSON (Content-Type: application/json).",
    422: "Invalid fields; see error.fields.",
}

# Rules a JSON Schema cannot say (they compare fields or items, or depend on stored data or
# today's date): a request that keeps to the document but breaks one is refused with 422 on
# these fields (or fields under them, like "variants.1.name"), and the operation's 422
# response says so. Every other 422 means the request broke the document itself.
RULES: dict[str, dict[str, str]] = {
    "stats_analyze": {
        "variants": "each arm needs a unique, non-empty name; the engine refuses numbers it "
        "cannot analyse (e.g. more conversions than visitors)",
        "looks": "an earlier look cannot have more data than now; group-sequential looks "
        "need planned_per_variant",
        "planned_split": "one share per arm",
    },
    "stats_sample_size": {
        "baseline": "a conversion baseline is a rate between 0 and 1 (not 0 or 1); a mean is "
        "at most 10^12 in size",
        "baseline_sd": "above 0, at most 10^12",
        "mde": "the target rate must stay between 0 and 1; a relative effect needs a baseline "
        "other than 0",
    },
    "put_design": {
        "metric": "without control characters",
        "baseline": "as for sample-size",
        "baseline_sd": "as for sample-size",
        "mde": "as for sample-size",
        "variants": "distinct names; traffic shares for every variant or none, adding up to 100%",
        "secondary": "names different from each other and from the primary metric (without "
        "control characters); a conversion baseline between 0 and 1",
        "guardrails": "names different from each other and from the primary metric (without "
        "control characters)",
        "metric_is_money": "only a continuous primary metric is money itself",
    },
    "create_hypothesis": {"links": "web addresses starting with http:// or https://"},
    "patch_hypothesis": {"links": "web addresses starting with http:// or https://"},
    "push_results": {
        "variants": "exactly the test's variants, by name, each once",
        "metrics": "the test's own secondary metrics and guardrails, by name, every variant; "
        "conversions at most the arm's visitors",
        "file": "a CSV body: a header naming the chosen columns, and every row valid",
        **dict.fromkeys(
            ResultsCsvQuery.model_fields, "the query parameters go with a CSV body only"
        ),
    },
    "decide": {"reason": "a decision against the analysis needs a written reason"},
    "correct_decision": {"reason": "a decision against the analysis needs a written reason"},
    "finish_test": {"reason": "finishing below the planned sample needs a written reason"},
    "open_review": {"iso_week": "a week that exists and has started"},
    "save_kpis": {"kpis": "metrics of the team's catalog"},
    "add_decision": {
        "owner_email": "a member of the team",
        "owner_id": "a member of the team",
        "hypothesis_id": "a hypothesis of the team",
    },
}


_CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")


def _path(rule: str) -> tuple[str, list[dict]]:
    params = []
    for converter, name in _CONVERTER.findall(rule):
        schema: dict[str, Any] = {"type": "string"}
        if converter == "int":
            schema = {"type": "integer", "minimum": 0}
        elif name == "iso_week":
            schema = {"type": "string", "pattern": WEEK, "example": "2026-W47"}
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
    return PREFIX + _CONVERTER.sub(r"{\2}", rule), params


def _texts_without_control_characters(roots: list[dict], defs: dict[str, dict]) -> None:
    """Write the control-character rule (NO_CONTROL) on every free text a request can hold:
    the strings of the request bodies' schemas, their object keys included."""
    seen: set[str] = set()

    def visit(schema: Any) -> None:
        if isinstance(schema, list):
            for item in schema:
                visit(item)
            return
        if not isinstance(schema, dict):
            return
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.rsplit("/", 1)[-1] not in seen:
            seen.add(ref.rsplit("/", 1)[-1])
            visit(defs.get(ref.rsplit("/", 1)[-1]))
        free = not {"enum", "const", "pattern", "format"} & schema.keys()
        if schema.get("type") == "string" and free:
            schema["pattern"] = NO_CONTROL
        if schema.get("type") == "object" and "additionalProperties" in schema:
            schema.setdefault("propertyNames", {"pattern": NO_CONTROL})
        for key in ("properties", "$defs"):
            for value in (schema.get(key) or {}).values():
                visit(value)
        for key in ("items", "additionalProperties", "anyOf", "oneOf", "allOf", "prefixItems"):
            visit(schema.get(key))

    for root in roots:
        visit(root)


def _query_params(model: type[BaseModel], refs: dict) -> list[dict]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    required = set(schema.get("required", []))
    params = []
    for name, prop in schema.get("properties", {}).items():
        prop = dict(prop)
        prop.pop("title", None)
        prop.pop("default", None)
        description = prop.pop("description", None)
        # An optional query parameter is simply left out; it is never "null".
        options = [p for p in prop.pop("anyOf", []) if p.get("type") != "null"]
        if options:
            prop.update(options[0])
        if prop.get("type") == "string" and not {"enum", "pattern", "format"} & prop.keys():
            prop["pattern"] = NO_CONTROL
        if prop.get("type") == "string":
            prop.setdefault("minLength", 1)  # an empty parameter is refused: leave it out
        param = {"name": name, "in": "query", "required": name in required, "schema": prop}
        if description:
            param["description"] = description
        params.append(param)
    return params


def _error_responses(op: Operation) -> dict[str, Any]:
    codes = set(op.errors)
    if op.permission is not None:
        codes |= {401, 403}
    if op.body is not None:
        codes |= {400, 413, 415, 422}
    if op.query is not None or op.extra_query:
        codes |= {422}
    if "<" in op.rule:
        codes |= {404}
    ref = {"$ref": "#/components/schemas/ErrorResponse"}
    return {
        str(code): {
            "description": _error_text(op, code),
            "content": {"application/json": {"schema": ref}},
        }
        for code in sorted(codes)
    }


def _error_text(op: Operation, code: int) -> str:
    text = ERROR_TEXT.get(code, "Error.")
    rules = RULES.get(op.endpoint)
    if code == 422 and rules:
        named = "; ".join(f"`{name}`: {rule}" for name, rule in rules.items())
        text += f" Also refused, though the schema cannot say it: {named}."
    return text


def build_document() -> dict[str, Any]:
    """Return the OpenAPI 3.1 document of every registered operation."""
    models: list[tuple[type[BaseModel], str]] = [(ErrorResponse, "serialization")]
    for op in OPERATIONS:
        if op.body is not None:
            models.append((op.body, "validation"))
        if op.response is not None:
            models.append((op.response, "serialization"))
    refs, top = models_json_schema(
        list(dict.fromkeys(models)), ref_template="#/components/schemas/{model}"
    )
    _texts_without_control_characters(
        [refs[(op.body, "validation")] for op in OPERATIONS if op.body is not None],
        top.get("$defs", {}),
    )
    paths: dict[str, dict] = {}
    for op in OPERATIONS:
        path, params = _path(op.rule)
        if op.query is not None:
            params = params + _query_params(op.query, refs)
        if op.extra_query is not None:
            params = params + _query_params(op.extra_query, refs)
        entry: dict[str, Any] = {
            "operationId": op.endpoint,
            "summary": op.summary,
            "tags": [op.tag],
            "responses": {},
            "security": [] if op.permission is None else [{"bearerAuth": []}],
        }
        if op.description:
            entry["description"] = op.description
        if op.permission is not None:
            entry["x-permission"] = op.permission
        if params:
            entry["parameters"] = params
        if op.body is not None:
            content = {"application/json": {"schema": refs[(op.body, "validation")]}}
            content.update(op.extra_content)
            entry["requestBody"] = {"required": op.body_required, "content": content}
        ok: dict[str, Any] = {"description": "Success."}
        if op.response is not None:
            ok["content"] = {"application/json": {"schema": refs[(op.response, "serialization")]}}
        elif op.endpoint == "openapi_document":
            ok["content"] = {"application/json": {"schema": {"type": "object"}}}
        entry["responses"] = {str(op.status): ok, **_error_responses(op)}
        paths.setdefault(path, {})[op.method] = entry
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Hypotheses API",
            "version": "1",
            "description": "The experiment backlog and weekly review service. Send "
            "`Authorization: Bearer <token>`; the token acts for one user in one "
            "team, with that user's current role. Errors are "
            '`{"error": {"code", "message", "fields"}}`.',
        },
        "paths": paths,
        "components": {
            "schemas": top.get("$defs", {}),
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A token from your profile page "
                    "or `flask --app hypotheses create-token`.",
                }
            },
        },
    }
