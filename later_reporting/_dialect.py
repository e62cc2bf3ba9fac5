"""The server's dialect: request spellings the client learns from the server's 400s.

The public docs disagree on two request conventions, and a server may implement either:

- ``dateBasis`` values: ``post_date`` / ``performance_date`` (the spec) or ``postDate`` /
  ``performanceDate`` (the help centre's spelling).
- Array parameters: the docs promise ``a,b``, repeated keys and ``key[]=a``; the SDK sends
  repeated keys, and a server may accept only ``a,b``.

A client starts with the spec's dialect. When a request is refused with a 400 that points at
one of these conventions (the other dateBasis spelling among the valid values; a multi-valued
array parameter named in a problem that lists no valid values, so is not about the values),
it is replayed once in the other dialect; if that
succeeds, the client keeps the new dialect for every later request. A replay that fails too
raises the original error, so a genuine mistake still reads as the user's mistake.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any

from later_reporting._errors import APIError

CAMEL_DATE_BASIS = {"post_date": "postDate", "performance_date": "performanceDate"}


@dataclass(frozen=True)
class Dialect:
    """How this client spells requests (the default is the spec's spelling)."""

    camel_date_basis: bool = False
    comma_arrays: bool = False

    def apply(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        """The request keyword arguments respelled in this dialect (a copy; input untouched)."""
        if not (self.camel_date_basis or self.comma_arrays):
            return kwargs
        params = dict(kwargs.get("params") or {})
        basis = params.get("dateBasis")
        if self.camel_date_basis and isinstance(basis, str):
            params["dateBasis"] = CAMEL_DATE_BASIS.get(basis, basis)
        if self.comma_arrays:
            for name, value in params.items():
                if isinstance(value, list) and len(value) > 1:
                    params[name] = ",".join(str(v) for v in value)
        return {**kwargs, "params": params}

    def alternative(self, kwargs: dict[str, Any], error: APIError) -> Dialect | None:
        """The dialect a 400 for ``kwargs`` (sent in this dialect) suggests, or None."""
        if error.status_code != 400:
            return None
        params: dict[str, Any] = kwargs.get("params") or {}
        said = problem_text(error)
        changes: dict[str, bool] = {}
        basis = params.get("dateBasis")
        if not self.camel_date_basis and isinstance(basis, str):
            camel = CAMEL_DATE_BASIS.get(basis)
            if camel and re.search(rf"(?<![\w]){re.escape(camel)}(?![\w])", said):
                changes["camel_date_basis"] = True
        about_values = "validMetrics" in error.extensions or "validValues" in error.extensions
        if (
            not self.comma_arrays
            and not about_values
            and any(
                isinstance(value, list)
                and len(value) > 1
                and not any("," in str(v) for v in value)
                and re.search(rf"(?<![\w]){re.escape(name)}(?![\w])", said)
                for name, value in params.items()
            )
        ):
            changes["comma_arrays"] = True
        return dataclasses.replace(self, **changes) if changes else None


def problem_text(error: APIError) -> str:
    """The detail and the extension values of a problem, as one searchable text."""
    parts = [error.detail or ""]
    for value in error.extensions.values():
        parts.extend(str(v) for v in value) if isinstance(value, list) else parts.append(str(value))
    return "\n".join(parts)
