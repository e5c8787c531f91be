"""Fixtures of the Facebook tests: intercepted Graph calls, a Page channel, and posting to its webhook."""

from __future__ import annotations

from typing import Any

import pytest
import responses

from inbox.models import Channel
from tests.channels_app.facebook.helpers import deliver, make_facebook_channel


@pytest.fixture
def graph():
    """Every Graph call in these tests is intercepted; an unexpected one fails as a connection error."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture
def channel() -> Channel:
    return make_facebook_channel()


@pytest.fixture
def post(client, django_capture_on_commit_callbacks, channel):
    def _post(payload: dict[str, Any] | bytes, **kwargs: Any) -> Any:
        return deliver(client, django_capture_on_commit_callbacks, payload, **kwargs)

    return _post
