"""Hooks for the plain schemathesis CLI (``hooks`` in ``schemathesis.toml``).

Importing :mod:`contract_tests.schemathesis_support` registers the project's checks (its
``positive_data_acceptance`` in place of the built-in). :class:`TokenAuth` gets a bearer JWT
from ``/oauth/token`` with the credentials in ``LATER_REPORTING_CLIENT_ID`` /
``LATER_REPORTING_CLIENT_SECRET`` (the sandbox's demo client when unset), once per base URL,
and never prints it.
"""

from __future__ import annotations

import os
import threading
from typing import Any

import httpx
import schemathesis

from contract_tests import schemathesis_support

CHECK = schemathesis_support.positive_data_acceptance


@schemathesis.auth().apply_to(path_regex=r"^/v2/")
class TokenAuth:
    def __init__(self) -> None:
        self._tokens: dict[str, str] = {}
        self._lock = threading.Lock()

    def get(self, case: Any, context: Any) -> str:
        base = str(case.operation.base_url or "").rstrip("/")
        with self._lock:
            if base not in self._tokens:
                response = httpx.post(
                    f"{base}{schemathesis_support.TOKEN_PATH}",
                    json={
                        "clientId": os.environ.get("LATER_REPORTING_CLIENT_ID", "demo-client"),
                        "clientSecret": os.environ.get(
                            "LATER_REPORTING_CLIENT_SECRET", "demo-secret"
                        ),
                    },
                    timeout=30,
                )
                response.raise_for_status()
                self._tokens[base] = str(response.json()["jwt"])
            return self._tokens[base]

    def set(self, case: Any, data: str, context: Any) -> None:
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"
