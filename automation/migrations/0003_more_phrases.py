"""More default complaint phrases: real complaints the first list missed (asking for the money back,
"thanks for nothing", a damaged parcel in each language), found by trying real phrasings. An admin
who already deleted one of the first list keeps it deleted: only these are added."""

from django.db import migrations

PHRASES = {
    "en": [
        "money back", "want a refund", "where is my refund", "no refund", "thanks for nothing", "is a joke", "not happy", "nightmare",
        "done with you", "nobody replies", "no one replies", "nobody reply", "never arrived", "still hasn't",
        "arrived broken", "arrived damaged", "lost my package", "lost my parcel", "😡", "🤬",
    ],
    "es": [
        "quiero un reembolso", "mi dinero", "llegó roto", "llegó rota", "llegó dañado", "nunca llegó",
        "nadie me responde", "nadie me contesta",
    ],
    "de": ["kaputt", "geld zurück", "beschädigt", "nie angekommen", "niemand meldet sich"],
    "fr": ["je veux être remboursé", "je veux être remboursée", "cassé", "cassée", "endommagé", "jamais reçu", "jamais arrivé"],
    "sv": ["trasig", "trasigt", "pengarna tillbaka", "aldrig kommit", "skadad", "skadat"],
}  # fmt: skip


def seed(apps, schema_editor):
    ComplaintPhrase = apps.get_model("automation", "ComplaintPhrase")
    for language, phrases in PHRASES.items():
        for phrase in phrases:
            ComplaintPhrase.objects.get_or_create(phrase=phrase, language=language)


def unseed(apps, schema_editor):
    ComplaintPhrase = apps.get_model("automation", "ComplaintPhrase")
    for language, phrases in PHRASES.items():
        ComplaintPhrase.objects.filter(language=language, phrase__in=phrases).delete()


class Migration(migrations.Migration):
    dependencies = [("automation", "0002_defaults")]
    operations = [migrations.RunPython(seed, unseed)]
