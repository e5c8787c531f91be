"""The Graph API behind one small adapter: facebook-sdk 3.1.0 with a usable version, usage headers and our errors.

facebook-sdk's constructor rejects every current Graph version, so the client is built without one
and `graph.version` is set from settings afterwards; it also drops HTTP statuses and headers, so a
requests.Session response hook keeps the status and the usage headers (X-Business-Use-Case-Usage,
X-App-Usage) that the poller backs off on.
"""

from __future__ import annotations

import json
from typing import Any

import facebook
import requests
from django.conf import settings

from channels_app.base import ChannelAuthError, NotSent, OutcomeUnknown, PermanentSendError, SendError, request_error

BACKOFF_PERCENT = 80.0
CHECK_FACEBOOK = "Look for it under the comment on the Page or in the Messenger conversation, then retry only if it is not there."
SUBSCRIBED_FIELDS = "feed,messages,message_echoes"

RATE_LIMIT_CODES = frozenset({4, 17, 32, 613, 80001})
TRANSIENT_CODES = frozenset({1, 2})  # "unknown error" and "service temporarily unavailable"
AUTH_CODES = frozenset({190})
OUTSIDE_WINDOW = (10, 2018278)
PERSON_UNAVAILABLE = 551

# What the poller reads (platforms.md 2.5): comments newest first, Messenger messages with their files.
COMMENT_FIELDS = "id,message,from,created_time,parent{id}"
FEED_FIELDS = f"id,message,from,created_time,comments.filter(stream).order(reverse_chronological).limit(50){{{COMMENT_FIELDS}}}"
MESSAGE_FIELDS = "id,message,from,to,created_time,attachments{mime_type,name,size,image_data{url},file_url,video_data{url}}"
CONVERSATION_FIELDS = f"id,updated_time,participants,messages.limit(20){{{MESSAGE_FIELDS}}}"


class GraphClient:
    """facebook-sdk's GraphAPI with the version from settings, usage headers and our error classes."""

    def __init__(self, *, access_token: str, version: str | None = None, timeout: float = 10.0) -> None:
        self.session = requests.Session()
        self.session.hooks["response"].append(self._on_response)
        # No version here: 3.1.0 validates it against a list that ends at 3.1 (see module docstring).
        self.graph = facebook.GraphAPI(access_token=access_token, timeout=timeout, session=self.session)
        self.graph.version = version or settings.FACEBOOK_GRAPH_VERSION
        self.last_status: int | None = None
        self.usage_percent: float = 0.0
        self.regain_minutes: float = 0.0

    def _on_response(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self.last_status = response.status_code
        usage, regain = parse_usage_headers(response.headers)
        if usage is not None:
            self.usage_percent = usage
            self.regain_minutes = regain

    @property
    def over_budget(self) -> bool:
        return self.usage_percent > BACKOFF_PERCENT

    def get_object(self, object_id: str, **args: Any) -> dict[str, Any]:
        return self._call(self.graph.get_object, object_id, write=False, **args)

    def get_connections(self, object_id: str, connection: str, **args: Any) -> dict[str, Any]:
        return self._call(self.graph.get_connections, object_id, connection, write=False, **args)

    def read_feed(self, page_id: str) -> dict[str, Any]:
        """The Page's latest posts, each with its latest comments."""
        return self.get_connections(page_id, "feed", fields=FEED_FIELDS, limit=25)

    def read_comments(self, post_id: str, *, after: str) -> dict[str, Any]:
        """The next page of a post's comments, newest first."""
        return self.get_connections(
            post_id, "comments", fields=COMMENT_FIELDS, filter="stream", order="reverse_chronological", limit=50, after=after
        )

    def read_conversations(self, page_id: str, *, after: str | None = None) -> dict[str, Any]:
        """The Page's Messenger conversations, most recently updated first, with their latest messages."""
        paging = {"after": after} if after else {}
        return self.get_connections(
            page_id, "conversations", platform="messenger", fields=CONVERSATION_FIELDS, limit=25, **paging
        )

    def read_replies(self, object_id: str) -> dict[str, Any]:
        """The newest comments under a post or comment, to look for a reply we may have posted."""
        return self.get_connections(
            object_id, "comments", fields="id,message,from,created_time", filter="stream", order="reverse_chronological", limit=50
        )

    def read_conversation_with(self, page_id: str, psid: str) -> dict[str, Any]:
        """The Page's Messenger conversation with one person, with its latest messages."""
        return self.get_connections(
            page_id,
            "conversations",
            platform="messenger",
            user_id=psid,
            fields="messages.limit(25){id,message,from,created_time}",
        )

    def put_comment(self, object_id: str, message: str) -> dict[str, Any]:
        return self._call(self.graph.put_comment, object_id, message, write=True)

    def send_message(
        self,
        *,
        page_id: str,
        recipient: dict[str, str],
        text: str,
        messaging_type: str | None = None,
        tag: str | None = None,
    ) -> dict[str, Any]:
        """The Send API. Graph accepts form fields holding JSON, so put_object does the POST."""
        data: dict[str, str] = {"recipient": json.dumps(recipient), "message": json.dumps({"text": text})}
        if messaging_type:
            data["messaging_type"] = messaging_type
        if tag:
            data["tag"] = tag
        return self._call(self.graph.put_object, page_id, "messages", write=True, **data)

    def subscribe_page(self, page_id: str) -> dict[str, Any]:
        return self._call(self.graph.put_object, page_id, "subscribed_apps", write=True, subscribed_fields=SUBSCRIBED_FIELDS)

    def _call(self, method: Any, *args: Any, write: bool, **kwargs: Any) -> dict[str, Any]:
        self.last_status = None
        try:
            result = method(*args, **kwargs)
        except facebook.GraphAPIError as error:
            raise classify_graph_error(error, status=self.last_status, regain_minutes=self.regain_minutes) from error
        except requests.RequestException as error:
            if write:
                # Sorted by whether the request can have reached Facebook: retrying could post twice.
                raise request_error(error, platform="Facebook", check=CHECK_FACEBOOK) from error
            raise NotSent(f"Facebook could not be reached: {type(error).__name__}") from error
        except (KeyError, ValueError) as error:
            # Bodies facebook-sdk cannot read (no content type, broken JSON).
            if write and self.last_status is not None and self.last_status < 300:
                raise OutcomeUnknown(f"Facebook's answer could not be read ({type(error).__name__}).", CHECK_FACEBOOK) from error
            raise NotSent(f"Facebook answered with an unreadable response (HTTP {self.last_status or '?'}).") from error
        return result if isinstance(result, dict) else {"data": result}


def parse_usage_headers(headers: Any) -> tuple[float | None, float]:
    """The highest usage percentage in the Graph usage headers, and minutes until access is back."""
    usage: float | None = None
    regain = 0.0
    for name in ("X-Business-Use-Case-Usage", "X-App-Usage", "X-Page-Usage"):
        value = headers.get(name)
        if not value:
            continue
        try:
            parsed = json.loads(value)
        except ValueError:
            continue
        buckets: list[dict[str, Any]] = []
        if name == "X-Business-Use-Case-Usage" and isinstance(parsed, dict):
            for items in parsed.values():
                buckets.extend(item for item in items if isinstance(item, dict))
        elif isinstance(parsed, dict):
            buckets.append(parsed)
        for bucket in buckets:
            for key in ("call_count", "total_cputime", "total_time"):
                if isinstance(bucket.get(key), int | float):
                    usage = max(usage or 0.0, float(bucket[key]))
            if isinstance(bucket.get("estimated_time_to_regain_access"), int | float):
                regain = max(regain, float(bucket["estimated_time_to_regain_access"]))
    return usage, regain


def classify_graph_error(error: facebook.GraphAPIError, *, status: int | None, regain_minutes: float) -> SendError:
    """Sort a Graph error into the send error classes, keeping Facebook's reason for the agent."""
    body = error.result if isinstance(error.result, dict) else {}
    details: dict[str, Any] = body["error"] if isinstance(body.get("error"), dict) else {}
    code = details.get("code")
    subcode = details.get("error_subcode")
    message = str(details.get("error_user_msg") or details.get("message") or error.message or "unknown error")
    reason = f"Facebook error {code}" + (f"/{subcode}" if subcode else "") + f": {message}"
    if not details:
        # Not a Graph error body at all (an HTML 502 page, an empty body): Facebook is having trouble.
        return NotSent(f"Facebook answered with an unreadable response (HTTP {status or '?'}).")
    if code in AUTH_CODES:
        return ChannelAuthError(f"The Page access token was refused ({reason}). Reconnect the channel.")
    if (code, subcode) == OUTSIDE_WINDOW:
        return PermanentSendError(f"Outside the allowed messaging window ({reason}).")
    if code == PERSON_UNAVAILABLE:
        return PermanentSendError(f"This person isn't available on Messenger right now ({reason}).")
    if code in RATE_LIMIT_CODES:
        retry_after = regain_minutes * 60 if regain_minutes > 0 else None
        return NotSent(f"Facebook rate limit reached ({reason}).", retry_after=retry_after)
    if code in TRANSIENT_CODES or details.get("is_transient") or (status is not None and status >= 500):
        return NotSent(f"Facebook is temporarily unavailable ({reason}).")
    # Permissions and policy refusals (10, 200, 230, 368, ...) and anything else Facebook rejects.
    return PermanentSendError(f"Facebook refused the request ({reason}).")
