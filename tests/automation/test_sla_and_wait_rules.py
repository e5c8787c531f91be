"""Rules on SLA warnings and breaches (the scorer's flag path) and on unassigned waits (the beat sweep)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from automation import engine
from automation.models import Hours, Rule, RuleRun, Trigger
from automation.tasks import sla_flagged, sweep_unassigned
from inbox.actions import assign_conversation, ingest_message, save_notification_preference
from inbox.models import Conversation, ConversationEvent, Notification, Priority
from sla import scoring
from sla.models import SlaClock, SlaPolicy
from sla.rescoring import score_batch
from tests.channels_app.email.mailserver import smtp_server  # noqa: F401 - a fixture
from tests.factories import make_author, make_inbound
from tests.sla.factories import make_calendar, make_policy

pytestmark = pytest.mark.django_db


@pytest.fixture
def waiting(write, agent, committed):
    """An hour-old question on X, assigned to Alice, first response due 30 minutes after it arrived."""
    conversation = write("Hello, where is my parcel?", at=timezone.now() - timedelta(minutes=60))
    with committed():
        assign_conversation(conversation=conversation, assignee=agent, actor=agent)
    return conversation


def test_a_breach_escalates_per_a_rule_and_tells_the_assignee(waiting, agent, supervisor, policy, committed):
    # given
    Rule.objects.create(name="Breach to urgent", trigger=Trigger.SLA_BREACH, set_priority="urgent", notify_supervisors=True)
    Notification.objects.all().delete()
    # when the scorer flags the breach
    with committed():
        scoring.evaluate_conversation(conversation_id=waiting.pk, now=timezone.now())
    waiting.refresh_from_db()
    # then
    assert waiting.sla_state == "breached"
    assert waiting.priority == Priority.URGENT
    event = ConversationEvent.objects.get(conversation=waiting, kind="priority", data__rule="Breach to urgent")
    assert event.data["because"] == "SLA breached"
    assert Notification.objects.get(user=agent).kind == "breached"
    assert Notification.objects.get(user=supervisor).kind == "rule"


def test_a_retried_flag_task_escalates_and_tells_once(waiting, agent, supervisor, policy, committed):
    Rule.objects.create(name="Breach to supervisors", trigger=Trigger.SLA_BREACH, notify_supervisors=True)
    Notification.objects.all().delete()
    with committed():
        scoring.evaluate_conversation(conversation_id=waiting.pk, now=timezone.now())
    key = "first_response:1:0"
    # when the task runs again (a redelivered message), twice
    sla_flagged.delay([(waiting.pk, "sla_breached", key)])
    sla_flagged.delay([(waiting.pk, "sla_breached", key)])
    # then
    assert RuleRun.objects.filter(conversation=waiting).count() == 1
    assert Notification.objects.filter(user=agent).count() == 1
    assert Notification.objects.filter(user=supervisor).count() == 1
    assert ConversationEvent.objects.filter(conversation=waiting, kind="rule_notified").count() == 1


def test_a_rescoring_batch_runs_the_breach_rules_on_every_conversation_it_breaches_in_one_task(
    channel, policy, django_capture_on_commit_callbacks
):
    # given: three customers waiting 40 minutes for a 30-minute first response, not yet scored
    Rule.objects.create(name="Breach to urgent", trigger=Trigger.SLA_BREACH, set_priority="urgent")
    at = timezone.now() - timedelta(minutes=40)
    ids = [
        ingest_message(
            inbound=make_inbound(channel=channel, thread_key=f"t{i}", author=make_author(external_id=f"c{i}"), at=at)
        ).conversation_id
        for i in range(3)
    ]
    # when: saving a policy rescores them in one batch, and the worker runs what its commit hands over
    with django_capture_on_commit_callbacks() as after_commit:
        score_batch(ids, now=timezone.now(), policies=list(SlaPolicy.objects.select_related("calendar")))
    with django_capture_on_commit_callbacks(execute=True):
        for handed_over in after_commit:
            handed_over()
    # then: one task for the three breaches and one push for the three changes; each is urgent per the rule
    assert len(after_commit) == 2
    assert sorted(Conversation.objects.filter(pk__in=ids).values_list("sla_state", "priority")) == [("breached", "urgent")] * 3


def test_an_sla_warning_runs_the_warning_rules(write, agent, policy, committed):
    Rule.objects.create(name="At risk: tag", trigger=Trigger.SLA_WARNING, add_tag="at risk")
    # 25 of 30 minutes gone: past the 80% warning, before the breach
    conversation = write("Any news on my order?", at=timezone.now() - timedelta(minutes=25))
    with committed():
        scoring.evaluate_conversation(conversation_id=conversation.pk, now=timezone.now())
    conversation.refresh_from_db()
    assert conversation.sla_state == "at_risk"
    assert [t.name for t in conversation.tags.all()] == ["at risk"]
    event = ConversationEvent.objects.get(conversation=conversation, kind="tag_added")
    assert (event.data["rule"], event.data["because"]) == ("At risk: tag", "SLA at risk")


def test_a_breach_email_goes_to_an_assignee_who_asked_for_it(waiting, agent, policy, committed, settings, smtp_server):
    # given Parley's outbound SMTP is a real (aiosmtpd) server
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    agent.email = "alice@example.com"
    agent.save()
    save_notification_preference(user=agent, email_breaches=True)
    # when
    with committed():
        scoring.evaluate_conversation(conversation_id=waiting.pk, now=timezone.now())
    # then
    ((sender, recipients, content),) = smtp_server.handler.accepted
    assert recipients == ["alice@example.com"]
    assert b"SLA breached" in content and f"/conversations/{waiting.pk}/".encode() in content


def test_no_breach_email_without_asking(waiting, agent, policy, committed, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    agent.email = "alice@example.com"
    agent.save()
    with committed():
        scoring.evaluate_conversation(conversation_id=waiting.pk, now=timezone.now())
    assert mail.outbox == []
    assert Notification.objects.filter(user=agent, kind="breached").exists()


def test_waiting_unassigned_for_n_minutes_is_swept_once_per_wait(write, supervisor, policy, committed):
    # given
    rule = Rule.objects.create(name="Unassigned 20 min", trigger=Trigger.UNASSIGNED, wait_minutes=20, notify_supervisors=True)
    old = write("Hello?", thread_key="old", at=timezone.now() - timedelta(minutes=25))
    fresh = write("Hi there", thread_key="fresh", external_id="c2", at=timezone.now() - timedelta(minutes=5))
    Notification.objects.all().delete()
    # when the beat sweep runs, twice
    with committed():
        sweep_unassigned.delay()
        sweep_unassigned.delay()
    # then only the old one, once
    assert list(RuleRun.objects.filter(rule=rule).values_list("conversation_id", flat=True)) == [old.pk]
    (told,) = Notification.objects.filter(user=supervisor)
    assert "unassigned for 20 min" in told.text
    # and a later wait of the same conversation counts again
    assert engine.unassigned_waiting(now=timezone.now() + timedelta(minutes=20)) == 1  # fresh, now 25 min
    assert RuleRun.objects.filter(conversation=fresh).count() == 1


def test_outside_opening_hours_condition(write, committed):
    # given a calendar open only on another weekday than today: it is closed now
    other_day = str((timezone.now().weekday() + 3) % 7)
    office = make_calendar(name="Office", always_open=False, timezone="UTC", weekly_hours={other_day: [["09:00", "17:00"]]})
    make_policy(name="Office hours", calendar=office)
    Rule.objects.create(name="Night tag", trigger=Trigger.MESSAGE, hours=Hours.OUTSIDE, add_tag="night")
    Rule.objects.create(name="Day tag", trigger=Trigger.MESSAGE, hours=Hours.INSIDE, add_tag="day")
    # when
    conversation = write("Hi, a question about my order")
    # then
    assert [t.name for t in conversation.tags.all()] == ["night"]
    event = ConversationEvent.objects.get(conversation=conversation, kind="tag_added")
    assert event.data["because"] == "outside opening hours"


def test_inside_opening_hours_condition(write, policy):
    Rule.objects.create(name="Night tag", trigger=Trigger.MESSAGE, hours=Hours.OUTSIDE, add_tag="night")
    Rule.objects.create(name="Day tag", trigger=Trigger.MESSAGE, hours=Hours.INSIDE, add_tag="day")
    conversation = write("Hi, a question about my order")  # the default policy's calendar is 24/7
    assert [t.name for t in conversation.tags.all()] == ["day"]


def test_a_rule_can_start_a_shorter_policy(write, policy, committed):
    short = make_policy(name="Complaints, 5 minutes", first_response_minutes=5, calendar=policy.calendar)
    Rule.objects.create(name="Complaints fast", trigger=Trigger.MESSAGE, complaint="yes", apply_policy=short)
    conversation = write("This is unacceptable, worst service ever")
    clock = SlaClock.objects.get(conversation=conversation)
    assert clock.policy == short
    conversation.refresh_from_db()
    assert conversation.sla_due_at - conversation.waiting_since == timedelta(minutes=5)
    assert ConversationEvent.objects.filter(conversation=conversation, kind="sla_policy", data__rule="Complaints fast")


def test_the_unassigned_sweep_reaches_every_waiting_conversation_however_many_came_before(write, policy, channel):
    # given a rule for public X posts, three conversations waiting past it and two that it rules out
    rule = Rule.objects.create(name="Unassigned 20 min", trigger=Trigger.UNASSIGNED, wait_minutes=20, visibility="public")
    long_ago = timezone.now() - timedelta(minutes=60)
    for n in range(2):  # the longest waiting, but private: the rule never applies to them
        write("Psst", thread_key=f"dm{n}", external_id=f"d{n}", visibility="private", at=long_ago)
    waiting = [write("Hello?", thread_key=f"p{n}", external_id=f"p{n}", at=long_ago + timedelta(minutes=n)) for n in range(3)]
    # when the sweep, two conversations at a time, runs twice
    engine.unassigned_waiting(limit=2)
    engine.unassigned_waiting(limit=2)
    # then each of the three was reached, once
    assert sorted(RuleRun.objects.filter(rule=rule).values_list("conversation_id", flat=True)) == [c.pk for c in waiting]
    assert engine.unassigned_waiting(limit=2) == 0
