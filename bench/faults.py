"""Faults made for real, and what survived them, counted.

One script over ~400 lines on purpose: each mode is a short scenario reading top to bottom, and
they share the one set-up (cluster, web, worker) that makes the counts comparable.

    .venv/bin/python bench/faults.py [--mode all|pg|kill|http|smtp|mail] [--outage 60] [--burst 300]

pg    A private PostgreSQL cluster (initdb in a temp dir, its own port; the shared server is never
      touched) behind a real daphne web, Celery worker and beat. Signed X webhooks arrive steadily
      while the cluster is stopped for --outage seconds and started again. Prints deliveries
      answered 200 beside messages stored from them (equal), and how many were answered 503.
kill  A burst of --burst deliveries; the worker is SIGKILLed (its whole process group) a third of
      the way in and a new one started. Prints answered 200 beside stored.
http  Replies posted to a server that reads each request and hangs up (bench/fault_servers.py),
      through the delivery task and a redelivered copy of it. Prints posts received per reply.
smtp  Replies mailed to an aiosmtpd that answers 250 after the client's timeout. Prints mails
      received per reply.
mail  A real-world corpus (CPython's test mails, malformed ones), the email fixtures, copies of
      them that share a Message-ID but not their content, mails without a Message-ID and
      byte-identical copies, all in a real Dovecot mailbox, polled as the beat would. Prints
      mails in the mailbox beside messages plus quarantine entries (equal).

Needs Redis (REDIS_URL, default redis://127.0.0.1:6379/0), the PostgreSQL binaries under
/usr/lib/postgresql/*/bin and, for mail, Dovecot (dovecot-imapd). Queues and channel groups are
named for this run (PARLEY_RUN_ID).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)

import argparse
import base64
import hashlib
import hmac
import json
import os
import tempfile
import threading
import time
from collections import Counter
from typing import Any

import requests

from bench.fault_servers import ClosingHttpServer, LateSmtpServer, PrivateCluster, Stack

ROOT = Path(__file__).resolve().parent.parent
DATABASE = "parley_faults"
BRAND_ID = "2244994945"
CUSTOMER_ID = "3001969357"
SECRET = "faults-consumer-secret"  # noqa: S105 - a bench channel's key, not a real one


def dm_delivery(number: int) -> bytes:
    event = {
        "type": "message_create",
        "id": str(1_900_000_000_000_000_000 + number),
        "created_timestamp": str(int(time.time() * 1000)),
        "message_create": {
            "target": {"recipient_id": BRAND_ID},
            "sender_id": CUSTOMER_ID,
            "message_data": {"text": f"fault bench message {number}"},
        },
    }
    users = {CUSTOMER_ID: {"id": CUSTOMER_ID, "name": "Bench Customer", "screen_name": "bench"}}
    return json.dumps({"for_user_id": BRAND_ID, "direct_message_events": [event], "users": users}).encode()


def signature(body: bytes) -> str:
    return "sha256=" + base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()


class Sender:
    """Posts numbered deliveries and remembers which were answered 200."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.answered: set[str] = set()
        self.statuses: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.session = requests.Session()

    def send(self, number: int) -> None:
        body = dm_delivery(number)
        headers = {"Content-Type": "application/json", "x-twitter-webhooks-signature": signature(body)}
        try:
            status = str(requests.post(self.url, data=body, headers=headers, timeout=15).status_code)
        except requests.RequestException as error:
            status = type(error).__name__
        with self.lock:
            self.statuses[status] += 1
            if status == "200":
                self.answered.add(str(1_900_000_000_000_000_000 + number))


def stored(ids: set[str]) -> int:
    from django.db import connections

    from inbox.models import Message

    connections.close_all()
    return Message.objects.filter(external_id__in=list(ids)).count()


def wait_stored(ids: set[str], seconds: float) -> tuple[int, float]:
    started = time.monotonic()
    count = 0
    while time.monotonic() - started < seconds:
        try:
            count = stored(ids)
        except Exception:  # noqa: BLE001 - the cluster may still be starting
            count = 0
        if count >= len(ids):
            break
        time.sleep(2)
    return count, time.monotonic() - started


def make_x_channel() -> Any:
    from accounts.models import Team
    from inbox.models import Channel, ChannelKind

    team, _ = Team.objects.get_or_create(name="Faults")
    return Channel.objects.create(
        kind=ChannelKind.X,
        name="Faults on X",
        team=team,
        config={"user_id": BRAND_ID, "username": "acme"},
        credentials={"consumer_key": "ck", "consumer_secret": SECRET, "access_token": "at", "access_token_secret": "ats"},
    )


# --- the scenarios ------------------------------------------------------------------------------------


def run_pg(cluster: PrivateCluster, stack: Stack, channel_id: int, outage: float) -> None:
    sender = Sender(f"http://127.0.0.1:{stack.web_port}/webhooks/x?channel={channel_id}")
    stop = threading.Event()

    def steady() -> None:
        number = 0
        while not stop.is_set():
            number += 1
            sender.send(number)
            time.sleep(0.25)

    thread = threading.Thread(target=steady)
    thread.start()
    time.sleep(10)
    cluster.stop()
    down_at = time.monotonic()
    time.sleep(outage)
    cluster.start()
    print(f"  PostgreSQL was stopped for {time.monotonic() - down_at:.0f} s during the deliveries", flush=True)
    time.sleep(10)
    stop.set()
    thread.join()
    count, took = wait_stored(sender.answered, 300)
    other = ", ".join(f"{n} answered {s}" for s, n in sorted(sender.statuses.items()) if s != "200")
    print(f"pg stopped {outage:.0f} s: {len(sender.answered)} answered 200, {count} stored ({other}; stored {took:.0f} s after)")


def run_kill(stack: Stack, channel_id: int, burst: int) -> None:
    sender = Sender(f"http://127.0.0.1:{stack.web_port}/webhooks/x?channel={channel_id}")
    numbers = iter(range(100_000, 100_000 + burst))
    lock = threading.Lock()

    def worker() -> None:
        while True:
            with lock:
                number = next(numbers, None)
            if number is None:
                return
            sender.send(number)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    while len(sender.answered) < burst // 3:
        time.sleep(0.05)
    stack.kill("worker")
    print(f"  worker SIGKILLed after {len(sender.answered)} of {burst} deliveries were answered", flush=True)
    stack.start_worker("worker2")
    for thread in threads:
        thread.join()
    count, took = wait_stored(sender.answered, 300)
    print(f"worker SIGKILL mid-burst: {len(sender.answered)} answered 200, {count} stored (stored {took:.0f} s after the burst)")


def run_http(replies: int) -> None:
    from django.utils import timezone

    from channels_app import tasks
    from channels_app.x.client import _TimeoutSession
    from inbox.actions import ingest_message, send_reply
    from inbox.inbound import AuthorIdentity, InboundMessage
    from inbox.models import Message
    from tests.factories import make_user

    channel = make_x_channel()
    agent = make_user(teams=[channel.team])
    original = _TimeoutSession.request
    with ClosingHttpServer() as server:

        def redirected(self: Any, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
            return original(self, method, str(url).replace("https://api.twitter.com", server.url), *args, **kwargs)

        _TimeoutSession.request = redirected
        try:
            for n in range(replies):
                post_id = str(1_950_000_000_000_000_000 + n)
                result = ingest_message(
                    inbound=InboundMessage(
                        channel_id=channel.pk,
                        external_id=post_id,
                        thread_key=f"tweet:{post_id}:{CUSTOMER_ID}{n}",
                        author=AuthorIdentity(kind="x", external_id=f"{CUSTOMER_ID}{n}", handle="@bench"),
                        text="@acme help",
                        platform_time=timezone.now(),
                    )
                )
                from inbox.models import Conversation

                conversation = Conversation.objects.get(pk=result.conversation_id)
                message = send_reply(
                    conversation=conversation,
                    author=agent,
                    text=f"@bench on it {n}",
                    visibility="public",
                    idempotency_key=f"http-{n}",
                )
                tasks.deliver_message.apply(args=[message.pk])  # a redelivered copy of the task
        finally:
            _TimeoutSession.request = original
        states = Counter(Message.objects.filter(channel=channel, direction="out").values_list("delivery_state", flat=True))
        per_reply = sorted({sum(f"on it {n}".encode() in body for _, _, body in server.requests) for n in range(replies)})
        print(
            f"HTTP read-then-close: {server.posts('/2/tweets')} posts received for {replies} replies "
            f"(posts per reply: {', '.join(map(str, per_reply))}), replies {dict(states)}"
        )


def run_smtp(replies: int) -> None:
    from channels_app.email.connector import EmailConnector
    from inbox.actions import send_reply
    from inbox.models import Channel, ChannelKind, Conversation, Message
    from tests.factories import make_user

    with LateSmtpServer(delay=2.5) as smtp:
        from accounts.models import Team

        team, _ = Team.objects.get_or_create(name="Faults mail")
        channel = Channel.objects.create(
            kind=ChannelKind.EMAIL,
            name="Faults mailbox",
            team=team,
            config={
                "address": "support@shop.example.com",
                "imap_host": "127.0.0.1",
                "imap_port": 1,
                "imap_tls": "plain",
                "smtp_host": "127.0.0.1",
                "smtp_port": smtp.port,
                "smtp_tls": "plain",
                "timeout": 1,
            },
            credentials={"imap_password": "unused"},
        )
        agent = make_user(teams=[team])
        for n in range(replies):
            raw = (
                f"From: Customer {n} <c{n}@example.com>\r\nTo: support@shop.example.com\r\nSubject: Order {n}\r\n"
                f"Message-ID: <faults-{n}@example.com>\r\nDate: Mon, 05 Jan 2026 10:00:00 +0000\r\n\r\nWhere is order {n}?\r\n"
            ).encode()
            EmailConnector(channel).process_raw(raw)
        for n, conversation in enumerate(Conversation.objects.filter(channel=channel).order_by("pk")):
            send_reply(
                conversation=conversation,
                author=agent,
                text=f"It ships today ({n}).",
                visibility="private",
                idempotency_key=f"smtp-{n}",
            )
        states = Counter(Message.objects.filter(channel=channel, direction="out").values_list("delivery_state", flat=True))
        print(
            f"SMTP 250 after the client's timeout: {len(smtp.accepted)} mails received for {replies} replies, "
            f"replies {dict(states)}"
        )


def _with_postscript(raw: bytes) -> bytes:
    """The same headers (Message-ID too) with a line added to the body: another mail."""
    sep = b"\r\n\r\n" if b"\r\n\r\n" in raw else b"\n\n"
    head, _, body = raw.partition(sep)
    return head + sep + b"P.S. a second mail with the same headers." + sep[: len(sep) // 2] + body


def run_mail() -> None:
    from accounts.models import Team
    from channels_app.email.connector import EmailConnector
    from channels_app.models import QuarantinedMail
    from inbox.models import Channel, ChannelKind, Message
    from tests.channels_app.email.corpus import corpus
    from tests.channels_app.email.mailserver import mailbox_for, running_dovecot

    fixtures = [path.read_bytes() for path in sorted((ROOT / "tests" / "fixtures" / "email").glob("*.eml"))]
    # The real-world corpus (CPython's test mails and malformed ones); the fixtures again with the
    # same headers (Message-ID too) and other content; mails without a Message-ID that share Date,
    # From and Subject; and byte-identical copies of the fixtures. Each copy is a mail in the
    # folder too, so it must be accounted for (quarantined as a copy), not skipped.
    variants = [_with_postscript(raw) for raw in fixtures]
    headerless = [
        f"From: a@example.com\r\nSubject: Same\r\nDate: Mon, 05 Jan 2026 10:00:00 +0000\r\n\r\nBody {n}\r\n".encode()
        for n in range(5)
    ]
    fed = [raw for _, raw in corpus()] + fixtures + variants + headerless + fixtures
    with running_dovecot() as server:
        box = mailbox_for(server, 1)
        held = box.append_all(fed)
        team, _ = Team.objects.get_or_create(name="Faults corpus")
        channel = Channel.objects.create(
            kind=ChannelKind.EMAIL,
            name="Corpus mailbox",
            team=team,
            config=box.config(trusted_authserv_ids="mx.shop.example.com"),
            credentials={"imap_password": box.password},
        )
        for _ in range(3):  # as the beat would: a poll that stops early is followed by another
            EmailConnector(Channel.objects.get(pk=channel.pk)).poll()
            if int((Channel.objects.get(pk=channel.pk).cursor or {}).get("last_uid", 0)) >= held:
                break
    read = int((Channel.objects.get(pk=channel.pk).cursor or {}).get("last_uid", 0))
    messages = Message.objects.filter(channel=channel).count()
    quarantined = QuarantinedMail.objects.filter(channel=channel)
    kinds = Counter(quarantined.values_list("kind", flat=True))
    distinct = len({hashlib.sha256(raw.replace(b"\r\n", b"\n")).hexdigest() for raw in fed})
    print(
        f"mail: {held} mails in the mailbox ({distinct} distinct by content), {read} read; "
        f"{messages} messages + {quarantined.count()} quarantined = {messages + quarantined.count()} "
        f"(quarantine: {', '.join(f'{k} {n}' for k, n in sorted(kinds.items()))})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mode", default="all", choices=["all", "pg", "kill", "http", "smtp", "mail"])
    parser.add_argument("--outage", type=float, default=60.0)
    parser.add_argument("--burst", type=int, default=300)
    parser.add_argument("--replies", type=int, default=5)
    args = parser.parse_args()
    modes = ["pg", "kill", "http", "smtp", "mail"] if args.mode == "all" else [args.mode]

    cluster = PrivateCluster()
    cluster.start()
    run_id = f"faults-{os.getpid()}"
    os.environ.update(
        BENCH_PG=cluster.url,
        PARLEY_WEBHOOK_SWEEP_AFTER_SECONDS="5",
        PARLEY_BROKER_VISIBILITY_TIMEOUT_MINUTES="1",
        DJANGO_SETTINGS_MODULE="config.settings",
        PARLEY_DEV="true",
        LOG_LEVEL="ERROR",
    )
    os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="parley-faults-media-"))  # attachments, not the tree's
    from bench._setup import purge_queue, setup_django

    stack = None
    try:
        setup_django(database=DATABASE, run_id=run_id)
        from config.celery import app

        channel = make_x_channel()
        if {"pg", "kill"} & set(modes):
            stack = Stack({**os.environ, "DATABASE_URL": f"{cluster.url}/{DATABASE}"})
            stack.start_web()
            stack.start_worker()
            stack.start_beat()
            time.sleep(5)
            if "pg" in modes:
                run_pg(cluster, stack, channel.pk, args.outage)
            if "kill" in modes:
                run_kill(stack, channel.pk, args.burst)
            stack.stop_all()
            stack = None
        app.conf.task_always_eager = True  # the rest deliver in this process, against local servers
        if "http" in modes:
            run_http(args.replies)
        if "smtp" in modes:
            run_smtp(args.replies)
        if "mail" in modes:
            run_mail()
    finally:
        if stack is not None:
            stack.stop_all()
        purge_queue()
        from django.db import connections

        connections.close_all()
        cluster.remove()


if __name__ == "__main__":
    main()
