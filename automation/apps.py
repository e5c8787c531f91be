from django.apps import AppConfig


class AutomationConfig(AppConfig):
    name = "automation"

    def ready(self) -> None:
        from automation import engine, tasks
        from inbox import ports

        ports.provide(
            automation=ports.Automation(
                changed=engine.changed,
                flagged=tasks.sla_flagged.delay,
            )
        )
