"""The absolute query count of one rescore, measured on PostgreSQL: adding a query fails here.

Every change that may move a clock (a message, a reply, a status or priority change) is rescored in
the worker, so this count is paid once per change. It commits for real (transaction=True) so no
SAVEPOINT of a test transaction is counted; see tests/inbox/test_query_counts.py for the inbox's.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from inbox import ports
from inbox.actions import ingest_message
from inbox.models import Conversation
from sla.models import SlaEvent, SlaPolicy
from sla.rescoring import score_batch
from sla.scoring import evaluate_conversation
from tests.factories import make_author, make_channel, make_inbound, make_team
from tests.sla.factories import make_policy

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]


@pytest.fixture(autouse=True)
def _followups_elsewhere(monkeypatch, settings):
    """What follows a commit runs in a worker; here it does nothing, so only the rescore counts."""
    settings.REDIS_URL = ""
    monkeypatch.setitem(ports._provided, "change_worker", ports.ChangeWorker(handle=lambda *args: None, drain=lambda: None))
    monkeypatch.setitem(ports._provided, "automation", ports.Automation(changed=lambda *args: None, flagged=lambda *args: None))


def test_rescoring_a_scored_conversation_after_a_follow_up(django_assert_num_queries):
    # given: scored once on arrival (which also builds its calendar), then the customer writes again
    make_policy(first_response_minutes=30)
    channel = make_channel(team=make_team(), config={"flavor": "x"})
    author = make_author(external_id="waiting-customer")
    sent = timezone.now() - timedelta(minutes=5)
    conversation_id = ingest_message(
        inbound=make_inbound(channel=channel, thread_key="t", author=author, at=sent)
    ).conversation_id
    evaluate_conversation(conversation_id=conversation_id, now=timezone.now(), announce=False)
    ingest_message(inbound=make_inbound(channel=channel, thread_key="t", author=author, text="Hello?"))
    # when / then: as the change handler calls it (inbox.ports.rescore)
    with django_assert_num_queries(7):
        evaluation = evaluate_conversation(conversation_id=conversation_id, now=timezone.now(), announce=False)
    assert evaluation is not None and evaluation.state == "ok"
    assert Conversation.objects.get(pk=conversation_id).sla_due_at == sent + timedelta(minutes=30)


def test_rescoring_a_batch_costs_the_same_few_queries_for_fifty_conversations(django_assert_num_queries):
    # given: fifty customers waiting 40 minutes for a 30-minute first response, never scored
    make_policy(first_response_minutes=30)
    channel = make_channel(team=make_team(), config={"flavor": "x"})
    sent = timezone.now() - timedelta(minutes=40)
    ids = [
        ingest_message(
            inbound=make_inbound(channel=channel, thread_key=f"t{i}", author=make_author(external_id=f"c{i}"), at=sent)
        ).conversation_id
        for i in range(50)
    ]
    policies = list(SlaPolicy.objects.select_related("calendar"))
    # when / then: one batch as saving a policy runs it, whatever its size: BEGIN, lock and read (3),
    # the calendar's closed dates (once per calendar edit), the new clocks, the due times, the stored
    # outcomes, the fifty breaches and their events, COMMIT
    with django_assert_num_queries(11):
        score_batch(ids, now=timezone.now(), policies=policies, announce=False)
    assert SlaEvent.objects.filter(conversation_id__in=ids, outcome="breached").count() == 50
    assert Conversation.objects.filter(pk__in=ids, sla_state="breached").count() == 50
