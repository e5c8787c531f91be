"""Logging in the way a person does (the login form, through django-axes), not Client.login."""

from django.test import Client


def logs_in(username: str, password: str, client: Client | None = None) -> bool:
    client = client or Client()
    client.post("/login/", {"username": username, "password": password})
    return "_auth_user_id" in client.session
