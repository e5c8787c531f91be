"""Simulated traffic: one realistic inbound message at a time, as a platform would send it.

A simulated channel imitates one platform (config "flavor": x, facebook or email). Its customers are
a fixed cast of personas who also write on the other simulated channels, so the per-customer view
has something to show. Pure: no database, no network; the caller's random generator decides.
"""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any

from inbox.inbound import AuthorIdentity, InboundMessage
from inbox.models import Channel

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
    author = persona_identity(persona, flavor)
    thread_key = f"{thread_kind}-{persona}-{bucket}"
    if flavor == "facebook" and private:
        # As the real connector keys Messenger: one thread per person, so its 24-hour window applies.
        thread_key = f"messenger:{author.external_id}"
    return InboundMessage(
        channel_id=channel.pk,
        external_id=external_id,
        thread_key=thread_key,
        author=author,
        text=text,
        platform_time=at,
        visibility="private" if private else "public",
        subject=subject,
        raw={"simulated": True, "persona": persona, "flavor": flavor, **({"kind": "comment"} if flavor == "facebook" else {})},
    )


def scripted_inbound(*, channel: Channel, item: dict[str, Any], index: int, at: datetime) -> InboundMessage:
    """One message of a channel's script (config "script"), from its own author, as written there."""
    flavor = channel.flavor
    author = AuthorIdentity(
        kind=f"sim-{flavor}",
        external_id=str(item.get("author_id", f"script-{index}")),
        handle=str(item.get("handle", "")),
        display_name=str(item.get("name", "")),
        follower_count=int(item["followers"]) if item.get("followers") is not None else None,
    )
    return InboundMessage(
        channel_id=channel.pk,
        external_id=f"script-{channel.pk}-{index}",
        thread_key=f"script-{index}",
        author=author,
        text=str(item.get("text", "")),
        platform_time=at,
        visibility=str(item.get("visibility", "public")),
        subject=str(item.get("subject", "")),
        raw={"simulated": True, "script": index, "flavor": flavor},
    )
