"""RFC 9457 problem details: domain errors, and the handlers that render every error as one.

Services raise the classes below from anywhere (service or repository layer); the handlers installed by
``install_problem_handlers`` turn them, FastAPI's validation errors and anything unexpected into
``application/problem+json``. Stack traces never leave the process.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("sanquan.errors")

_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    412: "Precondition Failed",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    428: "Precondition Required",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


#: The stable ``code`` of a problem raised without a more specific one, by status. Clients (the SPA) translate
#: codes, never the English ``detail``; a specific code (``file_empty``, ``stale_version`` ...) is more precise.
STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    412: "precondition_failed",
    413: "too_large",
    414: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    428: "precondition_required",
    429: "too_many_requests",
    431: "too_large",
    500: "internal_error",
    502: "bad_gateway",
    503: "unavailable",
    504: "timeout",
}


def problem_body(
    status: int, detail: str | None = None, *, title: str | None = None, type_: str = "about:blank", **extra: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": type_,
        "title": title or _TITLES.get(status, "Error"),
        "status": status,
        "code": STATUS_CODES.get(status, "error"),
    }
    if detail is not None:
        body["detail"] = detail
    body.update(extra)
    if isinstance(body.get("errors"), list):
        body["errors"] = [field_error(e) for e in body["errors"]]
    return body


def problem_response(
    status: int, detail: str | None = None, *, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    return JSONResponse(
        problem_body(status, detail, **extra), status_code=status, media_type=PROBLEM_JSON, headers=headers
    )


class ProblemError(Exception):
    """An error that answers with a problem document. Subclasses fix the status."""

    status = 500
    type_ = "about:blank"

    def __init__(self, detail: str | None = None, *, headers: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(detail or self.__class__.__name__)
        self.detail = detail
        self.headers = headers
        self.extra = extra


class BadRequest(ProblemError):
    status = 400


class Unauthorized(ProblemError):
    status = 401

    def __init__(self, detail: str | None = "Invalid or missing access token", **kw: Any) -> None:
        kw.setdefault("headers", {"WWW-Authenticate": 'Bearer error="invalid_token"'})
        super().__init__(detail, **kw)


class Forbidden(ProblemError):
    status = 403


class NotFound(ProblemError):
    status = 404

    def __init__(self, detail: str | None = "Not found", **kw: Any) -> None:
        super().__init__(detail, **kw)


class Conflict(ProblemError):
    status = 409


class PreconditionFailed(ProblemError):
    status = 412


class PreconditionRequired(ProblemError):
    status = 428


class PayloadTooLarge(ProblemError):
    status = 413


class UnsupportedMediaType(ProblemError):
    status = 415


class Unprocessable(ProblemError):
    """422 raised by domain code, with field errors in the same shape as request validation."""

    status = 422

    def __init__(self, detail: str, *, errors: list[dict[str, Any]] | None = None, **kw: Any) -> None:
        if errors is not None:
            kw["errors"] = errors
        super().__init__(detail, **kw)


class TooManyRequests(ProblemError):
    status = 429


class ServiceUnavailable(ProblemError):
    status = 503


_LOC_PREFIXES = frozenset({"body", "query", "path", "header", "cookie", "form"})


def _field_of(loc: list[Any]) -> str | None:
    """The field an error belongs to: the last named part of its location (``["body", "items", 0, "title"]`` ->
    ``title``), None for the body or query as a whole."""
    names = [p for p in loc if isinstance(p, str)]
    if names and names[0] in _LOC_PREFIXES:
        names = names[1:]
    return names[-1] if names else None


def _json_param(value: Any) -> Any:
    """A pydantic ``ctx`` value as JSON: numbers, text and booleans as they are; anything else (an exception, a
    pattern, a decimal, a date) as its text."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple | set | frozenset):
        return [_json_param(v) for v in value]
    return str(value)


#: pydantic ``type``s that mean the same to a person, folded into one code (the SPA translates codes).
_CODE_ALIASES = {
    "missing_argument": "missing",
    "string_type": "string_type",
    "int_parsing": "int_type",
    "int_from_float": "int_type",
    "float_parsing": "float_type",
    "decimal_parsing": "decimal_type",
    "bool_parsing": "bool_type",
    "date_parsing": "date_type",
    "date_from_datetime_parsing": "date_type",
    "date_from_datetime_inexact": "date_type",
    "datetime_parsing": "datetime_type",
    "datetime_from_date_parsing": "datetime_type",
    "json_invalid": "json_invalid",
    "assertion_error": "value_error",
}


def field_error(err: dict[str, Any]) -> dict[str, Any]:
    """One entry of ``errors[]`` with its stable ``code``, ``params``, ``field`` and ``message`` added (the
    ``loc``/``msg``/``type`` of the contract kept). Entries raised by domain code without a code get
    ``value_error``; an explicit ``code`` is kept."""
    loc = [p if isinstance(p, int) else str(p) for p in err.get("loc", ())]
    msg = str(err.get("msg", err.get("message", "invalid")))
    kind = str(err.get("type", "value_error"))
    out = dict(err)
    out["loc"] = loc
    out["msg"] = msg
    out["type"] = kind
    out.setdefault("field", _field_of(loc))
    out.setdefault("code", _CODE_ALIASES.get(kind, kind))
    params = out.get("params")
    out["params"] = {str(k): _json_param(v) for k, v in (params or {}).items()}
    out.setdefault("message", msg)
    return out


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    out = []
    for err in exc.errors():
        ctx = {k: v for k, v in (err.get("ctx") or {}).items() if k != "error"}
        if err.get("type") == "value_error" and (err.get("ctx") or {}).get("error") is not None:
            ctx["reason"] = str(err["ctx"]["error"])
        out.append(
            field_error(
                {
                    "loc": list(err.get("loc", ())),
                    "msg": str(err.get("msg", "invalid")),
                    "type": str(err.get("type", "value_error")),
                    "params": ctx,
                }
            )
        )
    return out


#: What every error answer looks like, for the OpenAPI documents.
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details",
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {
            "type": "string",
            "description": "A stable machine-readable code (not_found, conflict, stale_version, file_empty ...): "
            "translate this, not the English detail",
        },
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "loc": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
                    "msg": {"type": "string"},
                    "type": {"type": "string"},
                    "field": {
                        "anyOf": [{"type": "string"}, {"type": "null"}],
                        "description": "The field the error belongs to (the last named part of loc)",
                    },
                    "code": {
                        "type": "string",
                        "description": "Stable code from pydantic's error type (missing, string_too_short, too_short, "
                        "greater_than_equal ...) or the domain's",
                    },
                    "params": {
                        "type": "object",
                        "additionalProperties": True,
                        "description": "The code's parameters (min_length, ge, max_length ...)",
                    },
                    "message": {"type": "string", "description": "The English message (same as msg)"},
                },
            },
        },
    },
}


def document_problems(app: FastAPI) -> None:
    """Make the OpenAPI document say what the handlers answer: every documented error response (FastAPI's 422
    and any 4xx/5xx a route declares as JSON) is ``application/problem+json`` with the Problem schema."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        doc = generate()  # FastAPI caches the document; rewriting it again is a no-op
        problem = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
        for item in doc.get("paths", {}).values():
            for operation in item.values():
                if not isinstance(operation, dict):
                    continue
                for status, response in operation.get("responses", {}).items():
                    if status[:1] in ("4", "5") and "application/json" in response.get("content", {}):
                        response["content"] = dict(problem)
        schemas = doc.setdefault("components", {}).setdefault("schemas", {})
        schemas["Problem"] = PROBLEM_SCHEMA
        for unused in ("HTTPValidationError", "ValidationError"):
            if unused in schemas and f"/{unused}" not in str(doc.get("paths")):
                del schemas[unused]
        return doc

    app.openapi = openapi  # type: ignore[method-assign]


def install_problem_handlers(app: FastAPI) -> None:
    document_problems(app)

    @app.exception_handler(ProblemError)
    async def _problem(_: Request, exc: ProblemError) -> JSONResponse:
        return problem_response(exc.status, exc.detail, headers=exc.headers, type_=exc.type_, **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        return problem_response(422, "The request is malformed", errors=_validation_errors(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else None
        return problem_response(exc.status_code, detail, headers=getattr(exc, "headers", None))

    @app.exception_handler(OperationalError)
    async def _db_down(request: Request, exc: OperationalError) -> JSONResponse:
        log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc.orig)
        return problem_response(503, "The database is unavailable; try again shortly", headers={"Retry-After": "2"})

    @app.exception_handler(PoolTimeoutError)
    async def _pool_exhausted(request: Request, exc: PoolTimeoutError) -> JSONResponse:
        # Overload: every database connection is busy. Say so, and when to come back; nothing was changed.
        log.warning("database pool exhausted on %s %s", request.method, request.url.path)
        return problem_response(503, "The service is overloaded; try again shortly", headers={"Retry-After": "2"})

    @app.exception_handler(DataError)
    async def _out_of_range(request: Request, exc: DataError) -> JSONResponse:
        # The database refused a value the request carried (a number out of the column's range, a NUL in text):
        # the input is at fault, and nothing was stored (the transaction is rolled back).
        log.warning("value refused by the database on %s %s: %s", request.method, request.url.path, exc.orig)
        return problem_response(422, "A value in the request is out of range for its field")

    @app.exception_handler(IntegrityError)
    async def _integrity(request: Request, exc: IntegrityError) -> JSONResponse:
        # A constraint the request's values broke and the code did not check first (a null for a required field,
        # a duplicate): the caller's fault, answered as such; nothing was stored. Logged to be checked in code.
        log.warning("constraint refused a write on %s %s: %s", request.method, request.url.path, exc.orig)
        state, text = getattr(exc.orig, "sqlstate", None), str(exc.orig)
        if state in ("23502", "23514") or "NOT NULL constraint" in text or "CHECK constraint" in text:
            return problem_response(422, "A value in the request is missing or not allowed for its field")
        return problem_response(409, "The request conflicts with data already stored")

    @app.exception_handler(OverflowError)
    async def _overflow(request: Request, exc: OverflowError) -> JSONResponse:
        # SQLite's driver refuses integers past 64 bits, and date arithmetic past year 9999 overflows.
        log.warning("value overflow on %s %s: %s", request.method, request.url.path, exc)
        return problem_response(422, "A value in the request is out of range for its field")

    @app.exception_handler(DBAPIError)
    async def _db_error(request: Request, exc: DBAPIError) -> JSONResponse:
        if exc.connection_invalidated:
            return problem_response(
                503, "The database connection was lost; try again shortly", headers={"Retry-After": "2"}
            )
        log.exception("database error on %s %s", request.method, request.url.path)
        return problem_response(500, "An unexpected error occurred")

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Logged with the request id; the caller learns nothing about internals.
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(500, "An unexpected error occurred")
