"""Large exports as background runs: past export_runs.LARGE_ROWS the Export button starts a run whose
page shows the progress bar and then a Download link; the file holds exactly the streamed rows."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEntry, Role
from inbox.actions import add_tag, ingest_message
from inbox.models import Conversation
from sla.models import ExportRun
from sla.reports import export, export_runs, snapshots
from tests.factories import make_author, make_channel, make_inbound, make_team, make_user
from tests.sla.factories import make_event

pytestmark = pytest.mark.django_db

PERIOD = {"period": "custom", "from": "2026-11-23", "to": "2026-11-30"}
TUESDAY = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
NOON = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


@pytest.fixture
def world():
    team = make_team("Support")
    channel = make_channel(team=team, name="X support")
    ids = []
    for n in range(5):
        at = TUESDAY + timedelta(hours=n)
        with time_machine.travel(at, tick=False):
            inbound = make_inbound(channel=channel, thread_key=f"t{n}", at=at, author=make_author(display_name=f"C{n}"))
            ids.append(ingest_message(inbound=inbound).conversation_id)
    first, second = Conversation.objects.get(pk=ids[0]), Conversation.objects.get(pk=ids[1])
    make_event(
        conversation=first,
        metric="first_response",
        outcome="breached",
        at=TUESDAY + timedelta(hours=2),
        business_seconds=1800,
        wall_seconds=7200,
    )
    add_tag(conversation=second, name="refund", actor=None)
    return {"team": team, "ids": ids, "supervisor": make_user(role=Role.SUPERVISOR, supervises=[team])}


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _streamed_lines(run):
    return list(export.csv_lines(snapshots.scope_of(run.params["scope"])))


def _download(client, run):
    response = client.get(reverse("sla_reports:export_download", args=[run.pk]))
    assert response.status_code == 200, response.status_code
    return response, b"".join(response.streaming_content).decode()


def test_a_range_over_the_threshold_offers_a_background_export_and_a_small_one_streams(world, monkeypatch):
    # given
    client = _client(world["supervisor"])
    # when
    small = client.get(reverse("sla_reports:index"), PERIOD).content.decode()
    monkeypatch.setattr(export_runs, "LARGE_ROWS", 4)
    large = client.get(reverse("sla_reports:index"), PERIOD).content.decode()
    # then
    assert 'id="export-csv" download>Export CSV (5 rows)' in small and 'id="export-form"' not in small
    assert 'id="export-form"' in large and reverse("sla_reports:export_start") in large
    assert reverse("sla_reports:export") + "?" not in large


def test_a_small_range_still_streams_its_rows(world):
    # when
    response = _client(world["supervisor"]).get(reverse("sla_reports:export"), PERIOD)
    # then
    body = b"".join(response.streaming_content).decode()
    assert response.streaming and response["Content-Disposition"].endswith('"parley-report-20261123-20261130.csv"')
    assert len(body.splitlines()) == 1 + 5
    assert not ExportRun.objects.exists()


def test_an_export_run_shows_its_download_and_the_file_holds_the_streamed_rows(world, django_capture_on_commit_callbacks):
    # given
    client = _client(world["supervisor"])
    # when: the worker's part runs as the request commits (eager, as in the demo)
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(reverse("sla_reports:export_start"), PERIOD)
    run = ExportRun.objects.get()
    shown = client.get(started["Location"]).content.decode()
    response, body = _download(client, run)
    # then
    assert started["Location"] == reverse("sla_reports:export_page", args=[run.pk])
    assert (run.done, run.total, run.finished_at is not None) == (5, 5, True)
    assert 'id="export-download"' in shown and "5 rows written" in shown and "every 1s" not in shown
    assert body == "".join(_streamed_lines(run))
    assert response["Content-Disposition"] == 'attachment; filename="parley-report-20261123-20261130.csv"'
    entry = AuditEntry.objects.get(kind="report.exported")
    assert entry.actor == world["supervisor"] and entry.after["run"] == run.pk and entry.after["rows"] == 5


def test_progress_is_reported_after_every_chunk(world, monkeypatch):
    # given
    monkeypatch.setattr(export, "CHUNK", 2)
    heard = []
    # when
    lines = list(export.csv_lines(_scope(world["supervisor"]), progress=heard.append))
    # then
    assert heard == [2, 4, 5] and len(lines) == 6


def _scope(user):
    from django.utils import timezone

    from sla.reports.filters import report_scope

    scope, _ = report_scope(user=user, params=PERIOD, zone=timezone.get_current_timezone(), now=NOON)
    return scope


def test_another_teams_supervisor_gets_404_on_the_run_its_progress_and_its_download(world, django_capture_on_commit_callbacks):
    # given: a finished run over Support's conversations
    with django_capture_on_commit_callbacks(execute=True):
        _client(world["supervisor"]).post(reverse("sla_reports:export_start"), PERIOD)
    run = ExportRun.objects.get()
    other = _client(make_user(role=Role.SUPERVISOR, supervises=[make_team("Billing")]))
    admin = _client(make_user(role=Role.ADMIN))
    # when
    refused = [
        other.get(reverse(name, args=[run.pk])).status_code
        for name in ("sla_reports:export_page", "sla_reports:export_run", "sla_reports:export_download")
    ]
    # then
    assert refused == [404, 404, 404]
    assert _download(admin, run)[1] == "".join(_streamed_lines(run))


def test_files_older_than_a_day_are_deleted_when_the_next_export_starts(world, django_capture_on_commit_callbacks, _media):
    # given: a run from yesterday morning with its file
    with time_machine.travel(NOON - timedelta(hours=25), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            _client(world["supervisor"]).post(reverse("sla_reports:export_start"), PERIOD)
    old = ExportRun.objects.get()
    old_file = Path(old.file.path)
    assert old_file.exists()
    # when
    with time_machine.travel(NOON, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            _client(world["supervisor"]).post(reverse("sla_reports:export_start"), PERIOD)
    # then
    assert not old_file.exists()
    assert list(ExportRun.objects.values_list("pk", flat=True)) != [old.pk] and ExportRun.objects.count() == 1


@pytest.mark.services
def test_a_real_worker_writes_the_file_while_the_page_polls_the_progress(world, celery_worker):
    # given
    client = _client(world["supervisor"])
    # when: Export answers at once, the worker writes the file
    started = client.post(reverse("sla_reports:export_start"), PERIOD)
    run = ExportRun.objects.get()
    partial = reverse("sla_reports:export_run", args=[run.pk])
    deadline = time.monotonic() + 30
    while 'id="export-download"' not in (shown := client.get(partial).content.decode()):
        assert time.monotonic() < deadline, "the worker never finished the export"
        assert 'hx-trigger="every 1s"' in shown  # still polling meanwhile
        time.sleep(0.2)
    run.refresh_from_db()
    # then
    assert started.status_code == 302 and "every 1s" not in shown
    body = _download(client, run)[1]
    assert body == "".join(_streamed_lines(run))
    assert [line.split(",")[0] for line in body.splitlines()[1:]] == [str(pk) for pk in world["ids"]]
