"""How mail servers word each failure cause: the phrase data the classifier matches against.

Each entry is ``(reason, phrases)``. Phrases are lower-case, whitespace-collapsed substrings of
a diagnostic. ``reasons.match_phrases`` picks the cause of the longest phrase found (the most
specific wording), within precedence tiers (``reasons.TELLING`` first, expiry last); table
order only breaks ties. These are facts about how servers word their replies, grouped by
cause, never about one mail.
"""

from __future__ import annotations

from workers.dsn.report import Reason

PHRASES: tuple[tuple[Reason, tuple[str, ...]], ...] = (
    (Reason.MESGTOOBIG, (
        "message too large", "message too big", "message is too large", "message is too big",
        "message size exceeds", "message exceeds the maximum size", "size exceeds the maximum",
        "message length exceeds", "exceeds size limit", "exceeded the max message size",
        "message exceeds local size limit", "mail size limit exceeded", "size limit exceeded",
        "message file too big", "maximum message size", "line limit exceeded",
        "message size is larger than", "messages larger than", "is larger than the maximum",
        "line too long", "message length is too long", "file too large",
        "too large for this system", "message exceeded 50000000 bytes", "message size exceeded",
    )),
    (Reason.EXCEEDLIMIT, (
        "exceeds the limit of", "message exceeds the limit", "quota exceeded for this message",
        "too many recipients", "recipient limit exceeded", "exceeded the maximum number of",
    )),
    (Reason.MAILBOXFULL, (
        "mailbox full", "mailbox is full", "mailbox is over quota", "over quota", "overquota",
        "quota exceeded", "exceeded storage allocation", "exceeded the quota",
        "exceeded its quota", "disk quota exceeded", "mailbox size limit exceeded",
        "mailbox has exceeded", "mailbox exceeds allowed size", "mailbox quota",
        "user is over quota", "user over quota", "insufficient disk space on the mailbox",
        "not enough storage space", "account is full", "user has too many messages",
        "would exceed mailbox quota", "is over the allowed quota", "mailbox not available: full",
        "has exceeded the maximum allowed size", "mailbox would exceed", "mail quota exceeded",
        "too much mail data", "recipient's mailbox is full", "the user's mailbox is full",
        "user's disk quota", "delivery failed: over quota", "exceeded message storage",
        "mail box full", "mailfolder is full", "mailbox limit exceeded",
        "boite du destinataire pleine", "quota limit", "space exceeded",
        "recipient's mailbox exceeded", "messages in recipient's mailbox exceeded",
        "mailbox exceeded the local limit", "user mailbox exceeds allowed size",
        "exceed mailbox quota", "maildir over quota", "mailbox overfull",
    )),
    (Reason.SYSTEMFULL, (
        "mail system full", "insufficient system storage", "out of disk space",
        "insufficient disk space", "disk full", "no space left on device", "spool full",
        "server is full", "insufficient system resources", "too many messages in queue",
    )),
    (Reason.VIRUSDETECTED, (
        "virus", "virus detected", "infected", "malware", "trojan", "worm detected",
        "malicious content", "dangerous attachment",
    )),
    (Reason.REQUIREPTR, (
        "reverse dns", "reverse-dns", "no ptr record", "ptr record", "ptr lookup",
        "reverse lookup", "cannot find your hostname", "cannot resolve your address",
        "cannot resolve pt", "client host name not found", "hostname does not match",
        "no reverse", "reverse address", "unresolvable", "does not have a reverse",
        "not have a ptr", "reverse mapping", "does not resolve to", "ip name lookup failed",
        "host name lookup failed", "unable to verify your hostname",
        "the ip address sending this message does not have a ptr",
        "please use a host with a valid hostname", "cannot find your reverse hostname",
        "your host name is not registered", "client host rejected: cannot find your hostname",
        "no hostname for your ip", "does not have a valid ptr",
    )),
    (Reason.AUTHFAILURE, (
        "spf check failed", "spf validation", "spf fail", "spf record", "sender policy framework",
        "failed spf", "spf softfail", "spf check", "dkim", "dmarc",
        "domain-based message authentication", "authentication-results",
        "sender is not authenticated", "unauthenticated email", "did not pass authentication",
        "authentication checks failed", "email authentication", "authentication information",
        "message failed authentication", "not authorized to send on behalf", "does not designate",
        "5.7.26", "5.7.23", "is not allowed to send mail from", "arc validation", "dmarc policy",
        "spf settings", "per it's spf", "per its spf",
    )),
    (Reason.BADREPUTATION, (
        "poor reputation", "bad reputation", "low reputation", "ip reputation",
        "sender reputation", "reputation of the sending", "reputation is too low",
        "reputation score", "has a poor", "sending domain has a low",
        "unsolicited mail originating from your ip", "because the ip has a poor",
        "low reputation of the sending", "reputation of the sending ip",
    )),
    (Reason.BLOCKED, (
        "blocked using", "listed in", "listed on", "blacklist", "black list", "blocklist",
        "block list", "dnsbl", "rbl", "spamhaus", "spamcop", "sorbs", "barracuda",
        "ip address is blocked", "ip blocked", "your ip", "ip address has been blocked",
        "connection rejected", "client host rejected", "my name was rejected",
        "client host blocked", "unfortunately, messages from",
        "contact your internet service provider", "service unavailable; client host", "banned",
        "blocked by", "has been blocked", "is blocked", "refused to talk to me",
        "not allowed to connect", "too many bad commands", "connections not accepted from",
        "dynamic ip", "dynamic/residential", "residential", "dial-up", "dialup", "generic rdns",
        "bad dns ptr", "please use the smtp server of your isp", "use your provider's smtp",
        "refused to accept a connection", "mail from your ip", "your network", "refused: blocked",
        "sender ip", "your access to this mail system has been rejected",
        "rejected due to spam url", "unsolicited bulk", "mail server ip", "sending ip",
        "this ip address", "not accepting mail from", "rejected by dns blocklist", "spam blocked",
    )),
    (Reason.SPAMDETECTED, (
        "spam ", "junk mail", "as spam", "spam,", "spam.", "spam content", "ofr_506", "from spam",
        "spam filter", "spam detected", "bulk mail", "unsolicited", "message looks suspicious",
        "suspicious content", "likely to be unsolicited", "detected as spam", "scored too high",
        "score too high", "high spam probability", "classified as spam", "spam score",
        "message refused",
    )),
    (Reason.TOOMANYCONN, (
        "too many connections", "too many concurrent", "frequency limited",
        "too many simultaneous", "connection limit", "concurrent connections",
        "too many sessions", "too many smtp sessions", "maximum number of connections",
    )),
    (Reason.SPEEDING, (
        "rate limit", "ratelimit", "rate-limit", "rate exceeded", "rate that is limited",
        "unusual rate", "too many messages", "recipients this hour", "messages this hour",
        "too many mails", "sending too fast", "throttl", "receiving mail at a rate",
        "too many emails", "slow down", "exceeded the rate",
    )),
    (Reason.HASMOVED, (
        "has moved", "address has changed", "mailbox has moved", "no longer at this address",
        "moved to", "not forwarded", "mailbox owner has changed", "domain owner has changed",
    )),
    (Reason.SUSPEND, (
        "is inactive", "tried to reach is inactive",
        "account disabled", "account has been disabled", "account is disabled",
        "mailbox disabled", "mailbox is disabled", "mailbox has been disabled",
        "account is inactive", "inactive account", "inactive user", "account inactive",
        "mailbox is inactive", "mailbox inactive", "account suspended",
        "account has been suspended", "account is suspended", "suspended", "has been terminated",
        "account expired", "account has expired", "deactivated", "disabled recipient",
        "recipient disabled", "user account is unavailable", "account is locked",
        "account locked", "mailbox locked", "is frozen", "account frozen",
        "recipient account is blocked", "account is blocked", "temporary locked",
        "temporarily locked", "blocked account", "user suspended", "temporarily disabled",
        "no longer active", "not active", "currently disabled", "mailbox unavailable: disabled",
        "mailbox is not available", "this account has been disabled or discontinued",
    )),
    (Reason.USERUNKNOWN, (
        "user unknown", "unknown user", "unknown recipient", "recipient unknown",
        "address wasn't found", "recipient address rejected: access denied",
        "wasn't found at the destination", "unknown or invalid recipient", "no such user",
        "no such mailbox", "no such recipient", "no such account", "no such person",
        "no such address", "no such local user", "user not found", "recipient not found",
        "address not found", "mailbox not found", "account not found", "user doesn't exist",
        "user does not exist", "does not exist", "doesn't exist", "mailbox unavailable",
        "mailbox does not exist", "invalid recipient", "invalid mailbox", "invalid address",
        "invalid user", "bad recipient", "bad address", "unknown address", "unknown mailbox",
        "unknown account", "unknown local part", "not listed in domino directory",
        "not listed in public name & address book", "not a valid mailbox", "not a valid user",
        "no mailbox here", "no mailbox by that name", "this user doesn't have",
        "doesn't have a yahoo", "unknown or illegal alias", "is not a known user",
        "no account by that name", "user is unknown", "addressee unknown",
        "unknown in local recipient table", "unknown in virtual",
        "unknown in relay recipient table", "user not exist",
        "couldn't find any host by that name", "no valid recipients", "undeliverable address",
        "mailbox not present", "mailbox name not allowed", "no mailbox",
        "recipient does not exist", "the email account that you tried to reach does not exist",
        "is not a valid recipient", "account is not available", "sorry, no mailbox",
        "recipient no longer on server", "user reject", "destination mailbox address is invalid",
        "non-existent", "nonexistent", "not our customer", "address is not valid",
        "mailbox unknown", "recipient is not valid", "recipient invalid",
    )),
    (Reason.HOSTUNKNOWN, (
        "host unknown", "unknown host", "host not found", "domain not found",
        "domain does not exist", "no such domain", "unknown domain", "name or service not known",
        "host or domain name not found", "nxdomain", "domain not exist",
        "unrouteable mail domain", "unroutable mail domain", "bad destination system",
        "unrouteable address", "unroutable address", "host name unknown", "no such host",
        "domain is not reachable", "domain name not found", "not a valid domain",
        "could not be resolved", "unknown mail domain", "domain doesn't exist",
        "domain not valid", "illegal host/domain", "hostname unknown", "couldn't find",
        "find any host named", "no address associated with", "unable to find mx",
    )),
    (Reason.NOTACCEPT, (
        "does not accept mail", "not accepting mail", "null mx", "accepts no mail",
        "indicated no smtp service", "no mx found", "couldn't find a mail exchanger",
        "no mx record", "has no mx", "mx record", "no mx", "does not receive mail",
        "does not accept any mail", "mail is not accepted", "no mail accepted",
    )),
    (Reason.NORELAYING, (
        "relay access denied", "relaying denied", "relay denied", "relay not permitted",
        "relaying not allowed", "not permitted to relay", "unable to relay", "we do not relay",
        "relay not allowed", "relaying mail to", "not allowed to relay", "no relaying",
        "cannot relay", "insecure mail relay", "relay prohibited", "relay rejected",
        "not a gateway", "is not a local domain", "not local host",
    )),
    (Reason.REJECTED, (
        "sender rejected", "sender address rejected", "sender denied", "sender blocked",
        "sender unknown", "sender domain", "sender address", "envelope sender",
        "sender verify failed", "sender verification", "mail from rejected", "invalid sender",
        "bad sender", "domain of sender", "sender is blacklisted", "address verification failed",
        "unroutable sender", "unrouteable sender", "domain of sender address",
        "we do not accept mail from", "rejected sender",
    )),
    (Reason.POLICYVIOLATION, (
        "policy", "not permitted", "prohibited", "not allowed", "violat", "local rules",
        "message rejected due to", "rejected for policy reasons",
        "not accepted for policy reasons", "policy violation",
    )),
    (Reason.SECURITYERROR, (
        "authentication required", "authentication is required", "must authenticate",
        "need to authenticate", "authentication failed", "auth required", "please authenticate",
        "must use tls", "starttls required", "encryption required", "tls required", "forged",
        "unauthenticated sender", "spoof", "impersonat", "not authorized", "unauthorized",
        "security", "credentials", "delivery not authorized",
    )),
    (Reason.NOTCOMPLIANTRFC, (
        "rfc 5322", "rfc5322", "rfc 2822", "rfc2822", "rfc 822", "rfc822 compliant",
        "duplicate header", "multiple addresses in from", "more than one from",
        "header is not compliant", "not rfc compliant", "non-compliant", "rfc compliance",
        "missing required header", "not compliant",
    )),
    (Reason.CONTENTERROR, (
        "header error", "invalid header", "malformed mime", "mime error", "bad header",
        "media error", "media not supported", "message header", "improper", "8bit",
        "content type", "invalid content",
    )),
    (Reason.FILTERED, (
        "filtered", "content filter", "rejected by recipient", "recipient has blocked",
        "refused by recipient", "not accepted by recipient", "message rejected", "rejected by",
        "denied by",
    )),
    (Reason.EXPIRED, (
        "retry timeout exceeded", "retry time not reached for any host", "giving up", "gave up",
        "could not be delivered within", "delivery time expired", "message expired",
        "has expired", "queue too long", "too long in the queue", "was not delivered within",
        "time limit", "timed out", "timeout", "expired", "undeliverable for",
        "have not been delivered for", "delivery attempts will continue", "will be retried",
        "still trying", "delayed", "deferred", "unable to deliver for", "could not deliver for",
        "maximum time", "retry time", "all hosts have been failing for a long time",
        "despite repeated attempts to deliver", "envelope expired", "message timed out",
        "unable to deliver in", "did not accept our requests to connect",
        "this message has been in the queue too long",
    )),
    (Reason.NETWORKERROR, (
        "mail loop", "loop detected", "loops back to myself", "routing loop",
        "malformed or unexpected name server reply", "lost connection with",
        "while performing the helo handshake", "while performing the ehlo handshake",
        "too many hops", "hop count exceeded", "dns lookup", "network error",
        "network is unreachable", "no route to host", "could not connect",
        "wasn't able to establish", "unable to establish an smtp", "couldn't connect",
        "unable to connect", "lost connection", "ldap server", "connection reset",
        "connection dropped", "connection closed", "no answer", "name server",
        "temporary failure in name resolution", "dns failure", "host is unreachable",
        "unreachable", "connection refused",
    )),
    (Reason.SYSTEMERROR, (
        "system error", "internal error", "server error", "local error", "system failure",
        "transaction failed", "internal system error", "other mail system problem",
        "temporary local problem", "server configuration problem", "misconfigur",
        "directory server", "ldap", "database", "resources temporarily unavailable",
        "could not be processed", "temporarily unavailable", "service currently unavailable",
        "unable to process", "local configuration error",
    )),
    (Reason.MAILERERROR, (
        "mailer error", "mail delivery program", "procmail", "maildrop", "command failed",
        "couldn't create", "pipe to |", "exit status", "delivery program", "command died",
        "unknown mailer error", "x-unix", "pipe to", "returned exit", "cannot execute",
        "program exited",
    )),
    (Reason.SYNTAXERROR, (
        "syntax error", "command unrecognized", "command not recognized", "unrecognized command",
        "bad sequence of commands", "invalid command", "command not implemented",
        "parameter not implemented", "5.5.1", "5.5.2", "5.5.4",
    )),
)

# Word patterns (bounded, no nested repetition) that plain substrings cannot express.
PATTERNS: tuple[tuple[Reason, str], ...] = (
    (Reason.EXPIRED, r"failed \d{1,4} attempts"),
    (Reason.EXPIRED, r"(?:in|for|after) \d{1,5} (?:minutes|hours|days)"),
    (Reason.MAILBOXFULL, r"quota (?:of|for) \S{1,80} (?:is )?(?:exceeded|full)"),
    (Reason.HOSTUNKNOWN, r"host \S{1,255} not found"),
)

# Broad words consulted only when no phrase above matched: first match wins.
FALLBACK: tuple[tuple[Reason, tuple[str, ...]], ...] = (
    (Reason.SPAMDETECTED, ("spam",)),
    (Reason.BLOCKED, ("blocked", "access denied", "service unavailable", "helo", "ehlo")),
    (Reason.USERUNKNOWN, ("no such", "unknown", "invalid recipient", "undeliverable address",
                          "recipient address rejected", "address rejected")),
    (Reason.FILTERED, ("refused", "filter")),
    (Reason.CONTENTERROR, ("content", "mime", "attachment", "encoding")),
)

# Phrases telling that the refusal answered the message data (after DATA) or the sender
# (MAIL FROM): a recipient-looking refusal there is a content filter or a sender rejection.
AFTER_DATA = ("after end of data", "end of data command", "in reply to data command",
              "after the data command", "for text command")
AFTER_MAIL_FROM = ("after mail from", "in reply to mail from command", ">>> mail from")
AFTER_RCPT_TO = ("after rcpt to", "in reply to rcpt to command", ">>> rcpt to", "rcpt to response",
                 "did not like our rcpt to", "in reply to rcpt command", "rcpt to:<",
                 "[rcpt_to]")

# Generic "no such user" wording. Said in answer to RCPT TO it means the address is unknown;
# said to the message, or with no sign of which command it answered (and no 5.1.1), it is
# how some filters refuse a message: the reference vocabulary calls that "filtered".
GENERIC_USERUNKNOWN = ("user unknown", "unknown user", "no such user", "doesn't have a",
                       "unknown recipient", "recipient unknown", "user not found",
                       "user does not exist", "no such mailbox", "invalid recipient")
