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


def test_every_change_to_the_rules_settings_is_in_the_audit_log(client, channel):
    from accounts.models import AuditEntry
    from tests.factories import make_user

    admin = make_user(role="admin", username="root")
    client.force_login(admin)
    rule = Rule.objects.get(name="Loud first complaint")
    fields = {"name": rule.name, "enabled": "on", "position": rule.position, "trigger": rule.trigger,
              "wait_minutes": rule.wait_minutes, "visibility": "public", "complaint": "first", "min_reach": 50_000,
              "set_priority": "urgent", "notify_supervisors": "on"}  # fmt: skip
    # when an admin raises the loud complaint threshold, edits the phrases and an acknowledgement, and deletes a rule
    client.post(reverse("automation:rule", args=[rule.pk]), fields)
    client.post(reverse("automation:phrase_add"), {"phrase": "soggy", "language": "en"})
    client.post(reverse("automation:phrase_delete", args=[ComplaintPhrase.objects.get(phrase="soggy").pk]))
    client.post(reverse("automation:acknowledgement", args=[channel.pk]), {"enabled": "on", "text": "Hi!"})
    client.post(reverse("automation:rule_delete", args=[Rule.objects.get(name="Public complaint").pk]))
    # then each is an entry: who, what, and from what to what
    entries = list(AuditEntry.objects.exclude(kind__startswith="login.").order_by("id"))
    assert [e.kind for e in entries] == [
        "rule.updated", "complaint_phrase.added", "complaint_phrase.removed", "acknowledgement.updated", "rule.deleted",
    ]  # fmt: skip
    assert all(e.actor_name == "root" for e in entries)
    assert (entries[0].before, entries[0].after) == ({"min_reach": 10_000}, {"min_reach": 50_000})
    assert entries[2].before == {"phrase": "soggy", "language": "en"}
    assert entries[3].after["text"] == "Hi!" and entries[3].target_label == f"Acknowledgement on {channel.name}"
    assert entries[4].before["name"] == "Public complaint"
