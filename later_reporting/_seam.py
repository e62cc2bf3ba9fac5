"""The one place where the hand-written SDK calls the generated client.

The operation table (``_operations``) names each operation's generated module and response
model; ``request_kwargs`` builds a request with the generated ``_get_kwargs`` (the client
sends it through its pooled httpx client, where auth, budget and retries live), ``json_of``
turns the response into JSON or a typed error. ``check_body`` holds a JSON body to the operation's
documented envelope (``data``, ``pagination``, ``nextCursor``) before anything reads it, on
the typed path (``parse``) and on the raw-JSON path (``rows_of``) alike.
"""

from __future__ import annotations

import json
from enum import Enum
from typing import Any

import httpx
from later_reporting_api.api.authentication import create_token
from later_reporting_api.models import (
    ContentType,
    DateBasis,
    Granularity,
    Platform,
    SortDirection,
    TokenRequest,
)
from later_reporting_api.types import UNSET as UNSET  # re-exported for the paginator

from later_reporting._config import Secret
from later_reporting._errors import UnexpectedResponseError, error_from_response
from later_reporting._operations import OPERATIONS as OPERATIONS  # re-exported
from later_reporting._operations import Operation, Shape
from later_reporting._transport import TOTAL_TIMEOUT

# Request enums shared by the report operations.
ENUMS: dict[str, type[Enum]] = {
    "platform": Platform,
    "content_type": ContentType,
    "date_basis": DateBasis,
    "sort_direction": SortDirection,
    "granularity": Granularity,
}


def request_kwargs(op: Operation, params: dict[str, Any], timeout: float) -> dict[str, Any]:
    kwargs: dict[str, Any] = op.module._get_kwargs(**params)
    kwargs["extensions"] = {TOTAL_TIMEOUT: timeout}
    kwargs["timeout"] = timeout
    return kwargs


class SealedBody(bytes):
    """A request body holding a secret: httpx sends its bytes, a repr shows none of them.

    So a traceback that captures locals (pytest ``--showlocals``, Sentry) cannot show the
    client secret from the frames that build or send the token request."""

    def __repr__(self) -> str:
        return f"<{len(self)} bytes: the token request body, not shown>"

    __str__ = __repr__


def token_kwargs(client_id: str, client_secret: Secret, timeout: float) -> dict[str, Any]:
    """The token request, its JSON body sealed (see :class:`SealedBody`)."""
    body = TokenRequest(client_id=client_id, client_secret=client_secret.reveal())
    kwargs: dict[str, Any] = create_token._get_kwargs(body=body)
    kwargs["content"] = SealedBody(json.dumps(kwargs.pop("json")).encode())
    kwargs["extensions"] = {TOTAL_TIMEOUT: timeout}
    kwargs["timeout"] = timeout
    kwargs["auth"] = None
    return kwargs


def json_of(response: httpx.Response, *, token_request: bool = False) -> dict[str, Any]:
    """The JSON object of a successful response; a typed error for anything else."""
    if response.status_code >= 400:
        raise error_from_response(response, token_request=token_request)
    if not 200 <= response.status_code < 300:
        raise UnexpectedResponseError(
            f"unexpected HTTP {response.status_code} from {response.request.url.path}", response
        )
    kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/json" and not kind.endswith("+json"):
        raise UnexpectedResponseError(
            f"expected a JSON response from {response.request.url.path}, got "
            f"{kind or 'no content type'} ({len(response.content)} bytes)",
            response,
        )
    try:
        body = json.loads(response.content)
    except (ValueError, UnicodeDecodeError) as exc:
        raise UnexpectedResponseError(
            f"the response from {response.request.url.path} is not valid JSON "
            f"(truncated or corrupt, {len(response.content)} bytes): {exc}",
            response,
        ) from exc
    if not isinstance(body, dict):
        raise UnexpectedResponseError(
            f"the response from {response.request.url.path} is JSON but not an object", response
        )
    if token_request:
        if not isinstance(body.get("jwt"), str) or not body["jwt"]:
            raise UnexpectedResponseError("the token response has no 'jwt' string", response)
    elif "data" not in body:
        hint = f" (it looks like an error: {body.get('type')})" if "type" in body else ""
        raise UnexpectedResponseError(
            f"the response from {response.request.url.path} has no 'data' member{hint}", response
        )
    return body


PAGINATION_MINIMUMS = {"page": 1, "pageSize": 1, "totalPages": 0, "totalItems": 0}


def described(value: object) -> str:
    """A JSON value as an error message names it: its kind, and the value when it is short."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the string {value[:40]!r}" + ("..." if len(value) > 40 else "")
    return "a list" if isinstance(value, list) else "an object"


def _integer(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number_or_null(value: object) -> bool:
    return value is None or (isinstance(value, int | float) and not isinstance(value, bool))


def _data_problem(shape: Shape, data: object) -> str | None:
    if shape == "rows":
        if not isinstance(data, list):
            return f"'data' is {described(data)}, expected a list of objects"
        for index, row in enumerate(data):
            if not isinstance(row, dict):
                return f"'data[{index}]' is {described(row)}, expected an object"
        return None
    if not isinstance(data, dict):
        return f"'data' is {described(data)}, expected an object"
    if shape == "ids":
        ids = data.get("instanceIds")
        if not isinstance(ids, list):
            return f"'data.instanceIds' is {described(ids)}, expected a list of strings"
        for index, value in enumerate(ids):
            if not isinstance(value, str):
                return f"'data.instanceIds[{index}]' is {described(value)}, expected a string"
        return None
    metrics = data.get("metrics")
    if not isinstance(metrics, dict):
        return f"'data.metrics' is {described(metrics)}, expected an object"
    for name, value in metrics.items():
        if not _number_or_null(value):
            return f"'data.metrics.{name}' is {described(value)}, expected a number or null"
    return None


def _pagination_problem(pagination: object) -> str | None:
    if not isinstance(pagination, dict):
        return f"'pagination' is {described(pagination)}, expected an object"
    for name, minimum in PAGINATION_MINIMUMS.items():
        if name not in pagination:
            return f"'pagination.{name}' is missing"
        value = pagination[name]
        if not _integer(value):
            return f"'pagination.{name}' is {described(value)}, expected an integer"
        if value < minimum:
            return f"'pagination.{name}' is {value}, expected at least {minimum}"
    return None


def body_problem(shape: Shape, body: dict[str, Any]) -> str | None:
    """What in a JSON body breaks the documented envelope of its operation, or ``None``.

    Pure: ``data`` of the operation's shape (rows must be objects), ``pagination`` (when
    present) an object of non-negative integers, ``nextCursor`` (when present) a string or
    null. Field values inside rows are left to the models.
    """
    if "data" not in body:
        return "'data' is missing"
    problem = _data_problem(shape, body["data"])
    if problem is None and "pagination" in body:
        problem = _pagination_problem(body["pagination"])
    cursor = body.get("nextCursor")
    if problem is None and cursor is not None and not isinstance(cursor, str):
        problem = f"'nextCursor' is {described(cursor)}, expected a string or null"
    return problem


def check_body(op: Operation, body: dict[str, Any]) -> dict[str, Any]:
    """``body`` itself if it has the operation's envelope; else ``UnexpectedResponseError``."""
    problem = body_problem(op.shape, body)
    if problem is not None:
        raise UnexpectedResponseError(
            f"the {op.name} response does not match the API's schema: {problem}"
        )
    return body


def rows_of(op: Operation, body: dict[str, Any]) -> list[Any]:
    """The rows of a checked list body as the JSON the server sent (the fast path)."""
    data = check_body(op, body)["data"]
    return list(data["instanceIds"]) if op.shape == "ids" else list(data)


def parse(op: Operation, body: dict[str, Any]) -> Any:
    """The generated response model of a JSON body (checked by ``check_body`` first)."""
    check_body(op, body)
    try:
        return op.response.from_dict(body)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise UnexpectedResponseError(
            f"the {op.name} response does not match the API's schema: {type(exc).__name__}: {exc}"
        ) from exc
