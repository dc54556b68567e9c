"""Sending email through the organisation's mail server (SMTP), with errors a person can act on.

One :class:`MailConnection` is opened per publish and sends one message per volunteer.  Every
failure becomes a :class:`~organizer.errors.MailError` subclass whose message names the server.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from types import TracebackType

from organizer.errors import MailConnectionError, MailError, MailLoginError, MailSecurityError
from organizer.services.settings import OrganisationSettings, SmtpSecurity

DEFAULT_TIMEOUT = 30.0
"""Seconds to wait for the mail server at each step before giving up."""


class MailRecipientError(MailError):
    """The mail server refused one recipient; other messages may still go through."""


@dataclass(frozen=True)
class SmtpConfig:
    """Where and how to send mail.  ``password`` is only used when ``user`` is set."""

    host: str
    port: int
    security: SmtpSecurity = SmtpSecurity.STARTTLS
    user: str = ""
    password: str | None = None
    timeout: float = DEFAULT_TIMEOUT

    @classmethod
    def from_settings(
        cls,
        settings: OrganisationSettings,
        password: str | None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> SmtpConfig:
        """The configuration the organisation's settings describe.

        Raises:
            MailError: no mail server is set.
        """
        if not settings.smtp_host:
            raise MailError("No mail server is set. Enter one in the publishing settings.")
        return cls(
            host=settings.smtp_host,
            port=settings.port,
            security=settings.smtp_security,
            user=settings.smtp_user,
            password=password,
            timeout=timeout,
        )

    @property
    def server(self) -> str:
        """How messages name the server: ``host:port``."""
        return f"{self.host}:{self.port}"


class MailConnection:
    """An open, logged-in connection to the mail server; use it as a context manager."""

    def __init__(self, config: SmtpConfig, *, tls_context: ssl.SSLContext | None = None) -> None:
        self.config = config
        self._tls = tls_context
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> MailConnection:
        self.open()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def open(self) -> None:
        """Connect, secure the connection as configured and log in when a user is set.

        Raises:
            MailConnectionError: the server cannot be reached or refused the connection.
            MailSecurityError: the TLS connection failed (or STARTTLS is not offered).
            MailLoginError: the server refused the login, or no password was given.
        """
        config = self.config
        if config.user and config.password is None:
            raise MailLoginError(
                f"No password was given for {config.user} on the mail server {config.server}."
            )
        context = self._tls or ssl.create_default_context()
        smtp: smtplib.SMTP | None = None
        try:
            with _translated(config):
                if config.security is SmtpSecurity.TLS:
                    smtp = smtplib.SMTP_SSL(
                        config.host, config.port, timeout=config.timeout, context=context
                    )
                else:
                    smtp = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
                smtp.ehlo_or_helo_if_needed()
                if config.security is SmtpSecurity.STARTTLS:
                    if not smtp.has_extn("starttls"):
                        raise MailSecurityError(
                            f"The mail server {config.server} does not offer STARTTLS. Choose "
                            "TLS (usually port 465) or ask your provider for the right settings."
                        )
                    smtp.starttls(context=context)
                    smtp.ehlo()
                if config.user:
                    assert config.password is not None
                    smtp.login(config.user, config.password)
        except BaseException:
            if smtp is not None:
                _close_quietly(smtp)
            raise
        self._smtp = smtp

    def send(self, message: EmailMessage) -> None:
        """Send one message.

        Raises:
            MailRecipientError: the server refused the recipient (others may still work).
            MailError: the server refused the message or the connection broke.
        """
        if self._smtp is None:
            raise MailConnectionError(f"Not connected to the mail server {self.config.server}.")
        with _translated(self.config):
            refused = self._smtp.send_message(message)
        if refused:
            who = ", ".join(sorted(refused))
            raise MailRecipientError(f"The mail server {self.config.server} refused {who}.")

    def close(self) -> None:
        """Say goodbye to the server (quietly: the messages are already sent)."""
        if self._smtp is not None:
            _close_quietly(self._smtp)
            self._smtp = None


@contextmanager
def _translated(config: SmtpConfig) -> Iterator[None]:
    """Turn smtplib, socket and ssl failures into MailErrors naming the server."""
    try:
        yield
    except MailError:
        raise
    except (smtplib.SMTPException, OSError) as error:
        translated = mail_error_for(error, config)
        if translated is None:
            raise
        raise translated from error


def mail_error_for(error: BaseException, config: SmtpConfig) -> MailError | None:
    """The MailError explaining ``error`` (None when it is not about mail: a bug)."""
    server = f"the mail server {config.server}"
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return MailLoginError(
            f"{server.capitalize()} refused the user name or password for {config.user}."
        )
    if isinstance(error, smtplib.SMTPNotSupportedError):
        if "auth" in str(error).lower():
            return MailLoginError(
                f"{server.capitalize()} does not accept a login on this connection. "
                "Check the security setting (STARTTLS or TLS)."
            )
        return MailSecurityError(f"{server.capitalize()} does not support this: {error}.")
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        who = ", ".join(sorted(error.recipients))
        return MailRecipientError(f"{server.capitalize()} refused the recipient {who}.")
    if isinstance(error, smtplib.SMTPSenderRefused):
        return MailError(
            f"{server.capitalize()} refused to send mail from {error.sender}: "
            f"{_reply(error.smtp_error)}"
        )
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return MailConnectionError(f"{server.capitalize()} closed the connection unexpectedly.")
    if isinstance(error, smtplib.SMTPConnectError):
        return MailConnectionError(
            f"{server.capitalize()} refused the connection: {_reply(error.smtp_error)}"
        )
    if isinstance(error, smtplib.SMTPResponseException):
        return MailError(
            f"{server.capitalize()} refused the message: {error.smtp_code} "
            f"{_reply(error.smtp_error)}"
        )
    if isinstance(error, smtplib.SMTPException):
        return MailError(f"Sending through {server} failed: {error}")
    if isinstance(error, ssl.SSLError | ssl.CertificateError):
        reason = getattr(error, "reason", None) or getattr(error, "verify_message", None) or error
        return MailSecurityError(
            f"The secure connection to {server} failed ({reason}). Check the security "
            "setting (STARTTLS or TLS) and the port."
        )
    if isinstance(error, socket.gaierror):
        return MailConnectionError(
            f"The mail server name {config.host} could not be found. Check the spelling and "
            "the network connection."
        )
    if isinstance(error, ConnectionRefusedError):
        return MailConnectionError(
            f"{server.capitalize()} refused the connection. Check the server name and port."
        )
    if isinstance(error, TimeoutError):
        return MailConnectionError(
            f"{server.capitalize()} did not answer within {config.timeout:g} seconds."
        )
    if isinstance(error, OSError):
        return MailConnectionError(
            f"{server.capitalize()} could not be reached: {error.strerror or error}."
        )
    return None


def _reply(raw: bytes | str) -> str:
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    return " ".join(text.split())


def _close_quietly(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()
