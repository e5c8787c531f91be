"""The email channel: IMAP in (IMAPClient, UID cursor, IDLE), SMTP out (threaded replies).

Channel.config: address, display_name, imap_host, imap_port, imap_tls ("ssl" | "starttls" |
"plain"), imap_user, imap_folder, smtp_host, smtp_port, smtp_tls, smtp_user, and optionally
max_attachment_bytes, timeout and tls_ca_file. Channel.credentials: imap_password, smtp_password
(never logged). Channel.cursor: {"uidvalidity": int, "last_uid": int}, moved only after a mail is
committed.

The modules, by what they do:

- client: IMAPClient and smtplib behind a small adapter (sessions, TLS modes, errors in our terms)
- parsing: raw bytes -> ParsedMail (headers, parts, auto-replies, bounces); decoding: charsets
  and encoded headers that lie about themselves
- html: sanitising, remote images held back, cid: links, text <-> HTML, quoted-text folding;
  remote_content: where a URL in a mail points (remote, inline, local or unsafe), pure
- authenticity: what the receiving server's Authentication-Results say of the sender
- threading: which conversation a mail joins; the [#id] subject token
- payloads: ParsedMail -> InboundMessage (pure)
- connector: EmailConnector (poll, send, reply rules); intake: one mail stored exactly once, or
  quarantined (quarantine) with its kind and reason
- idle: IMAP IDLE listeners and their supervisor (`manage.py email_idle`)
- views, urls: what agents open from a conversation; admin: settings pages and the quarantine

This package is always imported as channels_app.email, never as a top-level "email": the
standard library's email package keeps its name everywhere, so every import here is absolute.
"""
