"""Simulated traffic: personas shared across the flavours, messages decided by the caller's generator."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from channels_app.simulated.payloads import make_inbound, persona_identity
from inbox.models import Channel, ChannelKind

AT = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


def simulated(flavor: str) -> Channel:
    return Channel(pk=7, kind=ChannelKind.SIMULATED, name=f"Simulated {flavor}", config={"flavor": flavor})


def test_a_persona_is_the_same_person_on_the_other_simulated_channels():
    # given
    index = 3
    # when
    identity = persona_identity(index, "x")
    # then
    assert (identity.kind, identity.external_id, identity.handle) == ("sim-x", "x-3", "@jonasokafor3")
    assert identity.same_person_as == (("sim-facebook", "facebook-3"), ("sim-email", "email-3"))
    assert identity.follower_count == 411


def test_an_email_persona_writes_from_an_address_and_has_no_followers():
    # given
    index = 3
    # when
    identity = persona_identity(index, "email")
    # then
    assert (identity.handle, identity.display_name, identity.follower_count) == (
        "jonas.okafor3@example.com",
        "Jonas Okafor",
        None,
    )


def test_the_same_generator_state_makes_the_same_message():
    # given
    channel = simulated("facebook")
    # when
    first = make_inbound(channel=channel, rng=random.Random(42), external_id="sim-7-1", at=AT)
    second = make_inbound(channel=channel, rng=random.Random(42), external_id="sim-7-1", at=AT)
    # then
    assert first == second
    assert (first.channel_id, first.external_id, first.platform_time) == (7, "sim-7-1", AT)
    assert first.raw == {"simulated": True, "persona": first.raw["persona"], "flavor": "facebook", "kind": "comment"}


def test_simulated_mail_is_private_with_a_subject():
    # given
    channel = simulated("email")
    # when
    inbound = make_inbound(channel=channel, rng=random.Random(1), external_id="sim-7-2", at=AT)
    # then
    assert inbound.visibility == "private"
    assert inbound.subject.startswith(("Complaint: ", "Question: "))
    assert inbound.thread_key.startswith("public-")
    assert inbound.author.kind == "sim-email"
