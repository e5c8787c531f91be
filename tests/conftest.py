import os

import pytest
from django.conf import settings
from hypothesis import settings as hypothesis_settings

from config.celery import app as celery_app
from tests.factories import make_channel, make_team, make_user

# CI explores the same examples on every run, so a red build is always reproducible; local runs
# keep drawing fresh examples.
hypothesis_settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")


@pytest.fixture(autouse=True)
def _eager_celery():
    """Tasks run inline unless a test asks for a real worker."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def celery_worker(transactional_db):
    """A real Celery worker on the configured broker (Redis when reachable), in a thread."""
    from celery.contrib.testing.worker import start_worker

    celery_app.conf.task_always_eager = False
    with start_worker(
        celery_app, pool="threads", concurrency=2, perform_ping_check=False, shutdown_timeout=10, loglevel="WARNING"
    ) as worker:
        yield worker


def _services_are_real() -> bool:
    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql") and bool(settings.REDIS_URL)


def pytest_runtest_setup(item):
    # Threads writing at once, real workers and Redis layers have no honest embedded stand-in: SQLite
    # locks its whole file ("database table is locked"). The fallback run says so instead of failing.
    if item.get_closest_marker("services") and not _services_are_real():
        pytest.skip("needs PostgreSQL and Redis (the fallback run has neither)")


@pytest.fixture
def services_are_real():
    """Whether this run talks to PostgreSQL and Redis (as CI requires) or the embedded fallbacks."""
    return _services_are_real()


# A support team, its X channel and an agent of it: the setting most tests of the inbox and rules start from.
@pytest.fixture
def team():
    return make_team("Support")


@pytest.fixture
def channel(team):
    return make_channel(team=team, name="X support", config={"flavor": "x"})


@pytest.fixture
def agent(team):
    return make_user(teams=[team], username="alice")
