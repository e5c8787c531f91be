"""A simulated channel: realistic traffic through the same ingest path as the real connectors.

A simulated channel imitates one platform (config "flavor": x, facebook or email). Its customers are
a fixed cast of personas who also write on the other simulated channels, so the per-customer view
has something to show. Replies sent to it are "delivered" at once.
"""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta
from typing import Any, ClassVar

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from channels_app.base import SendResult
from inbox.inbound import AuthorIdentity, InboundMessage
from inbox.models import Channel
from inbox.ports import ReplyRefused

FIRST_NAMES = [
    "Alex",
    "Sam",
    "Maria",
    "Jonas",
    "Aisha",
    "Liam",
    "Noor",
    "Elin",
    "Mateo",
    "Priya",
    "Oskar",
    "Chen",
    "Fatima",
    "Erik",
    "Sofia",
    "Kenji",
    "Ingrid",
    "Diego",
    "Hanna",
    "Tariq",
    "Maja",
    "Lucas",
    "Amara",
    "Nils",
]
LAST_NAMES = ["Berg", "Okafor", "Lindqvist", "Garcia", "Khan", "Nilsson", "Rossi", "Tanaka", "Svensson", "Dubois"]

QUESTIONS = [
    "Hi! Does the {product} work with the older charger?",
    "Quick question: can I change the delivery address for order #{order}?",
    "Do you ship the {product} to Norway?",
    "How do I reset my {product}? The manual is not clear.",
    "Is there a student discount on the {product}?",
    "When will the {product} be back in stock?",
]
COMPLAINTS = [
    "My order #{order} still hasn't arrived, it's been {days} days. What is going on?",
    "The {product} I got is broken out of the box. Really disappointed.",
    "I was charged twice for order #{order}!! Please fix this.",
    "Third time asking: where is my refund for order #{order}?",
    "Your app keeps logging me out, I can't track order #{order}.",
]
FOLLOW_UPS = [
    "Any update on this?",
    "Hello? Still waiting for an answer.",
    "Thanks, that helped!",
    "I sent you the photos, did you get them?",
]
PRODUCTS = ["Aurora lamp", "Fjord backpack", "Nimbus kettle", "Polar jacket", "Tundra boots", "Lumen speaker"]
PERSONAS = 48


def persona_name(index: int) -> tuple[str, str]:
    first = FIRST_NAMES[index % len(FIRST_NAMES)]
    last = LAST_NAMES[(index * 7) % len(LAST_NAMES)]
    return first, last


def persona_identity(index: int, flavor: str) -> AuthorIdentity:
    first, last = persona_name(index)
    handle = f"{first}{last}{index}".lower()
    others = tuple((f"sim-{f}", f"{f}-{index}") for f in ("x", "facebook", "email") if f != flavor)
    if flavor == "email":
        handle = f"{first}.{last}{index}@example.com".lower()
    return AuthorIdentity(
        kind=f"sim-{flavor}",
        external_id=f"{flavor}-{index}",
        handle=handle if flavor != "x" else f"@{handle}",
        display_name=f"{first} {last}",
        follower_count=(index * 137) % 5000 if flavor == "x" else None,
        same_person_as=others,
    )


def make_inbound(*, channel: Channel, rng: random.Random, external_id: str, at: datetime) -> InboundMessage:
    """One realistic inbound message for a simulated channel."""
    flavor = channel.flavor
    persona = rng.randrange(PERSONAS)
    words = {"product": rng.choice(PRODUCTS), "order": rng.randrange(10000, 99999), "days": rng.randrange(4, 21)}
    complaint = rng.random() < 0.45
    text = rng.choice(COMPLAINTS if complaint else QUESTIONS).format(**words)
    follow_up = rng.random() < 0.25
    # Same persona within the same two days continues the same thread.
    bucket = int(at.timestamp() // (2 * 86400))
    private = flavor == "email" or rng.random() < 0.4
    thread_kind = "dm" if private and flavor != "email" else "public"
    if follow_up:
        text = rng.choice(FOLLOW_UPS)
    subject = ""
    if flavor == "x" and thread_kind == "public":
        text = f"@parley_demo {text}"
    if flavor == "email":
        subject = ("Complaint: " if complaint else "Question: ") + words["product"]
    return InboundMessage(
        channel_id=channel.pk,
        external_id=external_id,
        thread_key=f"{thread_kind}-{persona}-{bucket}",
        author=persona_identity(persona, flavor),
        text=text,
        platform_time=at,
        visibility="private" if private else "public",
        subject=subject,
        raw={"simulated": True, "persona": persona, "flavor": flavor},
    )


class SimulatedConnector:
    kind: ClassVar[str] = "simulated"

    def __init__(self, channel: Channel) -> None:
        self.channel = channel

    def rate_per_minute(self) -> float:
        return float(self.channel.config.get("rate_per_minute", settings.PARLEY_SIMULATED_RATE_PER_MINUTE))

    def poll(self) -> int:
        from inbox.actions import ingest_message

        now = timezone.now()
        cursor = dict(self.channel.cursor)
        last = datetime.fromisoformat(cursor["last_tick"]) if "last_tick" in cursor else now - timedelta(seconds=5)
        elapsed = max(0.0, min((now - last).total_seconds(), 300.0))
        rng = random.Random()
        count = _poisson(rng, self.rate_per_minute() * elapsed / 60.0)
        seq = int(cursor.get("seq", 0))
        created = 0
        for _ in range(count):
            seq += 1
            inbound = make_inbound(channel=self.channel, rng=rng, external_id=f"sim-{self.channel.pk}-{seq}", at=now)
            created += int(ingest_message(inbound=inbound).created)
        cursor.update(seq=seq, last_tick=now.isoformat())
        # Each ingest has committed; only now does the cursor move.
        with transaction.atomic():
            Channel.objects.filter(pk=self.channel.pk).update(cursor=cursor)
        self.channel.cursor = cursor
        return created

    def send(self, message: Any) -> SendResult:
        return SendResult(external_id=f"sim-out-{message.pk}", delivered=True)

    def reply_limits(self, conversation: Any) -> dict[str, Any]:
        note = "A simulated channel: replies are delivered at once."
        if conversation.channel.flavor == "x" and conversation.visibility == "public":
            return {"max_chars": 280, "note": note}
        return {"note": note}

    def check_reply(self, conversation: Any, *, text: str, visibility: str, options: dict[str, Any]) -> None:
        if conversation.channel.flavor == "x" and visibility == "public" and len(text) > 280:
            raise ReplyRefused(f"A public X reply has at most 280 characters; this one has {len(text)}.")


def _poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1
