"""Email pages agents use: attachment downloads, the message body partial, remote images, the conversation page."""

from pathlib import Path

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from channels_app.email.connector import EmailConnector
from inbox.models import Channel, ChannelKind, Message, StoredAttachment
from tests.factories import make_channel, make_team, make_user

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "email"
SECRET = "Imap-S3cret-Never-Shown"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def email_channel(team=None) -> Channel:
    return make_channel(
        team=team or make_team(),
        kind=ChannelKind.EMAIL,
        config={"address": "support@shop.example.com", "display_name": "Shop Support"},
        credentials={"imap_password": SECRET},
    )


def received(channel: Channel, fixture: str) -> Message:
    EmailConnector(channel).process_raw((FIXTURES / fixture).read_bytes())
    return Message.objects.filter(channel=channel).latest("id")


def test_an_attachment_downloads_as_a_file_never_rendered(client):
    # given
    team = make_team()
    message = received(email_channel(team), "attachment.eml")
    client.force_login(make_user(teams=[team]))
    # when
    response = client.get(message.attachments[0]["url"])
    # then
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="invoice 4711.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/octet-stream"
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_another_teams_agent_gets_404_for_an_attachment(client):
    # given
    message = received(email_channel(), "attachment.eml")
    client.force_login(make_user(teams=[make_team()]))
    # when
    response = client.get(message.attachments[0]["url"])
    # then
    assert response.status_code == 404


def test_the_body_partial_blocks_remote_images_and_folds_the_quote():
    # given
    message = received(email_channel(), "alternative.eml")
    # when
    html = render_to_string("channels_app/_email_body.html", {"m": message})
    # then
    assert "Remote images blocked." in html
    assert reverse("email:message", args=[message.pk]) in html
    assert "<summary>Show full text</summary>" in html
    assert ' src="https://tracker.example.net' not in html
    assert "<script" not in html


def test_the_body_partial_links_attachments_as_downloads():
    # given
    message = received(email_channel(), "attachment.eml")
    stored = StoredAttachment.objects.get(message=message)
    # when
    html = render_to_string("channels_app/_email_body.html", {"m": message})
    # then
    assert f'<a href="/email/attachments/{stored.pk}/" download>invoice 4711.pdf</a>' in html
    assert "Remote images blocked." not in html


def test_load_remote_images_shows_them_for_that_message_only(client):
    # given
    team = make_team()
    message = received(email_channel(team), "alternative.eml")
    client.force_login(make_user(teams=[team]))
    # when
    response = client.get(reverse("email:message", args=[message.pk]))
    # then
    policy = response["Content-Security-Policy"]
    assert '<img alt="pixel" src="https://tracker.example.net/pixel.gif?u=1">' in response.content.decode()
    assert "img-src 'self' data: https: http:" in policy
    assert "script-src 'self'" in policy


def test_the_conversation_page_shows_the_mail_with_images_blocked_and_the_quote_folded(client):
    # given
    team = make_team()
    message = received(email_channel(team), "alternative.eml")
    client.force_login(make_user(teams=[team]))
    # when
    response = client.get(reverse("inbox:conversation", args=[message.conversation_id]))
    # then
    page = response.content.decode()
    assert "<b>Nimbus kettle</b>" in page
    assert "Load remote images" in page
    assert "<summary>Show full text</summary>" in page
    assert "alert(1)" not in page
