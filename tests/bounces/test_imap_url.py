"""IMAP_URL: imaps:// is implicit TLS, imap:// is STARTTLS; never plain text."""

from __future__ import annotations

import pytest

from workers.bounces.imap_url import ImapTls, ImapUrlError, parse_imap_url


def test_an_imaps_url_gives_host_port_user_and_folder() -> None:
    target = parse_imap_url("imaps://events:s%40cret@mail.example.ee:10993/Bounces%2FIn")
    assert (target.host, target.port, target.tls) == ("mail.example.ee", 10993, ImapTls.IMPLICIT)
    assert (target.username, target.password, target.folder) == ("events", "s@cret", "Bounces/In")


def test_default_ports_and_folder() -> None:
    assert parse_imap_url("imaps://u:p@h").port == 993
    starttls = parse_imap_url("imap://u:p@h")
    assert (starttls.port, starttls.tls, starttls.folder) == (143, ImapTls.STARTTLS, "INBOX")


def test_the_description_hides_the_password() -> None:
    target = parse_imap_url("imaps://events:hunter2@h:993/INBOX")
    assert "hunter2" not in target.describe()
    assert "hunter2" not in repr(target)


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("pop3://u:p@h/INBOX", "imaps://"),
        ("imaps:///INBOX", "no host"),
        ("imaps://h/INBOX", "user and a password"),
        ("imaps://u:p@h:port/INBOX", "not a number"),
    ],
)
def test_unusable_urls_say_what_is_wrong(url: str, problem: str) -> None:
    with pytest.raises(ImapUrlError, match=problem):
        parse_imap_url(url)
