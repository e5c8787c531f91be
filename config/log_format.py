"""Log lines that keep their fields: JSON in production, readable key=value in the demo and dev.

Every `logger.x("what happened", extra={...})` in Parley names its fields (channel_id, event_id,
reason, ...); Python's default formatter drops them. Both formatters here print them. Fields whose
name says they hold a secret or customer content (a password, a token, a body, a payload) are
never printed, whatever a call site passes: those are redacted by name.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from typing import Any

STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}
# Names of fields that must never reach a log: secrets, and customer content.
REDACTED = re.compile(
    r"secret|token|password|passwd|authorization|cookie|api_?key|credential|body|payload|raw|text|html|content", re.I
)
MAX_VALUE = 500


def fields_of(record: logging.LogRecord) -> dict[str, Any]:
    found = {}
    for name, value in record.__dict__.items():
        if name in STANDARD or name.startswith("_"):
            continue
        found[name] = "[redacted]" if REDACTED.search(name) else _plain(value)
    return found


def _plain(value: Any) -> Any:
    if isinstance(value, bool | int | float) or value is None:
        return value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value][:50]
    text = str(value)
    return text if len(text) <= MAX_VALUE else text[:MAX_VALUE] + "…"


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message and every field."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **fields_of(record),
        }
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


class KeyValueFormatter(logging.Formatter):
    """`time LEVEL logger message key=value ...`, values with spaces quoted."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        pairs = " ".join(f"{name}={_quoted(value)}" for name, value in fields_of(record).items())
        if not pairs:
            return line
        head, sep, rest = line.partition("\n")  # a traceback stays below the fields
        return f"{head} {pairs}{sep}{rest}"


def _quoted(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False) if isinstance(value, list) else str(value)
    if text == "" or any(c.isspace() or c in '"=' for c in text):
        return json.dumps(text, ensure_ascii=False)
    return text
