"""The classifier, as the sender worker uses it: status, reply code and words -> cause."""

from __future__ import annotations

import pytest

from workers.dsn import BounceType, Reason, bounce_type, classify
from workers.dsn.parser import last_error_temporary
from workers.dsn.reasons import smtp_command
from workers.dsn.status import best_status, find_reply_code, find_status, pseudo_status


@pytest.mark.parametrize(
    ("status", "reply", "diagnostic", "reason"),
    [
        (
            "5.1.1",
            550,
            "<nobody@example.com>: Recipient address rejected: User unknown",
            Reason.USERUNKNOWN,
        ),
        ("5.2.2", "552", "Mailbox full", Reason.MAILBOXFULL),
        ("5.1.2", 550, "Host or domain name not found", Reason.HOSTUNKNOWN),
        ("4.4.7", None, "Message expired", Reason.EXPIRED),
        ("5.7.26", 550, "Unauthenticated email is not accepted", Reason.AUTHFAILURE),
        (
            "5.7.25",
            550,
            "The IP address sending this message does not have a PTR record",
            Reason.REQUIREPTR,
        ),
        (
            "5.7.1",
            554,
            "Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org",
            Reason.BLOCKED,
        ),
        ("5.7.1", 554, "Relay access denied", Reason.NORELAYING),
        ("5.3.4", 552, "Message size exceeds fixed maximum message size", Reason.MESGTOOBIG),
        (
            "5.0.0",
            550,
            "Message rejected: virus detected (Eicar-Test-Signature)",
            Reason.VIRUSDETECTED,
        ),
        (
            None,
            550,
            "This message has been scored as spam with a probability of 99%",
            Reason.SPAMDETECTED,
        ),
        ("4.7.0", 421, "Too many concurrent SMTP connections from this IP", Reason.TOOMANYCONN),
        ("5.2.1", 550, "This account has been disabled or discontinued", Reason.SUSPEND),
        ("2.0.0", 250, "OK", Reason.DELIVERED),
    ],
)
def test_classify_names_the_cause(
    status: str | None, reply: int | str | None, diagnostic: str, reason: Reason
) -> None:
    assert classify(status, reply, diagnostic, command="RCPT") == reason


def test_an_exact_status_decides_when_the_words_are_vague() -> None:
    assert classify("5.1.1", 550, "Requested action not taken") == Reason.USERUNKNOWN


def test_telling_words_beat_an_exact_status() -> None:
    # Servers put 5.1.1 on all sorts of refusals; "over quota" is unmistakable.
    assert classify("5.1.1", 552, "sorry, mailbox is over quota") == Reason.MAILBOXFULL


def test_unknown_user_said_to_the_message_is_a_filter() -> None:
    words = "SMTP error from remote mail server after end of data: 550 User unknown"
    assert classify(None, None, words) == Reason.FILTERED
    assert classify(None, 550, "User unknown", command="RCPT") == Reason.USERUNKNOWN


def test_unknown_user_said_to_mail_from_is_a_sender_rejection() -> None:
    assert classify(None, 550, "User unknown", command="MAIL") == Reason.REJECTED


def test_words_without_a_cause_are_undefined_and_no_words_at_all_are_onhold() -> None:
    assert classify(None, None, "Nyaan nyaan") == Reason.UNDEFINED
    assert classify(None, None, "") == Reason.ONHOLD


def test_reply_551_means_the_user_has_moved() -> None:
    assert classify(None, 551, "not our user") == Reason.HASMOVED


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        (Reason.USERUNKNOWN, BounceType.HARD),
        (Reason.HOSTUNKNOWN, BounceType.HARD),
        (Reason.HASMOVED, BounceType.HARD),
        (Reason.NOTACCEPT, BounceType.HARD),
        (Reason.MAILBOXFULL, BounceType.SOFT),
        (Reason.BLOCKED, BounceType.SOFT),
        (Reason.EXPIRED, BounceType.SOFT),
        (Reason.UNDEFINED, BounceType.UNDETERMINED),
        (Reason.ONHOLD, BounceType.UNDETERMINED),
        (Reason.VACATION, BounceType.UNDETERMINED),
        (Reason.FEEDBACK, BounceType.UNDETERMINED),
        (Reason.DELIVERED, BounceType.UNDETERMINED),
    ],
)
def test_bounce_type_is_hard_only_when_retrying_is_pointless(
    reason: Reason, expected: BounceType
) -> None:
    assert bounce_type(reason) == expected


def test_codes_are_found_in_text_and_not_in_addresses_or_dates() -> None:
    assert find_status("host mx said: 550 5.1.1 <a@b.example>... User unknown") == "5.1.1"
    assert find_status("connect to 192.0.2.5.1.1 failed") == ""
    assert find_reply_code("550-5.7.1 [192.0.2.1] blocked") == "550"
    assert find_reply_code("Sat, 21 Jun 2014 18:34:34 +0000") == ""


def test_the_remote_code_beats_a_vague_summary() -> None:
    assert best_status("5.0.0", "550 5.2.2 <a@b.example>... Mailbox Full") == "5.2.2"
    assert best_status("5.1.1", "User unknown") == "5.1.1"


def test_a_cause_without_a_code_gets_the_vocabulary_pseudo_code() -> None:
    assert pseudo_status(Reason.USERUNKNOWN, temporary=False) == "5.0.911"
    assert pseudo_status(Reason.EXPIRED, temporary=True) == "4.0.947"
    assert pseudo_status(Reason.VACATION, temporary=False) == ""


def test_a_transcript_shows_which_command_a_refusal_answered() -> None:
    data = ">>> DATA <<< 550 5.0.0 <a@b.example>... User unknown <<< 503 5.0.0 Need RCPT"
    rcpt = ">>> RCPT To:<a@b.example> <<< 550 User unknown >>> DATA <<< 503 Need RCPT"
    assert smtp_command(data) == "DATA"
    assert smtp_command(rcpt) == "RCPT"
    assert classify(None, 550, data) == Reason.FILTERED
    assert classify(None, 550, rcpt) == Reason.USERUNKNOWN


def test_a_refusal_at_connection_time_is_a_block_of_the_sending_host() -> None:
    words = "SMTP error from remote mail server after initial connection: 554 go away"
    assert classify(None, 554, words) == Reason.BLOCKED
    assert classify(None, 554, "go away", command="EHLO") == Reason.BLOCKED
    # A specific cause stays specific.
    ptr = "after initial connection: 571 No PTR Record found. Reverse DNS required"
    assert classify(None, 571, ptr) == Reason.REQUIREPTR


def test_a_refusal_of_mail_from_without_a_cause_rejects_the_sender() -> None:
    assert classify(None, 550, "go away", command="MAIL") == Reason.REJECTED


def test_user_unknown_without_the_address_is_a_receiving_filter() -> None:
    assert classify(None, 550, "550 : User unknown", command="RCPT") == Reason.FILTERED
    assert classify(None, 550, "550 <a@b.example>: User unknown", command="RCPT") == (
        Reason.USERUNKNOWN
    )


def test_a_providers_definite_words_mean_unknown_even_after_data() -> None:
    words = "554 delivery error: dd This user doesn't have a yahoo.com account"
    assert classify(None, 554, words, command="DATA") == Reason.USERUNKNOWN


def test_the_pseudo_class_follows_the_recipients_own_error() -> None:
    assert not last_error_temporary("Envelope expired", "")
    assert last_error_temporary("retry timeout exceeded", "")
    assert last_error_temporary("Technical details of temporary failure: socket error", "")
    assert last_error_temporary("451 4.3.0 try later", "451")


def test_a_greeting_refused_in_a_transcript_is_a_block() -> None:
    words = "... while talking to mx.example.org.: <<< 554 IP=192.0.2.1 - A problem occurred."
    assert smtp_command(words) == "CONNECT"
    assert classify("5.5.0", 554, words) == Reason.BLOCKED


def test_vague_words_said_to_mail_from_reject_the_sender() -> None:
    words = "550 5.7.1 Access denied (in reply to MAIL FROM command)"
    assert classify("5.7.1", 550, words) == Reason.REJECTED


def test_an_exact_status_yields_to_the_diagnostics_own_words_not_to_the_prose_around() -> None:
    prose = "the recipient's email system refused to accept a connection from your system"
    words = "550 5.4.316 Message expired, connection refused"
    assert classify("5.4.316", 550, words, context=prose) == Reason.EXPIRED
    blocked = "553 5.1.3 http://www.spamhaus.org/query/bl?ip=192.0.2.1"
    assert classify("5.1.3", 553, blocked) == Reason.BLOCKED


def test_a_blacklisted_address_is_a_refused_sender_not_a_blocked_host() -> None:
    words = "Sorry, you are sending to/from an address that has been blacklisted"
    assert classify(None, 550, words) == Reason.REJECTED


def test_normalizing_collapses_every_blank_whatever_shortcut_reads_it() -> None:
    """normalize_text gives the words of the text lower-cased, one space apart, for any
    character between words or at the ends (its shortcut returns a printable text without
    doubled or outer spaces as it is: a blank it took for printable would stay)."""
    from workers.dsn.reasons import _QUOTES, normalize_text

    def check(text: str) -> None:
        expected = " ".join(text.lower().translate(_QUOTES).split())
        assert normalize_text(text) == expected, ascii(text)

    blanks = []
    for code in range(0x110000):
        char = chr(code)
        if char != "@":  # (it would make "a@b" an address, which reads as "@" alone)
            check(f"{char}a{char}b {char}c")  # at an end, between words, beside a space
        if char.isspace():
            blanks.append(char)
    assert " " in blanks
    for char in blanks:  # one blank alone at either end, or the whole text
        for text in (f"{char}a b", f"a b{char}", f"{char}a", f"a{char}", char):
            check(text)
