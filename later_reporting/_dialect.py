"""The server's dialect: request spellings the client learns from the server's 400s.

The public docs disagree on two request conventions, and a server may implement either:

- ``dateBasis`` values: ``post_date`` / ``performance_date`` (the spec) or ``postDate`` /
  ``performanceDate`` (the help centre's spelling).
- Array parameters: the docs promise ``a,b``, repeated keys and ``key[]=a``; the SDK sends
  repeated keys, and a server may accept only some of the three.

A client starts with the spec's dialect. When a request is refused with a 400 that points at
one of these conventions (the other dateBasis spelling among the valid values; a multi-valued
array parameter named in a problem that lists no valid values, so is not about the values),
it is replayed in the next dialect (``a,b``, then ``key[]=``), at most ``MAX_REPLAYS`` times;
the dialect that succeeds is kept for every later request. When no replay succeeds the
original error is raised, so a genuine mistake still reads as the user's mistake.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx

from later_reporting._errors import APIError, BadRequestError
from later_reporting._logging import logger
from later_reporting._seam import json_of

Body = dict[str, Any]

CAMEL_DATE_BASIS = {"post_date": "postDate", "performance_date": "performanceDate"}


ARRAY_ENCODINGS = ("repeat", "comma", "brackets")  # tried in this order
MAX_REPLAYS = len(ARRAY_ENCODINGS)  # enough to reach the last encoding, and the other spelling


@dataclass(frozen=True)
class Dialect:
    """How this client spells requests (the default is the spec's spelling)."""

    camel_date_basis: bool = False
    arrays: str = "repeat"  # repeat: k=a&k=b; comma: k=a,b; brackets: k[]=a&k[]=b

    def apply(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        """The request keyword arguments respelled in this dialect (a copy; input untouched)."""
        if not self.camel_date_basis and self.arrays == "repeat":
            return kwargs
        params: dict[str, Any] = {}
        for name, value in (kwargs.get("params") or {}).items():
            if name == "dateBasis" and self.camel_date_basis and isinstance(value, str):
                params[name] = CAMEL_DATE_BASIS.get(value, value)
            elif isinstance(value, list) and self.arrays == "comma" and len(value) > 1:
                params[name] = ",".join(str(v) for v in value)
            elif isinstance(value, list) and self.arrays == "brackets":
                params[f"{name}[]"] = value
            else:
                params[name] = value
        return {**kwargs, "params": params}

    def alternative(self, kwargs: dict[str, Any], error: APIError) -> Dialect | None:
        """The dialect to try next after ``kwargs`` (in the spec's spelling), sent in this
        dialect, got ``error``; None when the error does not point at a spelling."""
        if error.status_code != 400:
            return None
        params: dict[str, Any] = kwargs.get("params") or {}
        said = problem_text(error)
        changes: dict[str, Any] = {}
        basis = params.get("dateBasis")
        if not self.camel_date_basis and isinstance(basis, str):
            camel = CAMEL_DATE_BASIS.get(basis)
            if camel and mentions(said, camel):
                changes["camel_date_basis"] = True
        about_values = "validMetrics" in error.extensions or "validValues" in error.extensions
        position = ARRAY_ENCODINGS.index(self.arrays)
        if (
            not changes
            and not about_values
            and position + 1 < len(ARRAY_ENCODINGS)
            and any(
                isinstance(value, list)
                and len(value) > 1
                and not any("," in str(v) for v in value)
                and mentions(said, name)
                for name, value in params.items()
            )
        ):
            changes["arrays"] = ARRAY_ENCODINGS[position + 1]
        return dataclasses.replace(self, **changes) if changes else None


def mentions(text: str, word: str) -> bool:
    return re.search(rf"(?<![\w]){re.escape(word)}(?![\w])", text) is not None


def problem_text(error: APIError) -> str:
    """The detail and the extension values of a problem, as one searchable text."""
    parts = [error.detail or ""]
    for value in error.extensions.values():
        if isinstance(value, list):
            parts.extend(str(v) for v in value)
        else:
            parts.append(str(value))
    return "\n".join(parts)


class ServerDialect:
    """The dialect one client speaks, shared by its threads and tasks; learned from 400s."""

    def __init__(self) -> None:
        self.current = Dialect()

    def apply(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        return self.current.apply(kwargs)

    def adopt(self, dialect: Dialect) -> None:
        logger.info(
            "the server wants dateBasis %s and arrays as %s; later requests are spelled so",
            "postDate-style" if dialect.camel_date_basis else "post_date-style",
            {"repeat": "k=a&k=b", "comma": "k=a,b", "brackets": "k[]=a&k[]=b"}[dialect.arrays],
        )
        self.current = dialect

    def answer(
        self,
        response: httpx.Response,
        kwargs: dict[str, Any],
        send: Callable[[dict[str, Any]], Body],
    ) -> Body:
        """The JSON of ``response`` (sent as ``apply(kwargs)``), replaying it in the next
        dialect while a 400 points at a spelling; the original error when none works."""
        dialect = self.current
        try:
            return json_of(response)
        except BadRequestError as refused:
            first = error = refused
        for _ in range(MAX_REPLAYS):
            other = dialect.alternative(kwargs, error)
            if other is None:
                break
            try:
                body = send(other.apply(kwargs))
            except BadRequestError as again:
                dialect, error = other, again
                continue
            self.adopt(other)
            return body
        raise first

    async def answer_async(
        self,
        response: httpx.Response,
        kwargs: dict[str, Any],
        send: Callable[[dict[str, Any]], Awaitable[Body]],
    ) -> Body:
        """:meth:`answer` for the async client."""
        dialect = self.current
        try:
            return json_of(response)
        except BadRequestError as refused:
            first = error = refused
        for _ in range(MAX_REPLAYS):
            other = dialect.alternative(kwargs, error)
            if other is None:
                break
            try:
                body = await send(other.apply(kwargs))
            except BadRequestError as again:
                dialect, error = other, again
                continue
            self.adopt(other)
            return body
        raise first
