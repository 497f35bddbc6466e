"""`screenConnection`: the results of `screen` a page at a time, in the inputs' order,
with the number of inputs as the total. Paging is API-layer only (the store screens the
page's inputs as `screen` would), so the curated graph on the embedded store is enough."""

from __future__ import annotations

import pytest
from api_fixtures import ApiClient, curated_client, curated_embedded


@pytest.fixture
def client() -> ApiClient:
    return curated_client(curated_embedded())


SCREEN_FIELDS = "name country candidates { entityId score features listings { policyId } }"
SCREEN = f"""query ($names: [ScreenInput!]!) {{
  screen(entities: $names, asOf: "2026-09-01") {{ {SCREEN_FIELDS} }} }}"""
SCREEN_PAGE = f"""query ($names: [ScreenInput!]!, $first: Int, $after: String) {{
  screenConnection(entities: $names, asOf: "2026-09-01", first: $first, after: $after) {{
    totalCount pageInfo {{ hasNextPage hasPreviousPage endCursor }}
    edges {{ cursor node {{ {SCREEN_FIELDS} }} }} }} }}"""
NAMES = [
    {"name": "Xiaomi"},
    {"name": "Huawei Technologies", "country": "China"},
    {"name": "Acme Ltd"},
    {"name": "SMIC"},
    {"name": "Semiconductor Manufacturing International"},
]


def test_screen_results_page_through_every_input_as_screen_gives_them(
    client: ApiClient,
) -> None:
    whole = client.data(SCREEN, names=NAMES)["screen"]
    pages, after = [], None
    while True:
        page = client.data(SCREEN_PAGE, names=NAMES, first=2, after=after)["screenConnection"]
        assert page["totalCount"] == len(NAMES)
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        pages.append(page)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert [len(p["edges"]) for p in pages] == [2, 2, 1]
    assert [e["node"] for p in pages for e in p["edges"]] == whole
    assert any(r["candidates"] for r in whole) and any(not r["candidates"] for r in whole)
    cursors = [e["cursor"] for p in pages for e in p["edges"]]
    assert len(set(cursors)) == len(NAMES)


def test_a_screen_page_past_the_inputs_is_empty_and_a_forged_cursor_refused(
    client: ApiClient,
) -> None:
    last = client.data(SCREEN_PAGE, names=NAMES, first=len(NAMES))["screenConnection"]
    beyond = client.data(SCREEN_PAGE, names=NAMES, after=last["pageInfo"]["endCursor"])
    assert beyond["screenConnection"]["edges"] == []
    assert beyond["screenConnection"]["totalCount"] == len(NAMES)
    error = client.error(SCREEN_PAGE, names=NAMES, after="not-a-cursor")
    assert error["extensions"]["code"] == "BAD_REQUEST"
