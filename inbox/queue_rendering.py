"""The queue's markup: filters from a query string, the filter bar, one row, the live socket's URL.

The page (inbox.views.queue) and the live socket (inbox.consumers) render rows the same way, from
here, so a pushed row is the row a reload would show.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from accounts.models import User
from inbox import queue_selectors, selectors
from inbox.models import Channel, Conversation, Priority, Tag


def filters_from(params: Any) -> queue_selectors.QueueFilters:
    channel = str(params.get("channel", ""))
    scope = params.get("scope", "all")
    priority = params.get("priority", "")
    status = params.get("status", "")
    tag = str(params.get("tag", ""))
    return queue_selectors.QueueFilters(
        scope=scope if scope in ("all", "mine", "unassigned") else "all",
        channel_id=int(channel) if channel.isdigit() else None,
        priority=priority if priority in Priority.values else "",
        status=status if status in queue_selectors.QUEUE_STATUSES else "",
        tag_id=int(tag) if tag.isdigit() else None,
    )


def filter_params(filters: queue_selectors.QueueFilters, **override: Any) -> dict[str, str]:
    params = {
        "scope": filters.scope,
        "channel": str(filters.channel_id or ""),
        "priority": filters.priority,
        "status": filters.status,
        "tag": str(filters.tag_id or ""),
    }
    params.update({k: str(v) for k, v in override.items()})
    return {k: v for k, v in params.items() if v and not (k == "scope" and v == "all")}


def filter_links(
    *,
    filters: queue_selectors.QueueFilters,
    counts: queue_selectors.QueueCounts,
    channels: list[Channel],
    tags: list[Tag] | None = None,
) -> list[dict[str, Any]]:
    """The filter bar: every option with its maintained count and the link that selects it."""

    def link(label: str, count: int | None, active: bool, **override: Any) -> dict[str, Any]:
        query = urlencode(filter_params(filters, **override))
        return {"label": label, "count": count, "active": active, "href": "?" + query if query else "?"}

    # Tags carry no maintained counts (the counters are per channel, status, priority, assignee).
    tag_group = {
        "name": "Tag",
        "links": [link("Any", None, not filters.tag_id, tag="")]
        + [link(t.name, None, filters.tag_id == t.pk, tag=t.pk) for t in tags or []],
    }
    return [
        {
            "name": "Show",
            "links": [
                link(label, counts.scope[value], filters.scope == value, scope=value) for value, label in queue_selectors.SCOPES
            ],
        },
        {
            "name": "Status",
            "links": [
                link("Open and pending", counts.status[""], not filters.status, status=""),
                link("Open", counts.status["open"], filters.status == "open", status="open"),
                link("Pending", counts.status["pending"], filters.status == "pending", status="pending"),
            ],
        },
        {
            "name": "Priority",
            "links": [link("Any", counts.priority[""], not filters.priority, priority="")]
            + [
                link(label, counts.priority.get(value, 0), filters.priority == value, priority=value)
                for value, label in reversed(Priority.choices)
            ],
        },
        {
            "name": "Channel",
            "links": [link("Any", sum(counts.channel.values()), not filters.channel_id, channel="")]
            + [link(c.name, counts.channel.get(c.pk, 0), filters.channel_id == c.pk, channel=c.pk) for c in channels],
        },
    ] + ([tag_group] if tags else [])


# The queue's rows are its hot path (every page load, every live push to every open queue), so a
# row is built with format_html rather than the template engine: the same markup, about a tenth of
# the time per row. templates/inbox/_queue_rows.html places them.
_BADGES = {
    "breached": '<span class="badge breached">Breached</span> ',
    "at_risk": '<span class="badge at-risk">At risk</span> ',
    "ok": '<span class="badge ok">On track</span> ',
    "paused": '<span class="badge paused">Paused</span> ',
}
_ROW = (
    '<tr id="conv-{pk}" class="row sla-{state}" data-href="{href}" data-sort="{sort}" data-announce="{customer}: {preview}">'
    '<td class="sla">{badge}{due}</td>'
    '<td><span class="chan chan-{flavor}">{channel}</span> <span class="vis vis-{vis}">{vis_label}</span></td>'
    '<td class="who-cell"><span class="cust-name">{customer}</span> <span class="muted handle">{handle}</span></td>'
    '<td><a class="open-conv" href="{href}">{preview}</a> <span class="status status-{status}">{status_label}</span> '
    '<span class="prio prio-{priority}">{priority_label}</span>{why}</td>'
    "<td>{waiting}</td>"
    '<td class="assignee">{assignee}</td></tr>'
)


@lru_cache(maxsize=1)
def _conversation_href() -> str:
    return reverse("inbox:conversation", args=[0])


def _short(delta_seconds: float) -> str:
    s = int(abs(delta_seconds))
    d, h, m = s // 86400, (s % 86400) // 3600, (s % 3600) // 60
    text = f"{d}d {h}h" if d else f"{h}h {m}m" if h else f"{m}m {s % 60}s"
    return text + (" overdue" if delta_seconds < 0 else "")


def queue_row_html(c: Conversation, *, now: datetime | None = None) -> str:
    """One queue row; the countdown and the wait are also ticked in the browser (parley.js)."""
    now = now or timezone.now()
    href = _conversation_href().replace("/0/", f"/{c.pk}/")
    due_iso = c.sla_due_at.isoformat() if c.sla_due_at else ""
    waiting_iso = c.waiting_since.isoformat() if c.waiting_since else ""
    if c.sla_due_at:
        due = format_html(
            # The same row goes to every reader: parley.js titles it in each reader's own zone.
            '<span class="countdown" data-due="{}">{}</span>',
            due_iso,
            _short((c.sla_due_at - now).total_seconds()),
        )
    elif c.sla_state == "paused" and c.sla_paused_left_seconds is not None:
        # Pending: the clock stands still, so this does not tick; it says what is left when it runs.
        due = format_html('<span class="paused-left">{} left</span>', c.sla_paused_left)
    else:
        due = mark_safe('<span class="muted">no SLA</span>')  # noqa: S308 - a constant
    if c.waiting_since:
        waiting = format_html(
            '<span class="waiting" data-since="{}">{}</span>',
            waiting_iso,
            _short((now - c.waiting_since).total_seconds()),
        )
    else:
        waiting = mark_safe('<span class="muted">answered</span>')  # noqa: S308 - a constant
    preview = c.last_message_preview or c.subject or "(no text)"
    return format_html(
        _ROW,
        pk=c.pk,
        state=c.sla_state,
        href=href,
        sort=f"{c.sla_rank}|{due_iso or '9999'}|{waiting_iso or '9999'}|{c.pk:012d}",
        badge=mark_safe(_BADGES.get(c.sla_state, "")),  # noqa: S308 - constants above
        due=due,
        flavor=c.channel.flavor,
        channel=c.channel.name,
        vis=c.visibility,
        vis_label=c.get_visibility_display(),
        customer=c.customer.name or c.identity.display_name or c.identity.handle,
        handle=c.identity.handle,
        preview=preview if len(preview) <= 90 else preview[:89] + "…",
        status=c.status,
        status_label=c.get_status_display(),
        priority=c.priority,
        priority_label=c.get_priority_display(),
        why=_why(c.priority_reason),
        waiting=waiting,
        assignee=c.assignee.display_name if c.assignee else "Unassigned",
    )


def _why(reason: str) -> str:
    """A rule's reason for the priority, one chip per part: "complaint", "48k followers"."""
    if not reason:
        return ""
    chips = format_html_join("", ' <span class="why">{}</span>', ((part,) for part in reason.split(" · ") if part))
    return format_html('<span class="whys" title="Why: {}">{}</span>', reason, chips)


def ws_query(filters: queue_selectors.QueueFilters) -> str:
    query = urlencode(filter_params(filters))
    return "/ws/queue/" + ("?" + query if query else "")


def render_queue_row(
    *,
    user: User,
    conversation_id: int,
    filters: queue_selectors.QueueFilters | None = None,
    team_ids: list[int] | None = None,
) -> dict[str, Any]:
    """The fresh row for this user, or a removal when they may not or no longer should see it."""
    filters = filters or queue_selectors.QueueFilters()
    if team_ids is None:
        team_ids = selectors.visible_team_ids(user=user)
    conversation = queue_selectors.queue_row(conversation_id=conversation_id, team_ids=team_ids)
    if conversation is None or not queue_selectors.matches_filters(conversation=conversation, user=user, filters=filters):
        return {"kind": "remove", "id": conversation_id}
    return {"kind": "row", "id": conversation_id, "html": queue_row_html(conversation)}


def render_counts(
    *,
    user: User,
    filters: queue_selectors.QueueFilters,
    team_ids: list[int],
    channels: list[Channel],
    tags: list[Tag] | None = None,
) -> str:
    """The filter bar; the live socket passes the tags it loaded when it connected (no query per push)."""
    counts = queue_selectors.queue_counts(user=user, filters=filters, team_ids=team_ids)
    groups = filter_links(filters=filters, counts=counts, channels=channels, tags=tags)
    return render_to_string("inbox/_queue_counts.html", {"filter_groups": groups})
