"""``max_items`` smaller than a page asks the server for a smaller page."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import respx

from later_reporting._pagination import page_size_for

from .helpers import BASE, BOTH, drain, token_route


@pytest.mark.parametrize(
    ("page_size", "max_items", "expected"),
    [(100, None, 100), (100, 5, 5), (100, 100, 100), (100, 250, 100), (10, 3, 3), (1, 1, 1)],
)
def test_the_page_asked_for_is_no_larger_than_max_items(
    page_size: int, max_items: int | None, expected: int
) -> None:
    assert page_size_for(page_size, max_items) == expected


def ids_server(total: int) -> tuple[respx.Router, list[httpx.Request]]:
    """Instance ids ``i0..`` paged as asked (``pageSize``, ``pageNumber``)."""
    router = respx.Router(base_url=BASE)
    token_route(router)
    seen: list[httpx.Request] = []

    def reply(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        size = int(request.url.params["pageSize"])
        number = int(request.url.params.get("pageNumber", "1"))
        first = (number - 1) * size
        return httpx.Response(
            200,
            json={
                "data": {"instanceIds": [f"i{n}" for n in range(first, min(first + size, total))]},
                "pagination": {
                    "page": number,
                    "pageSize": size,
                    "totalPages": -(-total // size),
                    "totalItems": total,
                },
            },
        )

    router.get("/v2/instances").mock(side_effect=reply)
    return router, seen


@BOTH
@pytest.mark.parametrize(
    ("options", "sizes"),
    [
        ({"max_items": 5}, ["5"]),
        ({"max_items": 7, "page_size": 3}, ["3", "3", "3"]),
        ({"max_items": 150}, ["100", "100"]),
    ],
)
def test_max_items_sets_the_page_size_sent(
    kind: str, options: dict[str, Any], sizes: list[str]
) -> None:
    router, seen = ids_server(total=400)
    rows = drain(kind, router, lambda c: c.instances.list(**options))
    assert len(rows) == options["max_items"]
    assert [r.url.params["pageSize"] for r in seen] == sizes


@BOTH
def test_a_small_page_over_a_huge_result_is_not_too_large(kind: str) -> None:
    # 5,000 rows are 1,000 pages of 5, past the 500-page cap; max_items=5 needs one of them.
    router, seen = ids_server(total=5_000)
    rows = drain(kind, router, lambda c: c.instances.list(max_items=5))
    assert rows == [f"i{n}" for n in range(5)]
    assert len(seen) == 1
