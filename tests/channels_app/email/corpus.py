"""A real-world mail corpus: the public test mails that ship with CPython, plus malformed ones written here.

The CPython mails (Lib/test/test_email/data/msg_*.txt) are read from the interpreter's own test
package at run time, never copied into this repository. The written ones are the shapes that lost
or blocked mail before: shared Message-IDs with other content, no Message-ID, byte-identical
copies, values longer than their columns, raw 8-bit headers, no headers, no sender, binary junk.
"""

from __future__ import annotations

import os
from pathlib import Path


def cpython_data_dir() -> Path | None:
    try:
        import test  # the standard library's test package (absent from some slim Python builds)
    except ImportError:
        return None
    folder = Path(os.path.dirname(test.__file__)) / "test_email" / "data"
    return folder if folder.is_dir() else None


def cpython_mails() -> list[tuple[str, bytes]]:
    folder = cpython_data_dir()
    if folder is None:
        return []
    return [(path.name, path.read_bytes()) for path in sorted(folder.glob("msg_*.txt"))]


def _mail(headers: str, body: str = "Hello.\n") -> bytes:
    return (headers.strip("\n").replace("\n", "\r\n") + "\r\n\r\n" + body.replace("\n", "\r\n")).encode("utf-8")


def written_mails() -> list[tuple[str, bytes]]:
    std = "To: support@shop.example.com\nDate: Tue, 24 Nov 2026 09:15:00 +0100\n"
    mails: list[tuple[str, bytes]] = []
    # One Message-ID, three contents (a resent mail, a mail program that reuses ids, a forgery).
    for n, body in enumerate(["My order is late.", "Also the invoice is wrong.", "And the box was open."]):
        mails.append(
            (f"shared-id-{n}", _mail(f"From: anna@example.org\n{std}Subject: Order\nMessage-ID: <shared@example.org>", body))
        )
    # No Message-ID, same Date, From and Subject, different bodies.
    for n in range(3):
        mails.append((f"no-id-{n}", _mail(f"From: bob@example.org\n{std}Subject: Question", f"Question number {n}.")))
    # A byte-identical copy of a mail already in the folder.
    copy = _mail(f"From: carla@example.org\n{std}Subject: Twice\nMessage-ID: <twice@example.org>", "Sent twice.")
    mails += [("copy-1", copy), ("copy-2", copy)]
    # Values longer than their columns.
    mails.append(
        ("long-name", _mail(f'From: "{"Very Long Name " * 25}" <long@example.org>\n{std}Subject: x\nMessage-ID: <ln@e.org>'))
    )
    mails.append(("long-subject", _mail(f"From: d@example.org\n{std}Subject: {'word ' * 400}\nMessage-ID: <ls@e.org>")))
    mails.append(("long-msgid", _mail(f"From: e@example.org\n{std}Subject: id\nMessage-ID: <{'x' * 400}@example.org>")))
    mails.append(("long-address", _mail(f"From: {'a' * 300}@example.org\n{std}Subject: addr\nMessage-ID: <la@e.org>")))
    mails.append(
        (
            "long-filename",
            _mail(
                f"From: f@example.org\n{std}Subject: file\nMessage-ID: <lf@e.org>\nContent-Type: multipart/mixed; boundary=B",
                f'--B\nContent-Type: text/plain\n\nsee file\n--B\nContent-Type: application/pdf\nContent-Disposition: attachment; filename="{"n" * 400}.pdf"\n'
                "Content-Transfer-Encoding: base64\n\nJVBERg==\n--B--\n",
            ),
        )
    )
    # Raw 8-bit headers (Windows-1252), encoded words, a Windows path, a whole forwarded mail.
    mails.append(
        (
            "8bit-headers",
            b"From: J\xfcrgen <j@example.org>\r\nSubject: Gr\xfc\xdfe \x96 Preis \x80\r\nMessage-ID: <8b@e.org>\r\n\r\nHallo\r\n",
        )
    )
    mails.append(
        (
            "forwarded-whole",
            _mail(
                f"From: g@example.org\n{std}Subject: Fwd: kettle\nMessage-ID: <fw@e.org>\nContent-Type: message/rfc822",
                "From: h@example.org\nSubject: kettle\n\nThe kettle leaks.\n",
            ),
        )
    )
    mails.append(
        (
            "windows-path",
            _mail(
                f"From: i@example.org\n{std}Subject: scan\nMessage-ID: <wp@e.org>\nContent-Type: multipart/mixed; boundary=B",
                '--B\nContent-Type: text/plain\n\nscan\n--B\nContent-Type: application/pdf\nContent-Disposition: attachment; filename="C:\\\\Scans\\\\scan.pdf"\n'
                "Content-Transfer-Encoding: base64\n\nJVBERg==\n--B--\n",
            ),
        )
    )
    # Broken structure: lost boundary, bad base64, unknown charset, NUL bytes.
    mails.append(
        (
            "lost-boundary",
            _mail(
                f"From: j@example.org\n{std}Subject: b\nMessage-ID: <lb@e.org>\nContent-Type: multipart/mixed; boundary=NOPE",
                "--OTHER\n\ntext\n--OTHER--\n",
            ),
        )
    )
    mails.append(
        (
            "bad-base64",
            _mail(
                f"From: k@example.org\n{std}Subject: b64\nMessage-ID: <b64@e.org>\nContent-Transfer-Encoding: base64",
                "!!!not base64***\n",
            ),
        )
    )
    mails.append(
        (
            "unknown-charset",
            _mail(
                f"From: l@example.org\n{std}Subject: cs\nMessage-ID: <cs@e.org>\nContent-Type: text/plain; charset=x-unknown-42",
                "Hello there\n",
            ),
        )
    )
    mails.append(
        ("nul-bytes", b"From: m@example.org\r\nSubject: nul\x00here\r\nMessage-ID: <nul@e.org>\r\n\r\nbody\x00with nul\r\n")
    )
    # Not mail at all, or no sender: quarantined, never dropped.
    mails.append(("no-headers", b"This is not a mail at all, just text.\r\n"))
    mails.append(("binary-junk", bytes(range(256)) * 4))
    mails.append(("no-sender", _mail(f"{std}Subject: who\nMessage-ID: <ns@e.org>")))
    mails.append(("header-only-garbage", b": : :\r\n\r\n"))
    # Spoofs: our own address without proof, a customer's name failing DMARC at a trusted server.
    mails.append(
        (
            "spoof-ours",
            _mail(
                f"From: support@shop.example.com\n{std}Subject: Re: Order\nMessage-ID: <sp1@e.org>\nIn-Reply-To: <shared@example.org>"
            ),
        )
    )
    mails.append(
        (
            "spoof-customer",
            _mail(
                "Authentication-Results: mx.shop.example.com; dmarc=fail header.from=example.org\n"
                f"From: anna@example.org\n{std}Subject: Re: Order\nMessage-ID: <sp2@e.org>"
            ),
        )
    )
    return mails


def corpus() -> list[tuple[str, bytes]]:
    return cpython_mails() + written_mails()
