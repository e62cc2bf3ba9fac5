"""The schemathesis suite against any API named by the environment (``nox -s contract``).

Set ``LATER_REPORTING_BASE_URL``, ``LATER_REPORTING_CLIENT_ID`` and
``LATER_REPORTING_CLIENT_SECRET``. Without them this module defines no test.
"""

from __future__ import annotations

import os
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi import checks

from contract_tests.fingerprint import checks_not_applying, load_report
from contract_tests.schemathesis_support import excluded, load

BASE_URL = os.environ.get("LATER_REPORTING_BASE_URL", "")
CLIENT_ID = os.environ.get("LATER_REPORTING_CLIENT_ID", "")
CLIENT_SECRET = os.environ.get("LATER_REPORTING_CLIENT_SECRET", "")
EXAMPLES = int(os.environ.get("LATER_REPORTING_CONTRACT_EXAMPLES", "20"))


def staging_token() -> str:
    response = httpx.post(
        f"{BASE_URL.rstrip('/')}/oauth/token",
        json={"clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET},
        timeout=30,
    )
    response.raise_for_status()
    token: str = response.json()["jwt"]
    return token


if BASE_URL and CLIENT_ID and CLIENT_SECRET:
    schema = load(staging_token)
    schema.config.update(base_url=BASE_URL.rstrip("/"))
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
        case.call_and_validate(excluded_checks=[*excluded(case), *VARIANT_EXCLUDED])
