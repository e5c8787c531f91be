"""GraphClient's reading of the usage headers the poller backs off on (platforms.md 2.5)."""

from __future__ import annotations

import pytest

from channels_app.facebook.client import parse_usage_headers
from tests.channels_app.facebook.helpers import PAGE_ID


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (
            {
                "X-Business-Use-Case-Usage": '{"%s":[{"type":"pages","call_count":23,"total_cputime":9,"total_time":77,'
                '"estimated_time_to_regain_access":4}]}' % PAGE_ID
            },
            (77.0, 4.0),
        ),
        ({"X-App-Usage": '{"call_count":28,"total_cputime":25,"total_time":25}'}, (28.0, 0.0)),
        ({"X-App-Usage": "not json"}, (None, 0.0)),
        ({}, (None, 0.0)),
    ],
    ids=["business-use-case", "app", "unreadable", "none"],
)
def test_the_highest_usage_percentage_and_the_minutes_until_access_returns(headers, expected):
    # when
    usage = parse_usage_headers(headers)
    # then
    assert usage == expected
