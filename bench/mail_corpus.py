"""Every mail kept: a real-world corpus through a real Dovecot, counted; this tree beside a baseline commit.

The corpus is the public test mails that ship with CPython (read from the interpreter's test
package at run time) plus the malformed ones in tests/channels_app/email/corpus.py. Both trees
read the same corpus from their own Dovecot mailbox into their own database, polling as the beat
would (a poll that raises is retried, up to --polls times); the script prints mails in the folder
against messages plus quarantine entries, the mails dropped (read, yet accounted for nowhere) and
never read (behind a mail that blocks the cursor), and the time per mail read.
The baseline is the given commit (default: main before issue 12's mail work), exported with git
archive and run with this interpreter; it needs Dovecot (dovecot-imapd) and PostgreSQL.

    .venv/bin/python bench/mail_corpus.py [--baseline d5655fa] [--polls 3]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # the repository root, not bench/ (see bench/ingest.py)

import argparse
import json
import os
import shutil
import subprocess
import tempfile
import time
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BASELINE = "d5655fa"


def measure(*, database: str, port: int, user: str, password: str, polls: int) -> dict[str, Any]:
    """Poll one mailbox into a fresh database and count; uses only what both trees have."""
    from bench._setup import drop_database, setup_django

    setup_django(database=database, run_id=f"bench-mail-{os.getpid()}")
    try:
        from accounts.models import Team
        from channels_app.email.connector import EmailConnector
        from channels_app.models import QuarantinedMail
        from inbox.models import Channel, ChannelKind, Message

        config = {
            "address": "support@shop.example.com",
            "imap_host": "127.0.0.1",
            "imap_port": port,
            "imap_tls": "plain",
            "imap_user": user,
            "imap_folder": "INBOX",
            "smtp_host": "127.0.0.1",
            "smtp_port": 1,
            "smtp_tls": "plain",
            "timeout": 30,
            "trusted_authserv_ids": "mx.shop.example.com",
        }
        channel = Channel.objects.create(
            kind=ChannelKind.EMAIL,
            name="Corpus",
            team=Team.objects.create(name="Corpus"),
            config=config,
            credentials={"imap_password": password},
        )
        errors = []
        started = time.perf_counter()
        for _ in range(polls):
            try:
                EmailConnector(Channel.objects.get(pk=channel.pk)).poll()
                break
            except Exception as error:  # noqa: BLE001 - the beat would log it and poll again
                errors.append(f"{type(error).__name__}: {str(error).splitlines()[0][:120]}")
        seconds = time.perf_counter() - started
        kinds: dict[str, int] = {}
        for item in QuarantinedMail.objects.filter(channel=channel):
            kind = getattr(item, "kind", "unparseable")
            kinds[kind] = kinds.get(kind, 0) + 1
        return {
            "messages": Message.objects.filter(channel=channel).count(),
            "quarantined": sum(kinds.values()),
            "kinds": kinds,
            "last_uid": int((Channel.objects.get(pk=channel.pk).cursor or {}).get("last_uid", 0)),
            "errors": errors,
            "seconds": seconds,
        }
    finally:
        drop_database(database)


def _baseline_tree(commit: str, into: Path) -> Path:
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    shutil.copy(Path(__file__), into / "bench" / "mail_corpus.py")  # this measuring code, on the old tree
    return into


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", default=BASELINE, help="the commit to compare with")
    parser.add_argument("--polls", type=int, default=3)
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # child mode: JSON of database,port,user,password
    args = parser.parse_args()
    os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="parley-bench-media-"))
    if args.measure:
        print(json.dumps(measure(**json.loads(args.measure), polls=args.polls)))
        return

    from tests.channels_app.email.corpus import corpus, cpython_data_dir
    from tests.channels_app.email.mailserver import mailbox_for, running_dovecot

    mails = corpus()
    print(f"corpus: {len(mails)} mails ({cpython_data_dir() or 'no CPython test data'} + written ones)")
    rows = []
    with running_dovecot() as server, tempfile.TemporaryDirectory(prefix="parley-baseline-") as folder:
        tree = _baseline_tree(args.baseline, Path(folder))
        for label, cwd, number in (("this tree", ROOT, 1), (f"baseline {args.baseline}", tree, 2)):
            box = mailbox_for(server, number)
            held = box.append_all([raw for _, raw in mails])
            job = {"database": f"parley_bench_mail_{number}", "port": server.port, "user": box.user, "password": box.password}
            done = subprocess.run(
                [sys.executable, str(cwd / "bench" / "mail_corpus.py"), "--measure", json.dumps(job), "--polls", str(args.polls)],
                cwd=cwd,
                capture_output=True,
                text=True,
                env={**os.environ, "PYTHONPATH": str(cwd)},
            )
            if done.returncode != 0:
                raise SystemExit(f"{label} failed:\n{done.stderr[-3000:]}")
            result = json.loads(done.stdout.strip().splitlines()[-1])
            rows.append((label, held, result))

    print(f"{'':24} {'in folder':>9} {'messages':>9} {'quarantined':>11} {'dropped':>8} {'unread':>7} {'ms/mail':>8}")
    for label, held, result in rows:
        # dropped: read from the folder, yet neither a message nor quarantined; unread: never
        # read at all (the cursor stopped in front of them).
        dropped = result["last_uid"] - result["messages"] - result["quarantined"]
        unread = held - result["last_uid"]
        counts = f"{held:9} {result['messages']:9} {result['quarantined']:11} {dropped:8} {unread:7}"
        print(f"{label:24} {counts} {1000 * result['seconds'] / max(result['last_uid'], 1):8.1f}")
    for label, _, result in rows:
        print(f"{label}: quarantine by kind {result['kinds'] or '{}'}; polls that failed: {len(result['errors'])}")
        for error in dict.fromkeys(result["errors"]):
            print(f"    {error}")
    (_, _, ours), (_, _, base) = rows
    if base["seconds"] and base["last_uid"]:
        ratio = (ours["seconds"] / max(ours["last_uid"], 1)) / (base["seconds"] / base["last_uid"])
        print(f"time per mail read, this tree / baseline: {ratio:.2f}")


if __name__ == "__main__":
    main()
