"""tweepy behind channels_app.x.client: X's refusals sorted for delivery, its rate budget kept, no sleeping."""

from __future__ import annotations

import json

import pytest
import requests
import tweepy

from channels_app.base import ChannelAuthError, NotSent, PermanentSendError
from channels_app.x.client import REQUEST_TIMEOUT, build_client, record_budget, send_error


def answer(status: int, body: dict) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response.reason = "Reason"
    response._content = json.dumps(body).encode()
    return response


@pytest.mark.parametrize(
    ("error", "kind", "words"),
    [
        (tweepy.TooManyRequests(answer(429, {"title": "Too Many Requests"})), NotSent, "X rate limit reached"),
        (tweepy.Unauthorized(answer(401, {"title": "Unauthorized"})), ChannelAuthError, "credentials"),
        (
            tweepy.Forbidden(answer(403, {"detail": "no", "type": "https://api.twitter.com/2/problems/oauth1-permissions"})),
            ChannelAuthError,
            "permissions",
        ),
        (tweepy.TwitterServerError(answer(503, {"title": "Service Unavailable"})), NotSent, "server error"),
        (
            tweepy.Forbidden(answer(403, {"detail": "You are not allowed to create a Tweet with duplicate content."})),
            PermanentSendError,
            "duplicate content",
        ),
    ],
    ids=["rate limit", "bad tokens", "app permissions", "server error", "duplicate"],
)
def test_each_refusal_is_sorted_by_what_delivery_should_do(error, kind, words):
    # when
    sorted_error = send_error(error)
    # then: exactly that kind (a ChannelAuthError is also a PermanentSendError, so not isinstance)
    assert type(sorted_error) is kind
    assert words in str(sorted_error)


def test_a_rate_limited_send_is_retried_when_the_window_resets():
    # given
    error = tweepy.TooManyRequests(answer(429, {"title": "Too Many Requests"}), reset_time=2_000_000_000)
    # when
    sorted_error = send_error(error)
    # then
    assert isinstance(sorted_error, NotSent) and sorted_error.retry_after > 60


def test_what_is_left_of_a_window_is_spread_over_the_rest_of_it():
    # given: 4 calls left, 100 seconds to the reset
    cursor: dict = {}
    headers = {"x-rate-limit-limit": "180", "x-rate-limit-remaining": "4", "x-rate-limit-reset": "1100"}
    # when
    record_budget(cursor, "mentions", headers, now=1000.0)
    record_budget(cursor, "dms", {"x-rate-limit-limit": "oops"}, now=1000.0)
    # then: the next call fits a fifth of the way in; unreadable headers leave nothing behind
    assert cursor == {"limits": {"mentions": {"limit": 180, "remaining": 4, "reset": 1100, "next_at": 1020.0}}}


def test_the_client_never_sleeps_on_a_rate_limit_and_never_waits_without_a_timeout(monkeypatch):
    # given: what the session underneath is asked to do
    asked = {}
    monkeypatch.setattr(requests.Session, "request", lambda self, method, url, *args, **kwargs: asked.update(kwargs))
    client = build_client({"bearer_token": "b"})
    # when
    client.session.request("GET", "https://api.x.com/2/users/me")
    # then
    assert client.wait_on_rate_limit is False
    assert asked["timeout"] == REQUEST_TIMEOUT
