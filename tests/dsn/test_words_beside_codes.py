"""Words beside a status: which names the cause (RFC 3463's meaning of the code first, then
the words), each reading beside a control that keeps its own."""

from __future__ import annotations

import pytest

from workers.dsn.reasons import classify
from workers.dsn.report import Reason

# (the report's status, the remote's reply, the command it answered, the cause)
READINGS: tuple[tuple[str, str, str, Reason], ...] = (
    # RFC 3463 X.4.2 "Bad connection": a transaction the connection could not complete
    # "because of time-out": a time-out under it is network trouble.
    ("", "421 4.4.2 Transaction timeout exceeded", "DATA", Reason.NETWORKERROR),
    ("4.4.2", "421 4.4.2 Transaction timeout exceeded", "DATA", Reason.NETWORKERROR),
    # go-guerrilla's backend not done in time, under X.5.0: the receiving system's.
    ("", "554 5.5.0 Error: transaction timeout", "DATA", Reason.SYSTEMERROR),
    ("4.4.2", "554 5.5.0 Error: transaction timeout", "DATA", Reason.SYSTEMERROR),
    # A filter that failed for now judged nothing, unless the reply names what it found.
    ("", "451 4.7.1 Content filter failed: spam score too high", "DATA", Reason.SPAMDETECTED),
    (
        "",
        "451 4.7.1 Virus filter failed: infected with Eicar-Test-Signature",
        "DATA",
        Reason.VIRUSDETECTED,
    ),
    ("", "451 4.7.1 Spam filter failed", "DATA", Reason.SYSTEMERROR),
    # RFC 3463 X.3.1 "Mail system full" yields to words naming a system error and no storage
    # (Zoho Mail's "452 4.3.1 Temporary System Error"); storage named too, or no cause, keeps it.
    ("", "452 4.3.1 Temporary System Error", "RCPT", Reason.SYSTEMERROR),
    ("4.3.1", "452 4.3.1 Temporary System Error", "RCPT", Reason.SYSTEMERROR),
    ("", "452 4.3.1 Internal error: disk full", "DATA", Reason.SYSTEMFULL),
    ("", "452 4.3.1 System error: no space left on device", "DATA", Reason.SYSTEMFULL),
    ("", "452 4.3.1 Insufficient system storage", "RCPT", Reason.SYSTEMFULL),
    ("", "452 4.3.1 Temporary failure, please try again later", "RCPT", Reason.SYSTEMFULL),
    # X.6.0, the content's, beside words naming a header RFC 5321 section 4.4 leaves to the
    # final delivery (mox): the RFC's rule; a content status alone stays the content's.
    (
        "",
        "550 5.6.0 message should not have Return-Path header (Hx4k)",
        "DATA",
        Reason.NOTCOMPLIANTRFC,
    ),
    ("5.6.0", "550 5.6.0 Invalid message", "DATA", Reason.CONTENTERROR),
    # X.5.4 beside words naming the HELO/EHLO name as what does not resolve (Apache James):
    # the sending host's argument refused; the command's syntax alone stays the protocol's,
    # and a domain that does not resolve stays the destination's.
    (
        "",
        "501 5.5.4 Provided EHLO/HELO Optional[mta.example.org] can not resolved.",
        "MAIL",
        Reason.BLOCKED,
    ),
    ("", "501 5.5.4 Provided EHLO mta.example.org cannot be resolved", "MAIL", Reason.BLOCKED),
    ("", "501 5.5.4 Syntax: HELO hostname", "MAIL", Reason.SYNTAXERROR),
    ("", "550 5.1.2 Domain example.org can not be resolved", "RCPT", Reason.HOSTUNKNOWN),
    # X.4.6 "Routing loop detected" beside the Received header fields it counted (mox): the
    # README's too many Received: headers; a loop or hop count alone stays the network's,
    # and a virus named beside the headers stays the virus.
    (
        "",
        "550 5.4.6 loop detected, more than 100 Received headers (Hx4k)",
        "DATA",
        Reason.CONTENTERROR,
    ),
    ("", "550 5.4.6 Routing loop detected", "DATA", Reason.NETWORKERROR),
    # The header fields named without a count are no count of them (review of abf343e).
    ("", "554 Your IP found in Received headers is blacklisted", "DATA", Reason.BLOCKED),
    ("", "550 Received headers indicate a dynamic IP, rejected", "DATA", Reason.BLOCKED),
    # The loose X.4.0 beside a gateway's own failed hand-over (Proxmox Mail Gateway): the
    # receiving system's; beside a route, the network's.
    ("", "451 4.4.0 detected undelivered mail (5F1A2B3C)", "DATA", Reason.SYSTEMERROR),
    ("", "451 4.4.0 No route to host", "RCPT", Reason.NETWORKERROR),
    ("", "554 5.4.6 Hop count exceeded - possible mail loop", "DATA", Reason.NETWORKERROR),
    (
        "",
        "554 5.7.1 Message contains a virus (Received headers checked)",
        "DATA",
        Reason.VIRUSDETECTED,
    ),
    ("", "451 4.7.1 Virus filter failed", "DATA", Reason.SYSTEMERROR),
    # ... nor is a finding denied.
    ("", "451 4.7.1 Virus filter failed: no virus found", "DATA", Reason.SYSTEMERROR),
    ("", "451 4.7.1 Content filter failed: spam not detected, timeout", "DATA", Reason.SYSTEMERROR),
    # A listed phrase found is how a filter judged; "spam detected" says what it found.
    (
        "",
        "550 5.7.1 Spam detected: blacklisted phrase found in subject",
        "DATA",
        Reason.SPAMDETECTED,
    ),
    ("", "554 Spam detected (blacklisted word)", "DATA", Reason.SPAMDETECTED),
    ("", "550 Blacklisted keyphrase found", "DATA", Reason.FILTERED),
    # A reply that names the filter refusing the message a spam filter is the corpus README's
    # spamdetected ("rejected by a spam filter"), whatever list it matched; a listed phrase
    # with no filter named is a content check's (filtered) (review low, kept as read).
    ("", "550 Spam filter: blacklisted word found", "DATA", Reason.SPAMDETECTED),
    (
        "5.7.1",
        "550 5.7.1 Rejected by spam filter: blacklisted phrase found",
        "DATA",
        Reason.SPAMDETECTED,
    ),
    # The broken check's own name or kind after the failure is no finding (review of a4390bd).
    (
        "",
        "451 4.7.1 Content filter failed: virus scanner not responding",
        "DATA",
        Reason.SYSTEMERROR,
    ),
    (
        "",
        "451 4.7.1 Content filter failed: clamav virus database error",
        "DATA",
        Reason.SYSTEMERROR,
    ),
    ("", "451 4.7.1 Content filter failed: spamassassin not reachable", "DATA", Reason.SYSTEMERROR),
    ("", "451 4.7.1 Content filter failed: message looks like spam", "DATA", Reason.SPAMDETECTED),
    # A check not ready is the system's trouble; a server, a resolver or a mailbox "not
    # ready" names no check, and its other words keep their cause (review of f781f53).
    ("", "451 4.7.1 Please retry later (anti-virus not ready)", "DATA", Reason.SYSTEMERROR),
    ("", "451 4.7.1 Spam filter not ready, try again later", "DATA", Reason.SYSTEMERROR),
    ("", "421 4.7.0 Too many connections, server not ready", "CONNECT", Reason.TOOMANYCONN),
    ("", "452 4.2.2 Mailbox full, not ready to receive", "RCPT", Reason.MAILBOXFULL),
    ("", "451 4.4.3 DNS resolver not ready, try again later", "RCPT", Reason.NETWORKERROR),
    # A sender-callback check that could not be made (courier-pythonfilter's dialback) is
    # the sender not taken for now; logging in to authenticate is SMTP AUTH's (review of
    # 4b8ea46).
    ("", "421 No SMTP servers were available to authenticate sender", "DATA", Reason.REJECTED),
    ("", "530 5.7.0 You must log in to authenticate sender", "MAIL", Reason.SECURITYERROR),
    # "DNS failure" names a look-up failing only when said for now; said for good beside an
    # exact status it may be what the look-up found (review of 7d3a125).
    ("", "421 DNS failure resolving example.org", "DATA", Reason.NETWORKERROR),
    ("", "550 5.1.2 Domain not found (DNS failure: NXDOMAIN)", "RCPT", Reason.HOSTUNKNOWN),
    ("", "550 5.1.8 Sender domain DNS failure: domain does not exist", "MAIL", Reason.REJECTED),
    ("", "550 5.1.1 User unknown (DNS failure on lookup of alias)", "RCPT", Reason.USERUNKNOWN),
    # A retry asked for as greylisting's test is greylisting; as advice beside a named cause,
    # the cause (review of 7d3a125).
    ("", "421 Please send the message again to prove you are human", "DATA", Reason.EXPIRED),
    ("", "452 4.2.2 Mailbox full, please send the message again later", "RCPT", Reason.MAILBOXFULL),
    ("", "451 4.7.1 Spam suspected; send the message again later", "DATA", Reason.SPAMDETECTED),
    # RFC 3463 X.2.2 "Mailbox full" says whose store the words of a full disk are about;
    # under X.3.x or no status they are the receiving system's (review of 712d614).
    ("5.2.2", "552 5.2.2 User's disk is too full, quota exceeded", "RCPT", Reason.MAILBOXFULL),
    ("4.2.2", "452 4.2.2 Mailbox disk is too full", "RCPT", Reason.MAILBOXFULL),
    ("5.2.2", "552 5.2.2 disk full", "RCPT", Reason.MAILBOXFULL),
    ("4.3.1", "452 4.3.1 disk full", "RCPT", Reason.SYSTEMFULL),
    ("4.3.2", "421 4.3.2 mx.example disk is too full. Try later", "RCPT", Reason.SYSTEMFULL),
    ("", "421 mx.example disk is too full. Try later", "RCPT", Reason.SYSTEMFULL),
    # ... and whose a count of messages per stretch of time is: under X.2.2 the mailbox's
    # own quota ("a per-mailbox administrative quota"), under no such status a sending rate;
    # words naming the sender's sending keep the rate whatever the status (review low).
    ("5.2.2", "552 5.2.2 Max 500 messages per day", "RCPT", Reason.MAILBOXFULL),
    ("", "452 4.2.2 Maximum 100 messages per hour", "RCPT", Reason.MAILBOXFULL),
    ("5.2.2", "552 5.2.2 Quota exceeded: max 200 messages per day", "RCPT", Reason.MAILBOXFULL),
    ("", "550 Max 500 messages per day", "RCPT", Reason.SPEEDING),
    ("4.7.1", "450 4.7.1 Maximum 30 messages per hour", "RCPT", Reason.SPEEDING),
    ("5.2.2", "550 5.2.2 Sender rate exceeds 100 messages per 1h", "RCPT", Reason.SPEEDING),
    ("5.2.2", "550 5.2.2 Daily sending limit of 500 recipients exceeded", "RCPT", Reason.SPEEDING),
    # ... and so do a reply to MAIL FROM (no mailbox named yet) and the sender's own sending
    # beside the count (review of 16a05ef).
    (
        "5.2.2",
        "550 5.2.2 Sending quota exceeded: max 200 messages per day",
        "MAIL",
        Reason.SPEEDING,
    ),
    ("5.2.2", "550 5.2.2 User has sent more than 300 emails per day", "MAIL", Reason.SPEEDING),
    (
        "5.2.2",
        "550 5.2.2 You have exceeded your sending limit of 200 messages per day",
        "RCPT",
        Reason.SPEEDING,
    ),
    # A broad word ("blocked", "service unavailable": phrases.FALLBACK) names no cause
    # unmistakably: beside an exact status it yields, as a refusal's other bare verdicts do
    # ("550 5.1.1 Denied"); a phrase naming the cause, or a loose status, leaves the words.
    ("", "552 5.3.4 Blocked: message size", "DATA", Reason.MESGTOOBIG),
    ("", "452 4.2.2 Service unavailable", "RCPT", Reason.MAILBOXFULL),
    ("", "550 5.1.1 Blocked", "RCPT", Reason.USERUNKNOWN),
    ("", "550 5.1.1 Denied", "RCPT", Reason.USERUNKNOWN),
    ("", "554 5.7.1 Blocked", "RCPT", Reason.BLOCKED),
    ("", "552 5.3.4 Message rejected as spam", "DATA", Reason.SPAMDETECTED),
    # A bare verdict on the recipient ("mailbox is blocked") says it was refused, an exact
    # status beside it says what of it: X.2.2 a full mailbox, no unknown user (a hard
    # bounce); under X.1.1 the two agree.
    ("5.2.2", "552 5.2.2 Mailbox is blocked", "RCPT", Reason.MAILBOXFULL),
    ("", "452 4.2.2 Recipient is blocked", "RCPT", Reason.MAILBOXFULL),
    ("", "550 5.1.1 Mailbox is blocked", "RCPT", Reason.USERUNKNOWN),
    # Words of an expiry ("timeout") in the remote's own permanent reply: it answered, and
    # no queue time ran out; the exact status beside them names the cause, as it does in a
    # temporary reply retried until the queue time ran out.
    ("", "554 5.6.1 Message content rejected: timeout", "DATA", Reason.CONTENTERROR),
    ("", "451 4.6.1 Message content rejected: timeout", "DATA", Reason.CONTENTERROR),
    # X.1.2 (the destination's system address) yields to the sender's domain its words refuse,
    # where the report does not say MAIL FROM; the recipient's domain it names stays.
    ("5.1.2", "554 5.1.2 Sender contains a disallowed domain", "", Reason.REJECTED),
    ("5.1.2", "554 5.1.2 Recipient domain does not exist", "", Reason.HOSTUNKNOWN),
    # ... a party only in a permanent reply: a recipient unverified for now, retried out under
    # Sendmail's 4.4.7, is the expiry, no unknown user.
    ("4.4.7", "450 recipient unverified, come back later", "RCPT", Reason.EXPIRED),
    # The word "spam" alone names a folder, a policy or a trap as well as a verdict: beside
    # an exact status it yields, as a broad word does; under a loose status it decides, and a
    # verdict's phrase ("rejected as spam", above) beats the status still.
    ("", "552 5.2.2 Spam folder is full", "RCPT", Reason.MAILBOXFULL),
    ("", "550 5.1.1 Address unknown (see spam policy)", "RCPT", Reason.USERUNKNOWN),
    ("", "554 5.7.1 Rejected: spam.", "DATA", Reason.SPAMDETECTED),
)


@pytest.mark.parametrize("reading", READINGS, ids=[words for _, words, _, _ in READINGS])
def test_a_status_and_the_words_beside_it(reading: tuple[str, str, str, Reason]) -> None:
    status, words, command, reason = reading
    assert classify(status, None, words, command) == reason
