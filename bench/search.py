"""Search server time at 1,000,000 conversations and 5,000,000 messages, beside a bare indexed lookup.

Fills its own PostgreSQL database (parley_bench_search, dropped at the end) with server-side
INSERT ... SELECT generate_series (fixed setseed, so every run builds the same data): 20 teams,
200,000 customers named from a cast of first and last names, each with an X handle and an email
address, 1M conversations and 5 messages each drawn from customer-service templates with order
numbers, products and common words. Then it times GET /search/?q=... through Django's handler
(middleware, session, the search, the template) as an agent of one team and as an admin of all,
over a mix of queries (an order number, a full name, a handle fragment, an email address, a common
word, two words, a word nobody wrote), beside a bare primary-key lookup of a message (the same
connection, the same run), and prints p50/p95 per query and overall with the ratio.

    .venv/bin/python bench/search.py                                  # 1M conversations, 5M messages
    .venv/bin/python bench/search.py --conversations 100000 --messages-per 5 --repeat 10

    .venv/bin/python bench/search.py --keep      # fill once (about 5 minutes) and keep the database
    .venv/bin/python bench/search.py --reuse     # measure the kept database again

Any run without --reuse starts by dropping parley_bench_search, a kept one too.
Target (issue 17): p95 <= 100 ms at 1M conversations / 5M messages.
"""

from __future__ import annotations

import sys
from pathlib import Path

# As in bench/queue_view.py: the repository root, not this folder, goes first on sys.path.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

import argparse  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import time  # noqa: E402

from bench._setup import drop_database, percentile, setup_django, use_database  # noqa: E402

DATABASE = "parley_bench_search"
TEAMS = 20
FIRST = ["Alex", "Sam", "Maria", "Jonas", "Aisha", "Liam", "Noor", "Elin", "Mateo", "Priya", "Oskar", "Chen",
         "Fatima", "Erik", "Sofia", "Kenji", "Ingrid", "Diego", "Hanna", "Tariq", "Maja", "Lucas", "Amara", "Nils"]  # fmt: skip
LAST = ["Berg", "Okafor", "Lindqvist", "Garcia", "Khan", "Nilsson", "Rossi", "Tanaka", "Svensson", "Dubois",
        "Novak", "Haddad", "Moreau", "Silva", "Kowalski", "Larsen", "Ahmed", "Fischer", "Costa", "Ito"]  # fmt: skip
PRODUCTS = ["Aurora lamp", "Fjord backpack", "Nimbus kettle", "Polar jacket", "Tundra boots", "Lumen speaker"]
TEMPLATES = [
    "My order #{order} still hasn't arrived, it's been a week. What is going on?",
    "The {product} I got is broken out of the box. Really disappointed.",
    "I was charged twice for order #{order}!! Please refund one.",
    "Where is my refund for order #{order}?",
    "Does the {product} work with the older charger?",
    "Thanks, that helped!",
    "Any update on this?",
    "Can I change the delivery address for order #{order}?",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=1_000_000)
    parser.add_argument("--messages-per", type=int, default=5, help="messages per conversation")
    parser.add_argument("--repeat", type=int, default=20, help="timed requests per (user, query)")
    parser.add_argument("--seed", type=float, default=0.17)
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    parser.add_argument("--reuse", action="store_true", help="measure an existing (--keep) database")
    args = parser.parse_args()
    if args.reuse:
        use_database(DATABASE)
    else:
        setup_django(database=DATABASE, run_id=f"bench-search-{os.getpid()}")
    try:
        if not args.reuse:
            seconds = fill(args.conversations, messages_per=args.messages_per, seed=args.seed)
            total = args.conversations * args.messages_per
            print(f"filled {args.conversations:,} conversations, {total:,} messages in {seconds:.0f} s")
        measure(repeat=args.repeat, conversations=args.conversations)
    finally:
        if not args.keep and not args.reuse:
            drop_database(DATABASE)


# --- data ------------------------------------------------------------------------------------------


def _sql_array(values: list[str]) -> str:
    return "ARRAY[" + ",".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def fill(size: int, *, messages_per: int, seed: float) -> float:
    from django.db import connection

    from accounts.models import Role, Team, User
    from inbox.models import Channel

    started = time.perf_counter()
    teams = Team.objects.bulk_create([Team(name=f"Team {i + 1:02d}") for i in range(TEAMS)])
    Channel.objects.bulk_create(
        [
            Channel(kind="simulated", name=f"{t.name} {f}", team=t, config={"flavor": f}, poll_interval_seconds=86400)
            for t in teams
            for f in ("x", "facebook", "email")
        ]
    )
    agent = User.objects.create(username="bench-agent", password="!", role=Role.AGENT)
    agent.teams.set([teams[0]])
    User.objects.create(username="bench-admin", password="!", role=Role.ADMIN)
    customers = max(size // 5, 1000)
    first, last = _sql_array(FIRST), _sql_array(LAST)
    texts = _sql_array(TEMPLATES)
    products = _sql_array(PRODUCTS)
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '1GB'")
        cursor.execute("SELECT setseed(%s)", [seed])
        # Bulk load first, index after: the search indexes are dropped and rebuilt around the load.
        cursor.execute("DROP INDEX IF EXISTS " + ", ".join(name for _table, name, _using in _migration_indexes()))
        cursor.execute(
            f"INSERT INTO inbox_customer (name, created_at) "
            f"SELECT ({first})[1 + g %% 24] || ' ' || ({last})[1 + (g / 24) %% 20], now() "
            f"FROM generate_series(1, %s) g",
            [customers],
        )
        cursor.execute(
            "INSERT INTO inbox_identity (kind, external_id, customer_id, handle, display_name, profile_url, avatar_url,"
            " created_at)"
            f" SELECT 'sim-x', 'x-' || g, g, '@' || lower(({first})[1 + g %% 24] || ({last})[1 + (g / 24) %% 20]) || g,"
            f" ({first})[1 + g %% 24] || ' ' || ({last})[1 + (g / 24) %% 20], '', '', now() FROM generate_series(1, %s) g",
            [customers],
        )
        cursor.execute(
            "INSERT INTO inbox_identity (kind, external_id, customer_id, handle, display_name, profile_url, avatar_url,"
            " created_at)"
            f" SELECT 'sim-email', 'email-' || g, g,"
            f" lower(({first})[1 + g %% 24] || '.' || ({last})[1 + (g / 24) %% 20]) || g || '@example.com',"
            f" ({first})[1 + g %% 24] || ' ' || ({last})[1 + (g / 24) %% 20], '', '', now() FROM generate_series(1, %s) g",
            [customers],
        )
        cursor.execute("ALTER TABLE inbox_conversation DISABLE TRIGGER inbox_queue_counter")
        cursor.execute(
            """
            INSERT INTO inbox_conversation (
              channel_id, team_id, customer_id, identity_id, thread_key, status, priority, subject, visibility,
              last_inbound_at, last_message_preview, created_at, updated_at, sla_state, sla_rank,
              sla_paused_left_seconds)
            SELECT (team - 1) * 3 + 1 + g %% 3, team, c, c, 'bench-' || g,
                   CASE WHEN random() < 0.1 THEN 'open' ELSE 'resolved' END, 'normal',
                   CASE WHEN g %% 3 = 2 THEN 'Question about order #' || (100000 + g) ELSE '' END,
                   'public', now() - g * interval '1 second', 'My order #' || (100000 + g),
                   now() - g * interval '1 second', now(), 'none', 1, NULL
            FROM (SELECT g, 1 + g %% %(teams)s AS team, 1 + (g::bigint * 7919) %% %(customers)s AS c
                  FROM generate_series(1, %(size)s) g) s
            """,
            {"teams": TEAMS, "customers": customers, "size": size},
        )
        cursor.execute("ALTER TABLE inbox_conversation ENABLE TRIGGER inbox_queue_counter")
        cursor.execute(
            f"""
            INSERT INTO inbox_message (conversation_id, channel_id, direction, kind, external_id, text, html, attachments,
              visibility, platform_time, received_time, starts_sla, delivery_state, delivery_attempts, delivery_error,
              send_options, raw)
            SELECT c.id, c.channel_id, CASE WHEN k %% 2 = 0 THEN 'in' ELSE 'out' END, 'message', 'b-' || c.id || '-' || k,
                   replace(replace(({texts})[1 + floor(random() * {len(TEMPLATES)})::int], '{{order}}', (100000 + c.id)::text),
                           '{{product}}', ({products})[1 + floor(random() * {len(PRODUCTS)})::int]),
                   '', '[]', 'public', c.created_at + k * interval '1 minute', c.created_at + k * interval '1 minute',
                   k %% 2 = 0, '', 0, '', '{{}}', '{{}}'
            FROM inbox_conversation c CROSS JOIN generate_series(0, %s - 1) k
            """,
            [messages_per],
        )
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '1GB'")
        for table, name, using in _migration_indexes():
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING {using}")
        cursor.execute("ANALYZE")
    return time.perf_counter() - started


def _migration_indexes() -> list[tuple[str, str, str]]:
    """The search indexes as the newest search migration leaves them."""
    import importlib

    from inbox.migrations import __path__ as migration_path

    name = sorted(p.stem for p in Path(migration_path[0]).glob("*_search_*.py"))[-1]
    return list(importlib.import_module(f"inbox.migrations.{name}").INDEXES)


# --- measuring -------------------------------------------------------------------------------------


def queries(conversations: int) -> dict[str, str]:
    """The mix, about one conversation of the agent's team (so both users have something to find):
    an order number one of its messages holds, its customer's name, handle and address."""
    import re

    from inbox.models import Conversation, Message

    rng = random.Random(7)
    g = rng.randrange(1, conversations // TEAMS) * TEAMS  # the team of conversation g is 1 + g % TEAMS
    while True:
        texts = Message.objects.filter(conversation_id=g).values_list("text", flat=True)
        numbers = [n for t in texts for n in re.findall(r"#([0-9]+)", t)]
        if numbers:
            break
        g += TEAMS
    customer = Conversation.objects.select_related("customer").get(pk=g).customer
    handles = {i.kind: i.handle for i in customer.identities.all()}
    return {
        "order number": f"#{numbers[0]}",
        "full name": customer.name,
        "handle fragment": handles["sim-x"].lstrip("@")[:-1],
        "email address": handles["sim-email"],
        "common word": "refund",
        "two words": "broken lamp",
        "nobody wrote it": "zebrafish",
    }


def measure(*, repeat: int, conversations: int) -> None:
    from django.db import connection
    from django.test import Client

    from accounts.models import User
    from inbox.models import Message

    mix = queries(conversations)
    samples: dict[tuple[str, str], list[float]] = {}
    found: dict[tuple[str, str], int] = {}
    for who, username in (("agent (1 team)", "bench-agent"), ("admin (20 teams)", "bench-admin")):
        client = Client()
        client.force_login(User.objects.get(username=username))
        for name, q in mix.items():
            response = client.get("/search/", {"q": q})  # warm
            found[(who, name)] = response.content.decode().count("<li>")
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                response = client.get("/search/", {"q": q})
                times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200
            samples[(who, name)] = times
    top = Message.objects.order_by("-id").values_list("id", flat=True).first()
    rng = random.Random(3)
    bare = []
    for _ in range(repeat * len(mix)):
        pk = rng.randrange(1, top)
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SELECT id, text FROM inbox_message WHERE id = %s", [pk])
            cursor.fetchone()
        bare.append((time.perf_counter() - started) * 1000)
    messages = Message.objects.count()
    print(f"\nsearch server time, GET /search/ through Django's handler, {conversations:,} conversations /", end=" ")
    print(f"{messages:,} messages (ms):")
    print(f"  {'user':<18}{'query':<18}{'q':<34}{'results':>8}{'p50':>9}{'p95':>9}")
    for (who, name), times in samples.items():
        shown = mix[name]
        print(f"  {who:<18}{name:<18}{shown:<34}{found[(who, name)]:>8}{percentile(times, 50):9.2f}{percentile(times, 95):9.2f}")
    for who in ("agent (1 team)", "admin (20 teams)"):
        if not found[(who, "order number")]:
            print(f"  BUG: the {who} found nothing by the order number {mix['order number']}")
    every = [t for ts in samples.values() for t in ts]
    p95, bare95 = percentile(every, 95), percentile(bare, 95)
    print(f"\n  search overall: p50 {percentile(every, 50):.2f}  p95 {p95:.2f} ms  (n={len(every)}; target p95 <= 100 ms)")
    print(f"  bare indexed lookup (SELECT by primary key): p50 {percentile(bare, 50):.3f}  p95 {bare95:.3f} ms")
    print(f"  ratio search p95 / bare lookup p95: {p95 / bare95:.0f}x")


if __name__ == "__main__":
    main()
