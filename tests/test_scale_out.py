"""The scale-out shape on one machine: two daphne web processes, two Celery workers and one beat on
PostgreSQL and Redis. An agent whose browser is connected to web 2 sees, within a second, what was
ingested through web 1; with two workers and beat racing, no warning or breach is flagged twice.

The latency is printed, not asserted (the project measures speed in bench/, never in a timed
test): the test asserts that every ingest reaches web 2's socket at all, within 10 s.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
import websockets
from django.db import connection

from bench.fault_servers import free_port
from inbox.models import ConversationEvent, Message
from sla.models import SlaEvent
from tests.channels_app.x.test_webhook import BRAND_ID, CREDENTIALS, make_x_channel
from tests.factories import make_user
from tests.sla.factories import make_policy

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CUSTOMERS = 5


@pytest.fixture
def stack(transactional_db, services_are_real):
    if not services_are_real:
        pytest.skip("needs PostgreSQL and Redis (REDIS_URL)")
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{connection.settings_dict['NAME']}",
        "PARLEY_RUN_ID": f"{os.environ.get('PARLEY_RUN_ID', 'test')}-scale-{os.getpid()}",
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
        "LOG_LEVEL": "WARNING",
    }
    ports = [free_port(), free_port()]
    commands = [[str(BIN / "daphne"), "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"] for port in ports]
    commands += [
        [str(BIN / "celery"), "-A", "config", "worker", "-l", "warning", "-c", "2", "-n", f"w{n}-{os.getpid()}@%h"]
        for n in (1, 2)
    ]
    commands.append([str(BIN / "celery"), "-A", "config", "beat", "-l", "warning", "-s", f"/tmp/parley-beat-{os.getpid()}"])
    procs = [
        subprocess.Popen(c, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        for c in commands
    ]
    try:
        for port in ports:
            _wait_http(port)
        time.sleep(3)  # the workers connect to the broker
        yield ports
    finally:
        for proc in procs:
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def _wait_http(port: int) -> None:
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.3)
    raise AssertionError(f"web on port {port} did not start")


def delivery(number: int, *, sent_ago: float) -> bytes:
    customer = f"30019693{number:02d}"
    event = {
        "type": "message_create",
        "id": f"19500000000000000{number:02d}",
        "created_timestamp": str(int((time.time() - sent_ago) * 1000)),
        "message_create": {
            "target": {"recipient_id": BRAND_ID},
            "sender_id": customer,
            "message_data": {"text": f"scale-out {number}"},
        },
    }
    return json.dumps({"for_user_id": BRAND_ID, "direct_message_events": [event]}).encode()


def sign(body: bytes) -> str:
    digest = hmac.new(CREDENTIALS["consumer_secret"].encode(), body, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode()


async def ingest_and_watch(web1: int, web2: int, channel_id: int, session: str) -> list[float]:
    """Each delivery posted to web 1; the time until web 2's queue socket shows its conversation."""
    latencies = []
    url = f"ws://127.0.0.1:{web2}/ws/queue/"
    headers = {"Cookie": f"sessionid={session}", "Origin": f"http://127.0.0.1:{web2}"}
    async with websockets.connect(url, additional_headers=headers, open_timeout=10) as socket:
        for number in range(CUSTOMERS):
            # 57 s ago: the 1-minute first response is at risk at once and breached 3 s later
            body = delivery(number, sent_ago=57)
            started = time.monotonic()
            answer = await asyncio.to_thread(
                requests.post,
                f"http://127.0.0.1:{web1}/webhooks/x?channel={channel_id}",
                data=body,
                headers={"Content-Type": "application/json", "x-twitter-webhooks-signature": sign(body)},
                timeout=10,
            )
            assert answer.status_code == 200
            while True:
                pushed = json.loads(await asyncio.wait_for(socket.recv(), timeout=10))
                if f"scale-out {number}" in json.dumps(pushed):
                    latencies.append(time.monotonic() - started)
                    break
    return latencies


def test_a_browser_on_web_2_sees_an_ingest_through_web_1_within_a_second_and_flags_are_raised_once(stack, client):
    # given
    web1, web2 = stack
    channel = make_x_channel()
    make_policy(first_response_minutes=1, next_response_minutes=None, resolution_minutes=None, warning_percent=80)
    agent = make_user(teams=[channel.team])
    client.force_login(agent)
    # when
    latencies = asyncio.run(ingest_and_watch(web1, web2, channel.pk, client.cookies["sessionid"].value))
    time.sleep(12)  # the breaches come due; two workers and beat race to flag them
    # then
    assert Message.objects.filter(channel=channel).count() == CUSTOMERS
    assert len(latencies) == CUSTOMERS
    at_risk = list(ConversationEvent.objects.filter(kind="sla_at_risk").values_list("conversation_id", flat=True))
    assert sorted(at_risk) == sorted(set(at_risk)) and len(at_risk) == CUSTOMERS
    breaches = list(SlaEvent.objects.filter(metric="first_response").values_list("conversation_id", "outcome"))
    assert sorted(breaches) == sorted(set(breaches))
    assert len(breaches) == CUSTOMERS and {o for _, o in breaches} == {"breached"}
    print(f"web1 -> web2: median {statistics.median(latencies) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms")
