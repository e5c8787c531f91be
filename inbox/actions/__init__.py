"""Every write goes through these functions: each records what happened and announces the change.

Views, tasks, consumers and connectors parse their input and call one of these; none of them
writes an inbox row itself. The modules, by what they write:

- ingest: an inbound message, exactly once, in its conversation
- customers: identities, linking, merging, notes
- conversations: notes, assignment, status, priority
- replies: an agent's reply queued, then sent, failed, bounced, delivered or read
- messages: a platform's edit, removal or hiding of a message; files kept for it; a held mail released
- channels: channel settings, health, poll rounds and cursors, a move to another team
- canned: saved replies
- tags: tags on a conversation, found or created by name
- notifications: what a user is told (assignment, SLA, rules, mentions), read or unread
"""

from inbox.actions.canned import create_canned_response, delete_canned_response, update_canned_response
from inbox.actions.channels import (
    activate_channel,
    claim_poll_round,
    disable_channel,
    flag_channel,
    move_channel_conversations,
    record_poll_failed,
    record_poll_ok,
    save_channel,
    save_channel_cursor,
    set_channel_enabled,
    update_channel_cursor,
)
from inbox.actions.common import ActionError, IngestError, preview_of, record_event
from inbox.actions.conversations import (
    add_note,
    assign_conversation,
    move_conversation,
    set_conversation_priority,
    set_conversation_status,
)
from inbox.actions.customers import link_identities, merge_customers, resolve_identity, update_customer_note
from inbox.actions.ingest import IngestResult, ingest_message
from inbox.actions.messages import (
    attach_files,
    record_mail_released,
    record_message_edited,
    record_message_visibility,
    store_attachment,
)
from inbox.actions.notifications import mark_read as mark_notifications_read
from inbox.actions.notifications import notify
from inbox.actions.notifications import save_preference as save_notification_preference
from inbox.actions.replies import (
    claim_reply,
    clear_resend_check,
    fail_stuck_replies,
    record_bounce,
    record_delivery_receipts,
    record_reply_failed,
    record_reply_outcome_unknown,
    record_reply_sent,
    record_send_details,
    requeue_reply,
    retry_delivery,
    send_acknowledgement,
    send_reply,
)
from inbox.actions.tags import add_tag, find_or_create_tag, remove_tag

__all__ = [
    "ActionError",
    "IngestError",
    "IngestResult",
    "activate_channel",
    "add_note",
    "add_tag",
    "assign_conversation",
    "attach_files",
    "claim_poll_round",
    "claim_reply",
    "create_canned_response",
    "delete_canned_response",
    "disable_channel",
    "clear_resend_check",
    "fail_stuck_replies",
    "find_or_create_tag",
    "flag_channel",
    "ingest_message",
    "link_identities",
    "mark_notifications_read",
    "merge_customers",
    "move_channel_conversations",
    "move_conversation",
    "notify",
    "record_poll_failed",
    "record_poll_ok",
    "preview_of",
    "record_bounce",
    "record_delivery_receipts",
    "record_event",
    "record_mail_released",
    "record_message_edited",
    "record_message_visibility",
    "record_reply_failed",
    "record_reply_sent",
    "record_send_details",
    "remove_tag",
    "requeue_reply",
    "resolve_identity",
    "record_reply_outcome_unknown",
    "retry_delivery",
    "save_channel",
    "save_channel_cursor",
    "save_notification_preference",
    "send_acknowledgement",
    "set_channel_enabled",
    "send_reply",
    "set_conversation_priority",
    "set_conversation_status",
    "store_attachment",
    "update_canned_response",
    "update_channel_cursor",
    "update_customer_note",
]
