"""TLS modes map onto aiosmtplib without its opportunistic STARTTLS."""

from __future__ import annotations

import ssl

import pytest

from schemas.values import TlsMode
from workers.smtp.endpoint import SmtpEndpoint
from workers.smtp.options import smtp_client_options


@pytest.mark.parametrize(
    ("tls", "use_tls", "start_tls"),
    [(TlsMode.NONE, False, False), (TlsMode.SSL, True, False), (TlsMode.STARTTLS, False, True)],
)
def test_each_tls_mode_sets_both_flags_explicitly(
    tls: TlsMode, use_tls: bool, start_tls: bool
) -> None:
    options = smtp_client_options(SmtpEndpoint("smtp.example.ee", 587, tls))
    assert (options["use_tls"], options["start_tls"]) == (use_tls, start_tls)
    assert ("tls_context" in options) == (tls != TlsMode.NONE)


def test_certificate_verification_is_on_unless_turned_off() -> None:
    on = smtp_client_options(SmtpEndpoint("h", 465, TlsMode.SSL))["tls_context"]
    off = smtp_client_options(SmtpEndpoint("h", 465, TlsMode.SSL, verify_certificate=False))
    assert on.verify_mode == ssl.CERT_REQUIRED and on.check_hostname
    assert off["tls_context"].verify_mode == ssl.CERT_NONE


def test_the_password_is_not_in_the_endpoint_repr() -> None:
    endpoint = SmtpEndpoint("h", 587, TlsMode.STARTTLS, "user", "hunter2-secret")
    assert "hunter2-secret" not in repr(endpoint)
    assert endpoint.pool_key != SmtpEndpoint("h", 587, TlsMode.STARTTLS, "user", "other").pool_key
