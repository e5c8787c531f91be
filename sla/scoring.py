from datetime import datetime


def evaluate_conversation(*, conversation_id: int, now: datetime) -> None:
    return None


def detect_due(*, now: datetime) -> int:
    return 0
