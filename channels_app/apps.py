from django.apps import AppConfig


class ChannelsAppConfig(AppConfig):
    name = "channels_app"
    label = "channels_app"

    def ready(self) -> None:
        from channels_app.ports import ChannelRules
        from inbox import ports

        ports.provide(channels=ChannelRules())
