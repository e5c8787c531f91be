"""IMAPClient and smtplib behind a small adapter: logged-in sessions, the TLS modes, errors in our terms.

A refused login is a ChannelAuthError (the channel needs an admin); a server that cannot be
reached or answers unexpectedly is a MailServerError; a send that fails is the SendError that
tells delivery whether to retry. Certificates are always verified. Passwords come from
Channel.credentials and are never part of a message or a log line.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from email.message import EmailMessage
from typing import Any

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from channels_app.base import ChannelAuthError, NotSent, OutcomeUnknown, PermanentSendError

TLS_MODES = (("ssl", "Implicit TLS (SSL)"), ("starttls", "STARTTLS"), ("plain", "None (local testing only)"))
DEFAULT_TIMEOUT = 30.0


class MailServerError(Exception):
    """The mail server could not be reached or answered unexpectedly; the text says which and why."""


def tls_context(config: Mapping[str, Any]) -> ssl.SSLContext:
    """Certificates are always verified (system CAs; a private CA bundle via config "tls_ca_file")."""
    return ssl.create_default_context(cafile=config.get("tls_ca_file") or None)


class MailClient:
    """One channel's IMAP and SMTP servers, as its config and credentials describe them."""

    def __init__(self, config: Mapping[str, Any], credentials: Mapping[str, Any]) -> None:
        self.config = config
        self.credentials = credentials

    @property
    def folder(self) -> str:
        return str(self.config.get("imap_folder") or "INBOX")

    @property
    def address(self) -> str:
        return str(self.config.get("address", "")).strip()

    @property
    def timeout(self) -> float:
        return float(self.config.get("timeout", DEFAULT_TIMEOUT))

    # --- IMAP ---------------------------------------------------------------------------------------

    @contextmanager
    def imap(self) -> Iterator[IMAPClient]:
        """A logged-in IMAPClient. Login refused -> ChannelAuthError; unreachable -> MailServerError."""
        host = str(self.config.get("imap_host", ""))
        port = int(self.config.get("imap_port") or 993)
        mode = str(self.config.get("imap_tls", "ssl"))
        user = str(self.config.get("imap_user", ""))
        try:
            client = IMAPClient(host, port=port, ssl=mode == "ssl", ssl_context=tls_context(self.config), timeout=self.timeout)
        except ssl.SSLError as error:
            raise MailServerError(f"IMAP TLS with {host}:{port} failed: {_describe(error)}") from error
        except (OSError, IMAPClientError) as error:
            raise MailServerError(f"IMAP server {host}:{port} unreachable: {_describe(error)}") from error
        try:
            if mode == "starttls":
                client.starttls(tls_context(self.config))
            try:
                client.login(user, str(self.credentials.get("imap_password", "")))
            except LoginError as error:
                raise ChannelAuthError(f"IMAP login refused for {user}: {_describe(error)}") from None
            yield client
        except ssl.SSLError as error:
            raise MailServerError(f"IMAP TLS with {host}:{port} failed: {_describe(error)}") from error
        except (OSError, IMAPClientError) as error:
            raise MailServerError(f"IMAP server {host}:{port} failed: {_describe(error)}") from error
        finally:
            try:
                client.logout()
            except (OSError, IMAPClientError):
                try:
                    client.shutdown()
                except (OSError, IMAPClientError):
                    pass  # the connection is gone either way

    def check_imap(self) -> str:
        """A sentence saying what the IMAP server said; raises MailServerError / ChannelAuthError."""
        with self.imap() as client:
            try:
                info = client.select_folder(self.folder, readonly=True)
            except IMAPClientError as error:
                raise MailServerError(f"IMAP folder {self.folder!r} cannot be opened: {_describe(error)}") from None
            idle = "supports IDLE" if client.has_capability("IDLE") else "no IDLE (polling only)"
            return f"IMAP OK: {self.folder} has {int(info.get(b'EXISTS', 0))} messages; {idle}."

    # --- SMTP ---------------------------------------------------------------------------------------

    @contextmanager
    def smtp(self) -> Iterator[smtplib.SMTP]:
        """A connected (and, with an SMTP user, logged-in) session; smtplib's own errors pass through."""
        host = str(self.config.get("smtp_host", ""))
        port = int(self.config.get("smtp_port") or 465)
        mode = str(self.config.get("smtp_tls", "ssl"))
        # Our EHLO name: the support address's domain (smtplib's default, getfqdn(), can hang on DNS).
        helo = self.address.rpartition("@")[2] or "localhost"
        smtp: smtplib.SMTP
        if mode == "ssl":
            smtp = smtplib.SMTP_SSL(host, port, local_hostname=helo, timeout=self.timeout, context=tls_context(self.config))
        else:
            smtp = smtplib.SMTP(host, port, local_hostname=helo, timeout=self.timeout)
        try:
            if mode == "starttls":
                smtp.ehlo()
                smtp.starttls(context=tls_context(self.config))
                smtp.ehlo()
            user = str(self.config.get("smtp_user", ""))
            if user:
                smtp.login(user, str(self.credentials.get("smtp_password", "")))
            yield smtp
        finally:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()

    def send(self, mail: EmailMessage, *, from_addr: str, to_addrs: list[str]) -> None:
        """Hand one mail to the SMTP server; raises the SendError that says whether to retry.

        Anything that fails before the server's 354 (go ahead with DATA) provably sent nothing and
        is retried; a timeout or dropped connection after the mail's text went out may follow a
        delivery, so it is OutcomeUnknown, never retried by itself.
        """
        body_sent = [False]
        try:
            with self.smtp() as smtp:
                _track_data(smtp, body_sent)
                smtp.send_message(mail, from_addr=from_addr, to_addrs=to_addrs)
                body_sent[0] = False  # 250 after DATA: delivered to the server; quit() errors do not matter
        except smtplib.SMTPAuthenticationError as error:
            raise ChannelAuthError(f"SMTP login refused: {_smtp_answer(error)}") from None
        except smtplib.SMTPRecipientsRefused as error:
            code, answer = next(iter(error.recipients.values()))
            raise _by_code(code, f"Recipient refused: {code} {_decode(answer)}") from None
        except smtplib.SMTPResponseException as error:
            raise _by_code(error.smtp_code, f"SMTP server answered {_smtp_answer(error)}") from None
        except ssl.SSLError as error:
            raise ChannelAuthError(f"SMTP TLS failed: {error}") from None
        except (smtplib.SMTPException, OSError) as error:
            if body_sent[0]:
                raise OutcomeUnknown(
                    f"the SMTP server took the mail's text and then {_describe(error)} before confirming it.",
                    "Ask the customer whether it arrived, or look in the mailbox's Sent folder; retry only if it is not there.",
                ) from None
            raise NotSent(f"SMTP server unreachable: {_describe(error)}") from None

    def check_smtp(self) -> str:
        """A sentence saying what the SMTP server said; raises MailServerError / ChannelAuthError."""
        try:
            with self.smtp() as smtp:
                code, _ = smtp.noop()
        except smtplib.SMTPAuthenticationError as error:
            raise ChannelAuthError(f"SMTP login refused: {_smtp_answer(error)}") from None
        except smtplib.SMTPResponseException as error:
            raise MailServerError(f"SMTP server answered {_smtp_answer(error)}") from None
        except ssl.SSLError as error:
            host, port = self.config.get("smtp_host", ""), self.config.get("smtp_port", "")
            raise MailServerError(f"SMTP TLS with {host}:{port} failed: {_describe(error)}") from None
        except (smtplib.SMTPException, OSError) as error:
            host, port = self.config.get("smtp_host", ""), self.config.get("smtp_port", "")
            raise MailServerError(f"SMTP server {host}:{port} unreachable: {_describe(error)}") from None
        return f"SMTP OK: the server accepted the connection ({code})."


def _track_data(smtp: smtplib.SMTP, body_sent: list[bool]) -> None:
    """Set body_sent[0] once the server answers DATA with 354: the mail's text follows at once."""
    getreply, data = smtp.getreply, smtp.data
    in_data = [False]

    def tracked_getreply() -> tuple[int, bytes]:
        code, text = getreply()
        if in_data[0] and code == 354:
            body_sent[0] = True
        return code, text

    def tracked_data(msg: Any) -> tuple[int, bytes]:
        in_data[0] = True
        return data(msg)

    smtp.getreply = tracked_getreply
    smtp.data = tracked_data


def _decode(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _smtp_answer(error: smtplib.SMTPResponseException) -> str:
    return f"{error.smtp_code} {_decode(error.smtp_error)}".strip()


def _by_code(code: int, reason: str) -> PermanentSendError | NotSent:
    return NotSent(reason) if 400 <= code < 500 else PermanentSendError(reason)


def _describe(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    if isinstance(error, socket.timeout):
        return "timed out"
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    return text.replace("b'", "").replace("'", "").strip()[:300]
