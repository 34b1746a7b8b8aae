"""Bounces written by real MTAs (``python -m bench.mta generate``): each case's reply, worded
as its provider documents it, relayed through the MTA; the expected cause is the case's."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from bench.mta.cases import (
    ALL_CASES,
    CASES,
    EXPIRY_HIDES_REPLY,
    PENDING,
    TWO_WAY,
    Case,
    accepted_reasons,
    by_name,
    expected_reason,
    held_reasons,
    two_way,
)
from bench.mta.generate import EXPECTED_FILE, VERP_KEY, generate, job_mail
from bench.mta.remote import greeting_text, reply_text
from workers.correlation import find_verp, verify_tag
from workers.dsn import parse_bounce
from workers.dsn.report import Reason

FIXTURES = Path(__file__).parent / "mta"


def _rows(directory: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (directory / EXPECTED_FILE).read_text().splitlines()]


def _check(directory: Path, row: dict[str, Any], cause: bool = True) -> None:
    case = by_name(row["case"])
    # Fixed by the case (and what the MTA's report can carry), never by the parser.
    want = expected_reason(case, row["mta"]).value
    assert row["reason"] == want
    report = parse_bounce((directory / row["file"]).read_bytes())
    assert report.is_bounce, row["file"]
    if cause:
        assert [r.reason.value for r in report.recipients] == [want], row["file"]
    assert [r.address for r in report.recipients] == [case.recipient]
    # The DSN names its job: the VERP address it came back to, signed with the job's key.
    assert report.job_id == row["job_id"] and report.job_id_source == "verp"
    match = find_verp(f"bounce+{report.job_id}.{report.verp_tag}@x")
    assert match is not None and verify_tag(match, VERP_KEY)


ROWS = _rows(FIXTURES)
UNSEEN = FIXTURES.parent / "mta-unseen"
# The unseen split: its causes are measured, not held by a test.
UNSEEN_ROWS = [(UNSEEN, row) for row in _rows(UNSEEN)]


def test_every_case_has_a_dsn_from_each_mta() -> None:
    by_mta: dict[str, set[str]] = {}
    for row in ROWS:
        by_mta.setdefault(row["mta"], set()).add(row["case"])
    assert by_mta and all(cases == {c.name for c in CASES} for cases in by_mta.values())


def test_an_other_reading_is_not_the_case_cause_and_yields_to_the_mta() -> None:
    """``Case.also`` adds readings beside the case's cause, once each; where the MTA's report
    carries only the expiry, the expiry alone is accepted."""
    for case in ALL_CASES:
        assert case.reason not in case.also and len(set(case.also)) == len(case.also), case.name
    deferred = next(case for case in ALL_CASES if case.also and case.stage == "defer")
    assert accepted_reasons(deferred, "opensmtpd") == (Reason.EXPIRED,)
    assert accepted_reasons(deferred, "exim") == (deferred.reason, *deferred.also)


def test_every_pending_miss_names_a_seen_dsn() -> None:
    assert set(PENDING) <= {row["file"] for row in ROWS}


@pytest.mark.parametrize("file", sorted(PENDING))
def test_a_pending_miss_reads_as_its_entry_says(file: str) -> None:
    """A pending entry names the case's cause and what the parser gives instead: a rule that
    turned one wrong reading into another must say so here too."""
    expected, got = PENDING[file].removeprefix("expected ").split(", got ")
    row = next(row for row in ROWS if row["file"] == file)
    assert expected == row["reason"]
    report = parse_bounce((FIXTURES / file).read_bytes())
    assert [r.reason.value for r in report.recipients] == [got]


def _expected_miss(row: dict[str, Any]) -> str | None:
    """Why a seen DSN is expected to miss: a documented two-way reading, or a rule not yet
    written for the round last read (strict either way: a DSN that reads right fails)."""
    # Two ways of reading the case's cause: none where the MTA's report carries the expiry.
    if (other := two_way(by_name(row["case"]), row["mta"])) is not None:
        return other.why
    if row["file"] in PENDING:
        return f"rule pending: {PENDING[row['file']]}"
    return None


@pytest.mark.parametrize(
    "row",
    [
        pytest.param(row, marks=[pytest.mark.xfail(reason=why, strict=True)])
        if (why := _expected_miss(row))
        else row
        for row in ROWS
    ],
    ids=[row["file"] for row in ROWS],
)
def test_a_real_mta_dsn_gives_the_case_cause_and_names_the_job(row: dict[str, Any]) -> None:
    _check(FIXTURES, row)


TWO_WAY_ROWS = [row for row in ROWS if two_way(by_name(row["case"]), row["mta"]) is not None]


def test_the_two_way_cases_other_reading_is_the_authors_where_the_author_gave_one() -> None:
    for name, other in TWO_WAY.items():
        case = by_name(name)
        assert other.other is not case.reason, name
        assert not case.also or other.other in case.also, name
    assert TWO_WAY_ROWS


@pytest.mark.parametrize("row", TWO_WAY_ROWS, ids=[row["file"] for row in TWO_WAY_ROWS])
def test_a_two_way_dsn_gives_one_of_its_two_readings(row: dict[str, Any]) -> None:
    """The strict miss above holds that it is not the case's cause; this, that it is the
    other reading, not a third."""
    report = parse_bounce((FIXTURES / row["file"]).read_bytes())
    held = held_reasons(by_name(row["case"]), row["mta"])
    assert len(held) == 2 and [r.reason in held for r in report.recipients] == [True]


@pytest.mark.parametrize(
    ("directory", "row"), UNSEEN_ROWS, ids=[f"{d.name}/{row['file']}" for d, row in UNSEEN_ROWS]
)
def test_an_unseen_case_dsn_names_its_job_and_recipient(
    directory: Path, row: dict[str, Any]
) -> None:
    """The unseen split measures the causes (``python -m bench.mta score``) without a test
    holding them: a test would make its misses the next rules to write."""
    _check(directory, row, cause=False)


def _reply_words_missing(directory: Path, row: dict[str, Any]) -> list[str]:
    """The words of the case's reply (four letters or more) that its DSN does not hold: the
    MTA reached the case's stand-in and reported what it said. Not where no server is
    reached, nor where the MTA's report of an expiry carries no reply."""
    case = by_name(row["case"])
    if case.stage == "nxdomain" or (
        row["mta"] in EXPIRY_HIDES_REPLY and case.stage in ("defer", "connect")
    ):
        return []
    text = " ".join((directory / row["file"]).read_bytes().decode("utf-8", "replace").split())
    reply = reply_text(case, "", case.recipient)
    words = set(re.findall(r"(?<![a-z0-9])[a-z]{4,}(?![a-z0-9])", reply.lower()))
    return sorted(word for word in words - {"sender"} if word not in text.lower())


def test_every_dsn_carries_its_case_reply() -> None:
    """A DSN about the MTA's own failure (a case's mail it could not route) names its job and
    recipient as well as one about the case's reply does: only the reply's words tell them
    apart."""
    missing = {
        row["file"]: words
        for directory, row in [(FIXTURES, r) for r in ROWS] + UNSEEN_ROWS
        if (words := _reply_words_missing(directory, row))
    }
    assert missing == {}


def test_a_new_case_is_mailed_without_its_name() -> None:
    """A case's name says its cause; written into the mail it would come back in the DSN
    and hand the parser its answer. A case of a new round is mailed without it."""
    case = Case("clamav-virus-found", "data", "554 5.7.1 Virus found", Reason.VIRUSDETECTED, "-")
    _, message = job_mail(case)
    assert "clamav" not in case.recipient
    assert b"clamav" not in message.lower() and b"virus" not in message.lower()


def test_a_case_where_no_server_is_reached_is_mailed_to_no_word_of_its_cause() -> None:
    """Where no server is reached the MTA prints the recipient's domain in host names
    ("unable to look up host ..."), which the parser does not mask as it masks addresses: a
    domain or mailbox naming the failure would hand it its answer."""
    for case in ALL_CASES:
        if case.stage == "nxdomain":
            assert not re.search(r"nxdomain|unresolv|no-?such|unknown", case.recipient.lower())


def test_a_greeting_names_no_address() -> None:
    """The stand-in's greeting comes before any address is given: a case refusing there with
    an address placeholder would send it as written. The stand-in refuses such a case, and no
    case of either split is one."""
    case = Case("greets-recipient", "connect", "554 <rcpt> not welcome", Reason.BLOCKED, "-")
    with pytest.raises(ValueError, match="greets-recipient"):
        greeting_text(case)
    for case in ALL_CASES:
        if case.stage == "connect":
            assert greeting_text(case) == case.reply


@pytest.mark.parametrize(
    ("directory", "row"), UNSEEN_ROWS, ids=[f"{d.name}/{row['file']}" for d, row in UNSEEN_ROWS]
)
def test_an_unseen_dsn_does_not_carry_its_case_name(directory: Path, row: dict[str, Any]) -> None:
    raw = (directory / row["file"]).read_bytes().lower()
    assert row["case"].lower().encode() not in raw


def test_the_job_is_named_by_the_returned_message_without_the_verp_address() -> None:
    """Servers that drop the envelope address still return the message: its Message-ID and
    job header name the job. Every line that carries the VERP address is taken out."""
    for directory, row in [(FIXTURES, r) for r in ROWS] + UNSEEN_ROWS:
        raw = (directory / row["file"]).read_bytes()
        assert b"bounce+" in raw
        kept = b"\n".join(line for line in raw.split(b"\n") if b"bounce+" not in line)
        report = parse_bounce(kept)
        assert report.job_id == row["job_id"], row["file"]
        assert report.job_id_source in ("header", "message-id")


def _can_run_mtas() -> str:
    if os.geteuid() != 0:
        return "the MTAs run as root (in a private mount namespace)"
    if shutil.which("apt-get") is None or shutil.which("dpkg") is None:
        return "apt-get and dpkg are needed to unpack the MTA packages"
    from bench.mta.sandbox import Sandbox

    if not Sandbox.available():
        return "unshare -m (a private mount namespace) is not allowed here"
    return ""


@pytest.mark.slow
@pytest.mark.integration
# Exim writes every seen case's DSN (a round more each time one joins the seen split): above
# the suite's 300 s limit on a loaded machine.
@pytest.mark.timeout(1200)
@pytest.mark.parametrize("name", ["exim"])
def test_the_mta_writes_the_same_causes_live(name: str, tmp_path: Path) -> None:
    """Exim runs without a daemon, so it runs here; Postfix's fixtures come from the same
    generator (``python -m bench.mta generate --mta postfix``), whose master daemon once
    failed to start on a loaded machine with its reason lost to a missing syslog."""
    why_not = _can_run_mtas()
    if why_not:
        pytest.skip(why_not)
    from bench.mta.cli import MTAS
    from bench.mta.packages import PackageError

    try:
        written = generate(MTAS[name], tmp_path, log=lambda _: None)
    except PackageError as exc:
        pytest.skip(f"the {name} package could not be had: {exc}")
    assert {w.case.name for w in written} == {c.name for c in CASES}
    for row in _rows(tmp_path):
        _check(tmp_path, row, cause=_expected_miss(row) is None)
