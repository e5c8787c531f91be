"""Every page of Parley, for the accessibility test (test_accessibility.py) and anyone who wants a
page per role.

ADDING A PAGE: append a Page to PAGES. Its path may name objects of the workspace in braces
({conversation}, {customer}, ...): build_workspace() makes them; add what your page needs there
(one line in `ids`). roles says who may open it; the test visits it as each of those roles and
fails on any serious or critical axe-core violation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

ALL = ("agent", "supervisor", "admin")
SUPERVISORS = ("supervisor", "admin")
ADMINS = ("admin",)


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    roles: tuple[str, ...] = ALL


PAGES = [
    Page("login", "/login/", roles=(None,)),
    Page("queue", "/"),
    Page("queue filtered", "/?status=all&channel={x_channel_sim}"),
    Page("conversation on X (public)", "/conversations/{conversation}/"),
    Page("conversation by email", "/conversations/{email_conversation}/"),
    Page("email with its images", "/email/messages/{email_message}/"),
    Page("customer", "/customers/{customer}/"),
    Page("search by order number", "/search/?q=%2348213"),
    Page("search by name", "/search/?q=maria"),
    Page("search, nothing found", "/search/?q=zzzzqqq"),
    Page("canned responses", "/canned/", roles=SUPERVISORS),
    Page("reports", "/sla/reports/", roles=SUPERVISORS),
    Page("at risk now", "/sla/reports/at-risk/", roles=SUPERVISORS),
    Page("arrivals", "/sla/reports/arrivals/", roles=SUPERVISORS),
    Page("what-if", "/sla/reports/whatif/?period=30&draft=until18", roles=SUPERVISORS),
    Page("what-if with a replay running", "/sla/reports/whatif/?period=30&draft=until18&run={whatif_run}", roles=SUPERVISORS),
    Page("channels", "/settings/channels/", roles=ADMINS),
    Page("X channel, add", "/settings/channels/x/add/", roles=ADMINS),
    Page("X channel, edit", "/settings/channels/x/{x_channel}/", roles=ADMINS),
    Page("Facebook channel, add", "/settings/channels/facebook/add/", roles=ADMINS),
    Page("Facebook channel, edit", "/settings/channels/facebook/{facebook_channel}/", roles=ADMINS),
    Page("email channels", "/settings/channels/email/", roles=ADMINS),
    Page("email channel, add", "/settings/channels/email/add/", roles=ADMINS),
    Page("email channel, edit", "/settings/channels/email/{email_channel}/", roles=ADMINS),
    Page("email quarantine", "/settings/channels/email/quarantine/", roles=ADMINS),
    Page("webhook events", "/settings/channels/events/", roles=ADMINS),
    Page("SLA settings", "/settings/sla/", roles=ADMINS),
    Page("calendar, new", "/settings/sla/calendars/new/", roles=ADMINS),
    Page("calendar, edit", "/settings/sla/calendars/{calendar}/", roles=ADMINS),
    Page("policy, new", "/settings/sla/policies/new/", roles=ADMINS),
    Page("policy, edit", "/settings/sla/policies/{policy}/", roles=ADMINS),
    Page("lockouts", "/settings/security/lockouts/", roles=ADMINS),
    Page("your profile", "/settings/profile/"),
    Page("users", "/settings/users/", roles=ADMINS),
    Page("user, new", "/settings/users/new/", roles=ADMINS),
    Page("user, edit", "/settings/users/{user}/", roles=ADMINS),
    Page("teams", "/settings/teams/", roles=ADMINS),
    Page("team, new", "/settings/teams/new/", roles=ADMINS),
    Page("team, edit", "/settings/teams/{team}/", roles=ADMINS),
    Page("audit log", "/settings/audit/", roles=ADMINS),
    Page("canned response, edit", "/canned/{canned}/", roles=ADMINS),
    Page("SLA settings with a rescoring running", "/settings/sla/?rescore={rescore_run}", roles=ADMINS),
    Page("notifications", "/notifications/"),
    Page("queue filtered by tag", "/?tag={tag}"),
    Page("rules", "/settings/rules/", roles=ADMINS),
    Page("rule, new", "/settings/rules/new/", roles=ADMINS),
    Page("rule, edit", "/settings/rules/{rule}/", roles=ADMINS),
    Page("acknowledgement, edit", "/settings/rules/acknowledgements/{email_channel}/", roles=ADMINS),
]


@dataclass
class Workspace:
    users: dict[str, Any]
    ids: dict[str, int] = field(default_factory=dict)

    def url(self, page: Page) -> str:
        return page.path.format(**self.ids)


def build_workspace() -> Workspace:
    """The demo workspace (small history) and one real channel of each kind with a conversation."""
    from accounts import audit
    from accounts.models import Team, User
    from automation.models import Rule
    from channels_app.models import QuarantinedMail, WebhookEvent
    from demo.workspace import seed_demo
    from inbox.actions import add_tag, ingest_message, notify
    from inbox.inbound import AuthorIdentity, InboundMessage
    from inbox.models import CannedResponse, Channel, ChannelKind, Conversation, Message
    from inbox.selectors import visible_team_ids
    from sla.models import BusinessCalendar, RescoreRun, SlaPolicy, WhatIfRun

    seed_demo(history=24)
    users = {u.username: u for u in User.objects.filter(username__in=ALL)}
    social, email_team = Team.objects.get(name="Social"), Team.objects.get(name="Email")
    x = Channel.objects.create(kind=ChannelKind.X, name="X @parley", team=social, config={"username": "parley"})
    facebook = Channel.objects.create(kind=ChannelKind.FACEBOOK, name="Facebook page", team=social, config={"page_id": "1"})
    email = Channel.objects.create(
        kind=ChannelKind.EMAIL, name="Support mailbox", team=email_team, config={"address": "help@example.com"}
    )
    mail = ingest_message(
        inbound=InboundMessage(
            channel_id=email.pk,
            external_id="<a11y-1@example.com>",
            thread_key="<a11y-1@example.com>",
            author=AuthorIdentity(kind="email", external_id="ann@example.com", handle="ann@example.com", display_name="Ann Lee"),
            text="My order #48213 arrived damaged.",
            html='<p>My order <b>#48213</b> arrived damaged.</p><img src="https://example.com/photo.png" alt="photo">',
            platform_time=timezone.now(),
            visibility="private",
            subject="Damaged order",
        )
    )
    QuarantinedMail.objects.create(channel=email, raw=b"Subject: broken\r\n\r\nbody", error="no From header")
    QuarantinedMail.objects.create(
        channel=email,
        kind="spoof",
        content_hash="a11y-spoof",
        raw=b"From: help@example.com\r\nSubject: Re: Damaged order\r\n\r\nClosed.",
        error="From our own address help@example.com, but not proven ours.",
    )
    WebhookEvent.objects.create(
        source="x", channel=x, payload={}, status="given_up", attempts=19, last_error="OperationalError: connection refused"
    )
    WebhookEvent.objects.create(
        source="facebook",
        channel=facebook,
        payload={},
        status="processed",
        skipped=[{"reason": "messaging event: KeyError: 'sender'", "event": {}}],
    )
    canned = CannedResponse.objects.create(team=social, title="Thanks", body="Thanks {{customer.name}}!")
    audit.record("team.updated", actor=users["admin"], target=social, before={"auto_assign": False}, after={"auto_assign": True})
    rescore_run = RescoreRun.objects.create(label="Calendar Office saved", total=1200, done=300, started_at=timezone.now())
    whatif_run = WhatIfRun.objects.create(
        key="a11y",
        label="Open until 18:00 on every open day, against Stockholm office hours",
        total=1200,
        done=300,
        started_at=timezone.now(),
        params={"scope": {"teams": visible_team_ids(user=users["supervisor"])}},
    )
    notify(users=users.values(), kind="rule", text="Loud first complaint: first complaint, 48,200 followers")
    sim_x = Channel.objects.get(name="Simulated X")
    conversation = (
        Conversation.objects.filter(channel=sim_x, visibility="public").order_by("-pk").first()
        or Conversation.objects.filter(channel=sim_x).order_by("-pk").first()
    )
    return Workspace(
        users=users,
        ids={
            "x_channel_sim": sim_x.pk,
            "conversation": conversation.pk,
            "customer": conversation.customer_id,
            "email_conversation": mail.conversation_id,
            "email_message": Message.objects.filter(conversation_id=mail.conversation_id).first().pk,
            "x_channel": x.pk,
            "facebook_channel": facebook.pk,
            "email_channel": email.pk,
            "calendar": BusinessCalendar.objects.first().pk,
            "policy": SlaPolicy.objects.first().pk,
            "user": users["agent"].pk,
            "team": social.pk,
            "canned": canned.pk,
            "rescore_run": rescore_run.pk,
            "whatif_run": whatif_run.pk,
            "rule": Rule.objects.first().pk,
            "tag": add_tag(conversation=conversation, name="refund", actor=None)[0].pk,
        },
    )
