"""Provider presets are data: the bundled file holds the gathered facts, marked secondary."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemas.values import TlsMode
from workers.config.presets import PresetFileInvalid, load_presets, read_presets

BOOK = load_presets()


def test_the_bundled_presets_hold_the_gathered_facts() -> None:
    gmail, office, zone, telia = (BOOK.get(k) for k in ("gmail", "office365", "zone", "telia"))
    assert gmail is not None and office is not None and zone is not None and telia is not None
    assert (gmail.host, gmail.port, gmail.tls) == ("smtp.gmail.com", 465, TlsMode.SSL)
    assert (587, TlsMode.STARTTLS) in [(a.port, a.tls) for a in gmail.alternatives]
    assert (gmail.rate_limit.per_day, gmail.rate_limit.recipients_per_day) == (2000, 10000)
    assert "500/day" in (gmail.limits_note or "")  # a trial or personal account: less
    assert (office.host, office.port, office.tls) == ("smtp.office365.com", 587, TlsMode.STARTTLS)
    assert (office.rate_limit.per_minute, office.rate_limit.recipients_per_day) == (30, 10000)
    assert office.rate_limit.per_day is None  # Exchange Online counts recipients a day
    assert office.max_connections == 3 and gmail.max_connections is None
    assert {(h.reply_code, h.status) for h in office.auth_hints} == {
        (530, "5.7.57"),
        (535, "5.7.3"),
        (535, "5.7.139"),
        (550, "5.7.30"),
        (334, None),  # the challenge loop of a mailbox whose SMTP AUTH is off
    }
    assert {h.status for h in gmail.auth_hints} == {"5.7.9", "5.7.8"}
    assert zone.rate_limit.min_interval_seconds == 5.0
    assert zone.max_message_bytes == 25 * 1024 * 1024
    assert telia.host == "mail.ee"
    assert all(preset.facts == "secondary" for preset in BOOK)
    assert all(hint.fix for preset in BOOK for hint in preset.auth_hints)


def test_a_preset_is_found_by_any_of_its_host_names() -> None:
    assert BOOK.for_host("SMTP.GMAIL.COM.") is BOOK.get("gmail")
    assert BOOK.for_host("smtp-mail.outlook.com") is BOOK.get("office365")
    assert BOOK.for_host("smtp.acme.ee") is None


def test_an_admins_file_replaces_and_adds(tmp_path: Path) -> None:
    extra = tmp_path / "mine.toml"
    extra.write_text(
        '[zone]\nname = "Zone (ours)"\nhost = "smtp.zone.ee"\nport = 587\ntls = "starttls"\n'
        '[local]\nname = "Local"\nhost = "mx.acme.ee"\nport = 25\ntls = "none"\n'
    )
    book = load_presets(str(extra))
    zone = book.get("zone")
    assert zone is not None and zone.port == 587
    assert book.get("local") is not None and book.get("gmail") is not None


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("[x]\nname = 'X'\nport = 25\ntls = 'none'\n", "host is missing"),
        ("[x]\nname = 'X'\nhost = 'h'\nport = '25'\ntls = 'none'\n", "port has the wrong type"),
        ("[x]\nname = 'X'\nhost = 'h'\nport = 25\ntls = 'tls'\n", "tls must be none, ssl"),
        ("[x]\nname = 'X'\nhost = 'h'\nport = true\ntls = 'none'\n", "port has the wrong type"),
        ("x = 1\n", "x is not a table"),
        ("[x\n", "cannot read presets file"),
    ],
)
def test_a_broken_presets_file_is_a_clear_error(tmp_path: Path, content: str, words: str) -> None:
    path = tmp_path / "broken.toml"
    path.write_text(content)
    with pytest.raises(PresetFileInvalid) as raised:
        read_presets(path)
    assert words in str(raised.value)
