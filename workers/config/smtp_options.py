"""How a resolved endpoint becomes aiosmtplib connection options.

aiosmtplib's ``start_tls=None`` upgrades opportunistically when the server offers STARTTLS;
TLS mode ``none`` must never upgrade, so every mode sets ``start_tls`` explicitly.
"""

from __future__ import annotations

import ssl
from typing import Any

from schemas.tables import TlsMode
from workers.config.resolved import SmtpEndpoint


def tls_context(verify_certificate: bool, cafile: str | None = None) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=cafile)
    if not verify_certificate:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def smtp_client_options(endpoint: SmtpEndpoint, cafile: str | None = None) -> dict[str, Any]:
    """Keyword arguments for ``aiosmtplib.SMTP(...)`` (login is done separately)."""
    options: dict[str, Any] = {
        "hostname": endpoint.host,
        "port": endpoint.port,
        "timeout": endpoint.timeout_seconds,
    }
    if endpoint.tls == TlsMode.SSL:
        options.update(use_tls=True, start_tls=False)
    elif endpoint.tls == TlsMode.STARTTLS:
        options.update(use_tls=False, start_tls=True)
    else:
        options.update(use_tls=False, start_tls=False)
    if endpoint.tls != TlsMode.NONE:
        options["tls_context"] = tls_context(endpoint.verify_certificate, cafile)
    return options
