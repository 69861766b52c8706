"""E-mail: confirmation and change notices, sent by SMTP or written to a mailbox."""

from __future__ import annotations

import base64
import functools
import logging
import re
import smtplib
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.header import Header
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from markupsafe import Markup

from registry.changes.wire import notice_details, public_change
from registry.config import Settings
from registry.i18n.labels import CHANGES, label
from registry.i18n.mail import mail_text
from registry.notify.models import Delivery, Subscription
from registry.notify.services import LINK_LIFETIMES, link_token, objection_url
from registry.notify.vocabularies import DeliveryPurpose, LinkPurpose

log = logging.getLogger(__name__)

DEFAULT_PORTS = {"none": 25, "starttls": 587, "implicit": 465}

# A paragraph, or a link as (text, url): both parts of a mail are rendered from these.
Block = str | tuple[str, str]

# Every line and paragraph separator (what str.splitlines breaks at) and every other
# control character: a header cannot hold them (folding refuses them, and a bare CR or
# LF would begin a new header), and a name or a paragraph is one line.
LINE_BREAKING = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def one_line(text: str) -> str:
    """`text` with each run of line breaks and control characters made one space: free
    text (a processor's name, a summary) can then never break or inject a header."""
    return LINE_BREAKING.sub(" ", text).strip()


class MailPolicy(EmailPolicy):
    """The default policy, except that URL headers are never folded (a long URL would
    be cut into RFC 2047 encoded words, which mail clients cannot follow), and that a
    Subject whose text looks like an encoded word (`=?utf-8?b?...?=`, in a processor's
    name, say) is sent wholly encoded, so that a reader shows that text as it is."""

    unfolded = frozenset({"list-unsubscribe"})

    def _literal_encoded_words(self, name: str, value: str) -> bool:
        return name.lower() == "subject" and "=?" in value

    def fold(self, name: str, value: str) -> str:
        if name.lower() in self.unfolded:
            return f"{name}: {value}{self.linesep}"
        if self._literal_encoded_words(name, value):
            encoded = Header(str(value), "utf-8", header_name=name).encode(linesep=self.linesep)
            return f"{name}: {encoded}{self.linesep}"
        return super().fold(name, value)

    def fold_binary(self, name: str, value: str) -> bytes:
        if name.lower() in self.unfolded or self._literal_encoded_words(name, value):
            return self.fold(name, value).encode("ascii")
        return super().fold_binary(name, value)


def literal_header(text: str) -> str:
    """A header value that means `text` as written: setting a header parses encoded
    words in it, so text holding `=?` is handed over as one encoded word of itself."""
    if "=?" not in text:
        return text
    return f"=?utf-8?b?{base64.b64encode(text.encode()).decode()}?="


MAIL_POLICY = MailPolicy()


# -- composing ------------------------------------------------------------------------


def compose(delivery: Delivery, subscription: Subscription, settings: Settings) -> EmailMessage:
    """The mail for one delivery: a confirmation request or a change notice, in the
    subscriber's language, as text and HTML alternatives."""
    now = datetime.now(UTC)
    if delivery.purpose == DeliveryPurpose.CONFIRMATION:
        return _confirmation(delivery, subscription, settings, now)
    if delivery.purpose == DeliveryPurpose.EVENT and delivery.event is not None:
        return _notice(delivery, subscription, settings, now)
    raise ValueError(f"no e-mail for a {delivery.purpose!r} delivery")


def compose_message(delivery: Delivery, settings: Settings) -> EmailMessage:
    """A `message` delivery's mail, as its sender wrote it (subject, title, blocks)."""
    content = delivery.content or {}
    lang = content.get("lang", "en")
    blocks: list[Block] = [block if isinstance(block, str) else (block[0], block[1])
                           for block in content.get("blocks", [])]
    message = EmailMessage(policy=MAIL_POLICY)
    message["From"] = settings.MAIL_FROM
    if settings.MAIL_REPLY_TO:
        message["Reply-To"] = settings.MAIL_REPLY_TO
    message["To"] = delivery.to_address
    _headers(message, delivery, settings, content.get("subject", ""), datetime.now(UTC))
    _set_body(message, lang, one_line(content.get("title", "")), blocks)
    return message


def _confirmation(delivery: Delivery, subscription: Subscription, settings: Settings,
                  now: datetime) -> EmailMessage:
    lang, org = subscription.lang, settings.ORGANISATION_NAME
    # Issued when the mail is made, so the link works for its whole lifetime after it is sent.
    token = link_token(subscription, LinkPurpose.CONFIRM, settings, now=now)
    link = settings.public_url("/public/subscriptions/confirm", token=token)
    blocks: list[Block] = [
        mail_text(lang, "confirm_intro", org=org),
        (mail_text(lang, "confirm_action"), link),
        mail_text(lang, "confirm_valid", days=str(LINK_LIFETIMES[LinkPurpose.CONFIRM].days)),
        mail_text(lang, "confirm_ignore"),
    ]
    subject = mail_text(lang, "confirm_subject", org=org)
    message = _message(delivery, subscription, settings, subject, now)
    _set_body(message, lang, one_line(subject), blocks)
    return message


def _notice(delivery: Delivery, subscription: Subscription, settings: Settings,
            now: datetime) -> EmailMessage:
    lang, org = subscription.lang, settings.ORGANISATION_NAME
    change = public_change(delivery.event, lang, settings)
    name, summary = one_line(change["processor_name"]), one_line(change["summary"])
    effective = change["effective_at"].astimezone(UTC)
    kind = (label(CHANGES, lang, change["type"]) if change["type"] in CHANGES["en"]
            else mail_text(lang, "withdrawn"))
    subject = mail_text(lang, "notice_subject", org=org, name=name,
                        change=kind, date=effective.date().isoformat())
    unsubscribe = settings.public_url(
        "/public/subscriptions/unsubscribe",
        token=link_token(subscription, LinkPurpose.UNSUBSCRIBE, settings))
    blocks: list[Block] = [
        mail_text(lang, "what", name=name, change=kind) + f" {summary}",
    ]
    # What a customer needs to decide: the processor, where the data goes and on what
    # ground, and for an edit what changed.
    blocks += [one_line(line) for line in notice_details(change, lang)]
    blocks.append(mail_text(lang, "effective", date=effective.date().isoformat()))
    if change["objection_deadline"] is not None:
        # The recipient's own link: an objection through it is recorded at once.
        deadline = change["objection_deadline"].astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
        customer = subscription.customer
        answer = "answer" if customer is not None and customer.authorisation == "specific" \
            else "object"
        blocks.append((mail_text(lang, answer, deadline=deadline),
                       objection_url(subscription.id, change["seq"], settings)))
    blocks += [
        (mail_text(lang, "list_link"), settings.public_url("/public/subprocessors.html",
                                                           lang=lang)),
        (mail_text(lang, "why_contact", org=org, customer=one_line(subscription.customer.name))
         if subscription.customer is not None else mail_text(lang, "why", org=org)),
        (mail_text(lang, "unsubscribe"), unsubscribe),
    ]
    message = _message(delivery, subscription, settings, subject, now)
    # RFC 2369 and RFC 8058: the mail client's own unsubscribe button, one click.
    message["List-Unsubscribe"] = f"<{unsubscribe}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    _set_body(message, lang, one_line(mail_text(lang, "notice_heading", org=org)), blocks)
    return message


def _message(delivery: Delivery, subscription: Subscription, settings: Settings,
             subject: str, now: datetime) -> EmailMessage:
    message = EmailMessage(policy=MAIL_POLICY)
    message["From"] = settings.MAIL_FROM
    if settings.MAIL_REPLY_TO:
        message["Reply-To"] = settings.MAIL_REPLY_TO
    message["To"] = subscription.email
    _headers(message, delivery, settings, subject, now)
    return message


def _headers(message: EmailMessage, delivery: Delivery, settings: Settings, subject: str,
             now: datetime) -> None:
    message["Subject"] = literal_header(one_line(subject))  # names and summaries are free text
    message["Date"] = format_datetime(now)
    # The same for every attempt of this delivery, so a resend can be recognised.
    message["Message-ID"] = f"<{delivery.message_id}@{_mail_domain(settings)}>"
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies, please


def _mail_domain(settings: Settings) -> str:
    address = parseaddr(settings.MAIL_FROM)[1]
    return address.rpartition("@")[2] or urlsplit(settings.PUBLIC_BASE_URL).hostname or "localhost"


def _set_body(message: EmailMessage, lang: str, title: str, blocks: list[Block]) -> None:
    text = [block if isinstance(block, str) else f"{block[0]}:\n{block[1]}"
            for block in blocks]
    message.set_content(f"{title}\n\n" + "\n\n".join(text) + "\n")
    message.add_alternative(_html(lang, title, blocks), subtype="html")
    message["Content-Language"] = lang  # after the body: setting content drops Content-*


def _html(lang: str, title: str, blocks: list[Block]) -> str:
    paragraphs = Markup("\n").join(
        Markup("<p>{}</p>").format(block) if isinstance(block, str)
        else Markup('<p><a href="{}">{}</a></p>').format(block[1], block[0])
        for block in blocks)
    return str(Markup(
        '<!DOCTYPE html>\n<html lang="{}">\n<head><meta charset="utf-8"><title>{}</title>'
        "</head>\n<body>\n<h1>{}</h1>\n{}\n</body>\n</html>\n"
    ).format(lang, title, title, paragraphs))


# -- sending --------------------------------------------------------------------------


@dataclass(frozen=True)
class SmtpServer:
    """Where SMTP_URL points: smtp:// (plain), smtp+starttls:// or ?starttls=true, smtps://."""

    host: str
    port: int
    tls: str  # none | starttls | implicit
    username: str | None = None
    password: str | None = field(default=None, repr=False)


def smtp_server(url: str) -> SmtpServer:
    """Parse SMTP_URL; errors never repeat the URL, which may hold a password."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("smtp", "smtp+starttls", "smtps"):
        raise ValueError("SMTP_URL must start with smtp://, smtp+starttls:// or smtps://")
    starttls = parse_qs(parts.query).get("starttls", [""])[0].lower() in ("1", "true", "yes")
    tls = ("implicit" if scheme == "smtps"
           else "starttls" if scheme == "smtp+starttls" or starttls else "none")
    try:
        port = parts.port
    except ValueError:
        raise ValueError("SMTP_URL has an invalid port") from None
    if not parts.hostname:
        raise ValueError("SMTP_URL names no host")
    return SmtpServer(
        host=parts.hostname, port=port or DEFAULT_PORTS[tls], tls=tls,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
    )


def send_mail(message: EmailMessage, settings: Settings) -> None:
    """Hand the mail to SMTP_URL's server, or without one write it to the local mailbox.
    Raises on any failure, so that the worker tries again later.

    The whole exchange with the server (connecting, the greeting, TLS, each command and
    its reply) ends by SMTP_TIMEOUT_SECONDS: a server that answers a byte at a time
    cannot hold the worker's thread, nor outlast the lease on the delivery."""
    if not settings.SMTP_URL:
        path = write_to_mailbox(message, settings.mailbox_dir())
        log.info("SMTP_URL is not set: mail goes to the local mailbox, %s", path)
        return
    server = smtp_server(settings.SMTP_URL)
    context = ssl.create_default_context()
    seconds = settings.SMTP_TIMEOUT_SECONDS
    _local_hostname()  # its DNS lookup is not the server's time
    deadline = _Deadline(seconds)
    try:
        if server.tls == "implicit":
            connection = _SMTPS(server.host, server.port, deadline, context=context)
        else:
            connection = _SMTP(server.host, server.port, deadline)
        with connection as smtp:
            if server.tls == "starttls":
                smtp.starttls(context=context)
            if server.username:
                smtp.login(server.username, server.password or "")
            smtp.send_message(message)
    except OSError as error:  # smtplib's errors too
        if deadline.passed:
            raise TimeoutError(f"the mail server did not finish within {seconds:g} s") \
                from error
        raise
    finally:
        deadline.cancel()


class _Deadline:
    """Shuts the connection's socket once `seconds` have passed, so that whatever it waits
    for (the greeting, a TLS handshake, a reply) fails at once.

    It holds a duplicate of the socket's descriptor, taken as soon as the socket is
    connected: TLS (at once, or after STARTTLS) wraps the same socket, so shutting the
    duplicate ends it whatever wraps it, and the number cannot be reused meanwhile."""

    def __init__(self, seconds: float) -> None:
        self.ends = time.monotonic() + seconds
        self.passed = False
        self._socket: socket.socket | None = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._cut)
        self._timer.daemon = True
        self._timer.start()

    def left(self) -> float:
        """Seconds left, for a wait that cannot be cut (connecting): at least a little."""
        return max(self.ends - time.monotonic(), 0.01)

    def watch(self, sock: socket.socket) -> socket.socket:
        with self._lock:
            self._socket = sock.dup()
            if self.passed:  # connected after the deadline: no further
                self._shut()
        return sock

    def _cut(self) -> None:
        with self._lock:
            self.passed = True
            self._shut()

    def _shut(self) -> None:
        if self._socket is not None:
            try:
                self._socket.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # not connected any more

    def cancel(self) -> None:
        self._timer.cancel()
        with self._lock:
            if self._socket is not None:
                self._socket.close()
                self._socket = None


@functools.cache
def _local_hostname() -> str:
    """The name this host gives in EHLO, as smtplib works it out (a DNS lookup that no
    deadline can cut), once per process and before any mail's deadline starts."""
    probe = smtplib.SMTP()  # no host: connects nowhere
    probe.close()
    return probe.local_hostname


def _connect(host: str, port: int, deadline: _Deadline) -> socket.socket:
    """A connection to `host` (each of its addresses in turn), every attempt waiting only
    for what is left of the deadline; its socket watched by it."""
    error: OSError | None = None
    for family, kind, proto, _, address in socket.getaddrinfo(host, port,
                                                              type=socket.SOCK_STREAM):
        if deadline.passed:
            break
        sock = socket.socket(family, kind, proto)
        try:
            sock.settimeout(deadline.left())
            sock.connect(address)
        except OSError as failed:
            sock.close()
            error = failed
            continue
        return deadline.watch(sock)
    if deadline.passed or error is None:
        raise TimeoutError("no connection within the deadline")
    raise error


class _Bounded:
    """An SMTP client whose socket the deadline watches from the moment it connects (for
    smtps, before its TLS handshake)."""

    def __init__(self, host: str, port: int, deadline: _Deadline, **kwargs: Any) -> None:
        self.deadline = deadline
        super().__init__(host, port, local_hostname=_local_hostname(),
                         timeout=deadline.left(), **kwargs)


class _SMTP(_Bounded, smtplib.SMTP):
    def _get_socket(self, host, port, timeout):
        return _connect(host, port, self.deadline)


class _SMTPS(_Bounded, smtplib.SMTP_SSL):
    def _get_socket(self, host, port, timeout):
        return self.context.wrap_socket(_connect(host, port, self.deadline),
                                        server_hostname=host)


def write_to_mailbox(message: EmailMessage, directory: Path) -> Path:
    """`<message id>.eml` in `directory`: a resent message replaces its earlier copy."""
    directory.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9._-]", "", message["Message-ID"] or "") or "message"
    path = directory / f"{name}.eml"
    partial = directory / f".{name}.partial"
    partial.write_bytes(message.as_bytes())
    partial.replace(path)  # readers never see half a message
    return path
