"""The complaint detector on real phrasings: tone (VADER, English) and the seeded phrase list."""

import pytest

from automation.complaint import detect, reads_as_english
from automation.facts import short_count
from automation.models import ComplaintPhrase

pytestmark = pytest.mark.django_db

COMPLAINTS = [
    "This is the worst service ever. Three weeks and no refund. Never again.",
    "I am so angry, your app deleted all my photos!!",
    "Absolutely disgusting customer service @brand",
    "wtf is wrong with your app",
    "Still waiting for my refund after 3 weeks",  # calm words, a complaint all the same
    "I have been charged twice and nobody answers",
    "Sigo esperando mi pedido desde hace tres semanas",
    "Es una vergüenza, la aplicación no funciona",
    "Das ist eine Frechheit, die App funktioniert nicht",
    "Ich warte immer noch auf meine Erstattung",
    "Je suis très déçue, toujours pas de remboursement",
    "C'est une arnaque, personne ne répond",
    "Jag väntar fortfarande på min återbetalning",
    # calm or sarcastic ones the first phrase list missed (migration automation/0003)
    "I want my money back",
    "This is a joke. Two weeks and no parcel.",
    "Thanks for nothing",  # VADER reads "thanks" as positive
    "Your support is a nightmare",
    "Why does nobody reply to my emails?",
    "Lost my package again",
    "Hola, quiero un reembolso, el producto llegó roto",
    "Das Paket ist kaputt angekommen",
    "Je veux être remboursé, produit cassé",
    "Paketet kom trasigt, jag vill ha pengarna tillbaka",
]
NOT_COMPLAINTS = [
    "Where is my order?",
    "Thanks so much, you guys are great!",
    "Can you tell me your opening hours?",
    "Hola, ¿a qué hora abren?",
    "Die Lieferung kam pünktlich, danke",  # "die" is German, not death
    "Merci beaucoup pour votre aide !",
    "Wie sind Ihre Öffnungszeiten?",
    "Is the scampi on the menu today?",  # "scam" only as a whole word
    "My refund came through, thanks!",
    "How do refunds work for gifts?",
    "Can I return the jacket?",
]


def _phrases():
    return list(ComplaintPhrase.objects.values_list("phrase", flat=True))


@pytest.mark.parametrize("text", COMPLAINTS)
def test_real_complaints_are_found(text):
    assert detect(text, phrases=_phrases()).complaint


@pytest.mark.parametrize("text", NOT_COMPLAINTS)
def test_questions_and_thanks_are_not_complaints(text):
    assert not detect(text, phrases=_phrases()).complaint


def test_a_phrase_matches_without_accents_and_reports_the_admins_wording():
    verdict = detect("je suis decue", phrases=["déçue"])
    assert verdict.complaint and verdict.matched == "déçue"


def test_an_admin_added_phrase_counts():
    assert not detect("The parcel arrived soggy", phrases=_phrases()).complaint
    ComplaintPhrase.objects.create(phrase="soggy", language="en")
    assert detect("The parcel arrived soggy", phrases=_phrases()).complaint


def test_empty_and_odd_text():
    assert not detect("", phrases=_phrases()).complaint
    assert not detect("🙂", phrases=_phrases()).complaint
    assert reads_as_english("I hate this")
    assert not reads_as_english("Die Lieferung ist da und sie ist gut")


def test_reach_in_a_queue_row():
    assert [short_count(n) for n in (950, 1340, 48_200, 1_340_000)] == ["950", "1.3k", "48k", "1.3M"]
