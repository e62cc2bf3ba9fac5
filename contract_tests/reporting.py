"""What a failing contract run leaves behind: one line and a ``curl`` per failure, and a HAR.

``record`` keeps each case's last response (schemathesis ``after_call`` hook);
``report_failures`` turns a schemathesis ``FailureGroup`` into summary lines (kept for the
terminal summary printed by ``contract_tests/conftest.py``) and, when
``LATER_REPORTING_CONTRACT_ARTIFACTS`` names a directory, appends the failing exchange to
``failures.har`` (HAR 1.2) there. Authorization headers are never written: the curl comes from
schemathesis with its sanitisation on, and the HAR replaces the header's value.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
from pathlib import Path
from typing import Any

SUMMARY: list[str] = []
_LAST: dict[str, Any] = {}
_LOCK = threading.Lock()
SECRET_HEADERS = frozenset({"authorization", "cookie", "set-cookie"})
REDACTED = "[Filtered]"


def record(schema: Any) -> None:
    """Remember the last response of every case (for the HAR of failing exchanges)."""

    @schema.hook
    def after_call(context: Any, case: Any, response: Any) -> None:
        with _LOCK:
            _LAST[case.id] = response


def artifacts_dir() -> Path | None:
    value = os.environ.get("LATER_REPORTING_CONTRACT_ARTIFACTS")
    return Path(value) if value else None


def _headers(pairs: Any) -> list[dict[str, str]]:
    return [
        {"name": str(k), "value": REDACTED if str(k).lower() in SECRET_HEADERS else str(v)}
        for k, v in pairs.items()
    ]


def har_entry(response: Any) -> dict[str, Any]:
    """One HAR 1.2 entry of a ``requests``-style response and its request."""
    request = response.request
    body = request.body or b""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
    return {
        "startedDateTime": dt.datetime.now(dt.UTC).isoformat(),
        "time": response.elapsed.total_seconds() * 1000 if response.elapsed else 0,
        "request": {
            "method": request.method,
            "url": request.url,
            "httpVersion": "HTTP/1.1",
            "headers": _headers(request.headers),
            "queryString": [],
            "cookies": [],
            "headersSize": -1,
            "bodySize": len(text),
            **({"postData": {"mimeType": "application/json", "text": text}} if text else {}),
        },
        "response": {
            "status": response.status_code,
            "statusText": response.reason or "",
            "httpVersion": "HTTP/1.1",
            "headers": _headers(response.headers),
            "cookies": [],
            "content": {
                "size": len(response.content),
                "mimeType": response.headers.get("content-type", ""),
                "text": response.content.decode("utf-8", "replace"),
            },
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": len(response.content),
        },
        "cache": {},
        "timings": {"send": 0, "wait": 0, "receive": 0},
    }


def _append_har(path: Path, entry: dict[str, Any]) -> None:
    if path.exists():
        har = json.loads(path.read_text(encoding="utf-8"))
    else:
        har = {"log": {"version": "1.2", "creator": {"name": "contract_tests", "version": "1"}}}
        har["log"]["entries"] = []
    har["log"]["entries"].append(entry)
    path.write_text(json.dumps(har, indent=1), encoding="utf-8")


def report_failures(case: Any, group: BaseException) -> None:
    """Summary lines (and HAR entries) for every failure in ``group``."""
    failures = getattr(group, "exceptions", [group])
    try:
        curl = case.as_curl_command()
    except Exception as exc:  # a case schemathesis cannot render must not hide the failure
        curl = f"(no curl: {exc})"
    with _LOCK:
        for failure in failures:
            title = getattr(failure, "title", type(failure).__name__)
            message = str(getattr(failure, "message", failure)).strip().splitlines()
            line = (
                f"FAIL {case.operation.label} | {title} | {message[0] if message else ''}"
                f"\n     {curl}"
            )
            if line not in SUMMARY:
                SUMMARY.append(line)
        response = _LAST.get(case.id)
    folder = artifacts_dir()
    if folder is not None and response is not None:
        folder.mkdir(parents=True, exist_ok=True)
        with _LOCK:
            _append_har(folder / "failures.har", har_entry(response))
