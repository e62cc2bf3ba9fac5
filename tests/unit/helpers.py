"""respx routers wrapped as transports, and JWTs with chosen expiries."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import httpx
import respx

from later_reporting import AsyncClient, Client

BASE = "https://api.example.test"
SECRET = "s3cr3t-value-never-shown"


def jwt(lifetime: float = 3600, *, sub: str = "demo", nonce: int = 0) -> str:
    now = time.time()

    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return ".".join(
        [
            part({"alg": "HS256"}),
            part({"sub": sub, "iat": int(now), "exp": now + lifetime, "n": nonce}),
            "sig",
        ]
    )


def problem(status: int, type_: str, detail: str = "detail", **extra: Any) -> httpx.Response:
    return httpx.Response(
        status,
        json={"type": type_, "title": "T", "detail": detail, **extra},
        headers={"content-type": "application/problem+json"},
    )


def page(
    items: list[Any], number: int, total_pages: int, total_items: int, size: int = 100
) -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "data": items,
            "pagination": {
                "page": number,
                "pageSize": size,
                "totalPages": total_pages,
                "totalItems": total_items,
            },
        },
    )


def token_route(router: respx.Router, *tokens: str) -> respx.Route:
    responses = [httpx.Response(200, json={"jwt": t}) for t in tokens] or [
        httpx.Response(200, json={"jwt": jwt()})
    ]
    route = router.post("/oauth/token")
    route.side_effect = responses if len(responses) > 1 else None
    if len(responses) == 1:
        route.return_value = responses[0]
    return route


def sync_client(router: respx.Router, **kwargs: Any) -> Client:
    options: dict[str, Any] = {
        "client_id": "demo",
        "client_secret": SECRET,
        "base_url": BASE,
        "rate_limit": None,
    }
    options.update(kwargs)
    return Client(transport=httpx.MockTransport(router.handler), **options)


def async_client(router: respx.Router, **kwargs: Any) -> AsyncClient:
    options: dict[str, Any] = {
        "client_id": "demo",
        "client_secret": SECRET,
        "base_url": BASE,
        "rate_limit": None,
    }
    options.update(kwargs)
    return AsyncClient(transport=httpx.MockTransport(router.handler), **options)


def post_row(post_id: int, day: str = "2025-01-01") -> dict[str, Any]:
    return {
        "postId": post_id,
        "postDate": f"{day}T10:00:00.000Z",
        "campaignId": 1,
        "creatorId": 2,
        "instanceId": "instance_abc",
        "contentType": "tiktok",
        "contentUrl": "https://x",
        "contentImageUrl": None,
        "creatorProfile": {
            "contentType": "tiktok",
            "fullName": "A",
            "handleName": "a",
            "profileImage": None,
            "profileLink": None,
        },
        "engagements": post_id,
    }
