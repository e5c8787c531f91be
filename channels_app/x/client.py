"""tweepy behind a small adapter: a client that never sleeps or hangs, and X's answers read for us.

Never tweepy's wait_on_rate_limit: it sleeps in-process and retries without bound. A 429 becomes a
retry at x-rate-limit-reset (sends) or a later poll (polling), and the remaining budget from the
x-rate-limit-* headers paces polling and is kept in Channel.cursor["limits"] for admins.
"""

from __future__ import annotations

import time
from typing import Any

import requests
import tweepy

from channels_app.base import ChannelAuthError, NotSent, PermanentSendError, SendError

REQUEST_TIMEOUT = (5, 30)  # connect, read (seconds): a worker never hangs on X

TWEET_FIELDS = [
    "author_id",
    "conversation_id",
    "created_at",
    "entities",
    "in_reply_to_user_id",
    "referenced_tweets",
    "note_tweet",
    "attachments",
]
TWEET_EXPANSIONS = ["author_id", "in_reply_to_user_id", "attachments.media_keys"]
USER_FIELDS = ["name", "username", "profile_image_url", "public_metrics"]
MEDIA_FIELDS = ["type", "url", "preview_image_url"]
DM_EVENT_FIELDS = [
    "id",
    "event_type",
    "text",
    "sender_id",
    "dm_conversation_id",
    "created_at",
    "attachments",
    "referenced_tweets",
    "participant_ids",
]
DM_EXPANSIONS = ["sender_id", "participant_ids"]

# X problem types that mean the app or its tokens lack access, not that this one post was refused.
AUTH_PROBLEMS = ("client-forbidden", "oauth1-permissions", "unsupported-authentication", "not-authorized-for-resource")


class _TimeoutSession(requests.Session):
    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", REQUEST_TIMEOUT)
        return super().request(method, url, *args, **kwargs)


def build_client(credentials: dict[str, Any]) -> tweepy.Client:
    """A tweepy Client that returns raw responses (for the rate-limit headers) and never sleeps."""
    client = tweepy.Client(
        bearer_token=credentials.get("bearer_token") or None,
        consumer_key=credentials.get("consumer_key") or None,
        consumer_secret=credentials.get("consumer_secret") or None,
        access_token=credentials.get("access_token") or None,
        access_token_secret=credentials.get("access_token_secret") or None,
        return_type=requests.Response,
        wait_on_rate_limit=False,
    )
    client.session = _TimeoutSession()
    return client


def fetch_me(credentials: dict[str, Any]) -> dict[str, Any]:
    """GET /2/users/me as the brand: proves the user tokens work and names the account."""
    response = build_client(credentials).get_me(user_auth=True, user_fields=USER_FIELDS)
    return dict(response.json()["data"])


def fetch_conversation_id(credentials: dict[str, Any], post_id: str) -> str:
    """The id of the thread a post belongs to. Raises tweepy, requests, KeyError or ValueError errors."""
    # A public read: app-only (bearer) when the channel has a bearer token, else as the brand.
    user_auth = not credentials.get("bearer_token")
    response = build_client(credentials).get_tweet(post_id, tweet_fields=["conversation_id"], user_auth=user_auth)
    return str(response.json()["data"]["conversation_id"])


def platform_reason(error: tweepy.HTTPException) -> str:
    """X's own words for a refusal, for the agent or the admin (never the request or a secret)."""
    messages = [str(m) for m in error.api_messages if m]
    status = getattr(error.response, "status_code", "")
    return "; ".join(messages) if messages else f"{status} {getattr(error.response, 'reason', '')}".strip()


def _problem_type(error: tweepy.HTTPException) -> str:
    try:
        body = error.response.json()
    except ValueError:
        return ""
    return str(body.get("type", "")) if isinstance(body, dict) else ""


def send_error(error: tweepy.HTTPException) -> SendError:
    """Map X's answer to how delivery treats it: retry later, fail for good, or call an admin."""
    reason = platform_reason(error)
    if isinstance(error, tweepy.TooManyRequests):
        retry_after = max(1.0, error.reset_time - time.time()) if error.reset_time else None
        return NotSent(f"X rate limit reached: {reason}", retry_after=retry_after)
    if isinstance(error, tweepy.Unauthorized):
        return ChannelAuthError(f"X refused the channel's credentials: {reason}")
    if isinstance(error, tweepy.Forbidden) and _problem_type(error).rsplit("/", 1)[-1] in AUTH_PROBLEMS:
        return ChannelAuthError(f"X refused access (check the app's permissions): {reason}")
    if isinstance(error, tweepy.TwitterServerError):
        return NotSent(f"X had a server error: {reason}")
    # 400 / 403 / 404: duplicate content, a deleted post, a reply X does not allow.
    return PermanentSendError(f"X refused the reply: {reason}")


def record_budget(cursor: dict[str, Any], endpoint: str, headers: Any, now: float) -> None:
    """Keep what X says is left of this endpoint's window, and when the next call fits in it."""
    try:
        limit = int(headers["x-rate-limit-limit"])
        remaining = int(headers["x-rate-limit-remaining"])
        reset = int(headers["x-rate-limit-reset"])
    except (KeyError, TypeError, ValueError):
        return
    window_left = max(0.0, reset - now)
    # Spread what is left evenly over the rest of the window, so polling never runs dry early.
    next_at = reset if remaining <= 0 else now + window_left / (remaining + 1)
    cursor.setdefault("limits", {})[endpoint] = {
        "limit": limit,
        "remaining": remaining,
        "reset": reset,
        "next_at": round(next_at, 1),
    }
