"""RFC 9457 problem responses, as the API sends them."""

from __future__ import annotations

from typing import Any

TITLES = {
    "ANL_00400": "Validation Error",
    "ANL_00422": "Invalid Sort Property",
    "ANL_00401": "Unauthorized",
    "ANL_00403": "Forbidden",
    "ANL_00404": "Not Found",
    "ANL_00405": "Method Not Allowed",
    "ANL_00429": "Too Many Requests",
    "ANL_00500": "Internal Server Error",
}
STATUS = {
    "ANL_00400": 400,
    "ANL_00422": 400,
    "ANL_00401": 401,
    "ANL_00403": 403,
    "ANL_00404": 404,
    "ANL_00405": 405,
    "ANL_00429": 429,
    "ANL_00500": 500,
}


class Problem(Exception):
    """An error response: raised anywhere in the sandbox, rendered by the app."""

    def __init__(
        self, type_: str, detail: str, *, headers: dict[str, str] | None = None, **extensions: Any
    ) -> None:
        super().__init__(detail)
        self.type = type_
        self.status = STATUS[type_]
        self.detail = detail
        self.headers = headers or {}
        self.extensions = extensions

    def body(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "title": TITLES[self.type],
            "detail": self.detail,
            **self.extensions,
        }


def invalid(detail: str, **extensions: Any) -> Problem:
    return Problem("ANL_00400", detail, **extensions)
