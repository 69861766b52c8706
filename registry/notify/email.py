"""E-mail: confirmation and change notices, sent by SMTP or written to a mailbox."""

from __future__ import annotations

from email.message import EmailMessage

from registry.config import Settings


def compose(delivery, subscription, settings: Settings) -> EmailMessage:
    raise NotImplementedError("e-mail composition is being written")


def send_mail(message: EmailMessage, settings: Settings) -> None:
    raise NotImplementedError("e-mail sending is being written")
