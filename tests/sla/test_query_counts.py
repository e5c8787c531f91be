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
from sla.scoring import evaluate_conversation
from tests.factories import make_author, make_channel, make_inbound, make_team
from tests.sla.factories import make_policy

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]


@pytest.fixture(autouse=True)
def _followups_elsewhere(monkeypatch, settings):
    """What follows a commit runs in a worker; here it does nothing, so only the rescore counts."""
    settings.REDIS_URL = ""
    monkeypatch.setitem(ports._provided, "change_worker", ports.ChangeWorker(handle=lambda *args: None, drain=lambda: None))


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
