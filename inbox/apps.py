from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "inbox"

    def ready(self) -> None:
        from accounts import ports as account_ports
        from inbox import ports, tasks
        from inbox.actions.staff import release_conversations

        ports.provide(
            change_worker=ports.ChangeWorker(
                handle=lambda conversation_id, team_id, reason: tasks.conversation_changed.delay(
                    conversation_id, team_id, reason
                ),
                drain=lambda: tasks.drain_changes.delay(),
            )
        )
        account_ports.provide(
            staff=account_ports.StaffHooks(
                release_conversations=lambda user, team_ids, actor: release_conversations(
                    user=user, team_ids=team_ids, actor=actor
                ),
                capacity_changed=lambda team_id: tasks.assign_team.delay(team_id),
            )
        )
