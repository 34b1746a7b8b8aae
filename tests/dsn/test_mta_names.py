"""The real-MTA DSNs are read from what the servers said, not from the harness's names: a
case's mailbox (its name, for the first twenty rounds) and the harness's domains, put in
place of other neutral tokens throughout a DSN, change no reading."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest

from bench.mta.cases import NXDOMAIN, REMOTE_DOMAIN, Case, by_name
from bench.mta.generate import EVENT_DOMAIN, EXPECTED_FILE, SHOP_DOMAIN
from workers.dsn import parse_bounce
from workers.dsn.engines.table import ENGINES

FIXTURES = Path(__file__).parent / "mta"
# The harness's host names sit under this domain too (Exim's primary_hostname, Sendmail's).
HARNESS_DOMAINS = (REMOTE_DOMAIN, NXDOMAIN, EVENT_DOMAIN, SHOP_DOMAIN, "erpmail.test")
# Each reserved top-level domain (RFC 2606) swapped for another: a name's last label stays a
# word of letters, as a domain's does.
OTHER_TLD = {"test": "example", "example": "test", "invalid": "example"}
CONSONANTS = "bcdfghjklmnpqrstvwxz"


def token(seed: str, length: int) -> str:
    """A name of ``length`` characters that is no word: consonants and digits in turn."""
    digest = hashlib.sha256(seed.encode()).digest()
    return "".join(
        CONSONANTS[b % len(CONSONANTS)] if i % 2 == 0 else str(b % 10)
        for i, b in enumerate(digest[:length])
    )


def other_domain(domain: str) -> str:
    *labels, tld = domain.split(".")
    return ".".join([*(token(label, len(label)) for label in labels), OTHER_TLD[tld]])


def _bounded(name: str) -> str:
    return rf"(?<![A-Za-z0-9_-]){re.escape(name)}(?![A-Za-z0-9_-])"


DOMAINS_RE = re.compile(
    "|".join(_bounded(d) for d in sorted(HARNESS_DOMAINS, key=len, reverse=True)), re.IGNORECASE
)


def renamed(raw: bytes, case: Case) -> bytes:
    """``raw`` with the case's mailbox and the harness's domains put in place of others. The
    mailbox only as written (lower case): the replies that hold a case's name as a word hold
    it capitalised ("SPF validation failed", "Greylisted"), and stay the servers' words."""
    text = raw.decode("utf-8", "surrogateescape")
    mailbox = case.mailbox
    text = re.sub(_bounded(mailbox), token(mailbox + "/other", len(mailbox)), text)
    text = DOMAINS_RE.sub(lambda m: other_domain(m.group(0).lower()), text)
    return text.encode("utf-8", "surrogateescape")


def _reading(raw: bytes) -> list[tuple[str, str]]:
    report = parse_bounce(raw)
    return [(r.reason.value, r.status) for r in report.recipients]


ROWS = [json.loads(line) for line in (FIXTURES / EXPECTED_FILE).read_text().splitlines()]


def test_a_reply_holds_no_mailbox_in_lower_case_outside_an_address() -> None:
    """What ``renamed`` rests on: a case's reply holds its mailbox, written as the mailbox
    is, only in an address."""
    for case in {by_name(row["case"]) for row in ROWS}:
        bare = re.sub(_bounded(case.mailbox) + "@", "", case.reply)
        assert not re.search(_bounded(case.mailbox), bare), case.name


def test_renaming_swaps_the_names_and_keeps_the_rest() -> None:
    case = by_name("gmail-nosuchuser")
    raw = (
        b"To: <gmail-nosuchuser@remote.test>\nSubject: Invoice for case gmail-nosuchuser\n"
        b"Reporting-MTA: dns; mx-out.erpmail.test\n\n"
        b"host REMOTE.TEST said: 550 5.1.1 no such user gmail-nosuchusers\n"
    )
    text = renamed(raw, case).decode()
    assert "gmail-nosuchuser@" not in text and "remote.test" not in text.lower()
    assert "erpmail" not in text and "case gmail-nosuchuser\n" not in text
    assert text.count(".example") == 3 and "550 5.1.1 no such user gmail-nosuchusers" in text


@pytest.mark.parametrize("row", ROWS, ids=[row["file"] for row in ROWS])
def test_a_dsn_reads_the_same_under_other_names(row: dict[str, Any]) -> None:
    raw = (FIXTURES / row["file"]).read_bytes()
    case = by_name(row["case"])
    other = renamed(raw, case)
    assert other != raw
    assert _reading(other) == _reading(raw)


# Providers the engine table knows by name. A recipient there is still mailed through the
# user's own relay, whose report is not the provider's, and a reply may name its own domain
# ("read the policy of gmx.net"): a domain in a body is no engine's mark.
PROVIDER_DOMAINS = ("gmx.net", "googlegroups.com", "outlook.com", "yahoo.com", "mail.ru")
REMOTE_RE = re.compile(_bounded(REMOTE_DOMAIN), re.IGNORECASE)
_DOMAIN_RE = re.compile(r"[a-z0-9-]+(?:\.[a-z0-9-]+)+")


def test_no_body_marker_is_a_domain() -> None:
    assert not [m for engine in ENGINES for m in engine.body if _DOMAIN_RE.fullmatch(m)]


@pytest.mark.parametrize("row", ROWS, ids=[row["file"] for row in ROWS])
def test_a_dsn_reads_the_same_for_a_recipient_at_a_provider(row: dict[str, Any]) -> None:
    raw = (FIXTURES / row["file"]).read_bytes()
    text = raw.decode("utf-8", "surrogateescape")
    for domain in PROVIDER_DOMAINS:
        other = REMOTE_RE.sub(domain, text).encode("utf-8", "surrogateescape")
        assert _reading(other) == _reading(raw), domain
