"""Which bounce a mail is (its key), and what the worker does with it (its folder)."""

from __future__ import annotations

import uuid

import pytest

from tests.bounces import mails
from workers.bounces.disposition import MailKind, decide
from workers.bounces.identity import KEY_LENGTH, bounce_key
from workers.bounces.source import Destination
from workers.bounces.trust import named_job
from workers.config.secrets import verification_keys
from workers.dsn import parse_bounce


def test_the_same_bounce_delivered_twice_has_one_key() -> None:
    mail = mails.dsn(None, "juri@example.ee", message_id="<abc@mx.example.net>")
    again = b"Received: from relay.example.net by mx; Wed, 25 Nov 2026 10:00:05\r\n" + mail
    assert bounce_key(mail, "<abc@mx.example.net>") == bounce_key(again, "<abc@mx.example.net>")


def test_line_endings_do_not_change_the_key() -> None:
    mail = mails.dsn(None, "juri@example.ee", message_id="<abc@mx.example.net>")
    lf = mail.replace(b"\r\n", b"\n")
    assert bounce_key(mail, "<abc@mx.example.net>") == bounce_key(lf, "<abc@mx.example.net>")
    assert bounce_key(mail, "") == bounce_key(lf, "")


def test_two_bounces_sharing_a_message_id_keep_two_keys() -> None:
    first = mails.dsn(None, "juri@example.ee", message_id="<same@mx>")
    second = mails.dsn(None, "mari@example.ee", message_id="<same@mx>")
    assert bounce_key(first, "<same@mx>") != bounce_key(second, "<same@mx>")


def test_without_a_message_id_the_key_is_the_content_hash() -> None:
    assert bounce_key(b"abc", "") == bounce_key(b"abc", "") != bounce_key(b"abd", "")
    assert bounce_key(b"abc", "").startswith("sha256:")


def test_a_huge_message_id_still_gives_a_key_that_fits() -> None:
    assert len(bounce_key(b"x", "<" + "a" * 5000 + "@x>")) <= KEY_LENGTH


@pytest.mark.parametrize(
    ("mail", "kind", "destination"),
    [
        (mails.dsn(None, "juri@example.ee"), MailKind.BOUNCE, Destination.PROCESSED),
        (mails.human_reply(), MailKind.NOT_BOUNCE, Destination.NOT_BOUNCES),
        (mails.newsletter(), MailKind.NOT_BOUNCE, Destination.NOT_BOUNCES),
        (mails.binary_garbage(), MailKind.UNPARSED, Destination.UNPARSED),
        (mails.malformed_mime(), MailKind.UNPARSED, Destination.UNPARSED),
        (b"", MailKind.UNPARSED, Destination.UNPARSED),
    ],
    ids=["dsn", "human-reply", "newsletter", "binary", "malformed-mime", "empty"],
)
def test_where_each_kind_of_mail_goes(
    mail: bytes, kind: MailKind, destination: Destination
) -> None:
    disposition = decide(parse_bounce(mail), mail)
    assert (disposition.kind, disposition.destination) == (kind, destination)


def test_an_ordinary_mail_titled_like_a_bounce_is_kept_in_not_bounces() -> None:
    """A subject's words are no verdict (issue 12, point 7): a person's mail titled like a
    bounce is kept in NotBounces and never counted against an address."""
    mail = mails.human_reply(subject="Undelivered Mail Returned to Sender")
    disposition = decide(parse_bounce(mail), mail)
    assert (disposition.kind, disposition.destination) == (
        MailKind.NOT_BOUNCE,
        Destination.NOT_BOUNCES,
    )


@pytest.mark.parametrize(
    ("prefix", "kind"), [("rfc3834-", MailKind.AUTOREPLY), ("arf-0", MailKind.COMPLAINT)]
)
def test_autoreplies_and_feedback_reports(prefix: str, kind: MailKind) -> None:
    found = [raw for name, raw in mails.server_mails() if name.startswith(prefix)]
    assert found, f"no {prefix}* mail among the server mails"
    assert {decide(parse_bounce(raw), raw).kind for raw in found} == {kind}


def test_only_a_verp_tag_made_with_our_key_pins_a_bounce_on_its_job() -> None:
    job_id = str(uuid.uuid4())
    keys = verification_keys(mails.SECRET)
    ours = named_job(parse_bounce(mails.dsn(job_id, "a@example.ee")), keys)
    forged = named_job(parse_bounce(mails.dsn(job_id, "a@example.ee", tag_key="guess")), keys)
    assert (ours.job_id, ours.verified) == (job_id, True)
    assert (forged.job_id, forged.verified, forged.claimed_job_id) == (None, False, job_id)
    assert named_job(parse_bounce(mails.dsn(job_id, "a@example.ee")), []).job_id is None


def test_a_tag_signed_with_the_old_key_verifies_during_a_key_rotation() -> None:
    job_id = str(uuid.uuid4())
    signed_before = parse_bounce(mails.dsn(job_id, "a@example.ee"))
    rotated = verification_keys(f"a-brand-new-key,{mails.SECRET}")
    assert named_job(signed_before, rotated).job_id == job_id
    assert named_job(signed_before, verification_keys("a-brand-new-key")).job_id is None


def test_a_job_named_only_by_returned_headers_is_not_trusted() -> None:
    job_id = str(uuid.uuid4())
    mail = mails.dsn(None, "a@example.ee").replace(
        b"Subject: Arve\r\n", f"Subject: Arve\r\nX-Erpmail-Job-Id: {job_id}\r\n".encode()
    )
    claim = named_job(parse_bounce(mail), verification_keys(mails.SECRET))
    assert claim.job_id is None and not claim.verified
