"""Outside systems behind small interfaces (habit 7): email through Django's SMTP backend, text
messages through a provider adapter (Twilio). Each failure says whether a retry can help.

Tests use the real SMTP backend against a real SMTP server on loopback (aiosmtpd), and the real
Twilio client with a fake HTTP layer (never the network)."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.core.mail import EmailMessage, get_connection

from naltrack.config import ReminderConfig

from .messages import Message


class SendError(Exception):
    """A message that did not go out. `retry`: whether trying again later can help (a server
    down, a timeout) or not (an address refused for good, a number that replied STOP)."""

    def __init__(self, message: str, *, retry: bool, address_problem: bool = False) -> None:
        super().__init__(message)
        self.retry = retry
        # The address itself is at fault (bounced, unknown number): staff are shown it.
        self.address_problem = address_problem


class Transport(Protocol):
    def send(self, to: str, message: Message, headers: dict[str, str]) -> str:
        """Send, or raise SendError. Returns the provider's id of the message (may be empty)."""
        ...


SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
CONSOLE_BACKEND = "django.core.mail.backends.console.EmailBackend"


@dataclass
class EmailTransport:
    """Email through a Django mail backend: SMTP to the clinic's server (or the console in
    development when no server is configured)."""

    host: str | None
    port: int
    sender: str
    user: str = ""
    password: str = ""
    use_tls: bool = False
    timeout: float = 20.0

    @classmethod
    def from_config(cls, config: ReminderConfig) -> EmailTransport:
        return cls(config.smtp_host, config.smtp_port, config.email_from, config.smtp_user,
                   config.smtp_password, config.smtp_tls)  # fmt: skip

    def send(self, to: str, message: Message, headers: dict[str, str]) -> str:
        if self.host is None:
            connection = get_connection(CONSOLE_BACKEND)
        else:
            connection = get_connection(
                SMTP_BACKEND, host=self.host, port=self.port, username=self.user or None,
                password=self.password or None, use_tls=self.use_tls, timeout=self.timeout,
                fail_silently=False,
            )  # fmt: skip
        email = EmailMessage(message.subject, message.body, self.sender, [to], headers=headers,
                             connection=connection)  # fmt: skip
        try:
            sent = email.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as err:
            code, text = next(iter(err.recipients.values()), (0, b""))
            reason = f"the mail server refused the address: {code} {_text(text)}"
            # 4xx: try again later; 5xx: the address is refused for good.
            raise SendError(reason, retry=400 <= code < 500, address_problem=code >= 500) from None
        except smtplib.SMTPResponseException as err:
            reason = f"the mail server answered {err.smtp_code} {_text(err.smtp_error)}"
            raise SendError(reason, retry=err.smtp_code < 500) from None
        except (TimeoutError, smtplib.SMTPException, OSError) as err:
            raise SendError(f"the mail server could not be reached: {err}", retry=True) from None
        if sent != 1:
            raise SendError("the mail server did not take the message", retry=True)
        return ""


def _text(raw: bytes | str) -> str:
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)


# Twilio's error codes that mean the number itself will not take messages (retry cannot help):
# 21211 invalid 'To' number, 21610 the recipient replied STOP, 21614 not a mobile number,
# 21408 region not enabled, 30003/30005/30006 unreachable, unknown or landline handset.
TWILIO_ADDRESS_ERRORS = frozenset({21211, 21610, 21614, 30003, 30005, 30006})
TWILIO_PERMANENT_ERRORS = TWILIO_ADDRESS_ERRORS | {21408, 20003}


@dataclass
class TwilioSms:
    """Text messages through Twilio's REST API with the official client library. `http_client`
    replaces its HTTP layer (tests pass a fake; the default is the library's own)."""

    account_sid: str
    auth_token: str
    sender: str
    http_client: Any = None
    _client: Any = field(default=None, init=False, repr=False)

    @classmethod
    def from_config(cls, config: ReminderConfig, http_client: Any = None) -> TwilioSms:
        return cls(config.twilio_account_sid, config.twilio_auth_token, config.twilio_from,
                   http_client)  # fmt: skip

    def client(self) -> Any:
        if self._client is None:
            from twilio.rest import Client

            self._client = Client(self.account_sid, self.auth_token, http_client=self.http_client)
        return self._client

    def send(self, to: str, message: Message, headers: dict[str, str]) -> str:
        from twilio.base.exceptions import TwilioException, TwilioRestException

        try:
            sent = self.client().messages.create(to=to, from_=self.sender, body=message.body)
        except TwilioRestException as err:
            code = err.code or 0
            reason = f"the SMS provider refused the message: {err.status} {code} {err.msg}".strip()
            permanent = code in TWILIO_PERMANENT_ERRORS or (400 <= err.status < 500 and err.status != 429)  # fmt: skip
            raise SendError(reason, retry=not permanent,
                            address_problem=code in TWILIO_ADDRESS_ERRORS) from None  # fmt: skip
        except (TwilioException, OSError) as err:
            raise SendError(f"the SMS provider could not be reached: {err}", retry=True) from None
        return str(sent.sid or "")


class NoSms:
    """No SMS provider configured (NALTRACK_SMS_PROVIDER=none): text reminders wait, and say why."""

    def send(self, to: str, message: Message, headers: dict[str, str]) -> str:
        raise SendError("no SMS provider is configured (NALTRACK_SMS_PROVIDER)", retry=True)


def transports_from_config(config: ReminderConfig) -> dict[str, Transport]:
    sms: Transport = TwilioSms.from_config(config) if config.sms_provider == "twilio" else NoSms()
    return {"email": EmailTransport.from_config(config), "sms": sms}
