"""extract_recipients: the anchor lines of a prose report and the text each recipient gets."""

from __future__ import annotations

from workers.dsn.plaintext import extract_recipients

# Postfix wraps a long reply onto indented lines; here the wrap puts the recipient, which the
# remote's reply names again, at the start of a line, just before the reply's stage.
WRAPPED = """<anna@example.org>: host 192.0.2.8[192.0.2.8] said: 550 Invalid
    recipient: anna@example.org (in reply to RCPT TO command)
"""


def test_a_wrapped_reply_naming_the_address_again_keeps_its_stage() -> None:
    [anna] = extract_recipients(WRAPPED)
    assert anna.address == "anna@example.org"
    assert "550 Invalid" in anna.diagnostic
    assert anna.diagnostic.endswith("(in reply to RCPT TO command)")


def test_a_comment_after_the_address_is_still_no_part_of_the_diagnostic() -> None:
    report = "<bob@example.org> (expanded from <sales@example.org>): mailbox is full\n"
    [bob] = extract_recipients(report)
    assert bob.diagnostic == "mailbox is full"
