"""The rules settings page: admins only; a rule is saved with its when, if and then."""

import pytest
from django.urls import reverse

from automation.models import Acknowledgement, ComplaintPhrase, Rule

pytestmark = pytest.mark.django_db


def test_only_admins_open_the_rules(client, agent, supervisor):
    for user in (agent, supervisor):
        client.force_login(user)
        assert client.get(reverse("automation:rules")).status_code == 404


def test_an_admin_sees_the_default_rules_and_adds_one(client, team):
    from tests.factories import make_user

    admin = make_user(role="admin")
    client.force_login(admin)
    page = client.get(reverse("automation:rules")).content.decode()
    assert "Loud first complaint" in page and "Public complaint" in page
    response = client.post(
        reverse("automation:rule_new"),
        {"name": "Breach to supervisors", "enabled": "on", "position": 30, "trigger": "sla_breach", "wait_minutes": 15,
         "notify_supervisors": "on", "team": team.pk},
    )  # fmt: skip
    assert response.status_code == 302
    rule = Rule.objects.get(name="Breach to supervisors")
    assert (rule.trigger, rule.notify_supervisors, rule.team) == ("sla_breach", True, team)


def test_a_rule_without_an_action_is_refused(client):
    from tests.factories import make_user

    client.force_login(make_user(role="admin"))
    response = client.post(
        reverse("automation:rule_new"), {"name": "Does nothing", "position": 1, "trigger": "message", "wait_minutes": 5}
    )
    assert "at least one action" in response.content.decode()
    assert not Rule.objects.filter(name="Does nothing").exists()


def test_phrases_and_the_acknowledgement_are_edited_here(client, channel):
    from tests.factories import make_user

    client.force_login(make_user(role="admin"))
    client.post(reverse("automation:phrase_add"), {"phrase": "soggy", "language": "en"})
    assert ComplaintPhrase.objects.filter(phrase="soggy").exists()
    client.post(reverse("automation:acknowledgement", args=[channel.pk]), {"enabled": "on", "text": "Hi!"})
    ack = Acknowledgement.objects.get(channel=channel)
    assert ack.enabled and not ack.allow_public and ack.text == "Hi!"
