"""The typed models as people read them: no Unset sentinel, absent vs null, readable enums."""

from __future__ import annotations

import enum
import inspect
import pickle
import typing
from typing import Any

import attrs
import later_reporting_api.models as generated
import pytest

import later_reporting.models as models
from later_reporting import AsyncClient, Client
from later_reporting._rows import snake
from later_reporting.models import Campaign, CampaignMetric, CampaignMetrics, SummaryMetrics

MODEL_CLASSES = [
    obj for _, obj in sorted(vars(models).items()) if inspect.isclass(obj) and attrs.has(obj)
]
ENUM_CLASSES = [
    obj
    for _, obj in sorted(vars(models).items())
    if inspect.isclass(obj) and issubclass(obj, enum.Enum)
]


def _hint_names(hint: Any) -> set[str]:
    names = {getattr(hint, "__name__", str(hint))}
    for arg in typing.get_args(hint):
        names |= _hint_names(arg)
    return names


@pytest.mark.parametrize("model", MODEL_CLASSES, ids=lambda m: m.__name__)
def test_no_model_field_is_typed_with_unset(model: type[Any]) -> None:
    namespace = {**vars(inspect.getmodule(model)), **vars(generated)}
    hints = typing.get_type_hints(model, globalns=namespace)
    for name in (f.name for f in attrs.fields(model)):
        assert "Unset" not in _hint_names(hints[name]), (model.__name__, name, hints[name])


def test_metric_fields_are_float_or_none() -> None:
    hints = typing.get_type_hints(CampaignMetrics)
    assert hints["impressions"] == float | None
    assert hints["engagement_rate"] == float | None


def test_absent_fields_read_as_none_and_the_repr_says_so() -> None:
    metrics = CampaignMetrics.from_dict({"impressions": 5.0, "likes": None})
    assert metrics.impressions == 5.0
    assert metrics.likes is None
    assert metrics.reach is None  # not sent
    text = repr(metrics)
    assert "Unset" not in text
    assert "impressions=5.0" in text
    assert "reach=None" in text
    assert "_null_fields" not in text


def test_fields_set_tells_absent_from_null() -> None:
    metrics = CampaignMetrics.from_dict({"impressions": 5.0, "likes": None})
    assert metrics.fields_set == {"impressions", "likes"}
    assert metrics.is_set("likes")  # sent as null
    assert metrics.is_set("impressions")
    assert not metrics.is_set("reach")  # left out
    assert metrics.is_set("engagementRate") is False
    assert CampaignMetrics.from_dict({"engagementRate": 0.5}).is_set("engagementRate")
    assert CampaignMetrics.from_dict({"engagementRate": 0.5}).is_set("engagement_rate")


def test_to_dict_gives_back_what_was_received_under_api_names() -> None:
    sent = {"impressions": 5.0, "likes": None, "engagementRate": 0.25, "extraMetric": 1.0}
    metrics = CampaignMetrics.from_dict(sent)
    assert metrics.to_dict() == sent
    constructed = CampaignMetrics(engagement_rate=0.5)
    assert constructed.to_dict() == {"engagementRate": 0.5}
    assert constructed.fields_set == {"engagement_rate"}


def test_required_nullable_fields_keep_their_nulls() -> None:
    sent = {
        "campaignId": 7,
        "campaignName": "Spring",
        "instanceId": "i-1",
        "description": None,
        "status": "active",
        "startDate": "2025-03-01T00:00:00",
        "firstPostDate": None,
        "lastPostDate": None,
    }
    campaign = Campaign.from_dict(sent)
    assert campaign.to_dict() == sent
    assert campaign["campaignName"] == "Spring"


def test_item_access_by_api_name() -> None:
    metrics = CampaignMetrics.from_dict({"impressions": 5.0, "likes": None, "extraMetric": 2.0})
    assert metrics["impressions"] == 5.0
    assert metrics["engagementRate"] is None  # declared, not sent
    assert metrics["extraMetric"] == 2.0  # an extra property
    with pytest.raises(KeyError):
        metrics["noSuchKey"]
    assert "likes" in metrics  # sent as null
    assert "reach" not in metrics
    assert "extraMetric" in metrics
    metrics["engagementRate"] = 0.75
    assert metrics.engagement_rate == 0.75
    assert "engagementRate" not in metrics.additional_properties
    del metrics["likes"]
    assert not metrics.is_set("likes")
    assert "likes" not in metrics.to_dict()


def test_null_bookkeeping_survives_pickle_and_stays_out_of_equality() -> None:
    metrics = CampaignMetrics.from_dict({"impressions": 5.0, "likes": None})
    again = pickle.loads(pickle.dumps(metrics))  # noqa: S301 - our own object
    assert again.to_dict() == {"impressions": 5.0, "likes": None}
    assert again == CampaignMetrics(impressions=5.0)


@pytest.mark.parametrize("kind", ENUM_CLASSES, ids=lambda e: e.__name__)
def test_enum_members_are_named_after_their_values_in_snake_case(kind: type[enum.Enum]) -> None:
    for member in kind:
        assert member.name == snake(str(member.value)).upper(), member


def test_readable_enum_members() -> None:
    assert CampaignMetric.ENGAGEMENT_RATE == "engagementRate"
    assert CampaignMetric.PAID_RETURN_ON_AD_SPEND == "paidReturnOnAdSpend"
    assert not hasattr(CampaignMetric, "ENGAGEMENTRATE")


@pytest.fixture(params=["sync", "async"])
def any_client(request: pytest.FixtureRequest, sandbox_url: str) -> Client | AsyncClient:
    kind = Client if request.param == "sync" else AsyncClient
    return kind(
        base_url=sandbox_url, rate_limit=None, client_id="demo-client", client_secret="demo-secret"
    )


async def test_a_report_from_the_server_reads_unrequested_metrics_as_none(
    any_client: Client | AsyncClient,
) -> None:
    kwargs: dict[str, Any] = {
        "start": "2025-01-01",
        "end": "2025-01-31",
        "metrics": ["engagements", "engagementRate"],
    }
    if isinstance(any_client, Client):
        with any_client:
            summary = any_client.instances.performance(**kwargs)
    else:
        async with any_client:
            summary = await any_client.instances.performance(**kwargs)
    assert isinstance(summary, SummaryMetrics)
    assert summary.is_set("engagements")
    assert summary.engagements is not None
    assert summary.impressions is None
    assert not summary.is_set("impressions")
    assert "Unset" not in repr(summary)
