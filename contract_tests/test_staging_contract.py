"""The schemathesis suite against any API named by the environment (``nox -s contract``).

Set ``LATER_REPORTING_BASE_URL``, ``LATER_REPORTING_CLIENT_ID`` and
``LATER_REPORTING_CLIENT_SECRET``. Without them this module defines no test. Optional:
``LATER_REPORTING_CONTRACT_EXAMPLES`` (examples per operation, default 20) and
``LATER_REPORTING_CONTRACT_OPERATIONS`` (``;``-separated operations, e.g.
``GET /v2/posts/performance``; default all), ``LATER_REPORTING_CONTRACT_RATE_LIMIT`` (default:
``schemathesis.toml``'s limit, under the API's 120 requests per minute).
"""

from __future__ import annotations

import os
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, settings
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi import checks

from contract_tests.fingerprint import checks_not_applying, load_report
from contract_tests.reporting import record, report_failures
from contract_tests.schemathesis_support import excluded, load
from contract_tests.spec_support import load_spec, validator_for

BASE_URL = os.environ.get("LATER_REPORTING_BASE_URL", "")
CLIENT_ID = os.environ.get("LATER_REPORTING_CLIENT_ID", "")
CLIENT_SECRET = os.environ.get("LATER_REPORTING_CLIENT_SECRET", "")
EXAMPLES = int(os.environ.get("LATER_REPORTING_CONTRACT_EXAMPLES", "20"))
# Optional: a client rate limit other than schemathesis.toml's (e.g. "10000/s" for a sandbox).
RATE_LIMIT = os.environ.get("LATER_REPORTING_CONTRACT_RATE_LIMIT") or None
# Optional: only these operations, e.g. "GET /v2/posts/performance;POST /oauth/token".
OPERATIONS = [
    name.strip()
    for name in os.environ.get("LATER_REPORTING_CONTRACT_OPERATIONS", "").split(";")
    if name.strip()
]


def staging_token() -> str:
    response = httpx.post(
        f"{BASE_URL.rstrip('/')}/oauth/token",
        json={"clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET},
        timeout=30,
    )
    response.raise_for_status()
    body = response.json()
    schema = load_spec()["paths"]["/oauth/token"]["post"]["responses"]["200"]["content"][
        "application/json"
    ]["schema"]
    errors = [e.message for e in validator_for(schema).iter_errors(body)]
    if errors:
        # The suite's own token exchange is the one 200 of POST /oauth/token it sees.
        raise AssertionError(
            f"POST /oauth/token: response_schema_conformance: the token response does not "
            f"match the spec: {errors[0]}"
        )
    token: str = body["jwt"]
    return token


if BASE_URL and CLIENT_ID and CLIENT_SECRET:
    schema = load(staging_token, rate_limit=RATE_LIMIT)
    schema.config.update(base_url=BASE_URL.rstrip("/"))
    if OPERATIONS:
        schema = schema.include(name=OPERATIONS)
    record(schema)
    # The API variant the fingerprint found (nox -s contract runs it first) may rule out a check.
    VARIANT_EXCLUDED = [
        getattr(checks, name) for name in checks_not_applying(load_report(BASE_URL))
    ]

    @pytest.mark.staging
    @schema.parametrize()
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def test_api_conforms_to_the_spec(case: Any) -> None:
        try:
            case.call_and_validate(excluded_checks=[*excluded(case), *VARIANT_EXCLUDED])
        except FailureGroup as group:
            report_failures(case, group)
            raise
