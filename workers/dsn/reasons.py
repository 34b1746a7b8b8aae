"""The one classifier of failure causes, used for DSNs and for refusals in the SMTP dialogue.

A cause comes from three clues: the enhanced status code (RFC 3463 semantics), the SMTP reply
code, and the wording of the diagnostic (``workers.dsn.phrases``). The longest matching
phrase names the wording's cause (the most specific wins). A status that names a cause
exactly decides over the wording, except for causes whose wording is unmistakable (a full
mailbox, a virus, ...); a vague status (``5.0.0``, ``5.7.1``) lets the wording decide. Words
no table knows still name the party a reply refuses (the sender, its host, the recipient, its
domain) beside a verdict ("fake sender", "invalid ip"): that party gives the cause. The SMTP
stage the reply answered has the last word (the greeting: the host; MAIL FROM: the sender).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from workers.dsn.phrases import (
    AFTER_DATA,
    AFTER_MAIL_FROM,
    AFTER_RCPT_TO,
    AT_CONNECT,
    BARE_REFUSALS,
    BLOCK_LISTS,
    CHECK_NOT_READY,
    CHECK_RESULTS,
    CONTENT_CHECK_REFUSALS,
    COUNT_PER_TIME,
    DEFINITE_EXPIRY,
    DEFINITE_USERUNKNOWN,
    DNS_LOOKUPS,
    FAILED_FILTER,
    FALLBACK,
    FILTER_SAYS_UNKNOWN,
    FRAMING,
    GENERIC_USERUNKNOWN,
    GREYLISTING,
    LISTED_WORDS,
    LOOKUPS,
    MAILBOX_UNAVAILABLE,
    NAMED_UNKNOWN,
    NEGATIONS,
    PARTIES,
    PARTY_CHECKS,
    PARTY_FRAMING,
    PATTERNS,
    PHRASES,
    REFUSALS,
    SPAM_WORD,
    SPF_NONE,
    STORAGE_ALLOCATION,
    TELLING_FOR_NOW,
    TELLING_PHRASES,
    TIMEOUTS,
    UNAVAILABLE_ONLY,
    VERDICTS,
    WHOLE_WORDS,
)
from workers.dsn.report import BounceType, Reason
from workers.dsn.scan import WordScan, literal, required_words
from workers.dsn.status import failure_status, find_reply_code, find_status

# RFC 3463 subject.detail -> cause, for codes that name one cause precisely.
EXACT_STATUS: dict[str, Reason] = {
    "1.1": Reason.USERUNKNOWN,
    "1.2": Reason.HOSTUNKNOWN,
    "1.3": Reason.USERUNKNOWN,
    "1.6": Reason.HASMOVED,
    "1.7": Reason.REJECTED,
    "1.8": Reason.REJECTED,
    "2.2": Reason.MAILBOXFULL,
    # X.2.3 "Message length exceeds administrative limit": exceedlimit, as the shared corpus
    # labels it from Sendmail, DragonFly and SES (dev lhost-sendmail-05); Exchange's
    # "RESOLVER.RST.RecipSizeLimit" under it is mesgtoobig, as the corpus labels that server's
    # (dev lhost-exchange2007-03; phrases.VENDOR_CODES). Each follows the corpus's label.
    "2.3": Reason.EXCEEDLIMIT,
    "3.1": Reason.SYSTEMFULL,
    "3.4": Reason.MESGTOOBIG,
    "4.3": Reason.SYSTEMERROR,
    "4.6": Reason.NETWORKERROR,
    "4.7": Reason.EXPIRED,
    "5.1": Reason.SYNTAXERROR,
    "5.2": Reason.SYNTAXERROR,
    "5.4": Reason.SYNTAXERROR,
    "6.1": Reason.CONTENTERROR,
    "6.2": Reason.CONTENTERROR,
    "6.3": Reason.CONTENTERROR,
    "6.5": Reason.CONTENTERROR,
    "6.9": Reason.CONTENTERROR,
    # X.7.2 "Mailing list expansion prohibited: the sender is not authorized to send a
    # message to the intended mailing list" (RFC 3463): the sender refused. (At the greeting
    # no list was asked for: Yahoo's "553 5.7.2 [TSS09]" is the host's block, by the stage.)
    "7.2": Reason.REJECTED,
    "7.3": Reason.SECURITYERROR,
    "7.4": Reason.SECURITYERROR,
    "7.5": Reason.SECURITYERROR,
    "7.6": Reason.SECURITYERROR,
    "7.7": Reason.SECURITYERROR,
    "7.8": Reason.SECURITYERROR,
    # IANA's registry of enhanced status codes: X.7.10 "Encryption Needed", X.7.11
    # "Encryption required for requested authentication mechanism", X.7.12 "A password
    # transition is needed".
    "7.10": Reason.SECURITYERROR,
    "7.11": Reason.SECURITYERROR,
    "7.12": Reason.SECURITYERROR,
    "7.13": Reason.SUSPEND,
    "7.14": Reason.SECURITYERROR,
    "7.16": Reason.MESGTOOBIG,
    "7.17": Reason.HASMOVED,
    "7.18": Reason.HASMOVED,
    "7.20": Reason.AUTHFAILURE,
    "7.21": Reason.AUTHFAILURE,
    "7.22": Reason.AUTHFAILURE,
    "7.23": Reason.AUTHFAILURE,
    "7.24": Reason.AUTHFAILURE,
    "7.25": Reason.REQUIREPTR,
    "7.26": Reason.AUTHFAILURE,
    "7.27": Reason.NOTACCEPT,
    "7.28": Reason.SPAMDETECTED,
    "7.29": Reason.AUTHFAILURE,
    "7.30": Reason.SECURITYERROR,
    "4.316": Reason.EXPIRED,  # Exchange Online: "message expired, connection refused"
    # Outlook.com's high-volume sender requirements: 5.7.515 "sending domain ... does not meet
    # the required authentication level" (SPF, DKIM and DMARC).
    "7.515": Reason.AUTHFAILURE,
}

# RFC 3463 codes that hint at a cause but are used loosely by servers: the wording wins.
LOOSE_STATUS: dict[str, Reason] = {
    "1.0": Reason.USERUNKNOWN,
    "1.4": Reason.USERUNKNOWN,
    "1.10": Reason.NOTACCEPT,
    "2.1": Reason.SUSPEND,
    "2.4": Reason.SYSTEMERROR,
    "3.0": Reason.SYSTEMERROR,
    "3.2": Reason.NOTACCEPT,
    "3.3": Reason.SYSTEMERROR,
    "3.5": Reason.SYSTEMERROR,
    "4.0": Reason.NETWORKERROR,
    "4.1": Reason.NETWORKERROR,
    "4.2": Reason.NETWORKERROR,
    "4.4": Reason.HOSTUNKNOWN,
    # X.4.5 "Mail system congestion": the receiving system busy for now (Gmail's "421 4.4.5
    # Server busy, try again later", support.google.com/a/answer/3726730), its own trouble,
    # as those words read; a full disk or spool is said in words ("452 4.4.5 Insufficient
    # disk space", systemfull by them).
    "4.5": Reason.SYSTEMERROR,
    "5.0": Reason.SYNTAXERROR,
    "5.3": Reason.EXCEEDLIMIT,
    "6.0": Reason.CONTENTERROR,
    "7.0": Reason.SECURITYERROR,
    "7.1": Reason.SECURITYERROR,
    "7.9": Reason.SECURITYERROR,
}

# RFC 3463 X.3.2 "System not accepting network messages" said with a temporary code: the
# system will take mail again (it is busy, shutting down, ...), its trouble for now, not a
# domain that accepts no mail.
TEMPORARY_STATUS: dict[str, Reason] = {"3.2": Reason.SYSTEMERROR}
# Exchange Online's "451 4.7.500-699 (ASxxx) Access denied, please try again later": its IP
# throttling of a source whose volume rose past its sending history (learn.microsoft.com /
# support.office.com, "Fix email delivery issues for error code 451 4.7.500-699 (ASxxx)"), a
# rate, whatever "access denied" says of what was done. Temporary codes only: its permanent
# X.7.5xx-X.7.6xx name other causes (5.7.505 a banned recipient, 5.7.606 a banned IP, ...).
THROTTLING_DETAILS = range(500, 700)
# RFC 3463's subjects whose every detail names one kind of cause: a detail no table above
# holds still reads its subject's (loosely). X.6.XXX "Message Content or Media Status":
# Exchange Online's "550 5.6.11 Invalid characters" (bare line feeds, learn.microsoft.com NDR
# 5.6.11) is the content's.
SUBJECT_STATUS: dict[str, Reason] = {"6": Reason.CONTENTERROR}

# Codes registered as replies to AUTH (RFC 4954, IANA): X.7.8 "Authentication credentials
# invalid", X.7.9 "Authentication mechanism is too weak", X.7.11 "Encryption required for
# requested authentication mechanism", X.7.12 "A password transition is needed". Said to
# another command they cannot mean that, and the words decide (Exchange Online's "550 5.7.12
# Sender was not authenticated by organization" answers RCPT TO: a delivery restriction).
AUTH_REPLY_STATUS = frozenset({"7.8", "7.9", "7.11", "7.12"})

# Causes whose wording is so specific that it overrides even an exact status code.
WORDING_WINS = frozenset(
    {
        Reason.MAILBOXFULL,
        Reason.MAILERERROR,
        Reason.VIRUSDETECTED,
        Reason.SPAMDETECTED,
        Reason.NORELAYING,
        Reason.REQUIREPTR,
        Reason.AUTHFAILURE,
        Reason.SUSPEND,
        Reason.SYSTEMFULL,
        Reason.TOOMANYCONN,
        Reason.BADREPUTATION,
        Reason.NOTACCEPT,
        Reason.HOSTUNKNOWN,
        Reason.EXPIRED,
        Reason.SPEEDING,
        Reason.BLOCKED,
        # A mailbox that has moved, said with the address to try (RFC 5321's 551 "User not
        # local; please try <forward-path>"): Sendmail's redirect feature pairs it with X.1.1
        # ("551 5.1.1 User has moved; please try <new>"), the old address is no unknown one.
        Reason.HASMOVED,
    }
)

# A status's cause that yields to another the remote's reply names (in the diagnostic, its
# reply code present). Reply 552 means both a full mailbox (RFC 5321) and a message over the
# SIZE limit (RFC 1870): an X.2.2 a reporting server derived from it (Sendmail writes 5.2.2
# for every 552) yields to words naming the message's size. X.4.7 "Delivery time expired"
# is the reporting server's own verdict: beside the remote's reply (Sendmail quotes it with
# its 4.4.7) the cause that reply names says why; consequences (network trouble, a vaguer
# expiry) do not.
# A protocol status (X.5.x: a command or its arguments invalid) says the command was wrong,
# not which party: words naming the sender as what was wrong say which argument (MAIL FROM's
# reverse-path; Sendmail's check_mail "553 5.5.4 <a>... Domain name required for sender
# address"), the sender refused, as RFC 3463's X.1.7 "Bad sender's mailbox address syntax" is.
STATUS_YIELDS: dict[Reason, frozenset[Reason]] = {
    Reason.MAILBOXFULL: frozenset({Reason.MESGTOOBIG}),
    Reason.SYNTAXERROR: frozenset({Reason.REJECTED}),
    # X.1.2 is the destination's system address (RFC 3463): words naming the sender's domain
    # as what was not found ("550 5.1.2 Sender Domain Not Found") are X.1.8's "Bad sender's
    # system address", the sender refused, where the report does not say MAIL FROM. Words
    # naming the recipient's mailbox as what does not exist (Stalwart's "550 5.1.2 Mailbox
    # does not exist.", its rcpt.rs's answer for an unknown mailbox of a domain it serves):
    # the destination system answered for the domain, the mailbox is what it lacks.
    Reason.HOSTUNKNOWN: frozenset({Reason.REJECTED, Reason.USERUNKNOWN}),
    Reason.EXPIRED: frozenset(Reason) - {Reason.EXPIRED, Reason.NETWORKERROR},
    # IANA's X.7.28 "Mail flood detection" ("the message appears to be part of a mail flood
    # of similar abusive messages") is a verdict on volume: words naming the limit the volume
    # passed say which (Stalwart's "452 4.7.28 <host> Session exceeded transfer quota.", the
    # bytes one session may transfer).
    Reason.SPAMDETECTED: frozenset({Reason.EXCEEDLIMIT}),
    # RFC 3463's X.3.1 "Mail system full" ("mail system storage has been exceeded"), which
    # RFC 5321's 452 "insufficient system storage" restates: words naming a system error and
    # no storage at all say the trouble was another (Zoho Mail's SMTP error codes page, "452
    # 4.3.1 Temporary System Error").
    Reason.SYSTEMFULL: frozenset({Reason.SYSTEMERROR}),
    # X.4.6 "Routing loop detected" beside words naming the message's own header fields the
    # loop was counted by (RFC 5321 section 6.3: counting Received header fields): mox's "550
    # 5.4.6 loop detected, more than 100 Received headers", the corpus README's "too many
    # Received:" headers (contenterror). A loop said without them, and the other network
    # statuses (a time-out beside "invalid content"), stay the network's (_status_yields).
    Reason.NETWORKERROR: frozenset({Reason.CONTENTERROR}),
}

# Causes that mean the address or its domain is dead: retrying is pointless.
HARD_REASONS = frozenset(
    {Reason.USERUNKNOWN, Reason.HOSTUNKNOWN, Reason.HASMOVED, Reason.NOTACCEPT}
)
NO_CAUSE = frozenset({Reason.UNDEFINED, Reason.ONHOLD})
# Causes about an address or a message: said before any address or message was given (at
# the greeting or HELO), they mean the host is refused ("554 ... Reject due to policy
# restrictions" in a greeting is no message that broke a policy).
ADDRESS_CAUSES = frozenset(
    {
        Reason.USERUNKNOWN,
        Reason.HOSTUNKNOWN,
        Reason.REJECTED,
        Reason.FILTERED,
        Reason.POLICYVIOLATION,
        Reason.CONTENTERROR,
        Reason.NOTCOMPLIANTRFC,
        Reason.MESGTOOBIG,
        # No message was seen at the greeting: Comcast's "554 ... Comcast block for spam" is
        # the host's block for the spam it sent before.
        Reason.SPAMDETECTED,
        Reason.VIRUSDETECTED,
    }
)
# Causes that bare verdicts are read as ("banned", "blocked", "not allowed", "policy",
# "forged", "not authorized"): said of a party, the party names the cause.
VERDICT_CAUSES = frozenset({Reason.BLOCKED, Reason.POLICYVIOLATION, Reason.SECURITYERROR})
# A reply code with the status that only restates its meaning (RFC 5321 4.2.2, RFC 3463):
# 550 "mailbox unavailable", 553 "mailbox name not allowed", 552 "exceeded storage allocation";
# and the rest of the statuses Sendmail writes for a bare reply code (deliver.c smtptodsn(): 450
# 4.2.0, 451 4.3.0, 452 4.3.1, 500 5.5.2, 501 5.5.4, 502 and 503 5.5.1, 504 5.5.4, 550 5.2.0,
# 551 5.1.6; 5.1.1 for a 550 to RCPT TO), its mapping, no word of the remote's own.
REPLY_CODE_STATUS = frozenset(
    {
        ("550", "5.1.1"),
        ("553", "5.1.3"),
        ("552", "5.2.2"),
        ("450", "4.2.0"),
        ("451", "4.3.0"),
        ("452", "4.3.1"),
        ("500", "5.5.2"),
        ("501", "5.5.4"),
        ("502", "5.5.1"),
        ("503", "5.5.1"),
        ("504", "5.5.4"),
        ("550", "5.2.0"),
        ("551", "5.1.6"),
    }
)
# What a permanent reply to RCPT TO means when its words name nothing (RFC 5321 4.2.2): 553
# "mailbox name not allowed (e.g., mailbox syntax incorrect)" refuses the address itself (as
# RFC 3463's X.1.3 does: an unknown user). Its 550 "mailbox unavailable (e.g., mailbox not
# found, no access, or command rejected for policy reasons)" does not say which, and without
# an enhanced code RFC 3463 says nothing more: no access or a policy is no dead address, and
# an unknown user is a hard bounce that suppresses the recipient, so a bare 550 names no cause.
RCPT_REPLY_MEANING: dict[str, Reason] = {"553": Reason.USERUNKNOWN}
# RFC 7504's reply codes, whatever the command: 521 "Host does not accept mail" (a server that
# takes no mail, answering the connection) and 556 "Domain does not accept mail" (a relay
# for a domain that takes none, as RFC 7505's null MX): the vocabulary's notaccept.
NO_MAIL_REPLY_CODES = frozenset({"521", "556"})
# ... and RFC 3463's permanent X.3.2 "System not accepting network messages" ("the host on
# which the mailbox is resident is not accepting messages"; the corpus README's example of
# notaccept), in the remote's own reply: its system takes no mail, from anyone.
NO_MAIL_STATUS = "5.3.2"
# The parties whose refusal beats a bare security verdict ("forged", "not authorized"): the
# sender, its host and relaying (``PARTIES``); a recipient "not authorized" is no party's.
SENDING_PARTIES = frozenset({Reason.REJECTED, Reason.BLOCKED, Reason.NORELAYING})
AT_CONNECT_COMMANDS = frozenset({"CONNECT", "HELO", "EHLO", "BANNER", "GREETING"})

# Precedence tiers for the wording, best first: the telling causes (an authentication
# failure, a virus, a defect named outright) beat ordinary ones; a bare refusal ("message
# rejected") yields to any word naming a cause; an expiry said outright ("in the queue too
# long") beats the network or system trouble behind it; consequences (a vague expiry, network
# and system trouble) yield to everything else.
TELLING = frozenset(
    {Reason.AUTHFAILURE, Reason.VIRUSDETECTED, Reason.REQUIREPTR, Reason.BADREPUTATION}
)
CONSEQUENCES = frozenset({Reason.EXPIRED, Reason.NETWORKERROR})
# (a name of its own: mypyc compiles no starred tuple in a comparison)
_NONE_OR_CONSEQUENCE = (None, *CONSEQUENCES)
BARE_RANK = 2


def _alternation(words: tuple[str, ...]) -> str:
    return "|".join(map(literal, sorted(words, key=len, reverse=True)))


_VERDICT = _alternation(VERDICTS)
# Up to three words between (a dot inside a word, "rfc.5321", not one that ends a sentence).
_BETWEEN = r"(?: (?:[^ .;,]|\.(?! )){1,30}){0,3}"
# After a party, a check's bare result (``CHECK_RESULTS``) is said of it only across its own
# words: its address (read as "@", in a path or not) or a check of it (``PARTY_CHECKS``).
_PARTY_VERDICT = _alternation(tuple(v for v in VERDICTS if v not in CHECK_RESULTS))
_OWN_WORDS = rf"(?: (?:[<(\[]?@[>)\]]?|{_alternation(PARTY_CHECKS)}):?){{0,2}}"
# A party named beside a verdict, either way round and up to three words apart ("fake
# sender", "invalid ip", "restricted characters in address"; "sender is rejected", "sender
# address syntax error"), whole words only. Each with the party's names: a text holding none
# of them (most texts hold one party's) is not searched.
_PARTY_RES = tuple(
    (
        reason,
        names,
        re.compile(
            rf"(?<![a-z0-9])(?:(?:{_VERDICT})(?P<before>{_BETWEEN}) (?:{party})"
            rf"|(?:{party})(?:'s)?(?P<after>{_BETWEEN}) (?:{_PARTY_VERDICT})"
            rf"|(?:{party})(?:'s)?{_OWN_WORDS} (?:{_alternation(CHECK_RESULTS)}))(?![a-z0-9])"
        ),
    )
    for reason, names, party in ((reason, names, _alternation(names)) for reason, names in PARTIES)
)
# The sender's names among the parties (``PARTIES``), as words: a text that names the sender.
_SENDER_NAMED_RE = re.compile(
    rf"(?<![a-z0-9])(?:{_alternation(dict(PARTIES)[Reason.REJECTED])})(?![a-z0-9])"
)
# (Java prints an address as "<name>/<ip>", "/<ip>" without a name: Apache James's "from
# /127.0.0.1". An address in brackets or parentheses is one too: mtpolicyd's GeoIPAction.pm
# "delivery from <country> (<ip>) rejected".)
# Found from its first character (a digit, a bracket), which the regex engine finds by a
# table look-up per character; the " " or "/" before it are taken in after (``read_ips_as_ip``):
# a pattern that starts with them is tried at every position of the text. (A lookbehind after
# the first character says which it was.)
_IP_LITERAL_RE = re.compile(
    r"[\d\[(](?:(?<=\[)ipv6:[0-9a-f:.]{2,45}\]|(?<=[\[(])\d{1,3}(?:\.\d{1,3}){3}[\])]?"
    r"|(?<=\d)\d{0,2}(?:\.\d{1,3}){3}[\])]?)"
)


def read_ips_as_ip(needle: str) -> str:
    """``needle`` with each IP literal read as " ip": an IPv4 address (bare, in brackets or in
    parentheses) or a bracketed IPv6 one, with the " ", "/" or " /" before it."""
    kept: list[str] = []
    start = 0
    for found in _IP_LITERAL_RE.finditer(needle):
        begin = found.start()
        if begin > start and needle[begin - 1] == "/":
            begin -= 1
        if begin > start and needle[begin - 1] == " ":
            begin -= 1
        kept.append(needle[start:begin])
        kept.append(" ip")
        start = found.end()
    if not kept:
        return needle
    kept.append(needle[start:])
    return "".join(kept)


# An e-mail address (bare, or in a path "<...>" or a comment "(...)", whose brackets stay):
# a name someone chose, not the reply's words ("<virus-lab@...>: user unknown" names no
# virus, "<dmarc-reports@...>: mailbox disabled" no DMARC failure). Normalizing reads it as
# "@" alone, a word no phrase holds, one short word between a party and its verdict ("Mail
# from <a VERP address> rejected" is "mail from <@> rejected"). Each part is matched from
# the "@" outwards (the local part on the text before it, reversed): a pattern searched
# through the whole text would be tried at every position of it.
_LOCAL_PART_RE = re.compile(r"[^\s<>()\[\],;:\"@]{1,64}")
_DOMAIN_RE = re.compile(
    r"\[[^\[\]\s]{1,64}\]|[^\s<>()\[\],;:\"'@.]{1,63}(?:\.[^\s<>()\[\],;:\"'@.]{1,63})*"
)


def mask_addresses(text: str) -> str:
    """``text`` with each address in it read as "@"."""
    at = text.find("@")
    if at == -1:
        return text
    kept: list[str] = []
    start = 0
    while at != -1:
        local = _LOCAL_PART_RE.match(text[max(start, at - 64) : at][::-1])
        domain = _DOMAIN_RE.match(text, at + 1)
        if local is not None and domain is not None:
            kept.append(text[start : at - local.end()])
            kept.append("@")
            start = domain.end()
        at = text.find("@", max(at + 1, start))
    kept.append(text[start:])
    return "".join(kept)


_FILTER_SAYS_UNKNOWN_RE = re.compile(FILTER_SAYS_UNKNOWN)
_NAMED_UNKNOWN_RE = re.compile(NAMED_UNKNOWN)
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})
_CURLY_QUOTES = tuple(map(chr, _QUOTES))


def normalize_text(text: str) -> str:
    """Lower-case, addresses read as "@" (``mask_addresses``), curly quotes straightened,
    whitespace collapsed: what phrases match."""
    lowered = mask_addresses(text.lower())
    # A curly quote is not ASCII (an ASCII text is told at once); translating a text
    # character by character costs more than looking for the four.
    if not lowered.isascii() and any(map(lowered.__contains__, _CURLY_QUOTES)):
        lowered = lowered.translate(_QUOTES)
    # A space is the one printable blank: a printable text without two spaces in a row, or
    # one at an end, is collapsed already (most diagnostics), and is not split and joined.
    if (
        lowered.isprintable()
        and "  " not in lowered
        and not lowered.startswith(" ")
        and not lowered.endswith(" ")
    ):
        return lowered
    return " ".join(lowered.split())


def _rank(reason: Reason, length: int, phrase: str = "") -> tuple[int, int]:
    if reason == Reason.EXPIRED:  # running out of time is what happens when all else fails
        # ... but said outright it beats the network or system trouble behind it
        return (1 if phrase in DEFINITE_EXPIRY else -1), length
    if phrase in BARE_REFUSALS:
        return BARE_RANK, length
    if phrase in TELLING_PHRASES:  # a defect named outright, e.g. a duplicate header
        return 4, length
    tier = 4 if reason in TELLING else 0 if reason in CONSEQUENCES else 3
    return tier, length


def _compiled_patterns() -> tuple[tuple[Reason, int, re.Pattern[str]], ...]:
    """Each pattern with the tier of its cause (a pattern of a lower tier than the best phrase
    found cannot win, however long its match, and is not tried)."""
    return tuple((reason, _rank(reason, 0)[0], re.compile(pattern)) for reason, pattern in PATTERNS)


def _patterns_by_word() -> tuple[dict[str, tuple[int, ...]], tuple[int, ...]]:
    """The places of the patterns that require each word (one of which every match of the
    pattern holds: ``scan.required_words``), and the places of the patterns without such
    words: a pattern is searched only in a text holding one of its words."""
    places: dict[str, list[int]] = {}
    always: list[int] = []
    for place, (_, pattern) in enumerate(PATTERNS):
        required = required_words(pattern)
        for word in required:
            places.setdefault(word, []).append(place)
        if not required:
            always.append(place)
    return {word: tuple(held) for word, held in places.items()}, tuple(always)


_PATTERNS = _compiled_patterns()
_PATTERNS_BY_WORD, _PATTERNS_ALWAYS = _patterns_by_word()


def _phrases_by_rank() -> tuple[tuple[str, Reason, tuple[int, int]], ...]:
    """Every phrase with its cause and rank, best first (rank, then table order): trying them
    in this order and stopping at the first one present makes the same choice as trying them
    all and keeping the best."""
    rows = [
        (phrase, reason, _rank(reason, len(phrase), phrase))
        for reason, phrases in PHRASES
        for phrase in phrases
    ]
    order = sorted(
        range(len(rows)), key=lambda index: (-rows[index][2][0], -rows[index][2][1], index)
    )
    return tuple(rows[index] for index in order)


_BY_RANK = _phrases_by_rank()
# Each phrase's best place in ``_BY_RANK`` (a phrase of two tables counts at its first).
_PHRASE_PLACES = {phrase: place for place, (phrase, _, _) in reversed(tuple(enumerate(_BY_RANK)))}


# X.1.2 yields to words naming the mailbox as missing, not where they name the host as
# unknown too ("553 5.1.2 User unknown, host unknown"): the status says which.
_HOST_UNKNOWN_PHRASES = dict(PHRASES)[Reason.HOSTUNKNOWN]
# X.3.1 keeps its storage where the words name a full system too ("452 4.3.1 Internal error:
# disk full"): the status says which.
_SYSTEM_FULL_PHRASES = dict(PHRASES)[Reason.SYSTEMFULL]
# The tables the steps of ``classify`` look for in the diagnostic: found in the pass that finds
# its phrases (``Reading.held``), where looking for each word of each table in turn would
# read the text again per word.
STEP_TABLES: tuple[tuple[str, ...], ...] = (
    TELLING_PHRASES,
    _HOST_UNKNOWN_PHRASES,
    _SYSTEM_FULL_PHRASES,
    SPF_NONE,
    BLOCK_LISTS,
    GREYLISTING,
    FAILED_FILTER,
    TIMEOUTS,
    (MAILBOX_UNAVAILABLE,),
    (STORAGE_ALLOCATION,),
    UNAVAILABLE_ONLY,
    CONTENT_CHECK_REFUSALS,
    GENERIC_USERUNKNOWN,
    DEFINITE_USERUNKNOWN,
    AFTER_DATA,
)
# The phrases, the patterns' words and the steps' tables, looked for in one pass over a text.
_WORDING_SCAN = WordScan(
    [*_PHRASE_PLACES, *_PATTERNS_BY_WORD, *(word for table in STEP_TABLES for word in table)]
)


def held_words(needle: str) -> set[str]:
    """The words of the phrases and of ``STEP_TABLES`` that a normalized text holds."""
    return _WORDING_SCAN.found(needle)


def _holds_any(held: set[str], table: tuple[str, ...]) -> bool:
    """Whether a text whose ``held_words`` are ``held`` holds a word of ``table`` (one of
    ``STEP_TABLES``)."""
    return not held.isdisjoint(table)


def match_phrases(text: str, fallback: bool = True) -> Reason | None:
    """The cause named by the wording of ``text``: the most telling tier, then the longest
    phrase (the most specific), then table order; broad words only when ``fallback``."""
    return _phrase_cause(normalize_text(text), fallback)


def _phrase_cause(
    needle: str, fallback: bool = True, held: set[str] | None = None
) -> Reason | None:
    """``match_phrases`` of a text already normalized (``normalize_text``); ``held``: its
    ``held_words`` when the caller has them."""
    framed = False
    for framing in FRAMING:
        if framing in needle:
            needle, framed = needle.replace(framing, " "), True
    if not needle:
        return None
    best: Reason | None = None
    best_rank = (-2, 0)
    words = held_words(needle) if framed or held is None else held
    # The first phrase in rank order that the text holds.
    place = min((_PHRASE_PLACES[word] for word in words if word in _PHRASE_PLACES), default=None)
    if place is not None:
        _, best, best_rank = _BY_RANK[place]
    # The patterns whose words the text holds, in table order.
    patterns = set(_PATTERNS_ALWAYS)
    for word in words:
        patterns.update(_PATTERNS_BY_WORD.get(word, ()))
    for index in sorted(patterns):
        reason, tier, pattern = _PATTERNS[index]
        if tier < best_rank[0]:
            continue
        found = pattern.search(needle)
        if found is not None and _rank(reason, len(found.group(0))) > best_rank:
            best, best_rank = reason, _rank(reason, len(found.group(0)))
    if framed:  # the broad words read it normalized: a framing taken out left its spaces
        needle = normalize_text(needle)
    if best_rank[0] == BARE_RANK:
        # A bare refusal ("message rejected") counts only when no word names a cause:
        # "Message rejected under suspicion of SPAM;" is spam whatever its punctuation. Such
        # a word is a broad one: without ``fallback`` no phrase named the cause.
        named = _broad_cause(needle)
        if named is not None:
            return named if fallback else None
    if best is not None or not fallback:
        return best
    return _broad_cause(needle)


_URL_RE = re.compile(r"(?:https?|ftp)://\S{1,2000}")


def broad_words(text: str) -> Reason | None:
    return _broad_cause(normalize_text(text))


def _broad_cause(needle: str) -> Reason | None:
    """The cause a broad word names in a normalized text. A link is no word: NetEase's help
    link ".../help_spam_16.htm" names no spam."""
    if "://" in needle:
        needle = _URL_RE.sub(" ", needle)
    for framing in PARTY_FRAMING:
        needle = needle.replace(framing, " ")
    for reason, words in FALLBACK:
        if any(map(needle.__contains__, words)) and any(_holds(needle, word) for word in words):
            return reason
    return None


def _holds(needle: str, word: str) -> bool:
    if word in _WHOLE_WORD_RES:
        return _WHOLE_WORD_RES[word].search(needle) is not None
    return word in needle


_WHOLE_WORD_RES = {
    word: re.compile(rf"(?<![a-z0-9]){literal(word)}(?![a-z0-9])") for word in WHOLE_WORDS
}


def status_reason(status: str) -> tuple[Reason | None, bool]:
    """The cause a status names, and whether it names it exactly."""
    if not status:
        return None, False
    key = status.split(".", 1)[1]
    if key in EXACT_STATUS:
        return EXACT_STATUS[key], True
    if status.startswith("4") and key in TEMPORARY_STATUS:
        return TEMPORARY_STATUS[key], False
    if key in LOOSE_STATUS:
        return LOOSE_STATUS[key], False
    subject, _, detail = key.partition(".")
    if status.startswith("4.7.") and detail.isdigit() and int(detail) in THROTTLING_DETAILS:
        return Reason.SPEEDING, True
    return SUBJECT_STATUS.get(subject), False


_TRANSCRIPT_RE = re.compile(r"(>>>|<<<|while talking to)\s{0,4}(\S{0,20})")
_COMMANDS = {
    "rcpt": "RCPT",
    "mail": "MAIL",
    "data": "DATA",
    ".": "DATA",
    "helo": "CONNECT",
    "ehlo": "CONNECT",
    "lhlo": "CONNECT",
}


_POLICY_KIND_RE = re.compile(
    r"(?<![^ ])((?:[a-z-]{1,30} )?[a-z-]{1,30}) (?:policy|policies)(?![a-z])"
)
# The kinds of policy that name a cause of their own.
POLICY_KINDS = frozenset(
    {Reason.SPAMDETECTED, Reason.VIRUSDETECTED, Reason.AUTHFAILURE, Reason.NORELAYING}
)


def _policy_kind(needle: str) -> Reason | None:
    """The cause the words before "policy" name ("anti-spam policy", "dmarc policy")."""
    for found in _POLICY_KIND_RE.finditer(needle):
        words = found.group(1)
        kind = _phrase_cause(words, fallback=False) or _broad_cause(words)
        if kind in POLICY_KINDS:
            return kind
    return None


# What a server does to a mail (limits, blocks, refuses by policy) as opposed to why.
PENALTIES = frozenset(
    {Reason.SPEEDING, Reason.BLOCKED, Reason.POLICYVIOLATION, Reason.FILTERED, Reason.REJECTED}
)
# Causes that codes name as the check a mail failed (IANA X.7.20-X.7.26, X.7.29 "ARC validation
# failure").
STATED_REASONS = frozenset({Reason.AUTHFAILURE, Reason.REQUIREPTR})


def refused_party(needle: str) -> tuple[Reason, str] | None:
    """The cause of a refusal by the party it names beside a verdict (``PARTIES``), in a
    normalized text, with the text left when those words are taken out: the party named
    first, the table's order between names at one place."""
    for framing in FRAMING + PARTY_FRAMING:  # words that frame a reply name no party of it
        needle = needle.replace(framing, " ")
    # An IP address names the sending host: "banned sender[<ip>]" (Exchange Online 5.7.511),
    # "the sender <ip> is banned" (Baruwa) are the host's, read as "sender ip".
    needle = read_ips_as_ip(needle)
    # A filter's symbol spells its words with underscores (Rspamd's multimap "Matched map:
    # FORBIDDEN_FILE_EXTENSION"): its words, a verdict and a party.
    if "_" in needle:
        needle = needle.replace("_", " ")
    # Every match holds a verdict and a party's name: the patterns, which the regex engine
    # tries at every position, are searched only in a text holding both.
    if not any(map(needle.__contains__, VERDICTS)):
        return None
    best: tuple[int, int] | None = None
    found_best = None
    cause = None
    for order, (reason, names, pattern) in enumerate(_PARTY_RES):
        if not any(map(needle.__contains__, names)):
            continue
        found = pattern.search(needle)
        if found is not None and (best is None or (found.start(), order) < best):
            best, cause, found_best = (found.start(), order), reason, found
    if cause is None or found_best is None:
        return None
    # The words between the party and its verdict stay in the text left: they may name the
    # cause themselves ("recipient blocked: rbl check failed" is the host's block).
    between = found_best.group("before") or found_best.group("after") or ""
    return cause, f"{needle[: found_best.start()]}{between} {needle[found_best.end() :]}"


def may_show_transcript(text: str) -> bool:
    """Whether ``text`` (normalized or not) can hold a transcript: normalizing keeps its
    markers, so most reports are told without normalizing or scanning them."""
    return ">>>" in text or "<<<" in text or "talking" in text.lower()


def transcript_command(lowered: str) -> str:
    """The command a session transcript (``>>> RCPT TO:<...>`` / ``<<< 550 ...``) shows the
    refusal answering: the last command sent before the first permanent refusal (else the
    first temporary one). A refusal before any command of its connection answered the
    greeting: ``CONNECT``. ``""`` when the text has no transcript with commands."""
    if ">>>" not in lowered and "<<<" not in lowered and "talking" not in lowered:
        return ""  # (may_show_transcript, of a text already lower-cased)
    last = ""
    # A reply is placed only where the transcript logs what was sent: after a command, or
    # at the start of a connection ("while talking to host:" then the greeting's reply).
    placed = False
    temporary = ""
    for found in _TRANSCRIPT_RE.finditer(lowered):
        marker, word = found.groups()
        if marker == "while talking to":
            last, placed = "", True
        elif marker == ">>>":
            last, placed = _COMMANDS.get(word.split(":", 1)[0], word.upper()), True
        elif placed and word[:1] in ("4", "5") and word[:3].isdigit():
            if word.startswith("5"):
                return last or "CONNECT"
            temporary = temporary or last or "CONNECT"
    return temporary


def smtp_command(text: str) -> str:
    """The SMTP command a refusal answered, when the text says: ``DATA``, ``MAIL``, ``RCPT``,
    ``CONNECT`` (the greeting or HELO/EHLO) or ``""``."""
    return command_said(normalize_text(text))


def command_said(lowered: str) -> str:
    """``smtp_command`` of a text already normalized."""
    in_transcript = transcript_command(lowered)
    if in_transcript:
        return in_transcript
    if any(map(lowered.__contains__, AFTER_DATA)):
        return "DATA"
    if any(map(lowered.__contains__, AFTER_MAIL_FROM)):
        return "MAIL"
    if any(map(lowered.__contains__, AFTER_RCPT_TO)):
        return "RCPT"
    if any(map(lowered.__contains__, AT_CONNECT)):
        return "CONNECT"
    return ""


def _wording(needle: str, around: str, held: set[str]) -> tuple[Reason | None, bool, bool]:
    """The diagnostic's own phrases (``needle``, normalized); the context's (``around``)
    when those name no cause (or only a consequence); broad words last. With it: whether a
    phrase (not a broad word) named it, and whether the diagnostic itself (not the context)
    did. ``held``: the ``held_words`` of ``needle``."""
    own = _phrase_cause(needle, fallback=False, held=held)
    if around and (own is None or own in CONSEQUENCES):
        theirs = _phrase_cause(around, fallback=False)
        if theirs is not None and (
            own is None or theirs not in CONSEQUENCES or own == Reason.EXPIRED
        ):
            return theirs, True, False
    if own is not None:
        return own, True, True
    broad = _broad_cause(needle)
    if broad is not None:
        return broad, False, True
    return (_broad_cause(around) if around else None), False, False


@dataclass(slots=True)
class Reading:
    """What ``classify`` reads of one failure: its clues, and the cause so far (``reason``;
    ``vague`` when it rests on broad words or a loosely used status only). The steps of
    ``PRECEDENCE`` weigh the clues, choose a cause, then revise it, in that order."""

    diagnostic: str
    needle: str  # the diagnostic, normalized (``normalize_text``)
    stage: str  # the command the reply answered: "RCPT", "DATA", "MAIL", "CONNECT", ... or ""
    explicit: str  # the status the report gave
    code: str  # that status, else the one the diagnostic holds
    reply_code: str  # the reply code the report gave
    said_code: str  # the remote's own reply code in the diagnostic, or ""
    said_status: str  # the failure status written in the diagnostic, or ""
    by_status: Reason | None
    exact: bool  # the status names its cause exactly (``EXACT_STATUS``)
    by_text: Reason | None
    phrased: bool  # a phrase, not a broad word, named ``by_text``
    said: bool  # the diagnostic itself, not the context, named it
    held: set[str]  # the diagnostic's ``held_words``: what the steps look for in its words
    derived: bool = False  # the status only restates the remote's bare reply code
    # The reporting server's own words put the reply after the message's data (``AFTER_DATA``),
    # not a transcript's order alone.
    data_framed: bool = False
    outright: bool = False  # the diagnostic names a defect outright (``TELLING_PHRASES``)
    reason: Reason | None = None
    vague: bool = False

    @property
    def replied(self) -> str:
        """The class of the remote's own reply in the diagnostic: "4", "5" or ""."""
        return self.said_code[:1]


# --- which clue stands: the status or the words ---------------------------------------------


def _auth_codes_answer_auth(r: Reading) -> None:
    """Codes registered as replies to AUTH (``AUTH_REPLY_STATUS``) said to another command
    cannot mean that: the words decide."""
    if r.exact and r.code.split(".", 1)[1] in AUTH_REPLY_STATUS and r.stage not in ("", "AUTH"):
        r.exact = False


def _restated_reply_code(r: Reading) -> None:
    """The remote replied with a bare code and the status is only that code's meaning (RFC
    5321's 550 "mailbox unavailable" as X.1.1: Sendmail writes 5.1.1 for a bare 550 to RCPT
    TO): the reporting server's mapping, no word of the remote's own. The remote's own words
    naming another cause beat it ("550 Sender denied")."""
    r.derived = r.exact and (r.said_code, r.explicit) in REPLY_CODE_STATUS and not r.said_status
    if r.derived and r.said and r.phrased and r.by_text not in (None, r.by_status):
        r.exact = False


def _which_policy(r: Reading) -> None:
    """ "Rejected per SPAM policy", "blocked by DMARC policy": the words before "policy" name
    which policy, and so the cause; "local policy" names none."""
    if r.by_text == Reason.POLICYVIOLATION and r.said:
        kind = _policy_kind(r.needle)
        if kind is not None:
            r.by_text = kind


def _no_spf_record_is_no_failure(r: Reading) -> None:
    """SPF's words where they say the sender's domain has no SPF record (``SPF_NONE``, RFC
    7208's "none"): no check failed, the sender's domain was refused for lacking one. Other
    words naming an authentication failure keep it ("has an SPF record with a hard fail")."""
    if (
        r.by_text == Reason.AUTHFAILURE
        and r.said
        and _holds_any(r.held, SPF_NONE)
        and _phrase_cause(_without(r.needle, SPF_NONE), fallback=False) != Reason.AUTHFAILURE
    ):
        r.by_text = Reason.REJECTED


_LISTED_WORDS_RE = re.compile(LISTED_WORDS)
# The phrases that name a defect of the message's format (contenterror's).
_CONTENT_DEFECTS = dict(PHRASES)[Reason.CONTENTERROR]


def _evidence_beside_a_spam_verdict(r: Reading) -> None:
    """What a filter found in the message is how it judged: a listed phrase or word
    (``LISTED_WORDS``: a content filter's list, filtered), a defect of the message's format
    named (contenterror's phrases: "invalid header", "message has defects", "failed to parse
    message"). A reply that also says in a phrase of its own that it judged the message spam
    ("550 5.7.1 Spam detected: blacklisted phrase found in subject", "... message has defects,
    looks like spam"), or that the filter which judged it is a spam filter ("Spam filter:
    blacklisted word found"), names the cause: the corpus README's spamdetected, "rejected by
    a spam filter", the more telling of its two definitions (its filtered: "rejected by a
    header or content check")."""
    if not r.said:
        return
    if r.by_text == Reason.FILTERED and _LISTED_WORDS_RE.search(r.needle):
        rest = _LISTED_WORDS_RE.sub(" ", r.needle)
    elif r.by_text == Reason.CONTENTERROR and r.phrased:
        rest = _without(r.needle, _CONTENT_DEFECTS)
    else:
        return
    if _phrase_cause(rest, fallback=False) == Reason.SPAMDETECTED:
        r.by_text = Reason.SPAMDETECTED


def _code_names_the_check(r: Reading) -> None:
    """Words that say what was done to the mail (rate limited, blocked, refused by policy)
    beside a code that says why (Gmail's "421 4.7.26 This mail has been rate limited because
    it is unauthenticated"): the code names the cause. (Gmail's 4.7.29 "... wasn't sent over a
    TLS connection" is no ARC failure: its words name the cause outright, phrases.
    TELLING_PHRASES.)"""
    if r.exact and r.by_status in STATED_REASONS and r.by_text in PENALTIES:
        r.by_text = r.by_status


def _defect_named_outright(r: Reading) -> None:
    """A defect named outright (a temporary look-up failure, a duplicate header) outweighs a
    code that names another cause: Postfix's "450 4.1.1 ... unverified address: Host not
    found, try again" is no unknown user."""
    r.outright = (
        r.said and r.by_text is not None and _names_defect_outright(r.held, r.replied == "4")
    )


def _status_yields(r: Reading) -> None:
    """A status's cause that yields to another the remote's reply names (``STATUS_YIELDS``):
    in a phrase, or where no phrase names one, by the party its words refuse (``refused_party``:
    mailfront's "554 5.1.2 Sender contains a disallowed domain" names the sender's domain, not
    the destination's X.1.2 says, where the report does not say MAIL FROM)."""
    if not (r.exact and r.by_status in STATUS_YIELDS and r.replied in ("4", "5")):
        return
    named, said = r.by_text, r.said
    # (a party only in a permanent reply: a verdict on a party said for now is a check that
    # failed for now, ``_refused_party``, and leaves a reporting server's expiry standing)
    if named is None and r.replied == "5":
        party = refused_party(r.needle)
        named, said = (party[0], True) if party is not None else (None, False)
    if (
        named in STATUS_YIELDS[r.by_status]
        and said
        and not (named == Reason.USERUNKNOWN and _holds_any(r.held, _HOST_UNKNOWN_PHRASES))
        and not (named == Reason.SYSTEMERROR and _holds_any(r.held, _SYSTEM_FULL_PHRASES))
        and not (r.by_status == Reason.NETWORKERROR and r.code[1:] != ".4.6")
    ):
        r.by_status = named


def _recipient_refuses_the_sender(r: Reading) -> None:
    """The remote's own code for the recipient's mailbox (X.1.1) beside words putting the
    sender on a block list (``BLOCK_LISTS``; Forpsi's chkuser "550 5.1.1 <sender> sender is
    blacklisted"): that mailbox's list refuses that sender, the recipient's own filter (the
    vocabulary's filtered), neither an unknown recipient nor the server's refusal of the
    sender. (A code a reporting server derived from a bare reply says nothing of a mailbox.)"""
    if (
        r.exact
        and r.by_status == Reason.USERUNKNOWN
        and r.by_text == Reason.REJECTED
        and r.said
        and r.replied == "5"
        and not r.derived
        and r.said_status
        and _holds_any(r.held, BLOCK_LISTS)
    ):
        r.by_status = r.by_text = Reason.FILTERED


def _greylisting_is_retried(r: Reading) -> Reason | None:
    """A greylisting the remote's own temporary reply names (``GREYLISTING``; RFC 6647: a
    refusal meant only to be retried) is why retries ran out, whatever status the remote put
    beside it: Stalwart's rcpt.rs answers greylisting "452 4.2.2 Greylisted, please try
    again in a few moments.", under X.2.2 "Mailbox full", of no full mailbox. A refusal that
    names no trouble, retried until the queue time ran out: the expiry."""
    if r.replied == "4" and _holds_any(r.held, GREYLISTING):
        return Reason.EXPIRED
    return None


# A failed filter's words with the word before them, which names what the filter looks for
# ("virus filter failed", "spam filter failed"), not what it found.
_FAILED_FILTER_RE = re.compile(
    rf"(?:[a-z0-9-]{{1,30}} )?(?:{_alternation(FAILED_FILTER)})|{CHECK_NOT_READY}"
)
# What a content filter finds.
FILTER_FINDINGS = frozenset({Reason.SPAMDETECTED, Reason.VIRUSDETECTED})
# A finding said as one, not a filter's kind or name ("virus scanner not responding",
# "spamassassin not reachable" name the broken check): ClamAV's clamd answers "<signature>
# FOUND" (clamd(8), its protocol), amavisd-new says "INFECTED" and "Blocked SPAM", a spam
# score is "too high", a message "looks like", is "classified as" or "identified as" spam.
_FINDING_SAID_RE = re.compile(
    r"(?<![a-z])(?:found|detected|infected|blocked spam|too high|looks like|classified as"
    r"|identified as|contains? (?:a )?virus)(?![a-z])"
)
_NEGATION_RE = re.compile(rf"(?<![a-z])(?:{_alternation(NEGATIONS)})(?![a-z])")


def _failed_filter_for_now(r: Reading) -> Reason | None:
    """A filter that failed, said in the remote's temporary reply (``FAILED_FILTER``): the
    check broke and judged nothing, so the words naming what it looks for ("virus") name no
    finding. The receiving system's trouble, unless the rest of the reply says a finding
    (``_FINDING_SAID_RE``: "451 4.7.1 Content filter failed: spam score too high"): that is
    the cause. The filter's name or kind beside its trouble ("virus scanner not responding")
    is no finding, nor is one denied ("no virus found")."""
    if r.replied == "4" and (
        _holds_any(r.held, FAILED_FILTER)
        # (a check not ready: CHECK_NOT_READY, the pattern's other branch)
        or ("not ready" in r.needle and _FAILED_FILTER_RE.search(r.needle) is not None)
    ):
        rest = _FAILED_FILTER_RE.sub(" ", r.needle)
        if _FINDING_SAID_RE.search(rest) is None or _NEGATION_RE.search(rest) is not None:
            return Reason.SYSTEMERROR
        found = _phrase_cause(rest)
        return found if found in FILTER_FINDINGS else Reason.SYSTEMERROR
    return None


def _timeout_of_a_bad_connection(r: Reading) -> None:
    """A time-out said under X.4.2 (the remote's own status, else the report's) is the one
    RFC 3463 describes there, a transaction the connection could not complete: network
    trouble, not the receiving system's, whatever the words add ("421 4.4.2 Transaction
    timeout exceeded"). go-guerrilla's "554 5.5.0 Error: transaction timeout", its backend
    not done in time, has no such status and stays systemerror."""
    if (
        r.by_text == Reason.SYSTEMERROR
        and (r.said_status or r.code)[1:] == ".4.2"
        and _holds_any(r.held, TIMEOUTS)
    ):
        r.by_text = Reason.NETWORKERROR


# The look-up words as words: "dns" is no look-up in "dnsbl" or a host "dns1.example" (an
# address is no text here at all: normalize_text reads it as "@").
_DNS_LOOKUP_RE = re.compile(rf"(?<![a-z0-9])(?:{_alternation(DNS_LOOKUPS)})(?![a-z0-9])")
_LOOKUP_RE = re.compile(rf"(?<![a-z0-9])(?:{_alternation(LOOKUPS)})")


def _directory_server_is_the_dns(r: Reading) -> Reason | None:
    """RFC 3463's X.4.3 "Directory server failure": the network system could not reach a
    directory server, "the inability to connect to an Internet DNS server" its example. A
    directory of the receiving system's own (qmail's "Unable to contact LDAP server.
    (#4.4.3)", dev lhost-qmail-05) is its internal error, systemerror (the corpus README's
    own example), which ``EXACT_STATUS`` gives; words naming a DNS look-up (``DNS_LOOKUPS``)
    say the directory was the DNS: network trouble (Apache James SPFHandler's "451 4.4.3
    Temporarily rejected: Problem on SPF lookup", the SPF record's DNS look-up failing for
    now, RFC 7208 section 2.6.6's temperror)."""
    if r.code[1:] == ".4.3" and _DNS_LOOKUP_RE.search(r.needle) is not None:
        return Reason.NETWORKERROR
    return None


def _expiry_is_a_consequence(r: Reading) -> None:
    """The remote's temporary reply, with a status naming the trouble (exactly, or loosely the
    mail system's, X.3.0), is why retries ran out: the expiry the reporting server states
    (Exim's "retry timeout exceeded", Sendmail's preamble) is its consequence. So is it when
    the remote's own reply writes a status of RFC 3463's system or network classes (X.3.x,
    X.4.x: "451 4.4.0 DNS resolving error", "421 4.4.5 ..."), loose as it is, whatever status
    the reporting server put beside it (Exim's generic 5.0.0, Sendmail's own 4.4.7 expiry): the
    remote said what the trouble was. (A loose X.7.x names a verdict, not a trouble: a
    greylisting "451 4.7.1 try later" stays the expiry.)"""
    if r.by_text != Reason.EXPIRED or r.replied != "4":
        return
    if r.by_status not in (None, Reason.EXPIRED) and (r.exact or r.by_status == Reason.SYSTEMERROR):
        r.by_text, r.phrased, r.said = r.by_status, True, True
        return
    if r.said_status[1:3] not in (".3", ".4"):
        return
    trouble = status_reason(r.said_status)[0]
    if trouble not in (None, Reason.EXPIRED):
        r.by_text, r.phrased, r.said = trouble, True, True
        if r.by_status in (None, Reason.EXPIRED) or r.code != r.said_status:
            r.by_status, r.exact = trouble, False


def _remote_status_names_its_trouble(r: Reading) -> None:
    """At the greeting, the reporting server's own words naming a block (Postfix's "host <h>
    refused to talk to me: <reply>", which frames any refusal there) where the remote's own
    temporary reply names nothing in words but writes a status of RFC 3463's mail system
    class (X.3.x, "something having to do with the destination system"): the remote said
    what kept it from taking mail for now, its system's state, no verdict on the sending
    host (KumoMTA's "421 4.3.2 <host> load shedding. Try later", its spool "waiting for
    spool startup"). (A permanent X.3.2 is a host that takes no mail:
    ``_reply_code_says_no_mail``.)"""
    if (
        r.stage == "CONNECT"
        and r.replied == "4"
        and not r.said
        and r.by_text == Reason.BLOCKED
        and r.said_status[1:3] == ".3"
        and r.code == r.said_status
    ):
        trouble = status_reason(r.said_status)[0]
        if trouble is not None:
            r.by_text, r.by_status, r.said = trouble, trouble, True


_COUNT_PER_TIME_RE = re.compile(COUNT_PER_TIME)
# The word "spam" said of the message, a verdict ("550 5.6.1 Message is spam."), where alone
# it may name a folder or a trap ("spam folder is full").
_SPAM_PREDICATED_RE = re.compile(r"(?<![a-z])(?:is|was|as|be) spam(?![a-z])")
# Words of the sender's own sending beside a count ("you have exceeded your sending limit",
# "user has sent more than 300 emails per day"): the count is the sender's rate.
_SENDERS_SENDING_RE = re.compile(r"(?<![a-z])(?:sending|sent|you have|you've)(?![a-z])")


def _words_win(r: Reading) -> bool:
    """The remote's words name an unmistakable cause (``WORDING_WINS``) over an exact status;
    but words of a full disk or spool ("disk is too full") say no more than that something is
    full, and an X.2.2 (RFC 3463 "Mailbox full") says whose: the recipient's mailbox. So do
    words that only count the messages allowed per stretch of time (``COUNT_PER_TIME``: "552
    5.2.2 Max 500 messages per day"): X.2.2's "per-mailbox administrative quota"; words naming
    the sender's sending beside them ("sender rate exceeds", "your sending limit"), or a reply
    to MAIL FROM or the greeting (before any mailbox is named), keep the rate. A broad word
    (``FALLBACK``: "blocked", "service unavailable") names no cause unmistakably: it never
    does ("552 5.3.4 Blocked: message size" is the message's size, as "550 5.1.1 Denied" is
    the mailbox's). Nor does a bare verdict said of the recipient (``refused_party``: "552
    5.2.2 Mailbox is blocked"): it says the recipient was refused, the status what of it.
    Nor do words of an expiry ("timeout") in the remote's own permanent reply: it answered,
    no queue time ran out (in a temporary one: ``_expiry_is_a_consequence``). Nor does the
    word "spam" on its own (``SPAM_WORD``: "552 5.2.2 Spam folder is full"), a verdict's
    phrase ("rejected as spam") beside it, or the word said of the message ("is spam"),
    still does."""
    if not (r.said and r.phrased and r.by_text in WORDING_WINS):
        return False
    if r.by_text is Reason.EXPIRED and r.replied == "5":
        return False
    if (
        r.by_text is Reason.SPAMDETECTED
        and _phrase_cause(_without(r.needle, SPAM_WORD), fallback=False) is not Reason.SPAMDETECTED
        and _SPAM_PREDICATED_RE.search(r.needle) is None
    ):
        return False
    if r.by_text in VERDICT_CAUSES:
        party = refused_party(r.needle)
        if (
            party is not None
            and party[0] == Reason.USERUNKNOWN
            and _phrase_cause(party[1], fallback=False) != r.by_text
        ):
            return False
    if r.by_status is not Reason.MAILBOXFULL:
        return True
    if r.by_text is Reason.SPEEDING:
        if r.stage.startswith("MAIL") or r.stage in AT_CONNECT_COMMANDS:
            return True  # said before any mailbox was named: no mailbox's quota
        if _SENDERS_SENDING_RE.search(r.needle) or _SENDER_NAMED_RE.search(r.needle):
            return True
        rest = _COUNT_PER_TIME_RE.sub(" ", r.needle)
        return _phrase_cause(rest, fallback=False) is Reason.SPEEDING
    return r.by_text is not Reason.SYSTEMFULL


def _status_or_words(r: Reading) -> None:
    """An exact status stands unless the diagnostic's own words name an unmistakable cause
    (``WORDING_WINS``) or a defect outright; else the words, else a loose status (vague);
    else RFC 5321's 551 "user not local; please try <forward-path>". A broad word of the
    context only (the reporting server's, Sendmail's "554 5.0.0 Service unavailable" closing
    its transcript) does not outweigh a status the remote's own reply gave."""
    if r.exact and r.by_status is not None and not (_words_win(r) or r.outright):
        r.reason = r.by_status
    elif r.by_status is not None and not (r.phrased or r.said) and r.code == r.said_status:
        r.reason, r.vague = r.by_status, True
    elif r.by_text is not None:
        r.reason, r.vague = r.by_text, not r.phrased
    elif r.by_status is not None:
        r.reason, r.vague = r.by_status, True
    elif r.reply_code.startswith("551"):
        r.reason = Reason.HASMOVED


def _unavailable_for_now(r: Reading) -> None:
    """RFC 5321's "mailbox unavailable" (``MAILBOX_UNAVAILABLE``) said with a temporary reply
    is a mailbox busy or blocked for now (its 450), no dead address: with no other word of an
    unknown user and no status naming one, it names no cause."""
    if (
        r.reason == Reason.USERUNKNOWN
        and not r.exact
        and _temporary(r)
        and MAILBOX_UNAVAILABLE in r.held
        and _phrase_cause(_without(r.needle, (MAILBOX_UNAVAILABLE,)), fallback=False)
        != Reason.USERUNKNOWN
    ):
        r.reason = None


def _storage_is_the_message(r: Reading) -> None:
    """RFC 5321's 552 words alone ("exceeded storage allocation", ``STORAGE_ALLOCATION``) said
    to the message's data: the message too big for the space, not a full mailbox, which is
    said to RCPT TO (a status a reporting server derived from the bare 552, Sendmail's 5.2.2,
    says nothing more)."""
    if (
        r.reason == Reason.MAILBOXFULL
        and r.stage == "DATA"
        and (r.derived or not r.exact)
        and STORAGE_ALLOCATION in r.held
        and _phrase_cause(_without(r.needle, (STORAGE_ALLOCATION,)), fallback=False) is None
    ):
        r.reason = Reason.MESGTOOBIG


def _status_names_the_trouble(r: Reading) -> None:
    """Words that say only that something is unavailable (``UNAVAILABLE_ONLY``), beside
    none but a consequence (Exim's "retry timeout exceeded"), name no kind of trouble: a
    status of the network class (X.4.x) says which it was."""
    if (
        r.reason == Reason.SYSTEMERROR
        and not r.exact
        and r.by_status == Reason.NETWORKERROR
        and r.code[2:4] == "4."
        and _holds_any(r.held, UNAVAILABLE_ONLY)
        and _phrase_cause(_without(r.needle, UNAVAILABLE_ONLY), fallback=False)
        in _NONE_OR_CONSEQUENCE
    ):
        r.reason = Reason.NETWORKERROR


def _content_for_now_is_the_system(r: Reading) -> None:
    """Words naming the message's format (contenterror) in a temporary reply under RFC 3463's
    mail system status (X.3.x, "something having to do with the destination system"): a
    defect of the message would not go away on a retry, so what the remote reports for now is
    its own system failing on the message ("451 4.3.0 Failed to parse message from queue",
    its queued copy), the receiving system's trouble. Under X.6.x, the content's own status,
    the words stand."""
    if r.reason == Reason.CONTENTERROR and _temporary(r) and (r.said_status or r.code)[1:3] == ".3":
        r.reason = Reason.SYSTEMERROR


def _without(needle: str, phrases: tuple[str, ...]) -> str:
    for phrase in phrases:
        needle = needle.replace(phrase, " ")
    return needle


def _temporary(r: Reading) -> bool:
    """Whether the failure was a temporary one: the remote's reply, else the status or code."""
    return r.replied == "4" or (not r.replied and (r.code or r.reply_code).startswith("4"))


# --- the cause revised by the party refused and the stage ----------------------------------


def _refused_party(r: Reading) -> None:
    """Words no table knows (or only a bare verdict, or a restated code) still name the party
    a reply refuses (``refused_party``): the party gives the cause."""
    verdict_only = r.by_text in VERDICT_CAUSES and (r.reason == r.by_text or r.derived)
    if not (r.reason is None or r.vague or (r.derived and r.by_text is None) or verdict_only):
        return
    party = refused_party(r.needle)
    if party is not None and party[0] == Reason.USERUNKNOWN and _temporary(r):
        # A temporary reply is no dead address: a verdict on the recipient said for now
        # (Exim's deferred callout, "451 Could not complete recipient verify callout"; a
        # "lookup error, try again later") is a check that failed for now, not an unknown
        # user (a hard bounce: the address would be suppressed).
        party = None
    if party is not None and (
        not verdict_only
        # A cause read from a bare verdict ("banned", "not allowed", "forged") that the
        # party's own words held: the party it was said of names the cause ("NULL sender
        # is not allowed" refuses the sender, not a policy). A recipient "not authorized"
        # stays a delivery not authorized (RFC 3463 X.7.1).
        # Policy is every refusal's: said anywhere beside a party, the party decides.
        or (r.by_text == Reason.POLICYVIOLATION and party[0] != Reason.USERUNKNOWN)
        or (
            _phrase_cause(party[1], fallback=False) != r.by_text
            and (r.by_text != Reason.SECURITYERROR or party[0] in SENDING_PARTIES)
        )
    ):
        r.reason, r.vague = party[0], False
        if r.reason == Reason.USERUNKNOWN and r.stage == "DATA":
            r.reason = Reason.FILTERED  # a recipient refused after DATA: the vocabulary's filter


def _remote_routes_the_domain(r: Reading) -> None:
    """The remote's own reply names the recipient's address as what it cannot route (Exim's
    ACL verify = recipient: "550 Unrouteable address"; Yandex lists the words among those of
    an address that does not exist): the server answering for the domain routes the domain,
    so the address is an unknown user. (Said by the reporting server itself, with no reply of
    the remote's, it is the domain it could not route: hostunknown.)"""
    if (
        r.reason == Reason.HOSTUNKNOWN
        and r.replied == "5"
        and not (r.exact and r.by_status == Reason.HOSTUNKNOWN)
        and _recipient_refused(r.needle)
    ):
        r.reason = Reason.USERUNKNOWN


def _no_mail_for_now(r: Reading) -> None:
    """A destination that takes no mail (notaccept) in the remote's own temporary reply: a
    server that found a null MX refuses for good (RFC 7505: 550 5.7.27 for a sender's domain,
    RFC 7504's 556 5.1.10 for a recipient's), so a server that answers for now that it could
    not check the MX (mox's "451 4.4.0 cannot verify mx records for mailfrom domain") had its
    look-up fail for now: network trouble, as a domain not found said for now is
    (``_temporary_domain_lookup``), whose ever domain it was. A null MX a reporting server
    found itself stays notaccept whatever status it gives (Gmail's "DNS Error: ... returned
    Null MX" under 4.0.0, dev-more rhost-gsuite-03: no reply of a remote). Only where the
    words name a look-up: "451 4.3.0 This domain does not accept mail at the moment" is a
    refusal for now, no look-up."""
    if r.reason == Reason.NOTACCEPT and r.replied == "4" and _LOOKUP_RE.search(r.needle):
        r.reason = Reason.NETWORKERROR


def _sender_domain_takes_no_mail(r: Reading) -> None:
    """A domain that takes no mail, said of the sender: IANA's X.7.27 "Sender address has null
    MX" (RFC 7505 section 4.1) refuses the sender's address, the corpus README's rejected
    ("rejected because of the sender's address"), where its notaccept is a destination that
    takes no mail. So is it said in words naming the sender's address (maddy's "501 5.7.27
    Domain in MAIL FROM does not have any MX records", through a report that does not say the
    command), or under X.7.27 to MAIL FROM, before any recipient was given. The destination's
    null MX (X.1.10, RFC 7504's 556; Sendmail's 5.7.27 beside "550 Host does not accept mail"
    for a recipient's domain, dev lhost-sendmail-57) stays notaccept."""
    if r.reason == Reason.NOTACCEPT and (
        (r.code[1:] == ".7.27" and r.stage.startswith("MAIL"))
        or _SENDER_NAMED_RE.search(r.needle) is not None
    ):
        r.reason = Reason.REJECTED


def _reply_code_says_no_mail(r: Reading) -> Reason | None:
    """Words that name no cause under RFC 7504's 521 or 556 (``NO_MAIL_REPLY_CODES``), or
    under a permanent X.3.2 the remote's own reply gave (``NO_MAIL_STATUS``): the code's own
    meaning, a host or domain that takes no mail, at any stage before the message's data (at
    the greeting too, where a bare refusal is otherwise the host's block). Words only the
    reporting server said name none: Postfix's "refused to talk to me" and Sendmail's
    closing "Service unavailable" frame any refusal at the greeting. Said to the message's
    data, after the server took the sender and the recipients, the code cannot mean a host
    that takes no mail (RFC 7504 section 3 gives 521 in place of the greeting, or to the
    commands after it, by a server that accepts none): the words are all there is (msmtpd
    answers every refusal with 521, its Rspamd plugin's after DATA too)."""
    if (
        r.reason is None
        and r.stage != "DATA"
        and (r.said_code or r.reply_code) in NO_MAIL_REPLY_CODES
    ):
        return Reason.NOTACCEPT
    if not r.said and r.replied == "5" and r.said_status == NO_MAIL_STATUS:
        return Reason.NOTACCEPT
    return None


def _greeting_refuses_the_host(r: Reading) -> Reason | None:
    """Refused before any address was given: the refusal is about the sending host. A status
    alone names no other cause there (Yahoo's greeting "553 5.7.2 [TSS09] All messages from
    <ip> will be permanently deferred" expands no mailing list, X.7.2), nor does a permanent
    refusal's talk of deferral or network trouble. A temporary refusal at the greeting
    retried until the queue time ran out is the expiry where the remote said only that it
    could not serve for now; where its own reply refuses (``REFUSALS``: decke/smtprelay's
    "421 Denied" to a client outside its allowed networks), the host was refused on every
    try, and the expiry is the consequence."""
    if r.stage in AT_CONNECT_COMMANDS and (
        r.reason is None
        or r.vague
        or r.reason in ADDRESS_CAUSES
        or r.reason != r.by_text
        or (r.reason in CONSEQUENCES and r.replied == "5")
        or (r.reason == Reason.EXPIRED and r.replied == "4" and _refuses(r.needle))
    ):
        return Reason.BLOCKED
    return None


_REFUSAL_RE = re.compile(rf"(?<![a-z])(?:{_alternation(REFUSALS)})(?![a-z])")


def _refuses(needle: str) -> bool:
    return _REFUSAL_RE.search(needle) is not None


def _policy_code_after_data(r: Reading) -> None:
    """Only a security or policy code (X.7.x) for the message after DATA: the receiving
    server's policy refused it (iCloud's "554 5.7.1 [HM08] Message rejected due to local
    policy"), no security error of the sender's."""
    if (
        r.stage == "DATA"
        and r.reason == Reason.SECURITYERROR
        and r.vague
        # (a broad word of the reporting server's only, Sendmail's closing "Service
        # unavailable", says nothing of the message)
        and (r.by_text is None or not (r.said or r.phrased))
    ):
        r.reason = Reason.POLICYVIOLATION


def _mail_from_refuses_the_sender(r: Reading) -> Reason | None:
    """A refusal of MAIL FROM whose words name no cause is a refusal of the sender. So is a
    bare verdict on a domain there (``VERDICT_CAUSES``; Inbucket's "501 Unauthorized domain",
    its refusal of an origin domain it does not take mail from): MAIL FROM gives the
    reverse-path alone (RFC 5321 section 3.3), before any recipient, so the domain is the
    sender's. A status naming its cause exactly stands."""
    if r.stage.startswith("MAIL") and r.diagnostic.strip() and (r.reason is None or r.vague):
        return Reason.REJECTED
    if (
        r.stage.startswith("MAIL")
        and r.reason in VERDICT_CAUSES
        and r.reason == r.by_text
        and not (r.exact and r.by_status == r.reason)
    ):
        found = _DOMAIN_VERDICT_RE.search(r.needle)
        # (and no other words name the cause: "authentication required, unauthorized domain")
        if found is not None:
            rest = f"{r.needle[: found.start()]} {r.needle[found.end() :]}"
            if _phrase_cause(rest, fallback=False) is None:
                return Reason.REJECTED
    return None


# A domain and a bare verdict on it, either way round ("unauthorized domain", "domain not
# allowed"), whole words.
_DOMAIN_VERDICT_RE = re.compile(
    rf"(?<![a-z])(?:(?:{_VERDICT}) domain|domain(?: is| was)? (?:{_VERDICT}))(?![a-z])"
)


def _filter_says_unknown(r: Reading) -> Reason | None:
    """A filter's "<code> : user unknown" (``FILTER_SAYS_UNKNOWN``) is the filter's refusal."""
    if r.reason == Reason.USERUNKNOWN and _FILTER_SAYS_UNKNOWN_RE.search(r.needle):
        return Reason.FILTERED
    return None


def _content_check_refusal(r: Reading) -> Reason | None:
    """A content check's refusal naming no defect of the message's format
    (``CONTENT_CHECK_REFUSALS``: Postfix's header_checks REJECT default "550 5.7.1 message
    content rejected"), read so far from the broad word "content" alone: the corpus README's
    filtered, "rejected by a header or content check after the SMTP DATA command" (only the
    message's data has content to check, whatever command a report names). A status of the
    content's own class (X.6.x: "500 5.6.1 Message content rejected") names its format and
    stands, as do words naming a cause (spam, a virus)."""
    if (
        r.reason == Reason.CONTENTERROR
        and r.vague
        and not r.phrased
        and r.code[1:3] != ".6"
        and _holds_any(r.held, CONTENT_CHECK_REFUSALS)
    ):
        return Reason.FILTERED
    return None


def _content_under_policy_code(r: Reading) -> Reason | None:
    """A defect of the content refused under a security or policy code (RFC 3463 X.7.x,
    "Security or Policy Status", not X.6.x "Message Content or Media Status"): the server
    applied its policy to the content."""
    if r.reason == Reason.CONTENTERROR and r.code[1:3] == ".7" and r.code[3:4] == ".":
        return Reason.POLICYVIOLATION
    return None


def _rcpt_reply_meaning(r: Reading) -> None:
    """Words that name no cause, said to RCPT TO: the reply code's own meaning (RFC 5321
    section 4.2.2) for the recipient where it names one (``RCPT_REPLY_MEANING``). (A party
    named, "fake sender", was read above.)"""
    if r.reason is None and r.stage.startswith("RCPT") and _says_something(r.needle):
        r.reason = RCPT_REPLY_MEANING.get(r.said_code or r.reply_code)


def _unknown_at_mail_from(r: Reading) -> Reason | None:
    """An unknown user or domain said to MAIL FROM is the sender's."""
    if r.reason in (Reason.USERUNKNOWN, Reason.HOSTUNKNOWN) and r.stage.startswith("MAIL"):
        return Reason.REJECTED
    return None


def _temporary_domain_lookup(r: Reading) -> Reason | None:
    """A domain not found, said with a temporary code: the look-up failed for now (the
    reporting server will ask again), which is network trouble, not a dead domain."""
    if r.reason == Reason.HOSTUNKNOWN and r.code.startswith("4"):
        return Reason.NETWORKERROR
    return None


def _generic_unknown_off_rcpt(r: Reading) -> Reason | None:
    """Generic "no such user" said to the message rather than to RCPT TO (or with no sign of
    which command it answered, nor a 5.1.1): the shared vocabulary counts it as a filter's
    refusal. Callers that know the command say so (``command="RCPT"``). A 5.1.1 keeps it an
    unknown user where only a session transcript put the reply after DATA: with pipelining
    (RFC 2920) the RCPT TO replies come back after the DATA command was sent, and Sendmail's
    transcript shows them there (">>> DATA" then "<<< 550 5.1.1 ... User unknown", dev
    lhost-sendmail-14 and -26, userunknown). Where the reporting server's own words say the
    reply came after the data (``Reading.data_framed``: Exim's "after end of data", Postfix's
    "in reply to end of DATA command"), the recipient was taken at RCPT TO and the message
    refused for it (mox's "550 5.1.1 no such user(s)"): filtered, whatever the 5.1.1."""
    if (
        r.reason == Reason.USERUNKNOWN
        and not r.stage.startswith("RCPT")
        and not (r.exact and r.by_status == Reason.USERUNKNOWN and not r.data_framed)
        and _holds_any(r.held, GENERIC_USERUNKNOWN)
        and not (_holds_any(r.held, DEFINITE_USERUNKNOWN) or _NAMED_UNKNOWN_RE.search(r.needle))
    ):
        return Reason.FILTERED
    return None


# How a cause is read, in order: each step weighs the clues or revises the cause so far (and
# returns None), or settles the cause (and returns it). Its docstring says why.
PRECEDENCE: tuple[Callable[[Reading], Reason | None], ...] = (
    # Which clue stands: the status or the words.
    _auth_codes_answer_auth,
    _restated_reply_code,
    _which_policy,
    _no_spf_record_is_no_failure,
    _evidence_beside_a_spam_verdict,
    _code_names_the_check,
    _defect_named_outright,
    _status_yields,
    _recipient_refuses_the_sender,
    _greylisting_is_retried,
    _failed_filter_for_now,
    _timeout_of_a_bad_connection,
    _directory_server_is_the_dns,
    _expiry_is_a_consequence,
    _remote_status_names_its_trouble,
    _status_or_words,
    _unavailable_for_now,
    _storage_is_the_message,
    _status_names_the_trouble,
    _content_for_now_is_the_system,
    # The party a reply refuses, then the stage it was said at.
    _refused_party,
    _remote_routes_the_domain,
    _no_mail_for_now,
    _sender_domain_takes_no_mail,
    _reply_code_says_no_mail,
    _greeting_refuses_the_host,
    _policy_code_after_data,
    _mail_from_refuses_the_sender,
    _filter_says_unknown,
    _content_check_refusal,
    _content_under_policy_code,
    _rcpt_reply_meaning,
    _unknown_at_mail_from,
    _temporary_domain_lookup,
    _generic_unknown_off_rcpt,
)


def classify(
    status: str | None,
    reply_code: int | str | None,
    diagnostic: str,
    command: str | None = None,
    context: str = "",
) -> Reason:
    """The failure cause of one recipient from its status, reply code and diagnostic text.

    ``command`` is the SMTP command the reply answered (``RCPT``, ``DATA``, ``MAIL``...) when
    the caller knows it (the sender does); otherwise it is read from the texts. ``context``
    is more text about the failure (a report's preamble), consulted after the diagnostic.
    The steps of ``PRECEDENCE`` read it, in order.
    """
    # The texts as the phrases are written, normalized once for every table below.
    needle = normalize_text(diagnostic)
    around = normalize_text(context) if context else ""
    return classify_normalized(status, reply_code, diagnostic, needle, around, command or None)


def classify_normalized(
    status: str | None,
    reply_code: int | str | None,
    diagnostic: str,
    needle: str,
    around: str,
    command: str | None,
) -> Reason:
    """``classify`` of a diagnostic and context already normalized (``needle``, ``around``:
    ``normalize_text`` of each), for a caller that has them. ``command`` ``None``: read from
    the texts; a string (``""`` too): the command they were read for already."""
    explicit = find_status(status or "")
    if explicit.startswith("2"):
        return Reason.DELIVERED
    said_status = failure_status(diagnostic)
    code = explicit or said_status
    by_status, exact = status_reason(code)
    # (normalize_text(diagnostic + " " + context) is the two needles joined)
    if command is None:
        command = command_said(" ".join(t for t in (needle, around) if t))
    stage = command.upper()
    held = held_words(needle)
    by_text, phrased, said = _wording(needle, around, held)
    reading = Reading(
        diagnostic=diagnostic,
        needle=needle,
        stage=stage,
        explicit=explicit,
        code=code,
        reply_code=str(reply_code or ""),
        said_code=find_reply_code(diagnostic),
        said_status=said_status,
        by_status=by_status,
        exact=exact,
        by_text=by_text,
        phrased=phrased,
        said=said,
        held=held,
        data_framed=stage == "DATA"
        and (_holds_any(held, AFTER_DATA) or any(map(around.__contains__, AFTER_DATA))),
    )
    for step in PRECEDENCE:
        settled = step(reading)
        if settled is not None:
            return settled
    if reading.reason is None:
        # Words that name no cause: undetermined; no words at all (or only the fields of the
        # returned message: To, Subject, Date, ...): a bounce on hold.
        return Reason.UNDEFINED if _says_something(needle) else Reason.ONHOLD
    return reading.reason


_FIELD_LABEL_RE = re.compile(
    r"(?<![a-z])(?:to|cc|from|subject|date|sent|did not reach the following recipients?)\s?:"
)


def _says_something(needle: str) -> bool:
    """Whether a diagnostic (normalized) has words of its own: not empty, and not only a list
    of the returned message's fields ("Your message  To: ...  Subject: ...  Date: ...")."""
    if not needle:
        return False
    first = _FIELD_LABEL_RE.search(needle)
    if first is None:
        return True
    lead = needle[: first.start()].strip(" -=_*#:")
    return lead not in ("", "your message")


def _recipient_refused(needle: str) -> bool:
    """Whether the party a normalized text refuses is the recipient (``refused_party``)."""
    party = refused_party(needle)
    return party is not None and party[0] == Reason.USERUNKNOWN


def _names_defect_outright(held: set[str], for_now: bool) -> bool:
    """Whether a diagnostic whose ``held_words`` are ``held`` names a defect outright
    (``TELLING_PHRASES``; those of ``TELLING_FOR_NOW`` only in a temporary reply)."""
    found = held.intersection(TELLING_PHRASES)
    return bool(found) and (for_now or not found <= TELLING_FOR_NOW)


def bounce_type(
    reason: Reason, status: str | None = None, reply_code: int | str | None = None
) -> BounceType:
    """Hard when retrying is pointless, undetermined without a cause (or for non-failures).

    The cause decides (a dead address stays dead even when a server answers 4xx for it),
    except a domain that accepts no mail (RFC 7505 null MX): hard only when the failure is
    permanent, since a server reporting it with a 4xx code will look again.
    """
    if reason == Reason.NOTACCEPT:
        temporary = str(status or "").startswith("4") or (
            not status and str(reply_code or "").startswith("4")
        )
        return BounceType.SOFT if temporary else BounceType.HARD
    if reason in HARD_REASONS:
        return BounceType.HARD
    if reason in NO_CAUSE or not reason.is_failure:
        return BounceType.UNDETERMINED
    return BounceType.SOFT
