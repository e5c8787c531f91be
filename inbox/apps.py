from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "inbox"

    def ready(self) -> None:
        from inbox import ports, tasks

        ports.provide(
            change_worker=ports.ChangeWorker(
                handle=lambda conversation_id, team_id, reason: tasks.conversation_changed.delay(
                    conversation_id, team_id, reason
                ),
                drain=lambda: tasks.drain_changes.delay(),
            )
        )
