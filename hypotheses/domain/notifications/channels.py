"""The channels: e-mail by SMTP, and HTTP posts to Telegram, Slack-compatible and JSON hooks.

Each ``send_*`` raises DeliveryError with a short, readable reason when the message was not
accepted; the worker then retries later and shows the reason to admins.
"""

from __future__ import annotations

import json
import os
import smtplib
import ssl
import urllib.error
import urllib.request
from email.header import Header
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import formatdate
from typing import Any

from flask import current_app

from hypotheses.domain.notifications import signing
from hypotheses.domain.notifications.secretbox import SecretUnreadable, open_box
from hypotheses.enums import WebhookKind
from hypotheses.models import OutboxMessage, TeamWebhook

TELEGRAM_API = "https://api.telegram.org"
CRLF = compat32.clone(linesep="\r\n")
HTTP_TIMEOUT = 15


class DeliveryError(Exception):
    """A message was not accepted; the text says why (shown to admins)."""


def setting(name: str, default: Any = None) -> Any:
    """A mail setting from the instance config, else the environment (MAIL_SERVER ...)."""
    value = current_app.config.get(name)
    if value is None or value == "":
        value = os.environ.get(name, default)
    return value


def _flag(name: str) -> bool:
    value = setting(name, False)
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return bool(value)


def message_id(message: OutboxMessage, sender: str) -> str:
    """The outbox row's Message-ID, the same on every attempt: should a send be repeated (the
    worker stopped between the server's acceptance and marking the row sent), mail clients
    that drop a repeated Message-ID show it once. The row's creation time keeps it unique
    across databases sending from one domain."""
    domain = sender.rpartition("@")[2].strip(" >") or "localhost"
    stamp = message.created_at.strftime("%Y%m%d%H%M%S%f") if message.created_at else "0"
    return f"<{stamp}.outbox{message.id}@{domain}>"


def _email(message: OutboxMessage, sender: str) -> MIMEBase:
    """The message as MIME: plain text, and HTML as the alternative when there is one.
    (The compat32 classes: a third of EmailMessage's cost, for the same bytes on the wire.)"""
    text = MIMEText(message.body_text, "plain", "utf-8")
    if message.body_html:
        email: MIMEBase = MIMEMultipart("alternative")
        email.attach(text)
        email.attach(MIMEText(message.body_html, "html", "utf-8"))
    else:
        email = text
    email["Subject"] = Header(message.subject, "utf-8")
    email["From"] = sender
    email["To"] = message.recipient
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = message_id(message, sender)
    email["Auto-Submitted"] = "auto-generated"
    return email


class Mailer:
    """An SMTP connection kept open for a batch of messages (MAIL_SERVER, MAIL_PORT,
    MAIL_USERNAME, MAIL_PASSWORD, MAIL_USE_TLS (STARTTLS) or MAIL_USE_SSL, MAIL_FROM); after a
    failure the next message opens a fresh connection."""

    def __init__(self) -> None:
        self.client: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        server = setting("MAIL_SERVER")
        if not server:
            raise DeliveryError("MAIL_SERVER is not set: e-mail cannot be sent")
        use_ssl = _flag("MAIL_USE_SSL")
        port = int(setting("MAIL_PORT") or (465 if use_ssl else 25))
        timeout = float(setting("MAIL_TIMEOUT") or 30)
        self.where = f"{server}:{port}"
        if use_ssl:
            context = ssl.create_default_context()
            client = smtplib.SMTP_SSL(server, port, timeout=timeout, context=context)
        else:
            client = smtplib.SMTP(server, port, timeout=timeout)
        try:
            if _flag("MAIL_USE_TLS") and not use_ssl:
                client.starttls(context=ssl.create_default_context())
            username = setting("MAIL_USERNAME")
            if username:
                client.login(username, setting("MAIL_PASSWORD") or "")
        except BaseException:
            client.close()
            raise
        return client

    def send(self, message: OutboxMessage) -> None:
        sender = setting("MAIL_FROM") or setting("MAIL_DEFAULT_SENDER") or "hypotheses@localhost"
        self.where = f"{setting('MAIL_SERVER')}:{setting('MAIL_PORT') or ''}"
        try:
            if self.client is None:
                self.client = self._connect()
            email = _email(message, sender)
            wire = email.as_bytes(policy=CRLF)  # smtplib sends bytes as they are
            self.client.sendmail(sender, [message.recipient], wire)
        except (OSError, smtplib.SMTPException) as error:
            self.close()
            raise DeliveryError(f"SMTP {self.where}: {error}") from error

    def close(self) -> None:
        client, self.client = self.client, None
        if client is not None:
            try:
                client.quit()
            except (OSError, smtplib.SMTPException):
                client.close()


def send_email(message: OutboxMessage) -> None:
    """Send *message* by SMTP on a connection of its own."""
    mailer = Mailer()
    try:
        mailer.send(message)
    finally:
        mailer.close()


def _post(url: str, body: bytes, headers: dict[str, str]) -> None:
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json", **headers}
    )
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:  # noqa: S310
            response.read(65536)
    except urllib.error.HTTPError as error:
        with error:  # it holds the response and its socket
            detail = error.read(300).decode("utf-8", "replace")
        raise DeliveryError(f"HTTP {error.code} from {_safe(url)}: {detail}") from error
    except (OSError, ValueError) as error:
        raise DeliveryError(f"{_safe(url)}: {error}") from error


def _safe(url: str) -> str:
    """The address without its path (Slack and Telegram addresses hold their secret)."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"


def post_webhook(message: OutboxMessage, hook: TeamWebhook | None) -> None:
    """Post *message* to its team webhook."""
    if hook is None or not hook.active:
        raise DeliveryError("the webhook was removed or switched off")
    try:
        secret = open_box(hook.secret_box)
    except SecretUnreadable:
        raise DeliveryError(
            "the webhook's secret cannot be read (SECRET_KEY changed): enter it again"
        ) from None
    body = json.dumps(message.payload or {}, ensure_ascii=False).encode()
    if hook.kind == WebhookKind.TELEGRAM:
        base = str(current_app.config.get("TELEGRAM_API_URL") or TELEGRAM_API).rstrip("/")
        _post(f"{base}/bot{secret}/sendMessage", body, {})
    elif hook.kind == WebhookKind.SLACK:
        _post(secret, body, {})
    else:
        headers = {
            signing.HEADER: signing.sign(secret, body),
            "X-Hypotheses-Event": message.event,
            "X-Hypotheses-Delivery": str(message.id),
            "User-Agent": "hypotheses-webhooks/1",
        }
        _post(hook.target, body, headers)
