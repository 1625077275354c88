"""Declare API operations once: the route, its permission, its shapes, and its OpenAPI entry.

``@operation(...)`` registers the Flask route with ``api_requires(permission)``, parses and
validates the query string and the JSON body into the declared pydantic models, serialises the
declared response model, and records everything for ``GET /api/v1/openapi.json``. The document
is therefore built (hypotheses.api.openapi_document) from the same definitions that validate
the requests and shape the answers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from flask import Blueprint, Response, current_app, json, request
from flask_babel import gettext as _
from pydantic import BaseModel, ValidationError

from hypotheses.api.auth import api_requires
from hypotheses.api.errors import ApiError, from_validation_error
from hypotheses.permissions import public


@dataclass
class Operation:
    """One documented API operation."""

    rule: str
    method: str
    endpoint: str
    summary: str
    description: str
    permission: str | None
    tag: str
    body: type[BaseModel] | None
    body_required: bool
    query: type[BaseModel] | None
    response: type[BaseModel] | None
    status: int
    errors: tuple[int, ...]
    extra_content: dict[str, dict] = field(default_factory=dict)
    extra_query: type[BaseModel] | None = None


OPERATIONS: list[Operation] = []


# Control characters other than tab, line feed and carriage return (NUL among them) are
# never part of text people type, and PostgreSQL cannot store NUL: refused in any input.
CONTROL = frozenset(chr(c) for c in range(32) if chr(c) not in "\t\n\r") | {"\x7f"}
# The same rule in the document: every text of a request matches it (ECMAScript and Python).
NO_CONTROL = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f]*$"


def refuse_control_characters(value: Any, path: str = "") -> None:
    """Raise a 422 naming the first field whose text holds a control character."""
    if isinstance(value, str):
        if not CONTROL.isdisjoint(value):
            message = _("Text may not contain control characters.")
            raise ApiError(422, message, fields={path or "body": [message]})
    elif isinstance(value, dict):
        for key, item in value.items():
            refuse_control_characters(key, path)
            refuse_control_characters(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for item in value:
            refuse_control_characters(item, path)


def _query_dict(model: type[BaseModel]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name in request.args:
        values = request.args.getlist(name)
        if len(values) > 1:
            raise ApiError(422, _("Give each parameter once."), fields={name: [_("Given twice.")]})
        if values[0] == "" and name in model.model_fields:
            raise ApiError(
                422,
                _("Leave a parameter out rather than sending it empty."),
                fields={name: [_("Give a value or leave the parameter out.")]},
            )
        data[name] = values[0]
    refuse_control_characters(data)
    return data


def parse_query(model: type[BaseModel]) -> BaseModel:
    """Validate the query string against *model* (unknown parameters refused)."""
    try:
        return model.model_validate(_query_dict(model))
    except ValidationError as error:
        raise from_validation_error(error, model=model) from None


def parse_body(model: type[BaseModel], *, required: bool = True) -> BaseModel:
    """Validate the JSON body against *model*; an absent optional body counts as ``{}``."""
    raw = request.get_data(cache=True)
    if raw.strip() and not request.is_json:
        # A JSON body under another content type (a form post, text/plain) is refused, not
        # guessed at: what the client meant is unclear, and a form post may be a forgery.
        raise ApiError(
            415,
            _("Send the body as JSON, with Content-Type: application/json."),
            code="unsupported_media_type",
        )
    if not raw.strip():
        if required:
            raise ApiError(400, _("Send a JSON object as the request body."), code="missing_body")
        raw = b"{}"
    data: Any = None
    try:
        # JSON Schema counts 5.0 as an integer: read integral numbers as integers.
        data = json.loads(raw, parse_float=_json_number)
        raw = json.dumps(data)
    except ValueError:
        pass  # not JSON: the model's own parser reports where
    try:
        parsed = model.model_validate_json(raw)
    except ValidationError as error:
        raise from_validation_error(error, model=model) from None
    refuse_control_characters(data)
    return parsed


def _json_number(text: str) -> float | int:
    """A JSON number with a fraction or exponent: an int when its value is whole (5.0, 1e2)."""
    value = float(text)
    return int(value) if value.is_integer() else value


def _serialise(result: Any, status: int) -> Response:
    if isinstance(result, Response):
        return result
    if isinstance(result, tuple):
        result, status = result
    body = result.model_dump_json() if isinstance(result, BaseModel) else result
    return current_app.response_class(body, status=status, mimetype="application/json")


def operation(
    bp: Blueprint,
    rule: str,
    method: str,
    *,
    summary: str,
    permission: str | None,
    tag: str,
    body: type[BaseModel] | None = None,
    body_required: bool = True,
    query: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    status: int = 200,
    errors: tuple[int, ...] = (),
    description: str = "",
    extra_content: dict[str, dict] | None = None,
    extra_query: type[BaseModel] | None = None,
) -> Callable:
    """Register an API route and its OpenAPI description (see the module docstring).

    The view receives ``body=`` and ``query=`` (validated models) besides its URL arguments and
    returns a response model, ``(model, status)``, or a ready Response. *extra_content* adds
    other request media types (e.g. text/csv) that the view reads itself, with the query
    parameters of *extra_query* (documented here, parsed by the view).
    """

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def handler(*args: Any, **kwargs: Any) -> Response:
            if query is not None:
                kwargs["query"] = parse_query(query)
            elif request.args and not extra_query:
                raise ApiError(
                    422,
                    _("This operation takes no query parameters."),
                    fields={name: [_("Unknown parameter.")] for name in request.args},
                )
            if body is not None and not (extra_content and request.mimetype in extra_content):
                kwargs["body"] = parse_body(body, required=body_required)
            return _serialise(view(*args, **kwargs), status)

        guarded = public(handler) if permission is None else api_requires(permission)(handler)
        endpoint = view.__name__
        bp.add_url_rule(rule, endpoint=endpoint, view_func=guarded, methods=[method])
        OPERATIONS.append(
            Operation(
                rule=rule,
                method=method.lower(),
                endpoint=endpoint,
                summary=summary,
                description=description or (view.__doc__ or "").strip(),
                permission=permission,
                tag=tag,
                body=body,
                body_required=body_required,
                query=query,
                response=response,
                status=status,
                errors=errors,
                extra_content=extra_content or {},
                extra_query=extra_query,
            )
        )
        return guarded

    return decorator


def operations(bp: Blueprint, *, tag: str, prefix: str = "", **defaults: Any) -> Callable:
    """Return an ``operation`` shorthand for a group of operations: each one's rule starts with
    *prefix* and carries *tag*, and *defaults* (method, permission, response, errors, ...) hold
    unless the operation says otherwise."""

    def declare(rule: str, method: str = "", **options: Any) -> Callable:
        settings = {**defaults, **options, **({"method": method} if method else {})}
        return operation(bp, prefix + rule, settings.pop("method"), tag=tag, **settings)

    return declare
