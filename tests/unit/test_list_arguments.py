"""A bare string where a list is expected (``metrics="impressions"``) is refused before any
request, on every list parameter of every report method of both clients.

A string is iterable, so without the check ``"impressions"`` would be read as eleven
one-letter metrics (or, for ids, widen or narrow a query silently).
"""

from __future__ import annotations

import inspect
from typing import Any

import httpx
import pytest

import later_reporting as lr

LIST_PARAMETERS = ("metrics", "instance_ids", "campaign_ids", "platforms", "content_types")
REQUIRED = {"start": "2025-01-01", "end": "2025-01-31"}
RESOURCES = ("instances", "campaigns", "platforms", "creators", "posts")
SENT: list[httpx.Request] = []


def refuse(request: httpx.Request) -> httpx.Response:
    SENT.append(request)
    return httpx.Response(500)


def cases() -> list[tuple[str, str, str]]:
    probe = lr.Client(client_id="id", client_secret="secret", base_url="https://x.test")
    found = []
    for resource in RESOURCES:
        for name, method in inspect.getmembers(getattr(probe, resource), inspect.ismethod):
            if name.startswith("_"):
                continue
            found += [
                (resource, name, parameter)
                for parameter in inspect.signature(method).parameters
                if parameter in LIST_PARAMETERS
            ]
    probe.close()
    return found


CASES = cases()


async def called(call: Any, arguments: dict[str, Any]) -> object:
    """Call a resource method; await it when it is a coroutine (the async single results)."""
    result = call(**arguments)
    return await result if inspect.isawaitable(result) else result


def test_every_report_method_is_covered() -> None:
    assert len(CASES) >= 25  # every list parameter of the nine operations
    assert ("posts", "performance", "metrics") in CASES
    assert ("campaigns", "list", "instance_ids") in CASES


@pytest.mark.parametrize("kind", ["sync", "async"])
@pytest.mark.parametrize(("resource", "method", "parameter"), CASES, ids=lambda v: str(v))
async def test_a_bare_string_is_a_validation_error(
    kind: str, resource: str, method: str, parameter: str
) -> None:
    options: dict[str, Any] = {
        "client_id": "id",
        "client_secret": "secret",
        "base_url": "https://x.test",
    }
    SENT.clear()
    client: lr.Client | lr.AsyncClient = (
        lr.Client(transport=httpx.MockTransport(refuse), **options)
        if kind == "sync"
        else lr.AsyncClient(transport=httpx.MockTransport(refuse), **options)
    )
    call = getattr(getattr(client, resource), method)
    accepted = inspect.signature(call).parameters
    arguments = {k: v for k, v in REQUIRED.items() if k in accepted}
    if method == "performance" and resource == "instances" and parameter != "metrics":
        arguments["metrics"] = ["engagements"]  # required there
    arguments[parameter] = "123" if parameter == "campaign_ids" else "instagram"
    with pytest.raises(lr.ValidationError, match="expected a list, got str") as info:
        await called(call, arguments)
    assert info.value.parameter == parameter
    assert SENT == []
    if isinstance(client, lr.AsyncClient):
        await client.aclose()
    else:
        client.close()
