"""Schemathesis hooks for the platform's fuzzing (loaded through ``SCHEMATHESIS_HOOKS=tests.fuzz.hooks``).

Two checks of our own, beside schemathesis' built-in ones (see docs/decisions.md, "Reliability suite"):

- ``bad_input_rejected``: schemathesis' ``negative_data_rejection`` (schema-violating input answers 4xx), except for
  cases whose only violation is a changed JSON type. Pydantic's lax mode accepts ``0``/``1`` for a boolean,
  ``"2"`` for a number and a UNIX time for a date; we keep that leniency rather than rewriting every field as
  strict, so those cases are not failures — whether the mutation was a type change or a negated ``anyOf`` (a
  nullable number sent ``false``): an accepted body that meets its schema once its values are read as lax mode
  reads them (``lax_reading_meets_schema``) was not schema-violating to the server.
  Refusals by size (413 body, 414 request target, 431 header fields: the kernel's HTTP server refuses them before any
  parsing) are rejections too; schemathesis' list of expected statuses does not name them (a list of 500 ``ids`` that
  are not integers is a 414 before it is a 422). And a batch push (``POST /api/training/records/batch``) checks each
  record on its own by design (#21): a well-formed envelope whose only violations are inside its records is answered
  200 with a 422 for each of those records; the envelope itself (not an object, no list of 1–1,000 records) is still a
  4xx.
- ``errors_are_problem_details``: every 4xx/5xx answer is ``application/problem+json`` with its status in the body
  (the OAuth token endpoint and the SPA's sign-in answer RFC 6749 errors).
"""

from __future__ import annotations

import copy
import json
import math
from typing import Any

import schemathesis
from schemathesis.core.mutations import OperatorKind
from schemathesis.generation.meta import CoveragePhaseData, CoverageScenario
from schemathesis.specs.openapi.checks import negative_data_rejection

#: Paths whose errors follow another standard: RFC 6749 §5.2 for the token endpoint, and the SPA's sign-in,
#: which answers the same errors as the password grant.
OAUTH_PATHS = ("/api/auth/token", "/api/auth/web/login")
#: Refusals by size, answered before the request is parsed (kernel serve.py and the body limit).
SIZE_REFUSALS = frozenset({413, 414, 431})


def _only_type_changes(case: Any) -> bool:
    meta = case.meta
    if meta is None:
        return False
    data = meta.phase.data
    if isinstance(data, CoveragePhaseData) and data.scenario == CoverageScenario.INCORRECT_TYPE:
        return True
    mutations = getattr(data, "mutations", ()) or ()
    return bool(mutations) and all(m.operator == OperatorKind.CHANGE_TYPE for m in mutations)


def _lax_readings(value: Any) -> list[Any]:
    """What Pydantic's lax mode may read a JSON value as, besides itself: a boolean as 0/1, 0/1 as a boolean, an
    integral float as an integer, a numeric or boolean-like string as a number or a boolean."""
    if isinstance(value, bool):
        return [int(value), float(value)]
    if isinstance(value, int | float):
        out: list[Any] = [bool(value)] if value in (0, 1) else []
        return out + ([int(value)] if isinstance(value, float) and value.is_integer() else [])
    if not isinstance(value, str):
        return []
    text, out = value.strip(), []
    for number in (int, float):
        try:
            read = number(text)
        except ValueError:
            continue
        if math.isfinite(read):
            out.append(read)
    flags = {"1": True, "on": True, "t": True, "true": True, "y": True, "yes": True}
    flags |= {"0": False, "off": False, "f": False, "false": False, "n": False, "no": False}
    return out + ([flags[text.lower()]] if text.lower() in flags else [])


def _with(body: Any, path: tuple[Any, ...], value: Any) -> Any:
    """A copy of ``body`` with ``value`` at ``path``."""
    if not path:
        return value
    copied = copy.deepcopy(body)
    place = copied
    for key in path[:-1]:
        place = place[key]
    place[path[-1]] = value
    return copied


def lax_reading_meets_schema(body: Any, schema: dict[str, Any]) -> bool:
    """Whether ``body`` meets ``schema`` (with its ``components`` for references) once some of its values are read
    as lax mode reads them: each error's value, or a value below it (the branches of an ``anyOf``), is replaced by
    a reading that clears every error at its place, until none is left."""
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(schema)
    for _ in range(20):
        error = next(iter(validator.iter_errors(body)), None)
        if error is None:
            return True
        pending, fixed = [error], False
        while pending and not fixed:
            e = pending.pop(0)
            pending.extend(e.context or ())
            path = tuple(e.absolute_path)
            for reading in _lax_readings(e.instance):
                trial = _with(body, path, reading)
                if not any(tuple(x.absolute_path)[: len(path)] == path for x in validator.iter_errors(trial)):
                    body, fixed = trial, True
                    break
        if not fixed:
            return False
    return False


def _accepted_as_lax_input(case: Any, response: Any) -> bool:
    """An accepted JSON body that meets the operation's schema once read as lax mode reads it."""
    if response.status_code >= 400 or not isinstance(case.body, dict | list):
        return False
    try:
        content = case.operation.definition.raw["requestBody"]["content"]
        schema = dict(content["application/json"]["schema"])
    except (AttributeError, KeyError, TypeError):
        return False
    schema["components"] = case.operation.schema.raw_schema.get("components", {})
    return lax_reading_meets_schema(case.body, schema)


#: Operations whose items are checked one by one (per-item answers), with the envelope's largest list.
PER_ITEM_BATCHES = {("POST", "/api/training/records/batch"): ("records", 1000)}


def _per_item_batch(case: Any, response: Any) -> bool:
    """A batch whose envelope is well formed and whose items were each answered (200 with per-item statuses)."""
    spec = PER_ITEM_BATCHES.get((case.method.upper(), case.path))
    body = case.body
    if spec is None or response.status_code != 200 or not isinstance(body, dict) or set(body) != {spec[0]}:
        return False
    items = body[spec[0]]
    if not isinstance(items, list) or not 1 <= len(items) <= spec[1]:
        return False
    try:
        answered = json.loads(response.content)
    except ValueError:
        return False
    results = answered.get("items") if isinstance(answered, dict) else None
    return isinstance(results, list) and len(results) == len(items)


@schemathesis.check
def bad_input_rejected(ctx: Any, response: Any, case: Any) -> bool | None:
    """Input that breaks the schema is answered 4xx (a changed JSON type alone may be coerced)."""
    if _only_type_changes(case) or response.status_code in SIZE_REFUSALS or _per_item_batch(case, response):
        return None
    if _accepted_as_lax_input(case, response):
        return None
    result: bool | None = negative_data_rejection(ctx, response, case)
    return result


@schemathesis.check
def errors_are_problem_details(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every error is RFC 9457 problem details: the media type, and ``status`` and ``title`` in the body."""
    if response.status_code < 400 or case.path in OAUTH_PATHS:
        return None
    ctype = (response.headers.get("content-type") or [""])[0]
    if not ctype.startswith("application/problem+json"):
        raise AssertionError(f"{response.status_code} answered as {ctype or 'no content type'}, not problem+json")
    try:
        body = json.loads(response.content)
    except ValueError as exc:
        raise AssertionError(f"{response.status_code} problem+json body is not JSON") from exc
    if not isinstance(body, dict) or body.get("status") != response.status_code or not body.get("title"):
        raise AssertionError(f"{response.status_code} problem body lacks status/title: {str(body)[:200]}")
    return True
