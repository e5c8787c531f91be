"""The email channel: IMAP in (IMAPClient, UID cursor, IDLE), SMTP out (threaded replies).

Channel.config: address, display_name, imap_host, imap_port, imap_tls ("ssl" | "starttls" |
"plain"), imap_user, imap_folder, smtp_host, smtp_port, smtp_tls, smtp_user, and optionally
max_attachment_bytes, timeout and tls_ca_file. Channel.credentials: imap_password, smtp_password
(never logged). Channel.cursor: {"uidvalidity": int, "last_uid": int}, moved only after a mail is
committed.

The modules, by what they do:

- client: IMAPClient and smtplib behind a small adapter (sessions, TLS modes, errors in our terms)
- parsing: raw bytes -> ParsedMail (headers, charsets, parts, auto-replies, bounces)
- html: sanitising, remote images, cid: links, text <-> HTML, quoted-text folding
- threading: which conversation a mail joins; the [#id] subject token
- payloads: ParsedMail -> InboundMessage (pure)
- connector: EmailConnector (poll, one mail, quarantine, send, reply rules)
- idle: IMAP IDLE listeners and their supervisor (`manage.py email_idle`)
- views, urls: what agents open from a conversation; admin: settings pages and the quarantine

This package is always imported as channels_app.email, never as a top-level "email": the
standard library's email package keeps its name everywhere, so every import here is absolute.
"""
