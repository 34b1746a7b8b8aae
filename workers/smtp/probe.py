"""`erpmail config test`: talk to an SMTP server step by step and report each step.

Connect (implicit TLS for ``ssl``), EHLO, STARTTLS (for ``starttls`` only: mode ``none``
never upgrades), AUTH when a username is configured, then MAIL FROM/RCPT TO when a test
recipient is given (followed by RSET), and DATA only when asked to send. The first failure
ends the conversation and is classified by :mod:`workers.smtp.diagnosis`.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from email.message import EmailMessage
from typing import Any

import aiosmtplib

from schemas.values import TlsMode
from workers.logging import mask_secrets
from workers.smtp.auth import login
from workers.smtp.client import SmtpClient
from workers.smtp.diagnosis import Diagnosis, Provider, Step, diagnose
from workers.smtp.endpoint import SmtpEndpoint
from workers.smtp.options import smtp_client_options


@dataclass(frozen=True)
class StepResult:
    step: Step
    outcome: str  # "ok", "failed" or "skipped"
    detail: str


@dataclass
class ProbeReport:
    endpoint: SmtpEndpoint
    steps: list[StepResult] = field(default_factory=list)
    diagnosis: Diagnosis | None = None

    @property
    def ok(self) -> bool:
        return self.diagnosis is None

    def add(self, step: Step, outcome: str, detail: str) -> None:
        self.steps.append(StepResult(step, outcome, detail))

    def mask(self, *secrets: str | None) -> None:
        """Mask ``secrets`` (the password tried: a server may echo it) in what is shown."""
        self.steps = [replace(s, detail=mask_secrets(s.detail, *secrets)) for s in self.steps]
        if self.diagnosis is not None:
            self.diagnosis = replace(
                self.diagnosis,
                summary=mask_secrets(self.diagnosis.summary, *secrets),
                fix=mask_secrets(self.diagnosis.fix, *secrets),
            )


@dataclass(frozen=True)
class ProbeRequest:
    """What to try beyond connecting and logging in."""

    mail_from: str | None = None
    rcpt_to: str | None = None
    message: EmailMessage | None = None  # sent with DATA only when given


class _Failed(Exception):
    def __init__(self, step: Step, error: BaseException) -> None:
        super().__init__(str(error))
        self.step = step
        self.error = error


def _reply(response: aiosmtplib.SMTPResponse) -> str:
    return f"{response.code} {' '.join(response.message.split())}"


def _tls_detail(client: aiosmtplib.SMTP, endpoint: SmtpEndpoint) -> str:
    ssl_object: ssl.SSLObject | None = client.get_transport_info("ssl_object")
    if ssl_object is None:
        return "no TLS"
    version = ssl_object.version() or "TLS"
    cipher = (ssl_object.cipher() or ("?",))[0]
    if endpoint.verify_certificate:
        return f"{version} ({cipher}), certificate verified for {endpoint.host}"
    return f"{version} ({cipher}), CERTIFICATE NOT VERIFIED (verification turned off)"


def _extensions(client: aiosmtplib.SMTP) -> str:
    names = []
    for name, params in client.esmtp_extensions.items():
        names.append(f"{name.upper()} {params}".strip() if name == "auth" else name.upper())
    return "offers " + (", ".join(names) if names else "no extensions")


async def _step(step: Step, action: Any) -> Any:
    try:
        return await action
    except Exception as exc:  # not a cancellation: that is no Exception
        raise _Failed(step, exc) from exc


async def _conversation(
    client: aiosmtplib.SMTP, endpoint: SmtpEndpoint, request: ProbeRequest, report: ProbeReport
) -> None:
    greeting = await _step(Step.CONNECT, client.connect())
    where = f"{endpoint.host}:{endpoint.port}"
    if endpoint.tls == TlsMode.SSL:
        report.add(Step.CONNECT, "ok", f"{where}, implicit TLS: {_tls_detail(client, endpoint)}")
    else:
        report.add(Step.CONNECT, "ok", f"{where}, plain TCP")
    report.add(Step.GREETING, "ok", _reply(greeting))
    await _step(Step.EHLO, client.ehlo())
    report.add(Step.EHLO, "ok", _extensions(client))
    if endpoint.tls == TlsMode.STARTTLS:
        await _step(Step.STARTTLS, client.starttls())
        report.add(Step.STARTTLS, "ok", _tls_detail(client, endpoint))
        await _step(Step.EHLO, client.ehlo())
        report.add(Step.EHLO, "ok", "after TLS: " + _extensions(client))
    elif endpoint.tls == TlsMode.NONE:
        offered = " (the server offers STARTTLS)" if client.supports_extension("starttls") else ""
        report.add(Step.STARTTLS, "skipped", f"TLS mode none: stays in plain text{offered}")
    if endpoint.username:
        await _step(Step.AUTH, login(client, endpoint.username, endpoint.password or ""))
        report.add(Step.AUTH, "ok", f"logged in as {endpoint.username}")
    else:
        report.add(Step.AUTH, "skipped", "no username configured: no login")
    if request.rcpt_to and request.mail_from is not None:
        response = await _step(Step.MAIL_FROM, client.mail(request.mail_from))
        report.add(Step.MAIL_FROM, "ok", f"<{request.mail_from}>: {_reply(response)}")
        response = await _step(Step.RCPT_TO, client.rcpt(request.rcpt_to))
        report.add(Step.RCPT_TO, "ok", f"<{request.rcpt_to}>: {_reply(response)}")
        if request.message is not None:
            response = await _step(Step.DATA, client.data(request.message.as_bytes()))
            report.add(Step.DATA, "ok", f"test message accepted: {_reply(response)}")
        else:
            await _step(Step.MAIL_FROM, client.rset())
            report.add(Step.DATA, "skipped", "no --send: nothing sent (RSET)")
    else:
        report.add(Step.MAIL_FROM, "skipped", "no test recipient (--to): sender not tried")
    try:
        await client.quit()
    except aiosmtplib.SMTPException:
        client.close()
    report.add(Step.QUIT, "ok", "closed")


async def probe(
    endpoint: SmtpEndpoint,
    request: ProbeRequest = ProbeRequest(),
    *,
    provider: Provider | None = None,
    presets: Iterable[Provider] | None = None,
    cafile: str | None = None,
) -> ProbeReport:
    """Talk to ``endpoint`` step by step; the report lists each step and the diagnosis of
    the first failure. Never raises for a server's behaviour."""
    report = ProbeReport(endpoint)
    options = smtp_client_options(endpoint, cafile)
    options["start_tls"] = False  # STARTTLS is its own reported step below
    client = SmtpClient(**options)
    try:
        await _conversation(client, endpoint, request, report)
    except _Failed as failed:
        report.diagnosis = diagnose(
            failed.error, failed.step, endpoint=endpoint, provider=provider, presets=presets
        )
        report.add(report.diagnosis.step, "failed", report.diagnosis.summary)
        client.close()
    report.mask(endpoint.password)
    return report


def run_probe(
    endpoint: SmtpEndpoint, request: ProbeRequest = ProbeRequest(), **options: Any
) -> ProbeReport:
    """:func:`probe` from synchronous code (the CLI); ``options`` as :func:`probe` takes them."""
    return asyncio.run(probe(endpoint, request, **options))
