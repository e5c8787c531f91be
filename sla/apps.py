from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "sla"

    def ready(self) -> None:
        from django.utils import timezone

        from accounts import ports as account_ports
        from inbox import ports
        from sla import scoring, tasks

        # The change handler pushes the fresh row itself, so the scorer announces nothing.
        ports.provide(
            rescore=lambda conversation_id: scoring.evaluate_conversation(
                conversation_id=conversation_id, now=timezone.now(), announce=False
            )
        )
        account_ports.provide(
            scoring=account_ports.ScoringHooks(
                team_calendar_changed=lambda team_id, name: tasks.start_rescore(
                    label=f"Team {name}'s default calendar changed", team_id=team_id
                )
            )
        )
