"""Which variant of the API a server implements, told apart by a handful of cheap requests.

The public docs disagree on several points (see ``openapi/README.md``); before the contract
suite runs against a staging API, ``nox -s contract`` prints which variant that API
implements and writes it to ``contract-artifacts/fingerprint.json``::

    python -m contract_tests.fingerprint [--output contract-artifacts/fingerprint.json]

It reads ``LATER_REPORTING_BASE_URL``, ``LATER_REPORTING_CLIENT_ID`` and
``LATER_REPORTING_CLIENT_SECRET``, and sends seven requests at most through the SDK's own
client (its token cache, retries and rate budget): the token exchange, one campaign list
page, one or two single-day ROI reports and three single-day instance summaries. The token
itself is never printed or written; only its lifetime (``exp - iat``) is.

Axes and their variants:

- ``paging``: ``page-number`` (``pageNumber``/``pageSize`` and ``pagination`` totals) or
  ``cursor`` (``limit``/``nextCursor``, no totals).
- ``token_lifetime``: ``12 h``, ``24 h``, another length, or ``unknown`` (not a JWT).
- ``date_basis_spelling``: ``post_date`` (``post_date``/``performance_date``) or
  ``postDate`` (``postDate``/``performanceDate``).
- ``compression``: the ``Content-Encoding`` of a compressible response, or ``none``.
- ``rate_limit_headers``: whether ``X-Ratelimit-Limit``/``X-Ratelimit-Window`` are sent
  (``rate_limit``: their values).
- ``array_encodings``: which of ``comma`` (``a,b``), ``repeat`` (``k=a&k=b``) and
  ``brackets`` (``k[]=a``) the server understands.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from later_reporting import Client, LaterReportingError
from later_reporting._auth import jwt_expiry

DEFAULT_OUTPUT = Path("contract-artifacts") / "fingerprint.json"
REPORT_ENV = "LATER_REPORTING_FINGERPRINT"  # the report's path, when not DEFAULT_OUTPUT
HOURS = 3600.0
PROBE_METRICS = ("engagements", "impressions")
ENCODINGS = ("comma", "repeat", "brackets")


@dataclass
class Fingerprint:
    """What one server answered to the probes; every field is JSON-ready."""

    base_url: str
    paging: str = "unknown"
    token_lifetime: str = "unknown"
    token_lifetime_seconds: float | None = None
    date_basis_spelling: str = "unknown"
    compression: str = "none"
    rate_limit_headers: bool = False
    rate_limit: dict[str, str] = field(default_factory=dict)
    array_encodings: list[str] = field(default_factory=list)
    requests: int = 0
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def summary(self) -> str:
        paging = {
            "page-number": "page numbers with totals (pageNumber/pageSize, pagination{})",
            "cursor": "cursor paging (limit/nextCursor, no totals)",
        }.get(self.paging, self.paging)
        limits = (
            ", ".join(f"{k}: {v}" for k, v in self.rate_limit.items())
            if self.rate_limit_headers
            else "not sent"
        )
        encodings = ", ".join(self.array_encodings) or "none of " + ", ".join(ENCODINGS)
        lines = [
            f"API variant of {self.base_url} ({self.requests} requests):",
            f"  paging              {paging}",
            f"  token lifetime      {self.token_lifetime}",
            f"  dateBasis spelling  {self.date_basis_spelling}",
            f"  compression         {self.compression}",
            f"  rate-limit headers  {limits}",
            f"  array encodings     {encodings}",
        ]
        lines.extend(f"  note: {note}" for note in self.notes)
        return "\n".join(lines)


def lifetime_label(seconds: float | None) -> str:
    """``12 h`` / ``24 h`` when within 5 % of the documented lengths, else the hours."""
    if seconds is None:
        return "unknown"
    for hours in (12, 24):
        if abs(seconds - hours * HOURS) <= 0.05 * hours * HOURS:
            return f"{hours} h"
    return f"{seconds / HOURS:.3g} h (neither documented 12 h nor 24 h)"


def paging_of(body: dict[str, Any]) -> str:
    pagination = body.get("pagination")
    if isinstance(pagination, dict) and "totalItems" in pagination:
        return "page-number"
    if "nextCursor" in body:
        return "cursor"
    return "unknown"


def safe_url(url: str) -> str:
    """The base URL without any userinfo."""
    return str(httpx.URL(url).copy_with(username=None, password=None))


class Probe:
    """The probes of one fingerprint, sent through one SDK client."""

    def __init__(self, client: Client, day: dt.date) -> None:
        self.client = client
        self.day = day.isoformat()
        self.result = Fingerprint(base_url=safe_url(client.base_url))

    def get(self, path: str, params: Any = None) -> httpx.Response:
        self.result.requests += 1
        # The SDK's own pooled httpx client (private on purpose: a raw probe whose status and
        # headers matter), so bearer auth, retries and the rate budget apply.
        return self.client._http.get(path, params=params)

    def run(self) -> Fingerprint:
        """Every probe; one that fails (an error status, a body that is not JSON, a dropped
        connection) becomes a note and leaves its axis ``unknown``. Only a failing token
        exchange raises: nothing else can be probed, and the suite could not run either."""
        self.token()
        for probe in (self.listing, self.date_basis, self.arrays):
            try:
                probe()
            except (httpx.HTTPError, ValueError, AttributeError, LaterReportingError) as exc:
                self.result.notes.append(f"{probe.__name__} probe failed: {type(exc).__name__}")
        self.explain()
        return self.result

    def explain(self) -> None:
        """Notes on how the SDK copes with what was found."""
        if self.result.date_basis_spelling == "postDate":
            self.result.notes.append(
                "the SDK adopts the postDate spelling after the first refused request"
            )
        if self.result.array_encodings and "repeat" not in self.result.array_encodings:
            self.result.notes.append(
                "repeated keys are refused: the SDK switches to "
                + ("a,b" if "comma" in self.result.array_encodings else "key[]=")
                + " after the first refused request"
            )

    def token(self) -> None:
        self.client.authenticate()
        self.result.requests += 1
        current = self.client._tokens.current  # claims only: the value stays here
        iat, exp = jwt_expiry(current.value) if current else (None, None)
        if exp is None or iat is None:
            self.result.notes.append("the token is not a JWT with iat and exp")
            return
        self.result.token_lifetime_seconds = float(int(exp - iat))  # JWT times are whole seconds
        self.result.token_lifetime = lifetime_label(exp - iat)

    def listing(self) -> None:
        response = self.get("/v2/campaigns")
        if response.status_code != 200:
            self.result.notes.append(f"GET /v2/campaigns answered HTTP {response.status_code}")
            return
        self.result.paging = paging_of(response.json())
        self.result.compression = response.headers.get("content-encoding", "none") or "none"
        limits = {
            name: response.headers[name]
            for name in ("X-Ratelimit-Limit", "X-Ratelimit-Window")
            if name in response.headers
        }
        self.result.rate_limit_headers = bool(limits)
        self.result.rate_limit = limits
        if self.result.compression == "none" and len(response.content) < 1024:
            self.result.notes.append(
                f"compression not seen, but the probe body was only {len(response.content)} bytes"
            )

    def date_basis(self) -> None:
        for value, spelling in (("post_date", "post_date"), ("postDate", "postDate")):
            response = self.get(
                "/v2/platforms/return-on-investment",
                {"startDate": self.day, "endDate": self.day, "dateBasis": value},
            )
            if response.status_code == 200:
                self.result.date_basis_spelling = spelling
                return
        self.result.notes.append(
            f"dateBasis accepted in neither spelling (last answer HTTP {response.status_code})"
        )

    def arrays(self) -> None:
        dates = [("startDate", self.day), ("endDate", self.day)]
        queries = {
            "comma": [*dates, ("metrics", ",".join(PROBE_METRICS))],
            "repeat": [*dates, *(("metrics", m) for m in PROBE_METRICS)],
            "brackets": [*dates, *(("metrics[]", m) for m in PROBE_METRICS)],
        }
        for encoding in ENCODINGS:
            response = self.get("/v2/instances/performance", queries[encoding])
            if response.status_code != 200:
                continue
            metrics = (response.json().get("data") or {}).get("metrics") or {}
            if set(metrics) == set(PROBE_METRICS):
                self.result.array_encodings.append(encoding)


def fingerprint(client: Client, *, day: dt.date | None = None) -> Fingerprint:
    """Probe the server behind ``client`` (a handful of requests) and say which variant it is."""
    return Probe(client, day or dt.date.today() - dt.timedelta(days=30)).run()


def load_report(base_url: str) -> dict[str, Any] | None:
    """The fingerprint written for ``base_url`` (None when there is none, or it is another's)."""
    path = Path(os.environ.get(REPORT_ENV) or DEFAULT_OUTPUT)
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(report, dict) or server_of(str(report.get("base_url"))) != server_of(
        base_url
    ):
        return None
    return report


def server_of(base_url: str) -> str:
    """A base URL without userinfo, trailing slash or ``/v2`` (the SDK adds the version)."""
    return safe_url(base_url).rstrip("/").removesuffix("/v2")


def checks_not_applying(report: dict[str, Any] | None) -> list[str]:
    """Schemathesis checks a documented variant fails by design, so the suite leaves them out.

    The rate-limit headers are the spec's only required response headers, and the older docs
    (and the v1 API) send none: without them, ``response_headers_conformance`` has nothing
    else to check. Every other variant (cursor paging, dateBasis spelling, token lifetime,
    compression, array encodings) passes the whole suite unchanged.
    """
    if report is not None and report.get("rate_limit_headers") is False:
        return ["response_headers_conformance"]
    return []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="JSON report file")
    args = parser.parse_args(argv)
    if not os.environ.get("LATER_REPORTING_BASE_URL"):
        print("LATER_REPORTING_BASE_URL is not set", file=sys.stderr)
        return 2
    try:
        with Client(rate_limit=120, max_retries=2) as client:
            result = fingerprint(client)
    except LaterReportingError as exc:
        print(f"fingerprint: the token exchange failed: {exc}", file=sys.stderr)
        return 1
    print(result.summary())
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result.as_dict(), indent=2) + "\n", encoding="utf-8")
    print(f"  written to {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
