"""The default rules and complaint phrases (admins edit both at /settings/rules/)."""

from django.db import migrations

# Phrases that mark a complaint whatever VADER's (English-only) score says: calm English complaints,
# and Spanish, German, French and Swedish ones. Matched as whole words, ignoring case and accents.
PHRASES = {
    "en": [
        "still waiting", "still not", "nobody answers", "no one answers", "no response", "charged twice",
        "unacceptable", "ripped off", "rip off", "scam", "never again", "worst", "terrible", "useless",
        "disappointed", "doesn't work", "does not work", "not working", "broken", "cancel my",
        "complaint", "ridiculous", "disgrace", "fed up",
    ],
    "es": [
        "sigo esperando", "todavía no", "nadie responde", "nadie contesta", "inaceptable", "estafa",
        "pésimo", "pésima", "vergüenza", "no funciona", "queja", "reclamación", "decepcionado",
        "decepcionada", "nunca más", "harto", "harta",
    ],
    "de": [
        "warte immer noch", "immer noch nicht", "keiner antwortet", "niemand antwortet", "inakzeptabel",
        "unverschämt", "betrug", "katastrophe", "funktioniert nicht", "beschwerde", "enttäuscht",
        "nie wieder", "frechheit", "schlechteste",
    ],
    "fr": [
        "toujours pas", "j'attends toujours", "personne ne répond", "inadmissible", "inacceptable",
        "arnaque", "honteux", "scandaleux", "ne fonctionne pas", "ne marche pas", "plainte", "réclamation",
        "déçu", "déçue", "plus jamais", "nul",
    ],
    "sv": [
        "väntar fortfarande", "fortfarande inte", "ingen svarar", "oacceptabelt", "bedrägeri",
        "fungerar inte", "klagomål", "besviken", "aldrig mer", "skandal",
    ],
}  # fmt: skip

RULES = [
    {
        "name": "Loud first complaint",
        "position": 10,
        "trigger": "message",
        "visibility": "public",
        "complaint": "first",
        "min_reach": 10_000,
        "set_priority": "urgent",
        "notify_supervisors": True,
    },
    {
        "name": "Public complaint",
        "position": 20,
        "trigger": "message",
        "visibility": "public",
        "complaint": "yes",
        "set_priority": "high",
    },
]


def seed(apps, schema_editor):
    ComplaintPhrase = apps.get_model("automation", "ComplaintPhrase")
    Rule = apps.get_model("automation", "Rule")
    for language, phrases in PHRASES.items():
        for phrase in phrases:
            ComplaintPhrase.objects.get_or_create(phrase=phrase, language=language)
    for fields in RULES:
        Rule.objects.get_or_create(name=fields["name"], defaults=fields)


def unseed(apps, schema_editor):
    apps.get_model("automation", "Rule").objects.filter(name__in=[r["name"] for r in RULES]).delete()
    apps.get_model("automation", "ComplaintPhrase").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("automation", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
