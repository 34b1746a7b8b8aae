"""A bounce names only the recipients it literally names.

An address glued to a control character (C0, DEL, C1) or a bidirectional override is not an
address: RFC 5321 (4.1.2) allows none of them in a mailbox, not even quoted. Read as the part
after the escape, ``attacker<ESC>victim@example.com`` made a hostile bounce name (and so
suppress) victim@example.com, which the mail does not name. Such an address names no
recipient, wherever the parser finds it: a delivery-status field, the prose, a transcript,
the returned message's headers.
"""

from __future__ import annotations

import pytest

from tests.dsn.mails import dsn, plain
from workers.dsn import parse_bounce

VICTIM = "victim@example.com"
GLUED = [
    f"attacker\x1b{VICTIM}",  # ESC inside
    f"\x1b[0;{VICTIM}",  # a CSI sequence before it
    f"x\x9b{VICTIM}",  # C1 CSI
    f"x\x00{VICTIM}",  # NUL
    f"x\x7f{VICTIM}",  # DEL
    f"x\u202e{VICTIM}",  # a right-to-left override
    f"x\u202b{VICTIM}",  # a right-to-left embedding
    f"x\u2067{VICTIM}",  # a right-to-left isolate
    f"\u2066{VICTIM}\u2069",  # an isolate around it
    f"{VICTIM}\x1b[2J",  # a control after it
    f"x\x1c{VICTIM}",  # a file separator (str.split and \s take it for a blank)
    f"x\x85{VICTIM}",  # NEL (C1; also a blank to str.split and \s)
]


def named(raw: bytes) -> list[str]:
    return [recipient.address for recipient in parse_bounce(raw).recipients]


@pytest.mark.parametrize("address", GLUED)
def test_a_delivery_status_field_names_no_recipient_glued_to_a_control(address: str) -> None:
    for form in (address, f"<{address}>"):
        addresses = named(dsn([(form, "5.1.1", "550 5.1.1 user unknown")]))
        assert VICTIM not in addresses, form
        assert not any(
            ch in a for a in addresses for ch in "\x00\x1b\x7f\x9b\u202e\u202b\u2066\x1c\x85"
        )


@pytest.mark.parametrize("address", GLUED)
def test_the_prose_names_no_recipient_glued_to_a_control(address: str) -> None:
    bodies = [
        f"I'm sorry to have to inform you that your message could not be delivered.\n\n"
        f"<{address}>: host mx.example.com said: 550 5.1.1 user unknown\n",
        f"This message was created automatically by mail delivery software.\n\n"
        f"A message that you sent could not be delivered to one or more of its recipients.\n\n"
        f"  {address}\n    SMTP error from remote mail server after RCPT TO: 550 no such user\n",
        f"Delivery has failed to these recipients:\n\n>>> RCPT TO:<{address}>\n"
        f"<<< 550 5.1.1 user unknown\n",
    ]
    for body in bodies:
        assert VICTIM not in named(plain(body)), body


@pytest.mark.parametrize("address", GLUED)
def test_the_returned_headers_name_no_recipient_glued_to_a_control(address: str) -> None:
    returned = f"From: sender@shop.example\nTo: {address}\nSubject: Invoice 42\n\nHello\n"
    body = (
        "Delivery to the following recipient failed permanently: 550 user unknown\n\n"
        f"----- Original message -----\n{returned}"
    )
    assert VICTIM not in named(plain(body))


def test_an_address_beside_ordinary_punctuation_is_still_read() -> None:
    for form in (VICTIM, f"<{VICTIM}>", f'"{VICTIM}"'):
        assert named(dsn([(form, "5.1.1", "550 5.1.1 user unknown")])) == [VICTIM], form
    prose = f"<{VICTIM}>: host mx.example.com said: 550 5.1.1 user unknown\n"
    assert named(plain(f"Your message could not be delivered.\n\n{prose}")) == [VICTIM]
    transcript = f"Delivery failed.\n\n>>> RCPT TO:<{VICTIM}>\n<<< 550 5.1.1 user unknown\n"
    assert named(plain(transcript)) == [VICTIM]


@pytest.mark.parametrize("mark", ["\u200e", "\u200f", "\u061c"])  # LRM, RLM, ALM
def test_an_address_between_directional_marks_in_right_to_left_prose_is_still_read(
    mark: str,
) -> None:
    """A Hebrew or Arabic report puts a directional mark on each side of an address written
    left to right (UAX #9), so that it shows in order among right-to-left words. A mark
    reorders nothing: beside an address it is a separator, where an override still makes
    the address none (above)."""
    bodies = [
        # "Your message could not be delivered to the recipient ...: user unknown"
        f"\u05d4\u05d4\u05d5\u05d3\u05e2\u05d4 \u05dc\u05d0 \u05e0\u05de\u05e1\u05e8\u05d4 "
        f"\u05dc\u05e0\u05de\u05e2\u05df {mark}{VICTIM}{mark}: 550 5.1.1 user unknown\n",
        f"\u062a\u0639\u0630\u0631 \u062a\u0633\u0644\u064a\u0645 "
        f"\u0627\u0644\u0631\u0633\u0627\u0644\u0629 \u0625\u0644\u0649 "
        f"{mark}<{VICTIM}>{mark}\n550 5.1.1 user unknown\n",
        f"{mark}<{VICTIM}>{mark}: host mx.example.com said: 550 5.1.1 user unknown\n",
    ]
    for body in bodies:
        assert named(plain(body)) == [VICTIM], body


@pytest.mark.parametrize("charset", ["iso-8859-1", "ISO8859-1", "latin1"])
def test_an_address_in_windows_1252_quotes_of_a_mail_labelled_latin_1_is_still_read(
    charset: str,
) -> None:
    """Mail labelled ISO-8859-1 is often Windows-1252, whose quotes (0x93, 0x94, 0x8b, 0x9b)
    are C1 controls read as Latin-1: so read, the address between them named nobody."""
    for left, right in ("\u201c\u201d", "\u2039\u203a"):
        body = f"Your message to {left}{VICTIM}{right} could not be delivered: user unknown.\n"
        raw = plain(
            "", extra_headers=f"MIME-Version: 1.0\nContent-Type: text/plain; charset={charset}\n"
        ) + body.encode("cp1252")
        assert named(raw) == [VICTIM], (charset, left)


def test_every_character_no_address_holds_is_told_whatever_shortcut_reads_it() -> None:
    """has_control answers as its pattern does for every character, alone and in an address
    on a line of several (its shortcuts skip the pattern for printable and for ASCII text: a
    control one of them took for printable would pass unseen)."""
    from workers.dsn.fields import _CONTROL_RE, has_control

    for code in range(0x110000):
        char = chr(code)
        expected = _CONTROL_RE.search(char) is not None
        assert has_control(char) is expected, hex(code)
        # ... and on a line of a text of several (blanks between words are no controls)
        assert has_control(f"a\tb\r\nx{char}{VICTIM}") is expected, hex(code)
