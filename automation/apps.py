from django.apps import AppConfig


class AutomationConfig(AppConfig):
    name = "automation"

    def ready(self) -> None:
        from automation import engine, tasks
        from inbox import ports

        ports.provide(
            automation=ports.Automation(
                changed=engine.changed,
                flagged=lambda conversation_id, flag, key: tasks.sla_flagged.delay(conversation_id, flag, key),
            )
        )
