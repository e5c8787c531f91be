"""Fixtures for the X tests: X's API replayed by `responses`, and a frozen clock."""

import pytest
import responses
import time_machine

from tests.channels_app.x.replay import NOW


@pytest.fixture
def x_api():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield
