from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo workspace (`./parley demo`): it builds on every other app, and none builds on it."""

    name = "demo"
