"""Catalog sync over HTTP against the Etsy sandbox: paging, polling, rate limits, failures, tokens."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from integrations.errors import AuthError, RateLimitedError, StoreError, TransientError
from integrations.etsy.catalog import iter_listings
from integrations.etsy.client import RetryPolicy
from integrations.records import Platform
from integrations.sandbox.etsy.seed import seed_shop
from tests.integrations.etsy.etsy_harness import Connected, EtsySandbox


@pytest.fixture
def seed_listings() -> int:
    return 60


def synced_ids(connected: Connected, sandbox: EtsySandbox, page_size: int = 100) -> list[str]:
    records = iter_listings(connected.client, sandbox.shop.shop_id, page_size=page_size)
    return [r.remote_id for r in records]


def expected_ids(sandbox: EtsySandbox) -> set[str]:
    return {
        str(x.listing_id)
        for x in sandbox.state.listings.values()
        if x.shop_id == sandbox.shop.shop_id and x.state in ("active", "draft")
    }


def test_sync_reads_every_active_and_draft_listing_page_by_page(
    sandbox: EtsySandbox, connected: Connected
) -> None:
    listings = sorted(sandbox.state.listings.values(), key=lambda x: x.listing_id)
    listings[0].state = "inactive"  # not synced
    ids = synced_ids(connected, sandbox, page_size=25)
    assert len(ids) == len(set(ids)) == 59
    assert set(ids) == expected_ids(sandbox)
    pages = sandbox.state.requests_for("getListingsByShop")
    assert len(pages) == 3  # 49 active in pages of 25, then 10 drafts
    assert all(r.status == 200 for r in pages)


def test_record_carries_skus_options_ordered_images_and_escaped_description(
    sandbox: EtsySandbox, connected: Connected
) -> None:
    ring = next(
        x for x in sandbox.state.listings.values() if len(x.products) > 1 and len(x.images) == 3
    )
    ring.description = "<script>alert(1)</script> & co\n\nSecond paragraph\nnext line"
    record = connected.store.get_product(str(ring.listing_id))
    assert record.platform is Platform.ETSY
    assert record.title == ring.title
    assert [v.sku for v in record.variants] == [p.sku for p in ring.products]
    assert record.options == {"Ring size": ("6", "7", "8")}
    assert [i.remote_id for i in record.images] == [str(i.listing_image_id) for i in ring.images]
    assert [i.position for i in record.images] == [0, 1, 2]
    assert not any(i.made_by_adorn for i in record.images)
    assert record.description_html == (
        "<p>&lt;script&gt;alert(1)&lt;/script&gt; &amp; co</p><p>Second paragraph<br>next line</p>"
    )
    synced = next(r for r in connected.store.list_products() if r.remote_id == record.remote_id)
    assert synced == record  # the listings page and getListing + inventory agree


def test_get_product_stays_within_the_connected_shop(
    sandbox: EtsySandbox, connected: Connected
) -> None:
    other = seed_shop(sandbox.state, count=1, shop_name="SomeoneElsesShop")
    foreign = next(x for x in sandbox.state.listings.values() if x.shop_id == other.shop_id)
    with pytest.raises(StoreError, match="is not in Etsy shop"):
        connected.store.get_product(str(foreign.listing_id))
    with pytest.raises(StoreError, match="404"):
        connected.store.get_product("999999999")


def test_polling_picks_up_only_what_changed(sandbox: EtsySandbox, connected: Connected) -> None:
    since = datetime.fromtimestamp(int(time.time()), UTC)
    listings = sorted(sandbox.state.listings.values(), key=lambda x: x.listing_id)
    edited_via_api = [listings[10], listings[40]]
    for listing in edited_via_api:
        connected.client.update_listing(
            sandbox.shop.shop_id, listing.listing_id, {"description": "Now 2 mm wider."}
        )
    with sandbox.state.lock:  # the seller edits a draft on etsy.com
        draft = next(x for x in listings if x.state == "draft")
        draft.title = "Renamed draft"
        draft.updated_timestamp = int(time.time())
    sandbox.state.requests.clear()
    changed = list(iter_listings(connected.client, sandbox.shop.shop_id, since, page_size=5))
    assert {r.remote_id for r in changed} == {str(x.listing_id) for x in [*edited_via_api, draft]}
    assert {r.title for r in changed} >= {"Renamed draft"}
    # Sorted by updated, newest first: one page per state is enough to see nothing older changed.
    assert len(sandbox.state.requests_for("getListingsByShop")) == 2


def test_client_paces_itself_by_the_rate_limit_headers(
    sandbox: EtsySandbox, connected: Connected
) -> None:
    sandbox.state.per_second_limit = 5
    sandbox.state.budget = None
    started = time.monotonic()
    ids = synced_ids(connected, sandbox, page_size=5)  # 12 requests at 5 per second
    assert set(ids) == expected_ids(sandbox)
    assert [r.status for r in sandbox.state.requests if r.status == 429] == []
    assert time.monotonic() - started >= 2.0


def test_a_429_storm_is_obeyed_and_nothing_is_lost(
    sandbox: EtsySandbox, connected: Connected
) -> None:
    sandbox.state.throttle_next_requests = 2
    ids = synced_ids(connected, sandbox, page_size=25)
    assert set(ids) == expected_ids(sandbox) and len(ids) == 60
    log = sandbox.state.requests
    throttled = [i for i, r in enumerate(log) if r.status == 429]
    assert len(throttled) == 2
    for i in throttled:  # retry-after: 1 was honoured before the next try
        assert log[i + 1].at - log[i].at >= 0.95


def test_throttling_longer_than_the_job_waits_is_handed_back(
    sandbox: EtsySandbox, connected: Connected
) -> None:
    sandbox.state.throttle_next_requests = 1
    sandbox.state.throttle_retry_after_s = 120
    with pytest.raises(RateLimitedError) as raised:
        connected.client.get_me()
    assert raised.value.retry_after_s == 120
    assert len(sandbox.state.requests) == 1


def test_spent_daily_budget_stops_the_client_before_it_asks(
    sandbox: EtsySandbox, connected: Connected
) -> None:
    sandbox.state.per_day_limit = 3
    for _ in range(3):
        connected.client.get_me()
    with pytest.raises(RateLimitedError, match="daily"):
        connected.client.get_me()
    assert [r.status for r in sandbox.state.requests] == [200, 200, 200]


def test_a_5xx_storm_is_retried_and_nothing_is_lost(
    sandbox: EtsySandbox, connected: Connected
) -> None:
    sandbox.state.fail_next_requests = 3
    ids = synced_ids(connected, sandbox, page_size=25)
    assert set(ids) == expected_ids(sandbox) and len(ids) == 60
    assert [r.status for r in sandbox.state.requests].count(503) == 3


def test_a_5xx_storm_beyond_the_retries_is_transient_and_a_rerun_completes(
    sandbox: EtsySandbox, connect: Callable[..., Connected]
) -> None:
    connected = connect(retry=RetryPolicy(max_retries=2, backoff_s=0.01))
    sandbox.state.fail_next_requests = 100
    with pytest.raises(TransientError, match="kept failing: Etsy answered 503"):
        synced_ids(connected, sandbox)
    assert len(sandbox.state.requests) == 3
    sandbox.state.fail_next_requests = 0
    assert set(synced_ids(connected, sandbox)) == expected_ids(sandbox)


def test_a_token_expired_mid_sync_is_refreshed_once(
    sandbox: EtsySandbox, connected: Connected
) -> None:
    records = iter_listings(connected.client, sandbox.shop.shop_id, page_size=10)
    first = [next(records) for _ in range(10)]
    sandbox.state.expire_access_token(connected.keeper.access_token())
    rest = list(records)
    assert {r.remote_id for r in first + rest} == expected_ids(sandbox)
    assert len(sandbox.state.spent_refresh_tokens) == 1
    assert [r.status for r in sandbox.state.requests].count(401) == 1


def test_a_token_refused_again_after_its_refresh_is_an_auth_error(
    sandbox: EtsySandbox, connected: Connected
) -> None:
    sandbox.state.access_token_ttl_s = -10  # every new token is born expired
    sandbox.state.expire_access_token(connected.keeper.access_token())
    with pytest.raises(AuthError, match="401"):
        connected.client.get_me()
    assert len(sandbox.state.spent_refresh_tokens) == 1
    assert [r.status for r in sandbox.state.requests] == [401, 401]
