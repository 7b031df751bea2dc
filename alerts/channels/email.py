"""Alerts by email over SMTP (stdlib smtplib): plain-text body, one message per alert; reports as HTML.

A message counts as sent once the server accepted it for at least one recipient: sending it again
would mail everyone who has it. The recipients it refused while taking the rest are reported
(`PartlyDelivered`, a delivery that names them), and this sender's retries go to those a 4xx refused
only. Once the server accepted the message, how it answers QUIT does not matter.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Collection, Mapping
from email.message import EmailMessage
from email.utils import formatdate

from alerts.channels.base import DeliveryError, Report, escalation_id, escalation_note
from alerts.config import EmailChannel
from alerts.incidents import is_followup
from alerts.render import as_text, title, updates
from core.alert import Alert


class PartlyDelivered(DeliveryError):
    """The server took the message for some recipients and refused `refused` (address -> code and reply): the
    message is delivered (the caller records it and reports the addresses, never sends it to everyone again).
    Retryable while some refusal is temporary (4xx): a retry goes to those addresses only."""

    def __init__(self, message: str, retryable: bool, refused: Mapping[str, tuple[int, bytes]]):
        super().__init__(message, retryable=retryable)
        self.refused = dict(refused)


class EmailSender:
    def __init__(
        self, channel: EmailChannel, env: Mapping[str, str], tz: str = "UTC", competitors: Collection[str] = ()
    ):
        self.channel = channel
        self.tz = tz  # the wall clock of the times in its messages (digest.timezone)
        self.competitors = frozenset(competitors)  # brands marked as a competitor's (alerts.render.COMPETITOR)
        self._password = env.get(channel.password_env, "") if channel.password_env else ""
        # Message-ID -> the recipients a server refused (their last reply) while accepting the message for the
        # others: a retry goes to the temporarily refused ones only, so the others do not get it twice.
        self._refused: dict[str, dict[str, tuple[int, bytes]]] = {}

    def message(self, alert: Alert, thread: str | None = None, rose_from: str | None = None) -> EmailMessage:
        """The alert's email; `thread`: the first alert of its incident this channel got (`alerts.render`);
        `rose_from`: the severity this mailbox got it at, for its escalation (a reply to that message)."""
        msg = EmailMessage()
        rival = alert.brand in self.competitors
        note = escalation_note(alert, rose_from) if rose_from else ""
        msg["Subject"] = f"{note} · {title(alert, thread, rival)}" if note else title(alert, thread, rival)
        msg["From"] = self.channel.sender
        msg["To"] = ", ".join(self.channel.to)
        msg["Date"] = formatdate(usegmt=True)
        # Stable Message-ID: mail systems drop a duplicate if one ever slips through. An escalation has its own
        # (the first message's would be dropped as that duplicate).
        msg["Message-ID"] = f"<{escalation_id(alert) if rose_from else alert.id}.{self.channel.key}@groundswell.alerts>"
        msg["X-Groundswell-Alert-Id"] = alert.id
        if is_followup(alert):
            msg["X-Groundswell-Incident-Id"] = alert.incident_id or ""
        parent = alert.id if rose_from else updates(alert, thread)
        if parent:
            # Mail clients thread updates under the first message of the incident this mailbox got.
            first = f"<{parent}.{self.channel.key}@groundswell.alerts>"
            msg["In-Reply-To"] = first
            msg["References"] = first
        msg.set_content((f"{note}\n\n" if note else "") + as_text(alert, thread, self.tz, rival))
        return msg

    def report_message(self, report: Report) -> EmailMessage:
        """A report as multipart/alternative: the text part for plain readers, the HTML part to look at."""
        msg = EmailMessage()
        msg["Subject"] = report.subject
        msg["From"] = self.channel.sender
        msg["To"] = ", ".join(self.channel.to)
        msg["Date"] = formatdate(usegmt=True)
        msg["Message-ID"] = f"<{report.id}.{self.channel.key}@groundswell.reports>"
        msg["X-Groundswell-Report-Id"] = report.id
        msg.set_content(report.text)
        msg.add_alternative(report.html, subtype="html")
        return msg

    def send(self, alert: Alert, thread: str | None = None, rose_from: str | None = None) -> None:
        self._deliver(self.message(alert, thread, rose_from))

    def send_report(self, report: Report) -> None:
        self._deliver(self.report_message(report))

    def _deliver(self, message: EmailMessage) -> None:
        """Send `message`, or, after the server took it for some recipients, retry the ones it refused for now.
        Raises DeliveryError when nobody has it, PartlyDelivered while some recipient is still refused."""
        c = self.channel
        if c.password_env and not self._password:
            raise DeliveryError(f"environment variable {c.password_env} is not set", retryable=False)
        key = str(message["Message-ID"])
        earlier = self._refused.get(key)  # None: nobody has it yet
        if earlier is None:
            refused, took = self._transmit(message, None)  # None: the message's own To
            if not took:
                raise self._recipients_refused(refused)
        else:
            retry = [address for address, (code, _) in earlier.items() if not _permanent(code)]
            if not retry:  # every one left was refused for good: nothing to try again
                raise self._partly(earlier)
            try:
                fresh, _ = self._transmit(message, retry)
            except DeliveryError as exc:  # the others have it: still a delivery, with the same refusals owed
                raise self._partly(earlier, f" (retry: {exc})") from None
            # Those refused for good stay refused (and reported); of the retried ones, those refused again.
            refused = {a: r for a, r in earlier.items() if _permanent(r[0])} | fresh
        if refused:
            self._refused[key] = dict(refused)
            raise self._partly(refused)
        self._refused.pop(key, None)

    def _transmit(self, message: EmailMessage, to: list[str] | None) -> tuple[dict[str, tuple[int, bytes]], bool]:
        """One SMTP session sending `message` to `to` (None: its To): the recipients refused, and whether the
        server took it for any. Any other failure raises DeliveryError."""
        c = self.channel
        try:
            if c.ssl:
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    c.host, c.port, timeout=c.timeout_s, context=ssl.create_default_context()
                )
            else:
                smtp = smtplib.SMTP(c.host, c.port, timeout=c.timeout_s)
            try:
                if c.starttls and not c.ssl:
                    smtp.starttls(context=ssl.create_default_context())
                if c.username:
                    smtp.login(c.username, self._password)
                # smtplib returns the recipients it refused when it took the rest.
                return dict(smtp.send_message(message, to_addrs=to)), True
            finally:
                _hang_up(smtp)
        except smtplib.SMTPAuthenticationError:
            raise DeliveryError("SMTP login refused (check username and the password variable)", False) from None
        except smtplib.SMTPResponseException as exc:
            raise self._refused_reply(exc.smtp_code, exc.smtp_error) from None
        except smtplib.SMTPRecipientsRefused as exc:
            return dict(exc.recipients), False
        except smtplib.SMTPNotSupportedError:
            raise DeliveryError(
                "SMTP server does not offer STARTTLS; set starttls: false or ssl: true", False
            ) from None
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"{type(exc).__name__} talking to SMTP {c.host}:{c.port}") from None

    def _partly(self, refused: Mapping[str, tuple[int, bytes]], note: str = "") -> PartlyDelivered:
        """The message reached the other recipients; `refused` did not (retryable while one refusal is 4xx)."""
        error = self._recipients_refused(refused, others_got_it=True)
        return PartlyDelivered(f"{error}{note}", error.retryable, refused)

    def _refused_reply(self, code: int, reply: bytes | str, what: str = "the message") -> DeliveryError:
        """An SMTP error reply as a DeliveryError. 5xx is permanent (RFC 5321): the server will refuse this
        message every time, so retrying it would only mark the channel down and block the alerts after it.
        4xx (and anything odd) is temporary and retried."""
        why = f"{code} {self._reply_text(reply)}".strip()
        if _permanent(code):
            return DeliveryError(f"SMTP server refused {what} permanently: {why}", retryable=False)
        about = "" if what == "the message" else f" for {what}"
        return DeliveryError(f"SMTP server answered {why}{about} (temporary)")

    def _recipients_refused(
        self, recipients: Mapping[str, tuple[int, bytes]], others_got_it: bool = False
    ) -> DeliveryError:
        """Recipients refused, all of them or (`others_got_it`) some while the server took the message for the
        rest: permanent when each refusal is a 5xx; one 4xx makes it worth a retry."""
        refusals = list(recipients.values()) or [(0, b"no reason given")]
        temporary = [r for r in refusals if not _permanent(r[0])]
        code, reply = temporary[0] if temporary else refusals[0]
        what = f"the recipient(s) {', '.join(recipients)}" + (" (the others got it)" if others_got_it else "")
        return self._refused_reply(code, reply, what=what)

    def _reply_text(self, reply: bytes | str, limit: int = 200) -> str:
        """The server's reply, printable, short, and never with the password in it (a server may echo input)."""
        text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
        text = " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
        if self._password:
            text = text.replace(self._password, "***")
        return text[:limit]

    def close(self) -> None:
        pass


def _hang_up(smtp: smtplib.SMTP) -> None:
    """End the session whatever the server answers: after it accepted the message the send is done (a non-221
    reply to QUIT, which `with smtp:` raised, made it look failed and mailed it again), and after an error that
    error is the one to report."""
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


def _permanent(code: int) -> bool:
    """An SMTP reply code the server will give again for the same message (RFC 5321 5yz)."""
    return 500 <= code <= 599
