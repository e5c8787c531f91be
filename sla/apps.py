from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "sla"

    def ready(self) -> None:
        from django.utils import timezone

        from inbox import ports
        from sla import scoring

        # The change handler pushes the fresh row itself, so the scorer announces nothing.
        ports.provide(
            rescore=lambda conversation_id: scoring.evaluate_conversation(
                conversation_id=conversation_id, now=timezone.now(), announce=False
            )
        )
