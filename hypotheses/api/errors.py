"""JSON errors for the API: ``{"error": {"code", "message", "fields"}}``, never a 500 for bad input.

Domain errors keep their own status and code (DomainError.status / .code); request-shape
errors from pydantic become 422 with one message per field; malformed JSON is 400.
"""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, json
from flask_babel import gettext as _
from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import DataError
from werkzeug.exceptions import HTTPException

from hypotheses.db import get_session
from hypotheses.domain.core.errors import DomainError, LimitReached, StaleVersion

HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    503: "unavailable",
}


class ApiError(Exception):
    """An error answered as JSON with *status*; *fields* maps input names to messages."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        fields: dict[str, list[str]] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code or HTTP_CODES.get(status, "error")
        self.fields = fields or {}
        self.extra = extra


def error_response(
    status: int,
    code: str,
    message: str,
    fields: dict[str, list[str]] | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    """Build the JSON error response."""
    body = {"error": {"code": code, "message": str(message), "fields": fields or {}, **extra}}
    response = current_app.response_class(
        json.dumps(body), status=status, mimetype="application/json"
    )
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _pydantic_message(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    messages = {
        "missing": _("This field is required."),
        "extra_forbidden": _("Unknown field; see the API documentation for the accepted fields."),
        "int_type": _("Enter a whole number."),
        "int_parsing": _("Enter a whole number."),
        "float_type": _("Enter a number."),
        "float_parsing": _("Enter a number."),
        "finite_number": _("Enter a finite number."),
        "string_type": _("Enter text."),
        "bool_type": _("Enter true or false."),
        "bool_parsing": _("Enter true or false."),
        "list_type": _("Enter a list."),
        "dict_type": _("Enter an object."),
        "model_type": _("Enter an object."),
        "model_attributes_type": _("Enter an object."),
        "date_type": _("Enter a date like 2026-12-01."),
        "date_from_datetime_parsing": _("Enter a date like 2026-12-01."),
        "date_parsing": _("Enter a date like 2026-12-01."),
        "too_long": _("Too many items."),
        "too_short": _("Too few items."),
        "greater_than_equal": _("Enter %(limit)s or more.", limit=ctx.get("ge")),
        "less_than_equal": _("Enter %(limit)s or less.", limit=ctx.get("le")),
        "greater_than": _("Enter more than %(limit)s.", limit=ctx.get("gt")),
        "less_than": _("Enter less than %(limit)s.", limit=ctx.get("lt")),
        "string_too_short": _("Too short."),
        "string_too_long": _("Too long."),
        # Patterns enforce the documented choices (api.schemas.doc).
        "string_pattern_mismatch": _("Choose one of the documented values."),
        "control_character": _("Text may not contain control characters."),
        "literal_error": _("Choose one of the documented values."),
        "enum": _("Choose one of the documented values."),
        "union_tag_invalid": _("Choose one of the documented values."),
    }
    return messages.get(kind, _("This value is not valid."))


RANGE_ERRORS = {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}
UNION_PARTS = {"str", "int", "float", "bool", "list", "dict", "none", "conversion", "mean"}


def _range_message(model: type[BaseModel] | None, name: str) -> str | None:
    """ "Enter a number from 1 to 10." when the top-level field *name* has both bounds."""
    field = model.model_fields.get(name) if model is not None else None
    if field is None:
        return None
    low = next((getattr(m, "ge", None) for m in field.metadata if hasattr(m, "ge")), None)
    high = next((getattr(m, "le", None) for m in field.metadata if hasattr(m, "le")), None)
    if low is None or high is None:
        return None
    return _("Enter a number from %(low)s to %(high)s.", low=low, high=high)


MAX_REPORTED_ERRORS = 20


def from_validation_error(
    error: ValidationError, *, prefix: str = "", model: type[BaseModel] | None = None
) -> ApiError:
    """Turn a pydantic ValidationError into a 400 (bad JSON) or 422 (bad fields) ApiError.

    An error inside a list's item is reported on the list's field, naming the row.
    """
    fields: dict[str, list[str]] = {}
    # The first errors are enough to act on; a list of 20,000 bad rows must not cost 20,000
    # messages (it held a worker for seconds).
    for item in error.errors(include_url=False, include_input=False)[:MAX_REPORTED_ERRORS]:
        if item.get("type") == "json_invalid":
            return ApiError(400, _("The request body is not valid JSON."), code="invalid_json")
        loc = [part for part in item.get("loc", ()) if not str(part).startswith("function-")]
        # A union reports each alternative (e.g. "str", "list[str]"); keep the field path.
        loc = [
            part
            for part in loc
            if not any(ch in str(part) for ch in "[]") and str(part) not in UNION_PARTS
        ]
        message = _pydantic_message(item)
        if item.get("type") in RANGE_ERRORS and len(loc) == 1:
            message = _range_message(model, str(loc[0])) or message
        row = next((i for i, part in enumerate(loc) if isinstance(part, int)), None)
        if row is not None and row > 0:
            inner = ".".join(str(part) for part in loc[row + 1 :])
            message = (
                _("Row %(n)d, %(field)s: %(message)s", n=loc[row] + 1, field=inner, message=message)
                if inner
                else _("Row %(n)d: %(message)s", n=loc[row] + 1, message=message)
            )
            loc = loc[:row]
        name = prefix + ".".join(str(part) for part in loc) if loc else prefix.rstrip(".") or "body"
        if message not in fields.setdefault(name, []):
            fields[name].append(message)
    return ApiError(
        422,
        _("Some fields are invalid: %(names)s.", names=", ".join(fields)),
        code="invalid",
        fields=fields,
    )


def domain_error_response(error: DomainError) -> Response:
    """Answer a refused domain action with its own status and code, and the field messages."""
    extra: dict[str, Any] = {}
    if isinstance(error, StaleVersion):
        extra["current_version"] = error.current_version
        extra["changes"] = json.loads(json.dumps(error.changes, default=str))
    if isinstance(error, LimitReached) and error.details:
        extra["details"] = json.loads(json.dumps(error.details, default=str))
    status = error.status if error.status in HTTP_CODES else 422
    return error_response(status, error.code, error.message, error.fields, **extra)


def register(bp) -> None:
    """Register the blueprint's JSON error handlers."""

    @bp.errorhandler(ApiError)
    def _api_error(error: ApiError):
        get_session().rollback()
        headers = {"WWW-Authenticate": 'Bearer realm="api"'} if error.status == 401 else None
        return error_response(
            error.status, error.code, error.message, error.fields, headers, **error.extra
        )

    @bp.errorhandler(DomainError)
    def _domain_error(error: DomainError):
        get_session().rollback()
        return domain_error_response(error)

    @bp.errorhandler(DataError)
    def _data_error(_error: DataError):
        # A value the database cannot hold (e.g. beyond a PostgreSQL INTEGER): bad input, not a
        # server fault. Nothing was saved (the transaction is rolled back).
        get_session().rollback()
        return error_response(
            422, "out_of_range", _("A number in the request is too large to be stored.")
        )

    @bp.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        status = error.code or 400
        code = HTTP_CODES.get(status, "error")
        message = {
            413: _("The request body is larger than allowed."),
            404: _("There is nothing here, or it belongs to another team."),
            405: _("This address does not accept that kind of request."),
        }.get(status, error.description or error.name)
        return error_response(status, code, message)
