"""Channel secrets are encrypted at rest with Fernet; MultiFernet lets old keys still decrypt."""

import json
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings
from django.db import models


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.PARLEY_SECRET_KEYS))


class EncryptedJSONField(models.TextField):
    """A dict stored as one Fernet token. Never queried on, never shown back in forms."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> dict[str, Any]:
        if not value:
            return {}
        return json.loads(fernet().decrypt(value.encode()).decode())

    def to_python(self, value: Any) -> dict[str, Any]:
        if isinstance(value, dict):
            return value
        if not value:
            return {}
        return json.loads(fernet().decrypt(str(value).encode()).decode())

    def get_prep_value(self, value: Any) -> str:
        return fernet().encrypt(json.dumps(value or {}).encode()).decode()
