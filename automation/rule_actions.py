"""A matching rule's "then", each through the inbox's (or the SLA engine's) named actions, so each
shows in the timeline with the rule's name and why: "Priority raised to Urgent by rule 'Loud first
complaint': complaint, 48,200 followers"."""

from __future__ import annotations

from accounts.models import User
from automation import notify_mail
from automation.models import Rule
from inbox import actions
from inbox.models import Conversation, Priority
from sla.policy_choice import choose_policy

FLAG_WORDS = {"sla_at_risk": ("at_risk", "is at risk of breaching its SLA"), "sla_breached": ("breached", "breached its SLA")}


def apply(rule: Rule, *, conversation: Conversation, because: str, short: str) -> None:
    said = {"rule": rule.name, "because": because}
    if rule.set_priority and _raises(conversation.priority, rule.set_priority):
        actions.set_conversation_priority(conversation=conversation, priority=rule.set_priority, actor=None, label=short, **said)
    if rule.assign_team_id and rule.assign_team_id != conversation.team_id:
        assert rule.assign_team is not None
        conversation = actions.move_conversation(conversation=conversation, team=rule.assign_team, actor=None, **said)
    if rule.assign_agent_id and rule.assign_agent_id != conversation.assignee_id:
        agent = User.objects.filter(pk=rule.assign_agent_id, is_active=True, teams=conversation.team_id).first()
        if agent is not None:  # someone outside the team cannot take it; the rule still notifies
            actions.assign_conversation(conversation=conversation, assignee=agent, actor=None, **said)
    if rule.add_tag:
        actions.add_tag(conversation=conversation, name=rule.add_tag, actor=None, **said)
    people = notified(rule, conversation)
    if people:
        subject = conversation.subject or conversation.last_message_preview or f"Conversation {conversation.pk}"
        actions.notify(users=people, kind="rule", conversation=conversation, text=f"{rule.name}: {because}. {subject}")
        names = ", ".join(sorted(u.display_name for u in people))
        actions.record_event(conversation=conversation, kind="rule_notified", data={**said, "summary": f"Notified {names}"})
    if rule.apply_policy_id:
        assert rule.apply_policy is not None
        choose_policy(conversation=conversation, policy=rule.apply_policy, **said)


def _raises(current: str, wanted: str) -> bool:
    order = Priority.values
    return wanted in order and order.index(wanted) > order.index(current)


def notified(rule: Rule, conversation: Conversation) -> list[User]:
    people: dict[int, User] = {}
    if rule.notify_user_id and rule.notify_user is not None:
        people[rule.notify_user.pk] = rule.notify_user
    if rule.notify_team_id:
        people.update({u.pk: u for u in User.objects.filter(teams=rule.notify_team_id, is_active=True)})
    if rule.notify_supervisors:
        supervisors = User.objects.filter(supervised_teams=conversation.team_id, is_active=True)
        people.update({u.pk: u for u in supervisors})
    return list(people.values())


def tell_assignee(*, conversation: Conversation, flag: str, key: str) -> None:
    """A conversation of yours at risk or breached: always in the app; by email for a breach if asked."""
    if conversation.assignee is None or flag not in FLAG_WORDS:
        return
    kind, words = FLAG_WORDS[flag]
    subject = conversation.subject or conversation.last_message_preview or f"Conversation {conversation.pk}"
    created = actions.notify(
        users=[conversation.assignee], kind=kind, conversation=conversation, text=f"{subject} {words}", key=f"{flag}:{key}"
    )
    if kind == "breached":
        for notification in created:
            notify_mail.send_breach_email(notification)
