"""The failures the stand-in remote server acts out, each worded as its provider or server
documents it, with the cause the shared bounce vocabulary gives it.

Stages: ``rcpt`` (the reply to RCPT TO), ``data`` (the reply to the end of DATA), ``mail``
(the reply to MAIL FROM), ``connect`` (the greeting), ``defer`` (a 4xx at RCPT on every try
until the MTA's queue lifetime ends), ``nxdomain`` (the recipient's domain does not resolve;
no server is reached).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from workers.dsn.report import Reason

REMOTE_DOMAIN = "remote.test"
# The recipient domain of the stage where no server is reached. A token, not a word: MTAs
# print it in host names ("unable to look up host ..."), which are not masked as addresses
# are, and a name saying "nxdomain" handed the parser its answer (issue 16).
NXDOMAIN = "q7x2k9.invalid"


@dataclass(frozen=True)
class Case:
    name: str
    stage: str
    reply: str
    reason: Reason
    source: str
    # The cause the reply's words give with its stage unknown, for a case whose cause is its
    # stage ("user unknown" said after DATA is "filtered"; said, for all one knows, at RCPT
    # TO it is an unknown user).
    unstaged: Reason | None = None
    # The other readings the vocabulary honestly allows for this reply, fixed by the case's
    # author before its first score (never by the parser). ``python -m bench.mta score``
    # prints beside the strict score the share that gives either; the strict one, the
    # case's ``reason``, is the one held to the target and by the tests.
    also: tuple[Reason, ...] = ()

    @property
    def mailbox(self) -> str:
        """The recipient's local part. A case's name tells its cause ("clamav-virus"), and a
        name written into the recipient of the DSN hands the parser its answer, so a case
        from the twenty-first round on is sent to a token made from its name. The rounds
        before keep their names: their DSNs were written with them."""
        if self.name in NAMED_MAILBOXES:
            return self.name
        return "rcpt-" + hashlib.sha256(self.name.encode()).hexdigest()[:12]

    @property
    def recipient(self) -> str:
        domain = NXDOMAIN if self.stage == "nxdomain" else REMOTE_DOMAIN
        return f"{self.mailbox}@{domain}"


# fmt: off
CASES: tuple[Case, ...] = (
    # Gmail: "Gmail SMTP errors and codes" (support.google.com/a/answer/3726730).
    Case("gmail-nosuchuser", "rcpt",
         "550-5.1.1 The email account that you tried to reach does not exist. Please try\r\n"
         "550 5.1.1 double-checking the recipient's email address for typos or unnecessary spaces.",
         Reason.USERUNKNOWN, "Gmail SMTP errors and codes"),
    Case("gmail-disabled", "rcpt",
         "550 5.2.1 The email account that you tried to reach is disabled.",
         Reason.SUSPEND, "Gmail SMTP errors and codes"),
    Case("gmail-overquota", "rcpt",
         "552 5.2.2 The recipient's inbox is out of storage space. Please direct the recipient"
         " to https://support.google.com/mail/?p=OverQuotaPerm",
         Reason.MAILBOXFULL, "Gmail SMTP errors and codes"),
    Case("gmail-dmarc", "data",
         "550 5.7.26 Unauthenticated email from shop.example is not accepted due to domain's"
         " DMARC policy.",
         Reason.AUTHFAILURE, "Gmail SMTP errors and codes; RFC 7372 (5.7.26)"),
    Case("gmail-ptr", "data",
         "550 5.7.25 The IP address sending this message does not have a PTR record setup, or"
         " the corresponding forward DNS entry does not point to the sending IP.",
         Reason.REQUIREPTR, "Gmail SMTP errors and codes; RFC 8601 (5.7.25)"),
    Case("gmail-size", "data",
         "552 5.3.4 Your message exceeded Google's message size limits.",
         Reason.MESGTOOBIG, "Gmail SMTP errors and codes"),
    Case("gmail-spam", "data",
         "550 5.7.1 Our system has detected that this message is likely unsolicited mail. To"
         " reduce the amount of spam sent to Gmail, this message has been blocked.",
         Reason.SPAMDETECTED, "Gmail SMTP errors and codes"),
    # Microsoft 365: "Email non-delivery reports and SMTP errors in Exchange Online"
    # (learn.microsoft.com); 5.1.10 is Microsoft's recipient-not-found, not RFC 7505's.
    Case("m365-notfound", "rcpt",
         "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup",
         Reason.USERUNKNOWN, "Exchange Online NDR 5.1.10"),
    Case("m365-bannedip", "rcpt",
         "550 5.7.606 Access denied, banned sending IP [127.0.0.1]. To request removal from"
         " this list please visit https://sender.office.com/",
         Reason.BLOCKED, "Exchange Online NDR 5.7.606-649"),
    Case("m365-quota", "data",
         "554 5.2.2 mailbox full; STOREDRV.Deliver.Exception:QuotaExceededException."
         "MapiExceptionShutoffQuotaExceeded",
         Reason.MAILBOXFULL, "Exchange Online NDR 5.2.2"),
    # Yahoo: "SMTP error codes" (senders.yahooinc.com/smtp-error-codes).
    Case("yahoo-noaccount", "data",
         "554 delivery error: dd This user doesn't have a yahoo.com account (anna@yahoo.com)"
         " [0] - mta1.mail.example",
         Reason.USERUNKNOWN, "Yahoo SMTP error codes"),
    # Mail.ru: help.mail.ru postmaster error texts.
    Case("mailru-disabled", "rcpt",
         "550 Message was not accepted -- invalid mailbox. Local mailbox"
         " anna@mail.example is unavailable: account is disabled",
         Reason.SUSPEND, "Mail.ru postmaster SMTP replies"),
    # Yandex: yandex.com/support/mail "error messages".
    Case("yandex-nouser", "rcpt", "550 5.7.1 No such user!",
         Reason.USERUNKNOWN, "Yandex mail error messages"),
    Case("yandex-full", "rcpt", "552 5.2.2 Mailbox size limit exceeded",
         Reason.MAILBOXFULL, "Yandex mail error messages"),
    # GMX / web.de: "SMTP error messages" (postmaster.gmx.net).
    Case("gmx-unavailable", "rcpt", "550 Requested action not taken: mailbox unavailable",
         Reason.USERUNKNOWN, "GMX postmaster SMTP error messages"),
    # RFC 7505 section 4.2: a relay refusing mail for a null-MX domain, 556 and 5.1.10.
    Case("nullmx", "rcpt", "556 5.1.10 Recipient address has null MX",
         Reason.NOTACCEPT, "RFC 7505 section 4.2"),
    # RFC 7372: 5.7.23 "SPF validation failed".
    Case("spf", "rcpt", "550 5.7.23 SPF validation failed",
         Reason.AUTHFAILURE, "RFC 7372 (5.7.23)"),
    # Postfix smtpd: reject_sender_login_mismatch's wording, at MAIL FROM.
    Case("sender-refused", "mail",
         "553 5.7.1 <sender>: Sender address rejected: not owned by user shop",
         Reason.REJECTED, "Postfix smtpd reject_sender_login_mismatch"),
    # RFC 3207 section 4: a server that requires STARTTLS refuses MAIL FROM before it.
    Case("tls-required", "mail", "530 5.7.0 Must issue a STARTTLS command first",
         Reason.SECURITYERROR, "RFC 3207 section 4"),
    # Postfix smtpd reject_unknown_sender_domain, said at RCPT TO (smtpd_delay_reject): a
    # refusal of the sender, not of the recipient.
    Case("sender-domain", "rcpt",
         "550 5.1.8 <sender>: Sender address rejected: Domain not found",
         Reason.REJECTED, "Postfix smtpd reject_unknown_sender_domain"),
    # Postfix smtpd reject_unknown_client_hostname (Postfix 3.x uses RFC 8601's 5.7.25).
    Case("client-ptr", "rcpt",
         "550 5.7.25 Client host rejected: cannot find your hostname, [127.0.0.1]",
         Reason.REQUIREPTR, "Postfix smtpd reject_unknown_client_hostname"),
    # Postfix reject_unverified_recipient while the recipient's domain cannot be looked up,
    # answered on every try: a temporary look-up failure, not an unknown user.
    Case("lookup-deferred", "defer",
         "450 4.1.1 <rcpt>: Recipient address rejected: unverified address: Host or domain"
         " name not found. Name service error for name=remote.test type=MX: Host not found,"
         " try again",
         Reason.NETWORKERROR, "Postfix smtpd reject_unverified_recipient"),
    # A filter validating recipients only after accepting the mail: "user unknown" said to
    # the message is "filtered" in the shared vocabulary.
    Case("after-data-unknown", "data", "550 User unknown",
         Reason.FILTERED, "vocabulary: user unknown after DATA", Reason.USERUNKNOWN),
    # Postfix smtpd reject_rbl_client, at the greeting (smtpd_delay_reject=no).
    Case("rbl-connect", "connect",
         "554 5.7.1 Service unavailable; Client host [127.0.0.1] blocked using"
         " zen.spamhaus.org",
         Reason.BLOCKED, "Postfix smtpd reject_rbl_client"),
    # Postgrey's greylisting reply, answered on every try until the queue lifetime ends.
    Case("greylisted", "defer",
         "450 4.2.0 <rcpt>: Recipient address rejected: Greylisted, see"
         " http://postgrey.schweikert.ch/help/remote.test.html",
         Reason.EXPIRED, "Postgrey"),
    # No server at all: the recipient's domain does not resolve.
    Case("nxdomain", "nxdomain", "", Reason.HOSTUNKNOWN, "DNS: no such domain"),
    # The cases below were the unseen split of two rounds: written from the providers'
    # documentation with their causes fixed before their first run, scored (round 1: 32 of
    # 36 DSNs; round 2, with round 1: 76 of 94), then looked at to write rules. Seen since.
    # Apple: "iCloud Mail: SMTP error messages" (support.apple.com).
    Case("icloud-nouser", "rcpt", "550 5.1.1 <rcpt>: user does not exist",
         Reason.USERUNKNOWN, "iCloud Mail SMTP error messages"),
    Case("icloud-quota", "rcpt", "552 5.2.2 <rcpt>: user is over quota",
         Reason.MAILBOXFULL, "iCloud Mail SMTP error messages"),
    # Outlook.com: "Outlook.com postmaster: SMTP errors" (sendersupport.olc.protection...).
    Case("outlookcom-spamhaus", "rcpt",
         "550 5.7.1 Service unavailable, Client host [127.0.0.1] blocked using Spamhaus. To"
         " request removal from this list see https://www.spamhaus.org/query/ip/127.0.0.1"
         " (AS3130).",
         Reason.BLOCKED, "Outlook.com postmaster SMTP errors (AS3130)"),
    Case("outlookcom-unavailable", "rcpt",
         "550 5.5.0 Requested action not taken: mailbox unavailable (S2017062302)",
         Reason.USERUNKNOWN, "Outlook.com postmaster SMTP errors"),
    Case("outlookcom-blocklist", "rcpt",
         "550 5.7.1 Unfortunately, messages from [127.0.0.1] weren't sent. Please contact your"
         " Internet service provider since part of their network is on our block list (S3150).",
         Reason.BLOCKED, "Outlook.com postmaster SMTP errors (S3150)"),
    # Zoho Mail: "SMTP error codes" (zoho.com/mail/help).
    Case("zoho-nouser", "rcpt", "550 5.1.1 User does not exist - <rcpt>",
         Reason.USERUNKNOWN, "Zoho Mail SMTP error codes"),
    Case("zoho-relay", "rcpt", "553 Relaying disallowed. Invalid Domain - remote.test",
         Reason.NORELAYING, "Zoho Mail SMTP error codes"),
    # Orange: "Codes d'erreur SMTP" (postmaster.orange.fr), answered on every try.
    Case("orange-connections", "defer",
         "421 mwinf5c04 ME Trop de connexions, veuillez verifier votre configuration. Too many"
         " connections, slow down. OFR004_104 [104]",
         Reason.TOOMANYCONN, "Orange postmaster SMTP error codes (OFR004_104)"),
    # Yahoo: "SMTP error codes" (senders.yahooinc.com).
    Case("yahoo-disabled", "data",
         "554 delivery error: dd Sorry your message to anna@yahoo.com cannot be delivered. This"
         " mailbox is disabled (554.30). - mta1.mail.example",
         Reason.SUSPEND, "Yahoo SMTP error codes (554.30)"),
    # Gmail: "Gmail SMTP errors and codes": over quota, answered on every try.
    Case("gmail-overquota-temp", "defer",
         "452 4.2.2 The email account that you tried to reach is over quota. Please direct the"
         " recipient to https://support.google.com/mail/?p=OverQuotaTemp",
         Reason.MAILBOXFULL, "Gmail SMTP errors and codes"),
    Case("gmail-unauthenticated", "data",
         "550 5.7.26 This mail has been blocked because the sender is unauthenticated. Gmail"
         " requires all senders to authenticate with either SPF or DKIM.",
         Reason.AUTHFAILURE, "Gmail SMTP errors and codes"),
    # Microsoft 365: "Email non-delivery reports and SMTP errors in Exchange Online".
    Case("m365-relay", "rcpt", "550 5.7.64 TenantAttribution; Relay Access Denied",
         Reason.NORELAYING, "Exchange Online NDR 5.7.64"),
    Case("m365-size", "data", "552 5.3.4 Message size exceeds fixed maximum message size",
         Reason.MESGTOOBIG, "Exchange Online NDR 5.3.4"),
    Case("m365-dmarc", "data",
         "550 5.7.509 Access denied, sending domain shop.example does not pass DMARC"
         " verification and has a DMARC policy of reject.",
         Reason.AUTHFAILURE, "Exchange Online NDR 5.7.509"),
    # Mail.ru and Yandex: their spam refusals (help.mail.ru, yandex.com/support/mail).
    Case("mailru-spam", "data",
         "550 spam message rejected. Please visit https://help.mail.ru/notspam-support/id or"
         " report details to abuse@corp.mail.ru. Error code: 1A2B3C.",
         Reason.SPAMDETECTED, "Mail.ru postmaster SMTP replies"),
    Case("yandex-spam", "data",
         "554 5.7.1 [2] Message rejected under suspicion of SPAM; https://ya.cc/1IrBc",
         Reason.SPAMDETECTED, "Yandex mail error messages"),
    # qmail-smtpd and Sendmail refusing an unknown recipient at RCPT TO.
    Case("qmail-nomailbox", "rcpt", "511 sorry, no mailbox here by that name (#5.1.1)",
         Reason.USERUNKNOWN, "qmail-smtpd (rcpthosts/badmailfrom wording)"),
    Case("sendmail-unknown", "rcpt", "550 5.1.1 <rcpt>... User unknown",
         Reason.USERUNKNOWN, "Sendmail srvrsmtp.c"),
    # Second round: written, with their causes, before the run that first scored them.
    # Gmail: "Gmail SMTP errors and codes" (support.google.com/a/answer/3726730).
    Case("gmail-too-fast", "defer",
         "450 4.2.1 The user you are trying to contact is receiving mail too quickly. Please"
         " resend your message at a later time. If the user is able to receive mail at that"
         " time, your message will be delivered.",
         Reason.SPEEDING, "Gmail SMTP errors and codes"),
    Case("gmail-tls-rcpt", "defer", "421 4.7.0 TLS required for RCPT domain, closing connection.",
         Reason.SECURITYERROR, "Gmail SMTP errors and codes"),
    Case("gmail-nodomain", "rcpt",
         "553 5.1.2 We weren't able to find the recipient domain. Please check for any spelling"
         " errors, and make sure you didn't enter any spaces, periods, or other punctuation"
         " after the recipient's email address.",
         Reason.HOSTUNKNOWN, "Gmail SMTP errors and codes"),
    Case("gmail-ip-reputation", "data",
         "550 5.7.1 Our system has detected that this message is likely suspicious due to the"
         " very low reputation of the sending IP address. To best protect our users from spam,"
         " the message has been blocked.",
         Reason.BADREPUTATION, "Gmail SMTP errors and codes"),
    Case("gmail-not-rfc5322", "data",
         "550 5.7.1 Our system has detected that this message is not RFC 5322 compliant:"
         " 'From' header is missing. To reduce the amount of spam sent to Gmail, this message"
         " has been blocked.",
         Reason.NOTCOMPLIANTRFC, "Gmail SMTP errors and codes"),
    # Microsoft 365: "Email non-delivery reports and SMTP errors in Exchange Online".
    # 5.4.1 "Recipient address rejected: Access denied" is Directory-Based Edge Blocking: the
    # recipient is not in the tenant's directory.
    Case("m365-dbeb", "rcpt",
         "550 5.4.1 Recipient address rejected: Access denied. AS(201806281)"
         " [BN8NAM12FT059.eop-nam12.prod.protection.outlook.com]",
         Reason.USERUNKNOWN, "Exchange Online NDR 5.4.1"),
    Case("m365-bad-sender", "mail", "550 5.1.8 Access denied, bad outbound sender",
         Reason.REJECTED, "Exchange Online NDR 5.1.8"),
    Case("m365-blocklist", "rcpt",
         "550 5.7.1 Service unavailable; Client host [127.0.0.1] blocked using Blocklist 1; To"
         " request removal from this list please forward this message to"
         " delist@messaging.microsoft.com",
         Reason.BLOCKED, "Exchange Online NDR 5.7.1 (Blocklist 1)"),
    Case("m365-recipnotfound", "rcpt", "550 5.1.1 RESOLVER.ADR.RecipNotFound; not found",
         Reason.USERUNKNOWN, "Exchange Online NDR 5.1.1"),
    # Yahoo: "SMTP error codes" (senders.yahooinc.com/smtp-error-codes).
    Case("yahoo-notvalid", "rcpt",
         "554 delivery error: dd Not a valid recipient - atlas117.free.mail.bf1.yahoo.com",
         Reason.USERUNKNOWN, "Yahoo SMTP error codes"),
    Case("yahoo-policy", "data",
         "554 5.7.9 Message not accepted for policy reasons.  See"
         " https://senders.yahooinc.com/error-codes",
         Reason.POLICYVIOLATION, "Yahoo SMTP error codes"),
    Case("yahoo-unauthenticated", "data",
         "550 5.7.9 This mail has been blocked because the sender is unauthenticated. Yahoo"
         " requires all senders to authenticate with either SPF or DKIM.",
         Reason.AUTHFAILURE, "Yahoo SMTP error codes"),
    # Apple: iCloud Mail's replies (support.apple.com/en-us/HT204137 and its postmaster page).
    Case("icloud-inactive", "rcpt", "550 5.1.1 <rcpt>: inactive email address",
         Reason.SUSPEND, "iCloud Mail SMTP replies"),
    Case("icloud-policy", "data",
         "550 5.7.1 [CS01] Message rejected due to local policy. Please visit"
         " https://support.apple.com/en-us/HT204137",
         Reason.POLICYVIOLATION, "iCloud Mail SMTP replies (CS01)"),
    Case("icloud-volume", "defer",
         "421 4.7.1 Messages to <rcpt> deferred due to excessive volume. Try again later -"
         " https://support.apple.com/en-us/HT204137",
         Reason.SPEEDING, "iCloud Mail SMTP replies"),
    # Mail.ru: help.mail.ru postmaster error texts.
    Case("mailru-nouser", "rcpt",
         "550 Message was not accepted -- invalid mailbox. Local mailbox <rcpt> is"
         " unavailable: user not found",
         Reason.USERUNKNOWN, "Mail.ru postmaster SMTP replies"),
    Case("mailru-dmarc", "data",
         "550 5.7.1 This message was not accepted due to domain owner DMARC policy (RFC 7489)"
         " https://help.mail.ru/mail-help/postmaster/dmarc",
         Reason.AUTHFAILURE, "Mail.ru postmaster DMARC"),
    # GMX: "Error messages when sending emails to GMX" (postmaster.gmx.com): multi-line,
    # the last lines decisive, no enhanced status codes; at the greeting.
    Case("gmx-ptr", "connect",
         "554-gmx.net (mxgmx117) Nemesis ESMTP Service not available\r\n554-No SMTP service\r\n"
         "554-Bad DNS PTR resource record.\r\n554 For explanation visit"
         " https://postmaster.gmx.net/en/case?c=r0302&i=ip&v=127.0.0.1&r=1MNcgj",
         Reason.REQUIREPTR, "GMX postmaster error messages"),
    Case("gmx-blocklisted", "connect",
         "554-gmx.net (mxgmx104) Nemesis ESMTP Service not available\r\n554-No SMTP service\r\n"
         "554-IP address is block listed.\r\n554 For explanation visit"
         " https://postmaster.gmx.net/en/case?c=r0201&i=ip&v=127.0.0.1&r=1MNcgj",
         Reason.BLOCKED, "GMX postmaster error messages"),
    # Comcast: "Mail delivery error codes" (postmaster.comcast.net): BL000001 is a Spamhaus
    # listing; "Too many sessions opened" and "Reverse DNS failure" are its 421s.
    Case("comcast-dnsbl", "connect",
         "554 resimta-po-01v.sys.comcast.net comcast 127.0.0.1 found on one or more DNSBLs,"
         " see http://postmaster.comcast.net/smtp-error-codes.php#BL000001",
         Reason.BLOCKED, "Comcast mail delivery error codes (BL000001)"),
    Case("comcast-sessions", "defer", "421 Too many sessions opened",
         Reason.TOOMANYCONN, "Comcast mail delivery error codes"),
    Case("comcast-rdns", "defer", "421 Reverse DNS failure : Try again later",
         Reason.REQUIREPTR, "Comcast mail delivery error codes"),
    # Sendmail's check_rcpt ruleset (cf/m4/proto.m4) refusing to relay.
    Case("sendmail-relaying", "rcpt", "550 5.7.1 <rcpt>... Relaying denied",
         Reason.NORELAYING, "Sendmail cf/m4/proto.m4 (Relaying denied)"),
    # qmail-smtpd's databytes limit.
    Case("qmail-databytes", "data", "552 sorry, that message size exceeds my databytes limit"
         " (#5.3.4)", Reason.MESGTOOBIG, "qmail-smtpd (databytes)"),
    # Postfix smtpd reject_non_fqdn_helo_hostname and its resource check.
    Case("postfix-helo", "rcpt",
         "504 5.5.2 <mx-out>: Helo command rejected: need fully-qualified hostname",
         Reason.BLOCKED, "Postfix smtpd reject_non_fqdn_helo_hostname"),
    Case("postfix-storage", "defer", "452 4.3.1 Insufficient system storage",
         Reason.SYSTEMFULL, "Postfix smtpd (queue_minfree)"),
    # amavisd-new's rejections after DATA (its "Reject, id=... - CATEGORY" reply).
    Case("amavis-virus", "data", "554 5.7.0 Reject, id=12345-01 - INFECTED: Eicar-Test-Signature",
         Reason.VIRUSDETECTED, "amavisd-new (INFECTED)"),
    Case("amavis-spam", "data", "554 5.7.0 Reject, id=12345-02 - SPAM",
         Reason.SPAMDETECTED, "amavisd-new (SPAM)"),
    # Exim's sender verification (verify = sender) failing at RCPT.
    Case("exim-sender-verify", "rcpt",
         "550-Verification failed for <sender>\r\n550-Unrouteable address\r\n"
         "550 Sender verify failed",
         Reason.REJECTED, "Exim ACL verify = sender"),
)
# fmt: on

# The third round (its first score, four MTAs: 89 of 104 DSNs), read since to write rules.
# fmt: off
ROUND_3_CASES: tuple[Case, ...] = (
    # AOL (now Yahoo): a dynamic address refused (postmaster.info.aol.com errors, DYN:T1).
    Case("aol-dynamic", "defer", "421 4.7.1 : (DYN:T1) http://postmaster.info.aol.com/errors/421dynt1.html",
         Reason.BLOCKED, "AOL postmaster errors (DYN:T1)"),
    Case("zoho-dmarc", "data", "550 5.7.1 Email rejected per DMARC policy for shop.example",
         Reason.AUTHFAILURE, "Zoho Mail SMTP error codes (DMARC)"),
    Case("m365-traffic", "rcpt",
         "550 5.7.708 Service unavailable. Access denied, traffic not accepted from this IP.",
         Reason.BLOCKED, "Exchange Online NDR 5.7.708"),
    Case("m365-spf", "data",
         "550 5.7.23 The message was rejected because of Sender Policy Framework violation",
         Reason.AUTHFAILURE, "Exchange Online NDR 5.7.23"),
    Case("exchange-relay", "rcpt", "550 5.7.54 SMTP; Unable to relay recipient in non-accepted"
         " domain", Reason.NORELAYING, "Exchange Server NDR 5.7.54"),
    Case("gmail-domain-reputation", "data",
         "550 5.7.1 Our system has detected that this message is likely suspicious due to the"
         " very low reputation of the sending domain. To best protect our users from spam, the"
         " message has been blocked.",
         Reason.BADREPUTATION, "Gmail SMTP errors and codes"),
    Case("postfix-reverse", "rcpt",
         "550 5.7.1 Client host rejected: cannot find your reverse hostname, [127.0.0.1]",
         Reason.REQUIREPTR, "Postfix smtpd reject_unknown_reverse_client_hostname"),
    Case("qmail-rcpthosts", "rcpt", "553 sorry, that domain isn't in my list of allowed"
         " rcpthosts (#5.7.1)", Reason.NORELAYING, "qmail-smtpd (rcpthosts)"),
    Case("icloud-spamhaus", "rcpt",
         "550 5.7.1 Mail from IP 127.0.0.1 was rejected due to listing in Spamhaus SBL. For"
         " details please see http://www.spamhaus.org/query/bl?ip=127.0.0.1",
         Reason.BLOCKED, "iCloud Mail SMTP replies (Spamhaus)"),
    Case("rspamd-spam", "data", "554 5.7.1 Spam message rejected",
         Reason.SPAMDETECTED, "Rspamd (reject action)"),
    Case("postfix-virtual", "rcpt",
         "550 5.1.1 <rcpt>: Recipient address rejected: User unknown in virtual mailbox table",
         Reason.USERUNKNOWN, "Postfix smtpd (virtual_mailbox_maps)"),
    Case("sendmail-disk", "defer", "452 4.4.5 Insufficient disk space; try again later",
         Reason.SYSTEMFULL, "Sendmail srvrsmtp.c (MinFreeBlocks)"),
    Case("comcast-notcustomer", "rcpt", "550 5.1.1 <rcpt> Not our Customer",
         Reason.USERUNKNOWN, "Comcast mail delivery error codes"),
    # Microsoft 365 NDR 5.4.1: "Relay Access Denied ATTR35" (a domain the tenant does not
    # accept), beside the same code's Directory-Based Edge Blocking refusal.
    Case("m365-relay-attr35", "rcpt",
         "550 5.4.1 Relay Access Denied ATTR35"
         " [DM6NAM11FT011.eop-nam11.prod.protection.outlook.com]",
         Reason.NORELAYING, "Exchange Online NDR 5.4.1 (ATTR35)"),
    Case("m365-mime", "data",
         "554 5.6.211 Invalid MIME Content: Single text value size (32000) exceeded",
         Reason.CONTENTERROR, "Exchange Online NDR 5.6.211"),
    Case("gmail-ip-not-authorized", "rcpt",
         "550 5.7.1 The IP you're using to send mail is not authorized to send email directly to"
         " our servers. Please use the SMTP relay at your service provider instead.",
         Reason.BLOCKED, "Gmail SMTP errors and codes"),
    Case("gmail-unauthenticated-risk", "data",
         "550 5.7.26 This mail is unauthenticated, which poses a security risk to the sender and"
         " Gmail users, and has been blocked. The sender must authenticate with at least one of"
         " SPF or DKIM.",
         Reason.AUTHFAILURE, "Gmail SMTP errors and codes"),
    Case("orange-invalid", "rcpt",
         "550 5.1.1 Adresse d au moins un destinataire invalide. Invalid recipient. OFR_416 [416]",
         Reason.USERUNKNOWN, "Orange postmaster SMTP error codes (OFR_416)"),
    Case("tonline-blocked", "connect",
         "554 IP=127.0.0.1 - A problem occurred. (Ask your postmaster for help or to contact"
         " tosa@rx.t-online.de to clarify.) (BL)",
         Reason.BLOCKED, "Deutsche Telekom (T-Online) postmaster"),
    Case("webde-policy", "connect",
         "554-web.de (mxweb114) Nemesis ESMTP Service not available\r\n554-No SMTP service\r\n"
         "554-Reject due to policy restrictions.\r\n554 For explanation visit"
         " https://postmaster.web.de/en/case?c=r0102&i=ip&v=127.0.0.1&r=1MNcgj",
         Reason.BLOCKED, "WEB.DE postmaster error messages"),
    Case("mimecast-invalid", "rcpt",
         "550 Invalid Recipient - https://community.mimecast.com/docs/DOC-1369#550",
         Reason.USERUNKNOWN, "Mimecast SMTP error codes"),
    Case("proofpoint-blocked", "connect",
         "554 5.7.1 Blocked - see https://ipcheck.proofpoint.com/?ip=127.0.0.1",
         Reason.BLOCKED, "Proofpoint (ipcheck)"),
    Case("ironport-rejected", "rcpt", "550 #5.1.0 Address rejected.",
         Reason.USERUNKNOWN, "Cisco Secure Email (LDAP accept query)"),
    Case("postfix-unlisted-sender", "rcpt",
         "550 5.1.0 <sender>: Sender address rejected: User unknown in local recipient table",
         Reason.REJECTED, "Postfix smtpd reject_unlisted_sender"),
    Case("sendmail-disabled", "rcpt",
         "550 5.2.1 <rcpt>... Mailbox disabled for this recipient",
         Reason.SUSPEND, "Sendmail cf/README (access map ERROR example)"),
    Case("qmail-badmailfrom", "mail", "553 sorry, your envelope sender has been denied (#5.7.1)",
         Reason.REJECTED, "qmail-smtpd (badmailfrom)"),
)
# fmt: on
CASES += ROUND_3_CASES

# The fourth round (its first score, four MTAs: 81 of 96 DSNs), read since to write rules.
# fmt: off
ROUND_4_CASES: tuple[Case, ...] = (
    # Gmail, "Gmail SMTP errors and codes": its SMTP relay refusing an unregistered sender.
    Case("gmail-relay-denied", "rcpt",
         "550 5.7.0 Mail relay denied [127.0.0.1]. Invalid credentials for relay for one of the"
         " domains in: shop.example (as obtained from HELO and MAIL FROM). Email is being sent"
         " from a domain or IP address which isn't registered in your Workspace account as a"
         " domain you use for sending email.",
         Reason.NORELAYING, "Gmail SMTP errors and codes"),
    # Exchange Server back pressure (learn.microsoft.com "Understanding back pressure").
    Case("exchange-backpressure", "defer", "452 4.3.1 Insufficient system resources",
         Reason.SYSTEMFULL, "Exchange Server back pressure"),
    # Yahoo's error pages: BL21 (the connecting IP on Spamhaus' list), at the greeting.
    Case("yahoo-bl21", "connect",
         "553 5.7.1 [BL21] Connections will not be accepted from 127.0.0.1, because the ip is"
         " in Spamhaus's list; see http://postmaster.yahoo.com/errors/550-bl23.html",
         Reason.BLOCKED, "Yahoo postmaster errors (BL21)"),
    # iCloud Mail's replies (smtp.codes/icloud, support.apple.com HT204137).
    Case("icloud-dmarc", "data", "550 5.7.1 Your message was rejected due to shop.example DMARC"
         " policy.", Reason.AUTHFAILURE, "iCloud Mail SMTP replies (DMARC)"),
    # GMX postmaster, "Error messages": after DATA, and the sender's domain at MAIL FROM.
    Case("gmx-policy", "data",
         "554-Transaction failed\r\n554-Reject due to policy restrictions.\r\n554 For"
         " explanation visit https://postmaster.gmx.net/en/case?c=r0102&i=ip&v=127.0.0.1&r=1MNcgj",
         Reason.POLICYVIOLATION, "GMX postmaster error messages"),
    Case("gmx-sender-dns", "mail",
         "550-Requested action not taken: mailbox unavailable\r\n550 invalid DNS MX or A/AAAA"
         " resource record", Reason.REJECTED, "GMX postmaster error messages"),
    # Postfix smtpd: check_sender_access REJECT, relay refusal, reject_unknown_recipient_domain.
    Case("postfix-sender-access", "rcpt", "554 5.7.1 <sender>: Sender address rejected: Access"
         " denied", Reason.REJECTED, "Postfix smtpd check_sender_access"),
    Case("postfix-relay", "rcpt", "554 5.7.1 <rcpt>: Relay access denied",
         Reason.NORELAYING, "Postfix smtpd reject_unauth_destination"),
    Case("postfix-rcpt-domain-temp", "defer",
         "450 4.1.2 <rcpt>: Recipient address rejected: Domain not found",
         Reason.NETWORKERROR, "Postfix smtpd reject_unknown_recipient_domain (DNS failure)"),
    Case("postfix-rcpt-domain", "rcpt",
         "550 5.1.2 <rcpt>: Recipient address rejected: Domain not found",
         Reason.HOSTUNKNOWN, "Postfix smtpd reject_unknown_recipient_domain"),
    # Exim's own replies: a temporary local problem, its message_size_limit, a dnslists ACL.
    Case("exim-local-problem", "defer", "451 Temporary local problem - please try later",
         Reason.SYSTEMERROR, "Exim (temporary local problem)"),
    Case("exim-size", "data", "552 Message size exceeds maximum permitted",
         Reason.MESGTOOBIG, "Exim message_size_limit"),
    Case("exim-dnslist", "rcpt",
         "550 Rejected because 127.0.0.1 is in a black list at zen.spamhaus.org",
         Reason.BLOCKED, "Exim ACL dnslists"),
    # Sendmail and qmail refusing the sender; qmail's queue trouble.
    Case("sendmail-sender-domain", "mail",
         "553 5.1.8 <sender>... Domain of sender address does not exist",
         Reason.REJECTED, "Sendmail (check_mail: sender domain)"),
    Case("qmail-badmailfrom-list", "mail",
         "553 sorry, your envelope sender is in my badmailfrom list (#5.7.1)",
         Reason.REJECTED, "qmail-smtpd (badmailfrom)"),
    Case("qmail-qq", "defer", "451 qq temporary problem (#4.3.0)",
         Reason.SYSTEMERROR, "qmail-smtpd (qq temporary problem)"),
    # Dovecot's quota_exceeded_message default, through its LMTP/submission.
    Case("dovecot-quota", "rcpt", "552 5.2.2 <rcpt> Quota exceeded (mailbox for user is full)",
         Reason.MAILBOXFULL, "Dovecot quota_exceeded_message"),
    # Proofpoint's refusal by a local policy rule.
    Case("proofpoint-policy", "data", "550 5.7.0 Local Policy Violation",
         Reason.POLICYVIOLATION, "Proofpoint (Local Policy Violation)"),
    # The standards' own words: RFC 7504 (521 at the greeting), IANA X.7.10, RFC 3463 X.2.1
    # and X.1.6, RFC 5321's 551.
    Case("rfc7504-521", "connect", "521 5.3.2 Host does not accept mail",
         Reason.NOTACCEPT, "RFC 7504 section 3"),
    Case("iana-encryption", "mail", "530 5.7.10 Encryption needed",
         Reason.SECURITYERROR, "IANA enhanced status codes (X.7.10)"),
    Case("rfc3463-disabled", "rcpt", "550 5.2.1 <rcpt>: Mailbox disabled, not accepting"
         " messages", Reason.SUSPEND, "RFC 3463 (X.2.1)"),
    Case("rfc3463-moved", "rcpt", "550 5.1.6 <rcpt>: Destination mailbox has moved, no"
         " forwarding address", Reason.HASMOVED, "RFC 3463 (X.1.6)"),
    Case("rfc5321-551", "rcpt", "551 User not local; please try <anna@new.example>",
         Reason.HASMOVED, "RFC 5321 section 3.4 (551)"),
    # Mimecast's temporary refusal (community.mimecast.com DOC-1369).
    Case("mimecast-temp", "defer",
         "451 Internal resource temporarily unavailable -"
         " https://community.mimecast.com/docs/DOC-1369#451",
         Reason.SYSTEMERROR, "Mimecast SMTP error codes"),
)
# fmt: on
CASES += ROUND_4_CASES

# The fifth round (its first score, four MTAs: 52 of 68 DSNs), read since to write rules.
# fmt: off
ROUND_5_CASES: tuple[Case, ...] = (
    # Gmail, "Gmail SMTP errors and codes".
    Case("gmail-auth-results", "data",
         "550 5.7.26 Your email has been blocked because the sender is unauthenticated. Gmail"
         " requires all senders to authenticate with either SPF or DKIM. Authentication"
         " results: DKIM = did not pass SPF [shop.example] with ip: [127.0.0.1] = did not pass",
         Reason.AUTHFAILURE, "Gmail SMTP errors and codes"),
    Case("gmail-unsolicited-ip", "rcpt",
         "550 5.7.1 [127.0.0.1] Our system has detected an unusual rate of unsolicited mail"
         " originating from your IP address. To protect our users from spam, mail sent from"
         " your IP address has been blocked.",
         Reason.BLOCKED, "Gmail SMTP errors and codes"),
    # Exchange Online NDR 5.7.520: the organisation forbids forwarding outside it.
    Case("m365-no-forwarding", "data",
         "550 5.7.520 Access denied, Your organization does not allow external forwarding."
         " Please contact your administrator for further assistance. AS(7555)",
         Reason.POLICYVIOLATION, "Exchange Online NDR 5.7.520"),
    # Postfix: virtual_alias_maps, policyd-spf, message_size_limit.
    Case("postfix-virtual-alias", "rcpt",
         "550 5.1.1 <rcpt>: Recipient address rejected: User unknown in virtual alias table",
         Reason.USERUNKNOWN, "Postfix smtpd (virtual_alias_maps)"),
    Case("policyd-spf", "rcpt",
         "554 5.7.1 <rcpt>: Recipient address rejected: Message rejected due to: SPF fail -"
         " not authorized. Please see http://www.openspf.net/Why?s=mfrom;id=shop.example",
         Reason.AUTHFAILURE, "postfix-policyd-spf-python"),
    Case("postfix-size", "data", "552 5.3.4 Message size exceeds fixed limit",
         Reason.MESGTOOBIG, "Postfix cleanup (message_size_limit)"),
    # Exim ACLs refusing a virus (malware =) and spam (spam =) after DATA.
    Case("exim-virus", "data",
         "550 This message contains a virus (Eicar-Signature) and has been rejected",
         Reason.VIRUSDETECTED, "Exim ACL malware (its documented example)"),
    Case("exim-spam", "data",
         "550-Your message looks like SPAM or has been reported as SPAM\r\n550 please read"
         " the policy of remote.test", Reason.SPAMDETECTED, "Exim ACL spam"),
    # Sendmail's temporary failure and its "we do not relay" (cf/m4/proto.m4).
    Case("sendmail-tempfail", "defer",
         "451 4.3.0 Temporary system failure. Please try again later.",
         Reason.SYSTEMERROR, "Sendmail (tempfail)"),
    Case("sendmail-no-relay", "rcpt", "550 5.7.1 <rcpt>... we do not relay",
         Reason.NORELAYING, "Sendmail cf/m4/proto.m4"),
    # The standards' own words: IANA X.7.17 and X.7.18 (RFC 7293), RFC 3463 X.2.3, X.1.3,
    # IANA X.7.13.
    Case("iana-owner-changed", "rcpt", "550 5.7.17 Mailbox owner has changed",
         Reason.HASMOVED, "IANA enhanced status codes (X.7.17, RFC 7293)"),
    Case("iana-domain-owner", "rcpt", "550 5.7.18 Domain owner has changed",
         Reason.HASMOVED, "IANA enhanced status codes (X.7.18, RFC 7293)"),
    Case("rfc3463-admin-limit", "data", "552 5.2.3 Message length exceeds administrative limit",
         Reason.EXCEEDLIMIT, "RFC 3463 (X.2.3)"),
    Case("rfc3463-bad-syntax", "rcpt", "501 5.1.3 Bad recipient address syntax",
         Reason.USERUNKNOWN, "RFC 3463 (X.1.3)"),
    Case("iana-account-disabled", "rcpt", "525 5.7.13 User account disabled",
         Reason.SUSPEND, "IANA enhanced status codes (X.7.13)"),
    # Spam filters' own refusals: rspamd's GTUBE reply, spamass-milter's.
    Case("rspamd-gtube", "data", "554 5.7.1 Gtube pattern",
         Reason.SPAMDETECTED, "Rspamd (GTUBE)"),
    Case("spamass-milter", "data", "550 5.7.1 Blocked by SpamAssassin",
         Reason.SPAMDETECTED, "spamass-milter"),
)
# fmt: on
CASES += ROUND_5_CASES

# The sixth round (first score 55 of 64 DSNs) and the seventh (first score 40 of 72), read
# since to write rules. The sixth was written before the fifth was read; the seventh with the
# eighth, before the sixth was read.
# fmt: off
ROUNDS_6_7_CASES: tuple[Case, ...] = (
    # Gmail, "Gmail SMTP errors and codes".
    Case("gmail-gcdp", "data",
         "550 5.7.1 This message violates remote.test email policy. - gcdp 12345 - gsmtp",
         Reason.POLICYVIOLATION, "Gmail SMTP errors and codes (gcdp)"),
    Case("gmail-temp-rejected", "defer", "451 4.3.0 Mail server temporarily rejected message.",
         Reason.SYSTEMERROR, "Gmail SMTP errors and codes"),
    Case("gmail-invalid-address", "rcpt",
         "553 5.1.3 The recipient address <rcpt> is not a valid RFC 5321 address.",
         Reason.USERUNKNOWN, "Gmail SMTP errors and codes"),
    Case("gmail-domain-policy", "data",
         "550 5.7.1 The user or domain that you are sending to (or from) has a policy that"
         " prohibited the email that you sent.",
         Reason.POLICYVIOLATION, "Gmail SMTP errors and codes"),
    # Exchange Online NDRs 5.4.310, 5.6.0, 5.7.124.
    Case("m365-dns", "rcpt", "550 5.4.310 DNS domain remote.test does not exist",
         Reason.HOSTUNKNOWN, "Exchange Online NDR 5.4.310"),
    Case("m365-corrupt", "data",
         "554 5.6.0 Corrupt message content; STOREDRV.Deliver.Exception:"
         "ConversionFailedPermanentException",
         Reason.CONTENTERROR, "Exchange Online NDR 5.6.0"),
    Case("m365-allowed-senders", "rcpt", "550 5.7.124 Sender not in allowed-senders list",
         Reason.REJECTED, "Exchange Online NDR 5.7.124"),
    # Yahoo, "SMTP error codes": the sender's domain does not resolve.
    Case("yahoo-unresolvable-from", "defer",
         "451 Message temporarily deferred due to unresolvable RFC.5321 from domain; see"
         " https://senders.yahooinc.com/error-codes#unresolvable-from-domain",
         Reason.REJECTED, "Yahoo SMTP error codes"),
    # iCloud Mail (Proofpoint's DNSBL), at RCPT.
    Case("icloud-proofpoint", "rcpt",
         "550 5.7.0 Blocked - see https://support.proofpoint.com/dnsbl-lookup.cgi?ip=127.0.0.1",
         Reason.BLOCKED, "iCloud Mail SMTP replies (Proofpoint)"),
    # Postfix: a temporary configuration error; check_client_access REJECT.
    Case("postfix-config", "defer", "451 4.3.5 Server configuration problem",
         Reason.SYSTEMERROR, "Postfix smtpd (server configuration problem)"),
    Case("postfix-client-access", "rcpt",
         "554 5.7.1 <unknown[127.0.0.1]>: Client host rejected: Access denied",
         Reason.BLOCKED, "Postfix smtpd check_client_access"),
    # Sendmail's "Addressee unknown"; Dovecot LMTP's unknown user and temporary failure.
    Case("sendmail-addressee", "rcpt", "553 5.3.0 <rcpt>... Addressee unknown",
         Reason.USERUNKNOWN, "Sendmail (Addressee unknown)"),
    Case("dovecot-nouser", "rcpt", "550 5.1.1 <rcpt> User doesn't exist: rcpt",
         Reason.USERUNKNOWN, "Dovecot LMTP"),
    Case("dovecot-tempfail", "defer", "451 4.3.0 <rcpt> Temporary internal error",
         Reason.SYSTEMERROR, "Dovecot LMTP"),
    # RFC 3463's own texts: X.1.2 and X.6.3.
    Case("rfc3463-bad-destination", "rcpt", "550 5.1.2 Bad destination system address",
         Reason.HOSTUNKNOWN, "RFC 3463 (X.1.2)"),
    Case("rfc3463-conversion", "data", "554 5.6.3 Conversion required but not supported",
         Reason.CONTENTERROR, "RFC 3463 (X.6.3)"),
    # The seventh round, written (like the eighth below) before the sixth was read.
    # Gmail, "Gmail SMTP errors and codes" (support.google.com/a/answer/3726730).
    Case("gmail-rate-prevents", "defer",
         "450 4.2.1 The user you are trying to contact is receiving mail at a rate that prevents"
         " additional messages from being delivered. Please resend your message at a later"
         " time. If the user is able to receive mail at that time, your message will be"
         " delivered.",
         Reason.SPEEDING, "Gmail SMTP errors and codes"),
    Case("gmail-temp-system", "defer", "421 4.3.0 Temporary System Problem. Try again later.",
         Reason.SYSTEMERROR, "Gmail SMTP errors and codes"),
    Case("gmail-not-whitelisted", "defer",
         "421 4.7.0 IP not in whitelist for RCPT domain, closing connection.",
         Reason.BLOCKED, "Gmail SMTP errors and codes"),
    Case("gmail-multiple-from", "data",
         "550 5.7.1 Messages with multiple addresses in From: header are not accepted.",
         Reason.NOTCOMPLIANTRFC, "Gmail SMTP errors and codes"),
    # Exchange Online NDRs 5.7.133, 5.2.121, 5.4.14, 5.7.506, 5.7.57 (learn.microsoft.com
    # "Email non-delivery reports and SMTP errors in Exchange Online"). 5.7.133 (and 5.7.12
    # below), a recipient taking mail only from authenticated senders, first rejected, is
    # securityerror since round 16: the corpus labels Exchange's RESOLVER.RST.AuthRequired,
    # the same restriction, so (dev lhost-exchange2007-04).
    Case("m365-group-auth", "rcpt",
         "550 5.7.133 RESOLVER.RST.SenderNotAuthenticatedForGroup; authentication required;"
         " Delivery restriction check failed because the sender was not authenticated when"
         " sending to this group",
         Reason.SECURITYERROR, "Exchange Online NDR 5.7.133"),
    Case("m365-hourly-limit", "rcpt",
         "550 5.2.121 Recipient's per hour message receive limit from specific sender exceeded",
         Reason.SPEEDING, "Exchange Online NDR 5.2.121"),
    Case("m365-hop-count", "data", "554 5.4.14 Hop count exceeded - possible mail loop ATTR34",
         Reason.NETWORKERROR, "Exchange Online NDR 5.4.14 (routing loop)"),
    Case("m365-bad-helo", "rcpt", "550 5.7.506 Access Denied, Bad HELO",
         Reason.BLOCKED, "Exchange Online NDR 5.7.506"),
    Case("m365-anonymous", "mail",
         "530 5.7.57 Client was not authenticated to send anonymous mail during MAIL FROM",
         Reason.SECURITYERROR, "Exchange Online NDR 5.7.57"),
    # Yahoo, "SMTP error codes" (senders.yahooinc.com): TSS09, at the greeting.
    Case("yahoo-tss09", "connect",
         "553 5.7.2 [TSS09] All messages from 127.0.0.1 will be permanently deferred; Retrying"
         " will NOT succeed. See https://postmaster.yahooinc.com/error-codes",
         Reason.BLOCKED, "Yahoo SMTP error codes (TSS09)"),
    # Zoho Mail, "SMTP error codes": its spam and virus refusals after DATA.
    Case("zoho-spam", "data", "550 5.7.1 Email rejected per SPAM policy",
         Reason.SPAMDETECTED, "Zoho Mail SMTP error codes"),
    Case("zoho-virus", "data", "552 5.7.1 virus Eicar-Test-Signature detected by Zoho Mail",
         Reason.VIRUSDETECTED, "Zoho Mail SMTP error codes"),
    # The standards' own words: IANA X.7.20 (RFC 7372), X.7.27 (RFC 7505 section 4.1).
    Case("iana-no-dkim", "data", "550 5.7.20 No passing DKIM signature found",
         Reason.AUTHFAILURE, "IANA enhanced status codes (X.7.20, RFC 7372)"),
    Case("rfc7505-sender-nullmx", "mail", "550 5.7.27 Sender address has null MX",
         Reason.REJECTED, "RFC 7505 section 4.1 (X.7.27)"),
    # Postfix smtpd_client_connection_count_limit (anvil).
    Case("postfix-anvil", "defer",
         "421 4.7.0 mx.remote.test Error: too many connections from 127.0.0.1",
         Reason.TOOMANYCONN, "Postfix smtpd (smtpd_client_connection_count_limit)"),
    # Sendmail: MaxMessageSize (collect.c) and the ratecontrol feature (cf/feature).
    Case("sendmail-maxsize", "data", "552 5.2.3 Message exceeds maximum fixed size (10485760)",
         Reason.MESGTOOBIG, "Sendmail collect.c (MaxMessageSize)"),
    Case("sendmail-ratecontrol", "defer", "421 4.3.2 Connection rate limit exceeded.",
         Reason.TOOMANYCONN, "Sendmail cf/feature/ratecontrol.m4"),
    # Cyrus IMAP's lmtpd refusing an unknown mailbox.
    Case("cyrus-unknown", "rcpt",
         "550-Mailbox unknown. Either there is no mailbox associated with this name or you do"
         " not have authorization to see it.\r\n550 5.1.1 User unknown",
         Reason.USERUNKNOWN, "Cyrus IMAP lmtpd"),
)
# fmt: on

CASES += ROUNDS_6_7_CASES


# Misses the vocabulary honestly allows two ways: documented, not chased (the seen split's
# test expects them to miss, and fails the day they do not, to be looked at again). Each the
# other reading (the parser's), and why the vocabulary allows it.
@dataclass(frozen=True)
class TwoWay:
    other: Reason
    why: str


TWO_WAY: dict[str, TwoWay] = {
    "gmail-unsolicited-ip": TwoWay(
        Reason.BADREPUTATION,
        "Gmail's 'unusual rate of unsolicited mail originating from your IP address ... has"
        " been blocked' is the IP's block (blocked, the case) and its spam reputation"
        " (badreputation, the parser) alike",
    ),
    "sendmail-maxsize": TwoWay(
        Reason.EXCEEDLIMIT,
        "Sendmail's '552 5.2.3 Message exceeds maximum fixed size' is its MaxMessageSize: a"
        " message too big (mesgtoobig, the case, from the words) or, by the shared vocabulary's"
        " convention for X.2.3 that the corpus follows for the same Sendmail limit, exceedlimit"
        " (the parser)",
    ),
    # Round 16's, each its author's own other reading, flagged before the first score
    # (Case.also), where the words or the vocabulary's definitions give that reading.
    "m365-rejected-by-recipient": TwoWay(
        Reason.FILTERED,
        "Exchange Online's '550 5.7.507 Access denied, rejected by recipient' is the sending IP"
        " blocked by the recipient's organisation (blocked, the case, from Microsoft's NDR"
        " list) and, by its words, a refusal by the recipient's own settings (filtered, the"
        " parser); the library held no Microsoft page on 5.7.507 to set a status rule by",
    ),
    "zeptomail-relaying": TwoWay(
        Reason.NORELAYING,
        "ZeptoMail's '553 Relaying disallowed as <sender>' refuses a From domain the account may"
        " not send from (rejected, the case) in the words of a relaying refusal (norelaying,"
        " the parser, as the vocabulary defines it by those words)",
    ),
    # Round 17's, each its author's own other reading, flagged before the first score
    # (Case.also), where the words or the vocabulary's definitions give that reading.
    "godaddy-spam-or-virus": TwoWay(
        Reason.VIRUSDETECTED,
        "GoDaddy's '552 Message rejected for spam or virus content' names both filters'"
        " verdicts: spam (spamdetected, the case) or a virus (virusdetected, the parser, whose"
        " virus wording beats spam's as the more telling); the reply does not say which",
    ),
    "interia-mailbox-not-available": TwoWay(
        Reason.USERUNKNOWN,
        "Interia's '550 5.2.1 Mailbox not available' is, by its help, a wrong address, a full"
        " inbox or a suspended account: X.2.1 'mailbox disabled' (suspend, the case) or the"
        " words of RFC 5321's 550 'mailbox unavailable' that GMX and Outlook.com say of an"
        " address that does not exist (userunknown, the parser)",
    ),
    "mimecast-sender-blocked": TwoWay(
        Reason.REJECTED,
        "Mimecast's '421 Sender address blocked' is, by its SMTP error codes page, the sending"
        " IP on a Blocked Senders policy (blocked, the case) in the words of a refusal of the"
        " sender's address (rejected, the parser, as the vocabulary defines it by those words)",
    ),
    "spambrella-sender-rejected": TwoWay(
        Reason.REJECTED,
        "Spambrella's '550 5.1.0 sender rejected' is, by its error codes page, the sending IP"
        " on a block list or a wrong SPF record (blocked, the case; authfailure) in the words of"
        " a refusal of the sender (rejected, the parser, at MAIL FROM as the vocabulary defines"
        " it)",
    ),
    "compuserve-rdns-country": TwoWay(
        Reason.REQUIREPTR,
        "CompuServe's greeting '554 Refused. Your reverse DNS entry contains your IP address and"
        " a country code' refuses the host (blocked, the case, the greeting's convention) for"
        " a reverse DNS name it takes for a dial-up one, an invalid PTR by the vocabulary's"
        " requireptr (the parser, from the words)",
    ),
    "fastmail-internal-error": TwoWay(
        Reason.SYSTEMERROR,
        "FastMail's '554 5.0.0 Unexpected internal error' is, by its help, how its LMTP proxy"
        " answers a user that does not exist (userunknown, the case); the words say an internal"
        " error (systemerror, the parser)",
    ),
    "hostmedia-esa-sender-blocked": TwoWay(
        Reason.REJECTED,
        "Host Media's '550 5.7.1 [ESA] Sender blocked' is, by its knowledge base, the sending IP"
        " on its gateway's block list (blocked, the case) in the words of a refusal of the"
        " sender (rejected, the parser)",
    ),
    "ionos-incorrect-config": TwoWay(
        Reason.SYNTAXERROR,
        "IONOS answers a sending server refused for its configuration with RFC 5321's 501 text"
        " '550 Syntax error in parameters or arguments' (blocked, the case, by its postmaster"
        " page); the words name a syntax error (syntaxerror, the parser)",
    ),
    "ionos-policy-violations": TwoWay(
        Reason.POLICYVIOLATION,
        "IONOS's '450 Reject due to policy violations' is, by its postmaster page, a HELO name"
        " that keeps changing or an IP held off (blocked, the case); the words name a policy"
        " broken (policyviolation, the parser)",
    ),
    "onesystems-qq-home-directory": TwoWay(
        Reason.SYSTEMERROR,
        "qmail's '451 qq trouble in home directory' is qmail-queue's own failure by its manual"
        " (exit 61; systemerror, the parser, as its other 'qq' failures read), which OneSystems'"
        " support page explains as the recipient's quota reached (mailboxfull, the case)",
    ),
    # Round 19's, each its author's own other reading, flagged before the first score
    # (Case.also), where the words or the vocabulary's definitions give that reading.
    "aruba-pec-uncertified": TwoWay(
        Reason.USERUNKNOWN,
        "Aruba's PEC refusal 'Indirizzo destinatario sconosciuto o non abilitato alla ricezione"
        " di posta non certificata' says the recipient is unknown or a certified mailbox that"
        " takes no ordinary mail: the mailbox's own setting (filtered, the case, by Aruba's PEC"
        " guide) or an unknown recipient (userunknown, the parser, from 'destinatario"
        " sconosciuto'); the reply does not say which",
    ),
    "chasquid-line-ending": TwoWay(
        Reason.SYNTAXERROR,
        "chasquid's '521 5.5.2 Error reading DATA: invalid line ending' refuses the message's"
        " bare line feeds (contenterror, the case) under X.5.2 'Syntax error', a protocol"
        " status the parser reads exactly (syntaxerror); the rules read 'bare LF' wording as"
        " notcompliantrfc (RFC 5321 section 2.3.8), a third reading, so no wording rule is"
        " written for one case's label",
    ),
    "cleanmail-forged-sender": TwoWay(
        Reason.REJECTED,
        "cleanmail.ch's '550 Forged sender domain from this server' is, by its page, mail from"
        " a Bluewin address not sent through Bluewin's servers, its SPF (authfailure, the case);"
        " its words name a forged sender's domain said to MAIL FROM (rejected, the parser, as"
        " the vocabulary defines it by the sender's address)",
    ),
    # Round 20's, each its author's own other reading, flagged before the first score
    # (Case.also), where the words or the vocabulary's definitions give that reading.
    "stalwart-parse-failed": TwoWay(
        Reason.SECURITYERROR,
        "Stalwart's '550 5.7.7 Failed to parse message.' refuses a message it cannot parse"
        " (contenterror, the case) under X.7.7 'Message integrity failure', a security status"
        " the parser reads exactly (securityerror); RFC 3463 words X.7.7 as a message"
        " 'corrupted or altered', which the reply does not say it was",
    ),
    "nodemailer-sender-syntax": TwoWay(
        Reason.REJECTED,
        "nodemailer's '501 Error: Bad sender address syntax' is a syntax error in MAIL FROM's"
        " argument (syntaxerror, the case) and the sender's address refused (rejected, the"
        " parser): RFC 3463's X.1.7 'Bad sender's mailbox address syntax', which the rules read"
        " as the sender refused, names both",
    ),
    # Round 21's, each its author's own other reading, flagged before the first score
    # (Case.also), where the words or the vocabulary's definitions give that reading.
    "kopano-connection-error": TwoWay(
        Reason.USERUNKNOWN,
        "Kopano dagent's '503 5.1.1 Connection error: 0x80040115' is its LMTP answer to RCPT"
        " TO when the look-up of the recipient fails (systemerror, the case, by DAgent.cpp)"
        " under X.1.1 'Bad destination mailbox address', which the parser reads exactly"
        " (userunknown); the words name a connection, no party, and RFC 5321's 503 a command"
        " out of sequence, neither a cause of the vocabulary's",
    ),
    "opendkim-key-retrieval": TwoWay(
        Reason.AUTHFAILURE,
        "OpenDKIM's '451 4.7.5 DKIM key retrieval failed' is its DNS query for the signer's key"
        " failing for now (networkerror, the case, On-DNSError tempfail) and a DKIM check that"
        " did not pass (authfailure, the parser, from the DKIM words); RFC 6376 section 6.1.2"
        " makes a failed key query the check's temporary failure, so the reply names both",
    ),
    "mimetype-malformed-headers": TwoWay(
        Reason.NOTCOMPLIANTRFC,
        "opensmtpd-filter-mimetype's '550 Policy violation: Malformed mail headers' refuses a"
        " header it cannot parse (contenterror, the case) in words naming headers not formed"
        " as RFC 5322 says (notcompliantrfc, the parser) under the name of a policy"
        " (policyviolation); the case's author gave all three",
    ),
    # Round 23's, each its author's own other reading, flagged before the first score
    # (Case.also), where the words or the vocabulary's definitions give that reading.
    "authmilter-blocker-flood": TwoWay(
        Reason.SPAMDETECTED,
        "authentication_milter's example Blocker '451 4.7.28 flood policy violation' is a limit"
        " on a sender's volume (speeding, the case) under IANA's X.7.28 'Mail flood detection',"
        " the message part of a flood of similar abusive messages, which the parser reads"
        " exactly (spamdetected); the words name a flood and a policy, no rate",
    ),
    "mailfront-recipient-not-accepted": TwoWay(
        Reason.USERUNKNOWN,
        "mailfront's '550 5.1.0 Mail system is not configured to accept that recipient' is no"
        " plugin taking the recipient: a domain it does not handle (norelaying, the case) or an"
        " address it does not know (userunknown, the parser, by X.1.0 'Other address status'"
        " and the recipient the words name); the reply does not say which",
    ),
    "dnsbl-dns-error": TwoWay(
        Reason.NETWORKERROR,
        "opensmtpd-filter-dnsbl's '421 DNS error on <list>' is its own look-up in the list"
        " failing (systemerror, the case, the receiving system's trouble) and a DNS look-up"
        " failure, which the corpus README names networkerror (the parser), as RFC 3463's X.4.3"
        " takes a DNS server failure for the network's",
    ),
}


# The eighth round (first score 59 of 72 DSNs, after the rules from the sixth and seventh),
# read since to write rules. Written with the seventh, before the sixth or seventh was read.
# fmt: off
ROUND_8_CASES: tuple[Case, ...] = (
    # Gmail, "Gmail SMTP errors and codes".
    Case("gmail-auth-temp", "defer",
         "421 4.7.0 This message does not have authentication information or fails to pass"
         " authentication checks. To best protect our users from spam, the message has been"
         " blocked.",
         Reason.AUTHFAILURE, "Gmail SMTP errors and codes"),
    Case("gmail-unauth-domain", "data",
         "550 5.7.1 Unauthenticated email is not accepted from this domain.",
         Reason.AUTHFAILURE, "Gmail SMTP errors and codes"),
    # Exchange Online NDRs 5.7.12, 5.7.512, 5.7.513, 5.7.504, 4.3.2.
    Case("m365-org-auth", "rcpt", "550 5.7.12 Sender was not authenticated by organization",
         Reason.SECURITYERROR, "Exchange Online NDR 5.7.12"),
    Case("m365-rfc5322", "data",
         "550 5.7.512 Access denied, message must be RFC 5322 section 3.6.2 compliant and"
         " include a valid From address",
         Reason.NOTCOMPLIANTRFC, "Exchange Online NDR 5.7.512"),
    Case("m365-customer-blocklist", "rcpt",
         "550 5.7.513 Service unavailable, Client host [127.0.0.1] blocked by remote.test using"
         " Customer Block list (AS16012607)",
         Reason.BLOCKED, "Exchange Online NDR 5.7.513"),
    Case("m365-recipient-denied", "rcpt", "550 5.7.504 <rcpt>: Recipient address rejected:"
         " Access denied", Reason.USERUNKNOWN, "Exchange Online NDR 5.7.504"),
    Case("m365-thread-limit", "defer",
         "432 4.3.2 STOREDRV.Deliver; recipient thread limit exceeded",
         Reason.SPEEDING, "Exchange Online NDR 4.3.2 (receiving too many too quickly)"),
    # Yahoo, "SMTP error codes".
    Case("yahoo-resources", "defer",
         "451 Resources temporarily unavailable. Please try again later [#4.16.1].",
         Reason.SYSTEMERROR, "Yahoo SMTP error codes"),
    # The standards' own words: IANA X.7.30 (RFC 8689), X.7.24 (RFC 7372), RFC 3463 X.3.4,
    # X.3.1, RFC 5321's 553 text.
    Case("iana-requiretls", "rcpt", "550 5.7.30 REQUIRETLS support required",
         Reason.SECURITYERROR, "IANA enhanced status codes (X.7.30, RFC 8689)"),
    Case("iana-spf-error", "defer", "451 4.7.24 SPF validation error",
         Reason.AUTHFAILURE, "IANA enhanced status codes (X.7.24, RFC 7372)"),
    Case("rfc3463-too-big", "data", "552 5.3.4 Message too big for system",
         Reason.MESGTOOBIG, "RFC 3463 (X.3.4)"),
    Case("rfc3463-system-full", "defer", "452 4.3.1 Mail system full",
         Reason.SYSTEMFULL, "RFC 3463 (X.3.1)"),
    Case("rfc5321-553", "rcpt", "553 5.1.3 Requested action not taken: mailbox name not"
         " allowed", Reason.USERUNKNOWN, "RFC 5321 section 4.2.3 (553), RFC 3463 (X.1.3)"),
    # Sendmail: the conncontrol and dnsbl features, proto.m4's PTR look-up failure.
    Case("sendmail-conncontrol", "defer", "421 4.3.2 Too many open connections.",
         Reason.TOOMANYCONN, "Sendmail cf/feature/conncontrol.m4"),
    Case("sendmail-dnsbl", "rcpt", "550 5.7.1 Rejected: 127.0.0.1 listed at bl.spamcop.net",
         Reason.BLOCKED, "Sendmail cf/feature/dnsbl.m4"),
    Case("sendmail-ptr-temp", "defer",
         "450 4.7.1 <rcpt>... Relaying temporarily denied. Cannot resolve PTR record for"
         " 127.0.0.1", Reason.REQUIREPTR, "Sendmail cf/m4/proto.m4 (PTR look-up failure)"),
    # Cyrus IMAP lmtpd over quota; Postfix smtpd_client_message_rate_limit (anvil).
    Case("cyrus-quota", "rcpt", "552 5.2.2 <rcpt> Over quota",
         Reason.MAILBOXFULL, "Cyrus IMAP lmtpd"),
    Case("postfix-message-rate", "defer", "450 4.7.1 Error: too much mail from 127.0.0.1",
         Reason.SPEEDING, "Postfix smtpd (smtpd_client_message_rate_limit)"),
)
# fmt: on

CASES += ROUND_8_CASES

# The ninth round (first score 58 of 72 DSNs, after the rules from the eighth), read since to
# write rules. Written after the eighth was first scored and before it was read.
# fmt: off
ROUND_9_CASES: tuple[Case, ...] = (
    # spamdyke's documented refusals (its README's rejection messages), said at RCPT TO.
    Case("spamdyke-no-rdns", "rcpt", "554 Refused. You have no reverse DNS entry.",
         Reason.REQUIREPTR, "spamdyke (DENIED_RDNS_MISSING)"),
    Case("spamdyke-rdns-resolve", "rcpt", "554 Refused. Your reverse DNS entry does not"
         " resolve.", Reason.REQUIREPTR, "spamdyke (DENIED_RDNS_RESOLVE)"),
    Case("spamdyke-blacklist-ip", "rcpt", "554 Refused. Your IP address is blacklisted.",
         Reason.BLOCKED, "spamdyke (DENIED_BLACKLIST_IP)"),
    Case("spamdyke-rbl", "rcpt",
         "554 Refused. Your IP address is listed in the RBL at zen.spamhaus.org",
         Reason.BLOCKED, "spamdyke (DENIED_RBL_MATCH)"),
    Case("spamdyke-sender-no-mx", "rcpt",
         "554 Refused. The domain of your sender address has no mail exchanger (MX).",
         Reason.REJECTED, "spamdyke (DENIED_SENDER_NO_MX)"),
    Case("spamdyke-graylisted", "defer", "451 Your address has been graylisted. Try again"
         " later.", Reason.EXPIRED, "spamdyke (DENIED_GRAYLISTED)"),
    # Exim's ratelimit ACL, worded as the Exim specification's example.
    Case("exim-ratelimit", "rcpt", "550 Sender rate exceeds 100 messages per 1h",
         Reason.SPEEDING, "Exim specification (ACL ratelimit example)"),
    # Postfix smtpd: reject_unknown_helo_hostname, reject_unknown_client_hostname and
    # reject_unknown_sender_domain while DNS fails (4xx, answered on every try).
    Case("postfix-helo-host", "defer",
         "450 4.7.1 <mx-out.erpmail.test>: Helo command rejected: Host not found",
         Reason.BLOCKED, "Postfix smtpd reject_unknown_helo_hostname"),
    Case("postfix-temp-ptr", "defer",
         "450 4.7.1 Client host rejected: cannot find your hostname, [127.0.0.1]",
         Reason.REQUIREPTR, "Postfix smtpd reject_unknown_client_hostname (DNS failure)"),
    Case("postfix-sender-domain-temp", "defer",
         "450 4.1.8 <sender>: Sender address rejected: Domain not found",
         Reason.REJECTED, "Postfix smtpd reject_unknown_sender_domain (DNS failure)"),
    # Sendmail: a sender domain that does not resolve (cf/m4/proto.m4), relaying refused
    # without authentication, and greet_pause's refusal of a client talking too early.
    Case("sendmail-sender-resolve", "defer",
         "451 4.1.8 <sender>... Domain of sender address shop.example does not resolve",
         Reason.REJECTED, "Sendmail cf/m4/proto.m4 (sender domain)"),
    Case("sendmail-relay-auth", "rcpt",
         "550 5.7.1 <rcpt>... Relaying denied. Proper authentication required.",
         Reason.NORELAYING, "Sendmail cf/m4/proto.m4 (Relaying denied)"),
    Case("sendmail-greet-pause", "connect", "554 mx.remote.test ESMTP not accepting messages",
         Reason.BLOCKED, "Sendmail srvrsmtp.c (greet_pause)"),
    # Exchange Online NDRs 5.7.511 and 5.7.25.
    Case("m365-banned-sender", "rcpt",
         "550 5.7.511 Access denied, banned sender[127.0.0.1]. To request removal from this"
         " list please forward this message to delist@microsoft.com",
         Reason.BLOCKED, "Exchange Online NDR 5.7.511"),
    Case("m365-ipv6-ptr", "rcpt",
         "550 5.7.25 Access denied, the sending IPv6 address [2001:db8::25] must have a"
         " reverse DNS record", Reason.REQUIREPTR, "Exchange Online NDR 5.7.25"),
    # Outlook.com's own codes (SC-004: an IP blocked on complaints; DY-001: a dynamic range).
    Case("outlookcom-sc004", "rcpt",
         "550 SC-004 Mail rejected by Outlook.com for policy reasons. A block has been placed"
         " against your IP address because we have received complaints concerning mail coming"
         " from that IP address.", Reason.BLOCKED, "Outlook.com postmaster (SC-004)"),
    Case("outlookcom-dy001", "rcpt",
         "550 DY-001 Unfortunately, messages from 127.0.0.1 weren't sent. Please contact your"
         " Internet service provider. You can tell them that Hotmail does not relay"
         " dynamically-assigned IP ranges.", Reason.BLOCKED, "Outlook.com postmaster (DY-001)"),
    # RFC 3463's own text for X.4.4.
    Case("rfc3463-unable-route", "rcpt", "550 5.4.4 Unable to route",
         Reason.HOSTUNKNOWN, "RFC 3463 (X.4.4)"),
)
# fmt: on

CASES += ROUND_9_CASES

# The tenth round (first score 44 of 56 DSNs, after the rules from the ninth), read since to
# write rules. Written after the ninth was first scored and before it was read.
# fmt: off
ROUND_10_CASES: tuple[Case, ...] = (
    # NetEase (163.com, 126.com) postmaster's error codes: DT:SPM a spam verdict, HL:ICC too
    # many concurrent connections from the IP; its replies carry the code and a help link.
    Case("netease-spam", "data",
         "554 DT:SPM 163 mx13,QMCowAB0fH: please see"
         " http://mail.163.com/help/help_spam_16.htm?ip=127.0.0.1&hostid=mx13",
         Reason.SPAMDETECTED, "NetEase postmaster error codes (DT:SPM)"),
    Case("netease-connections", "defer",
         "421 HL:ICC 163 mx13,QMCowAB0fH: please see"
         " http://mail.163.com/help/help_spam_16.htm?ip=127.0.0.1&hostid=mx13",
         Reason.TOOMANYCONN, "NetEase postmaster error codes (HL:ICC)"),
    # Gmail, "Gmail SMTP errors and codes": its rate limits for mail failing SPF (Gmail's own
    # 4.7.27, not IANA's sender null MX) and DMARC alignment (4.7.32).
    Case("gmail-spf-ratelimit", "defer",
         "421 4.7.27 Your email has been rate limited because SPF authentication didn't pass"
         " for this message.",
         Reason.AUTHFAILURE, "Gmail SMTP errors and codes (4.7.27)"),
    Case("gmail-alignment", "defer",
         "421 4.7.32 Your email has been rate limited because the From: header (RFC5322) in"
         " this message isn't aligned with either the authenticated SPF or DKIM organizational"
         " domain.", Reason.AUTHFAILURE, "Gmail SMTP errors and codes (4.7.32)"),
    # Exchange Online NDRs 5.1.0 and 5.0.350 (AS345).
    Case("m365-sender-denied", "mail", "550 5.1.0 Sender denied",
         Reason.REJECTED, "Exchange Online NDR 5.1.0"),
    Case("m365-as345", "data",
         "550 5.0.350 Requested action not taken: policy violation detected (AS345)",
         Reason.POLICYVIOLATION, "Exchange Online NDR 5.0.350 (AS345)"),
    # Postfix: a table look-up that fails for now; cleanup's header_checks REJECT default
    # (cleanup_strerror.c's CLEANUP_STAT_CONT, the reply of its "built-in content inspection",
    # header_checks(5)): a header or content check after DATA, the corpus README's filtered
    # word for word. First labelled policyviolation ("broke a policy of the destination
    # host", the broader definition); relabelled when the nineteenth round was read, as the
    # eighteenth's sfr-content-rejected gives the same reply as filtered.
    Case("postfix-lookup-failure", "defer", "451 4.3.0 <rcpt>: Temporary lookup failure",
         Reason.SYSTEMERROR, "Postfix smtpd (temporary lookup failure)"),
    Case("postfix-header-checks", "data", "550 5.7.1 message content rejected",
         Reason.FILTERED, "Postfix cleanup header_checks REJECT"),
    # Exim's sender verification callout that could not complete.
    Case("exim-callout-temp", "defer", "451 Could not complete sender verify callout",
         Reason.REJECTED, "Exim ACL verify = sender/callout"),
    # Sendmail refusing a recipient without a domain (parseaddr).
    Case("sendmail-user-address", "rcpt", "553 5.1.3 <rcpt>... User address required",
         Reason.USERUNKNOWN, "Sendmail parseaddr.c"),
    # RFC 4954 section 6: "530 5.7.0 Authentication required" at MAIL FROM.
    Case("rfc4954-auth-required", "mail", "530 5.7.0 Authentication required",
         Reason.SECURITYERROR, "RFC 4954 section 6"),
    # Comcast's block of an IP for spam at the greeting (postmaster.comcast.net, BL000000).
    Case("comcast-spam-block", "connect",
         "554 resimta-po-01v.sys.comcast.net comcast 127.0.0.1 Comcast block for spam. Please"
         " see http://postmaster.comcast.net/smtp-error-codes.php#BL000000",
         Reason.BLOCKED, "Comcast mail delivery error codes (BL000000)"),
    # Barracuda's reputation list at RCPT TO.
    Case("barracuda-reputation", "rcpt",
         "554 Service unavailable; Client host [127.0.0.1] blocked using Barracuda Reputation;"
         " http://www.barracudanetworks.com/reputation/?r=1&ip=127.0.0.1",
         Reason.BLOCKED, "Barracuda (Barracuda Reputation Block List)"),
    # Symantec Email Security.cloud (MessageLabs): an SPF failure.
    Case("messagelabs-spf", "rcpt",
         "553-SPF (Sender Policy Framework) domain authentication\r\n553-fail. Refer to the"
         " Troubleshooting page at\r\n553 http://www.symanteccloud.com/troubleshooting for"
         " more details. (#5.7.1)",
         Reason.AUTHFAILURE, "Symantec Email Security.cloud (MessageLabs) SPF refusal"),
)
# fmt: on

CASES += ROUND_10_CASES

# The eleventh round (first score 33 of 56 DSNs, after the rules from the tenth), read since
# to write rules. Written after the tenth was first scored and before it was read.
# fmt: off
ROUND_11_CASES: tuple[Case, ...] = (
    # Interia (poczta.interia.pl help: "Dlaczego wiadomość nie została dostarczona?").
    Case("interia-account", "rcpt", "550 5.1.1 Account not found",
         Reason.USERUNKNOWN, "Interia mail help (undelivered mail)"),
    Case("interia-unwanted", "rcpt", "550 5.7.1 Recipient doesn't want your mail",
         Reason.FILTERED, "Interia mail help (the recipient's own block list)"),
    Case("interia-spf", "rcpt",
         "550 5.7.0 [SPF] 127.0.0.1 is not allowed to send mail from shop.example",
         Reason.AUTHFAILURE, "Interia mail help (SPF)"),
    # qmail's chkuser patch as a hosting provider documents its replies (wiki.aspone.cz).
    Case("chkuser-full", "rcpt",
         "552 5.1.1 5.2.2 sorry, final recipient mailbox is full (chkuser)",
         Reason.MAILBOXFULL, "qmail chkuser (hosting provider's list of refusals)"),
    Case("chkuser-spam", "data", "552 5.2.0 0biL1i00V1cmcpM01biL4w spam detected",
         Reason.SPAMDETECTED, "qmail filter (hosting provider's list of refusals)"),
    # Coremail's refusals (its support pages list them by their wording).
    Case("coremail-suspended", "rcpt", "550 User suspended: <rcpt>",
         Reason.SUSPEND, "Coremail support (User suspended)"),
    Case("coremail-ip-rejected", "rcpt", "554 IP is rejected",
         Reason.BLOCKED, "Coremail support (IP is rejected)"),
    Case("coremail-null-sender", "mail",
         "553 Requested action not taken: NULL sender is not allowed",
         Reason.REJECTED, "Coremail support (NULL sender is not allowed)"),
    # smtpf (Barricade MX) replies #122; Baruwa's banned-sender refusal.
    Case("smtpf-unknown-tld", "rcpt",
         "550 5.7.1 host mx-out.erpmail.test [127.0.0.1] from unknown TLD #122",
         Reason.BLOCKED, "smtpf reply list (#122 reject-unknown-tld)"),
    Case("baruwa-banned-ip", "rcpt", "550 The sender 127.0.0.1 is banned",
         Reason.BLOCKED, "Baruwa (banned senders list, by IP)"),
    # A relay service's documented responses (iridis mailRelay: HST-RTE, MSG-RFC, MSG-EXT).
    Case("relay-hourly-rate", "defer", "450 HST-RTE Hourly send rate exceeded, retry later.",
         Reason.SPEEDING, "iridis mailRelay response codes (HST-RTE)"),
    Case("relay-not-rfc2822", "data",
         "550 MSG-RFC Your message does not conform to RFC2822 standard",
         Reason.NOTCOMPLIANTRFC, "iridis mailRelay response codes (MSG-RFC)"),
    Case("relay-file-extension", "data",
         "550 MSG-EXT Blacklisted high risk file extension detected (exe)",
         Reason.POLICYVIOLATION, "iridis mailRelay response codes (MSG-EXT)"),
    # Spambrella's SMTP discovery: a recipient marked invalid.
    Case("spambrella-invalid", "rcpt",
         "550 5.7.1 <rcpt>: Recipient address rejected: User email address is marked as"
         " invalid", Reason.USERUNKNOWN, "Spambrella email delivery error codes"),
)
# fmt: on

CASES += ROUND_11_CASES

# The twelfth round (first score 39 of 56 DSNs, after the rules from the eleventh), read since
# to write rules. Written after the eleventh was first scored and before it was read.
# fmt: off
ROUND_12_CASES: tuple[Case, ...] = (
    # Yahoo ("SMTP error codes", help.yahoo.com TS03) and smtp.codes/yahoo's list.
    Case("yahoo-ts03", "defer",
         "421 4.7.1 [TS03] All messages from 127.0.0.1 will be permanently deferred; Retrying"
         " will NOT succeed. See https://postmaster.yahooinc.com/error-codes",
         Reason.BLOCKED, "Yahoo help (TS03: the IP's mail held back)"),
    Case("yahoo-internal", "defer", "451 4.3.2 Internal server error",
         Reason.SYSTEMERROR, "Yahoo SMTP replies (internal server error)"),
    # A relay service's documented responses (iridis mailRelay: SND-VFY, RPT-VFY, relay).
    Case("relay-sender-domain", "rcpt", "550 SND-VFY Sender domain does not exist",
         Reason.REJECTED, "iridis mailRelay response codes (SND-VFY)"),
    Case("relay-recipient-domain", "rcpt", "550 RPT-VFY Recipient domain does not exist",
         Reason.HOSTUNKNOWN, "iridis mailRelay response codes (RPT-VFY)"),
    Case("relay-prohibited", "rcpt", "550 Relay Prohibited",
         Reason.NORELAYING, "iridis mailRelay response codes (Relay Prohibited)"),
    # Baruwa's refusals: a banned sender domain, a recipient its check could not verify.
    Case("baruwa-domain-banned", "rcpt", "550 The domain shop.example is banned",
         Reason.REJECTED, "Baruwa (banned senders list, by domain)"),
    Case("baruwa-recipient-verify", "rcpt", "550 Recipient verification failed",
         Reason.USERUNKNOWN, "Baruwa (recipient verification)"),
    # Coremail: relaying for local users only.
    Case("coremail-local-only", "rcpt", "553 Requested action not taken: Local user only",
         Reason.NORELAYING, "Coremail support (Local user only)"),
    # Exchange Online NDR 5.7.1: "Unable to relay", "Client was not authenticated".
    Case("m365-unable-relay", "rcpt", "550 5.7.1 Unable to relay",
         Reason.NORELAYING, "Exchange Online NDR 5.7.1 (Unable to relay)"),
    Case("m365-client-auth", "mail", "530 5.7.1 Client was not authenticated",
         Reason.SECURITYERROR, "Exchange Online NDR 5.7.1 (Client was not authenticated)"),
    # The standards' own words: IANA X.7.22 (RFC 7372), RFC 3463 X.6.1.
    Case("iana-dkim-author", "data", "550 5.7.22 No valid author-matched DKIM signature found",
         Reason.AUTHFAILURE, "IANA enhanced status codes (X.7.22, RFC 7372)"),
    Case("rfc3463-media", "data", "554 5.6.1 Media not supported",
         Reason.CONTENTERROR, "RFC 3463 (X.6.1)"),
    # Postfix reject_rhsbl_sender: the sender's domain on a domain block list.
    Case("postfix-rhsbl-sender", "rcpt",
         "554 5.7.1 Service unavailable; Sender address [billing@shop.example] blocked using"
         " dbl.spamhaus.org", Reason.REJECTED, "Postfix smtpd reject_rhsbl_sender"),
    # qmail-smtpd's temporary queue failure.
    Case("qmail-qqt", "defer", "451 qqt failure (#4.3.0)",
         Reason.SYSTEMERROR, "qmail-smtpd (qqt failure)"),
)
# fmt: on

CASES += ROUND_12_CASES

# The thirteenth round (first score 32 of 44 DSNs, after the rules from the twelfth), read
# since to write rules. Written after the twelfth was first scored and before it was read.
# fmt: off
ROUND_13_CASES: tuple[Case, ...] = (
    # Coremail's refusals (its support pages list them by their wording).
    Case("coremail-sender-rejected", "mail", "550 sender is rejected",
         Reason.REJECTED, "Coremail support (sender is rejected)"),
    Case("coremail-fake-sender", "rcpt", "550 Requested mail action not taken: Fake sender",
         Reason.REJECTED, "Coremail support (Fake sender)"),
    Case("coremail-invalid-ip", "rcpt", "550 Requested mail action not taken: Invalid IP",
         Reason.BLOCKED, "Coremail support (Invalid IP)"),
    # A relay service's documented responses (iridis mailRelay).
    Case("relay-restricted-chars", "rcpt", "550 Restricted characters in address",
         Reason.USERUNKNOWN, "iridis mailRelay response codes (restricted characters)"),
    # Exim's relay refusal, as its default configuration words it.
    Case("exim-relay-not-permitted", "rcpt", "550 relay not permitted",
         Reason.NORELAYING, "Exim default configuration (acl_check_rcpt)"),
    # OpenSMTPD as the remote: smtp_session.c's refusals.
    Case("opensmtpd-invalid-recipient", "rcpt", "550 Invalid recipient: <rcpt>",
         Reason.USERUNKNOWN, "OpenSMTPD smtp_session.c (Invalid recipient)"),
    Case("opensmtpd-sender-syntax", "mail", "553 Sender address syntax error",
         Reason.REJECTED, "OpenSMTPD smtp_session.c (Sender address syntax error)"),
    # iCloud Mail's HM08 (support.apple.com HT204137).
    Case("icloud-hm08", "data",
         "554 5.7.1 [HM08] Message rejected due to local policy. Please visit"
         " https://support.apple.com/en-us/HT204137",
         Reason.POLICYVIOLATION, "iCloud Mail SMTP replies (HM08)"),
    # The standards' own words: RFC 3463 X.1.7 and X.1.4, IANA X.7.16 (RFC 6710).
    Case("rfc3463-sender-syntax", "mail", "553 5.1.7 Bad sender's mailbox address syntax",
         Reason.REJECTED, "RFC 3463 (X.1.7)"),
    Case("rfc3463-ambiguous", "rcpt", "550 5.1.4 Destination mailbox address ambiguous",
         Reason.USERUNKNOWN, "RFC 3463 (X.1.4)"),
    Case("iana-priority-size", "data", "552 5.7.16 Message is too big for the specified"
         " priority", Reason.MESGTOOBIG, "IANA enhanced status codes (X.7.16, RFC 6710)"),
)
# fmt: on

CASES += ROUND_13_CASES

# The fourteenth round (first score 57 of 96 DSNs, after the rules from the thirteenth), read
# since to write rules. Written after the thirteenth was first scored and before it was read.
# fmt: off
ROUND_14_CASES: tuple[Case, ...] = (
    # Sophos Email ("SMTP error codes", docs.sophos.com): XGEMAIL_0011 is a recipient address
    # that does not exist in the protected domain; the reply's words name only the code.
    Case("sophos-xgemail-0011", "rcpt", "550 5.7.1 XGEMAIL_0011 Command rejected",
         Reason.USERUNKNOWN, "Sophos Email SMTP error codes (XGEMAIL_0011)"),
    # Barracuda Email Security Gateway's recipient verification, naming the address.
    Case("barracuda-no-such-user", "rcpt",
         "550 No such user (barracuda-no-such-user@remote.test)",
         Reason.USERUNKNOWN, "Barracuda Email Security Gateway (recipient verification)"),
    # Exchange Server's resolver: no recipient with that address in the organisation.
    Case("exchange-exrecipnotfound", "rcpt", "550 5.1.1 RESOLVER.ADR.ExRecipNotFound; not found",
         Reason.USERUNKNOWN, "Exchange Server NDR 5.1.1 (RESOLVER.ADR.ExRecipNotFound)"),
    # Exim's recipient verification (verify = recipient) when no router accepts the address;
    # Yandex lists the wording among those of a non-existent address.
    Case("exim-unrouteable", "rcpt", "550 Unrouteable address",
         Reason.USERUNKNOWN, "Exim ACL verify = recipient; Yandex mail non-delivery reports"),
    # Yandex, "Report on non-delivery to Yandex": the recipient's account blocked for breaking
    # the user agreement (the words say policy, the cause is the account's suspension).
    Case("yandex-policy-rejection", "rcpt", "550 5.7.1 Policy rejection on the target address",
         Reason.SUSPEND, "Yandex mail non-delivery reports (Policy rejection on the target"
         " address)"),
    # AT&T / BellSouth mail block pages: a suspended account, a sender domain it cannot
    # verify (at MAIL FROM), and its DNSBL refusal of the sending IP (also at MAIL FROM).
    Case("bellsouth-suspended", "rcpt",
         "550 [suspend] Mailbox currently suspended--Please contact correspondent directly.",
         Reason.SUSPEND, "AT&T / BellSouth mail block page ([suspend])"),
    Case("bellsouth-sender-domain", "mail",
         "550 [permfail] bellsouth.net requires valid sender domain",
         Reason.REJECTED, "AT&T / BellSouth mail block page ([permfail])"),
    Case("att-dnsbl", "mail",
         "553 5.3.0 flpd575 DNSBL:RBL 521< 127.0.0.1 >_is_blocked.For assistance forward this"
         " error to abuse_rbl@abuse-att.net",
         Reason.BLOCKED, "AT&T postmaster (DNSBL:RBL 521)"),
    # RFC 3463's own text for X.2.2; Zimbra's LMTP over quota, temporary by default
    # (zimbraLmtpPermanentFailureWhenOverQuota false), answered on every try.
    Case("rfc3463-mailbox-full", "rcpt", "552 5.2.2 Mailbox full",
         Reason.MAILBOXFULL, "RFC 3463 (X.2.2)"),
    Case("zimbra-over-quota", "defer", "452 4.2.2 Over quota",
         Reason.MAILBOXFULL, "Zimbra LMTP server (over quota, temporary)"),
    # Cisco Secure Email (IronPort AsyncOS): the host access table's refusal of a sender with
    # a poor reputation score, at the greeting.
    Case("ironport-poor-reputation", "connect",
         "554-mx.remote.test\r\n554 Your access to this mail system has been rejected due to"
         " the sending MTA's poor reputation. If you believe that this failure is in error,"
         " please contact the intended recipient via alternate means.",
         Reason.BADREPUTATION, "Cisco Secure Email (AsyncOS HAT, poor reputation)"),
    # Mimecast SMTP error codes: a sender on the recipient's own blocked-senders list, and
    # its header-based anti-spoofing policy (a camouflaged sender).
    Case("mimecast-user-entry", "rcpt",
         "550 Envelope blocked - User Entry - https://community.mimecast.com/docs/DOC-1369#550",
         Reason.FILTERED, "Mimecast SMTP error codes (Envelope blocked - User Entry)"),
    Case("mimecast-anti-spoofing", "data",
         "550 Rejected by header based Anti-Spoofing policy -"
         " https://community.mimecast.com/docs/DOC-1369#550",
         Reason.SECURITYERROR, "Mimecast SMTP error codes (Anti-Spoofing policy)"),
    # Gmail, "Gmail SMTP errors and codes": content that presents a security issue (its
    # message and attachment content guidelines: the receiving policy, as the shared corpus
    # labels the same reply, policyviolation), and a From header without a valid address.
    Case("gmail-blocked-message", "data",
         "552-5.7.0 This message was blocked because its content presents a potential\r\n"
         "552-5.7.0 security issue. Please visit\r\n"
         "552-5.7.0 https://support.google.com/mail/?p=BlockedMessage to review our\r\n"
         "552 5.7.0 message content and attachment content guidelines.",
         Reason.POLICYVIOLATION, "Gmail SMTP errors and codes (BlockedMessage)"),
    Case("gmail-missing-from", "data",
         "550 5.7.1 Messages missing a valid address in From: header, or having no From:"
         " header, are not accepted.",
         Reason.NOTCOMPLIANTRFC, "Gmail SMTP errors and codes"),
    # Outlook.com: mail held back for the sending IP's reputation (4.7.650, S775), answered on
    # every try; its requirement for high-volume senders' authentication (5.7.515).
    Case("outlookcom-ip-reputation", "defer",
         "451 4.7.650 The mail server [127.0.0.1] has been temporarily rate limited due to IP"
         " reputation. For e-mail delivery information, see https://aka.ms/postmaster (S775)",
         Reason.BADREPUTATION, "Outlook.com postmaster (4.7.650, S775)"),
    Case("outlookcom-auth-level", "data",
         "550 5.7.515 Access denied, sending domain shop.example does not meet the required"
         " authentication level.",
         Reason.AUTHFAILURE, "Outlook.com high-volume sender requirements (5.7.515)"),
    # Exchange Server's content filter agent, its default rejection response.
    Case("exchange-content-filter", "data",
         "550 5.7.1 Message rejected as spam by Content Filtering.",
         Reason.SPAMDETECTED, "Exchange Server content filtering (RejectionResponse)"),
    # Exim's own refusals: smtp_accept_max_per_host, and check_spool_space (said to MAIL FROM
    # by Exim; here to RCPT TO, on every try).
    Case("exim-too-many-connections", "defer",
         "421 Too many concurrent SMTP connections from this IP address; please try again"
         " later.", Reason.TOOMANYCONN, "Exim smtp_in.c (smtp_accept_max_per_host)"),
    Case("exim-space-shortage", "defer", "452 Space shortage, please try later",
         Reason.SYSTEMFULL, "Exim smtp_in.c (check_spool_space)"),
    # RFC 5321 section 4.2.3's 555 with RFC 3463's X.5.4: a MAIL FROM parameter the server
    # does not recognise.
    Case("rfc5321-555", "mail",
         "555 5.5.4 MAIL FROM/RCPT TO parameters not recognized or not implemented",
         Reason.SYNTAXERROR, "RFC 5321 section 4.2.3 (555), RFC 3463 (X.5.4)"),
    # Sendmail's redirect feature (cf/feature/redirect.m4): 551 under status 5.1.1.
    Case("sendmail-redirect", "rcpt",
         "551 5.1.1 <rcpt>... User has moved; please try <anna@new.example>",
         Reason.HASMOVED, "Sendmail cf/feature/redirect.m4"),
    # Courier-MTA refusing a domain it does not accept mail for (acceptmailfor).
    Case("courier-relaying", "rcpt", "513 Relaying denied.",
         Reason.NORELAYING, "Courier-MTA (acceptmailfor: Relaying denied)"),
    # ClamSMTP's reply to a message its virus scan caught (Action: bounce).
    Case("clamsmtp-virus", "data", "550 Virus Detected; Content Rejected",
         Reason.VIRUSDETECTED, "ClamSMTP clamsmtpd (SMTP_DATAVIRUS)"),
)
# fmt: on

CASES += ROUND_14_CASES

# The fifteenth round (first score 72 of 124 DSNs, after the rules from the fourteenth),
# read since to write rules. Written after the fourteenth was first scored and before any
# rule from it.
# fmt: off
ROUND_15_CASES: tuple[Case, ...] = (
    # Seznam.cz help ("Uzivatel neexistuje", napoveda.seznam.cz): a recipient with no mailbox.
    Case("seznam-not-mapped", "rcpt", "550 5.1.1 szn; User hasn't got the service mapped",
         Reason.USERUNKNOWN, "Seznam.cz help (User hasn't got the service mapped)"),
    # QQ Mail / Tencent Exmail bounce help (service.exmail.qq.com, id=20022): a recipient that
    # does not exist (no=1000728), here said after DATA, which the vocabulary calls filtered;
    # the recipient's own block list or filter; the sender's sending frequency over the limit
    # (no=1000723); content reported by many users as spam (no=1000726); DMARC failed.
    Case("qq-mailbox-not-found", "data",
         "550 Mailbox not found. http://service.exmail.qq.com/cgi-bin/help?subtype=1&&id=20022"
         "&&no=1000728",
         Reason.FILTERED, "QQ Mail bounce help (Mailbox not found, no=1000728), after DATA",
         Reason.USERUNKNOWN),
    Case("qq-rejected-by-recipients", "rcpt", "550 Mail is rejected by recipients",
         Reason.FILTERED, "QQ Mail bounce help (Mail is rejected by recipients)"),
    Case("qq-sender-frequency", "rcpt",
         "550 Sender frequency limited. http://service.exmail.qq.com/cgi-bin/help?subtype=1&&"
         "id=20022&&no=1000723",
         Reason.SPEEDING, "QQ Mail bounce help (Sender frequency limited, no=1000723)"),
    Case("qq-content-denied", "data",
         "550 Mail content denied. http://service.exmail.qq.com/cgi-bin/help?subtype=1&&"
         "id=20022&&no=1000726",
         Reason.SPAMDETECTED, "QQ Mail bounce help (Mail content denied, no=1000726)"),
    Case("qq-dmarc", "data",
         "550 DMARC check failed. http://service.mail.qq.com/cgi-bin/help?subtype=1&&no=1001508"
         "&&id=16",
         Reason.AUTHFAILURE, "QQ Mail bounce help (DMARC check failed, no=1001508)"),
    # Rackspace Email ("Common email bounce messages", docs.rackspace.com, and its postmaster
    # codes), each answered on every try: no PTR for the sending IP (G1F), a mailbox flooded
    # in a short time (G30), the recipient's own server unreachable while verifying (G6).
    Case("rackspace-no-ptr", "defer", "450 4.7.1 Client host 127.0.0.1 has no PTR record (G1F)",
         Reason.REQUIREPTR, "Rackspace Email postmaster codes (G1F)"),
    Case("rackspace-mailbox-flood", "defer",
         "450 4.2.1 <rcpt>: Mailbox received too much email in a short period of time (G30)",
         Reason.SPEEDING, "Rackspace Email postmaster codes (G30)"),
    Case("rackspace-recipient-server", "defer",
         "450 4.4.1 <rcpt>: The recipient's server was temporarily unavailable to accept your"
         " message (G6)",
         Reason.NETWORKERROR, "Rackspace Email postmaster codes (G6)"),
    # Rackspace's volume cap on a new or untrusted sending IP (G28), answered on every try:
    # a rate limit (the IP's standing sets the limit, the refusal is the rate).
    Case("rackspace-untrusted-ip", "defer",
         "451 4.7.1 Received too many messages from a new or untrusted IP (G28)",
         Reason.SPEEDING, "Rackspace Email postmaster codes (G28)"),
    # qmail-smtpd: a message with more Received: lines than its hop limit (RFC 3463 X.4.6).
    Case("qmail-looping", "data", "554 too many hops, this message is looping (#5.4.6)",
         Reason.NETWORKERROR, "qmail-smtpd (too many hops), RFC 3463 (X.4.6)"),
    # Trend Micro Email Security: its Email Reputation Services' DNSBL of the sending IP,
    # worded as a Postfix recipient restriction.
    Case("trendmicro-ers-rbl", "rcpt", "550 5.7.1 <rcpt>: Recipient address rejected: ERS-RBL",
         Reason.BLOCKED, "Trend Micro Email Security (Email Reputation Services, ERS-RBL)"),
    # Postfix postscreen: a client that failed its DNSBL or pregreet test, refused at RCPT TO
    # (postscreen_*_action = enforce).
    Case("postscreen-enforce", "rcpt", "550 5.3.2 Service currently unavailable",
         Reason.BLOCKED, "Postfix postscreen (enforce action)"),
    # hMailServer's documented SMTP errors: its IP-range relay refusal, SMTP authentication
    # required for the client's range, and its greylisting reply, answered on every try.
    Case("hmailserver-not-allowed", "rcpt", "550 Delivery is not allowed to this address.",
         Reason.NORELAYING, "hMailServer error messages (Delivery is not allowed)"),
    Case("hmailserver-auth-required", "mail", "530 SMTP authentication is required.",
         Reason.SECURITYERROR, "hMailServer error messages (SMTP authentication is required)"),
    Case("hmailserver-greylisting", "defer", "451 Please try again later.",
         Reason.EXPIRED, "hMailServer SMTP error messages (451, greylisting)"),
    # Libero / Italiaonline help ("Messaggi di errore piu frequenti"): relaying not allowed.
    Case("libero-relay-disabled", "rcpt", "550 Relay Disabled",
         Reason.NORELAYING, "Libero Mail help (RELAYING NOT ALLOWED, 550 Relay Disabled)"),
    # Exchange Server: a recipient (a group) that takes mail only from authenticated senders.
    # An authentication the destination requires, not the sender's address: securityerror,
    # as the shared corpus labels the same reply (dev lhost-exchange2007-04).
    Case("exchange-auth-required", "rcpt",
         "550 5.7.1 RESOLVER.RST.AuthRequired; authentication required",
         Reason.SECURITYERROR, "Exchange Server NDR 5.7.1 (RESOLVER.RST.AuthRequired)"),
    # Forpsi / GRhosting (chkuser, support.grhosting.cz): the sender on the recipient's own
    # block list; the code is X.1.1, the cause the recipient's filter.
    Case("forpsi-sender-blacklisted", "rcpt", "550 5.1.1 <sender> sender is blacklisted",
         Reason.FILTERED, "GRhosting / Forpsi bounce help (sender is blacklisted)"),
    # The standards' own words: IANA X.7.29 (RFC 8617 ARC), RFC 6532 / IANA X.6.9, RFC 3463
    # X.3.5, X.1.8 and X.5.1.
    Case("iana-arc-failure", "data", "550 5.7.29 ARC validation failure",
         Reason.AUTHFAILURE, "IANA enhanced status codes (X.7.29, RFC 8617)"),
    Case("iana-utf8-header", "data",
         "550 5.6.9 UTF-8 header message cannot be transferred to one or more recipients so"
         " was rejected", Reason.CONTENTERROR, "IANA enhanced status codes (X.6.9, RFC 6531)"),
    Case("rfc3463-misconfigured", "rcpt", "550 5.3.5 System incorrectly configured",
         Reason.SYSTEMERROR, "RFC 3463 (X.3.5)"),
    Case("rfc3463-sender-system", "mail", "501 5.1.8 Bad sender's system address",
         Reason.REJECTED, "RFC 3463 (X.1.8)"),
    Case("rfc3463-invalid-command", "mail", "500 5.5.1 Invalid command",
         Reason.SYNTAXERROR, "RFC 3463 (X.5.1), RFC 5321 (500)"),
    # RFC 5321 section 3.1: a server that takes no mail may answer the connection with 554.
    Case("rfc5321-no-service", "connect", "554 No SMTP service here",
         Reason.NOTACCEPT, "RFC 5321 section 3.1 (554 No SMTP service here)"),
    # Sendmail's check_mail ruleset (cf/m4/proto.m4): a sender address without a domain.
    Case("sendmail-domain-required", "mail",
         "553 5.5.4 <sender>... Domain name required for sender address",
         Reason.REJECTED, "Sendmail cf/m4/proto.m4 (check_mail)"),
    # Gmail, "Gmail SMTP errors and codes": a message without a valid Message-ID header.
    Case("gmail-message-id", "data",
         "550 5.7.1 Messages missing a valid Message-ID header are not accepted.",
         Reason.NOTCOMPLIANTRFC, "Gmail SMTP errors and codes (Message-ID)"),
    # A Chinese webmail system's documented SMTP replies (list on blog.sina.com.cn): a locked
    # mailbox, an uncleanable virus, a message over the size limit, an RBL refusal at the
    # greeting.
    Case("cnmail-user-locked", "rcpt", "550 user is locked.",
         Reason.SUSPEND, "Chinese webmail SMTP reply list (550 user is locked)"),
    Case("cnmail-virus-found", "data", "552 Virus found.",
         Reason.VIRUSDETECTED, "Chinese webmail SMTP reply list (552 Virus found)"),
    Case("cnmail-too-long", "data", "552 message is too long.",
         Reason.MESGTOOBIG, "Chinese webmail SMTP reply list (552 message is too long)"),
    Case("cnmail-rbl-deny", "connect", "554 rbl deny.",
         Reason.BLOCKED, "Chinese webmail SMTP reply list (554 rbl deny)"),
)
# fmt: on

CASES += ROUND_15_CASES

# The sixteenth round (first score 74 of 128 DSNs, after the rules from the fifteenth), read
# since to write rules. Written after the fifteenth was first scored and before any rule from
# it, from sources and wordings no earlier round used, with its causes fixed from the
# vocabulary (the corpus README's definitions, RFC 3463 and IANA, RFC 5321's reply codes, the
# stage) before its first run. Fourteen of its readings its author flagged as arguable before
# that run (one for two cases): their other reading is the case's ``also``.
# fmt: off
ROUND_16_CASES: tuple[Case, ...] = (
    # Exchange Online, "Email non-delivery reports in Exchange Online" (learn.microsoft.com):
    # a recipient the service calls "not valid" (5.7.505); the sending IP blocked by the
    # recipient's organisation (5.7.507); the sender's daily recipient limit, a rate limit
    # (5.1.90); the sender's submission quota, its recipient or message rate limit, though
    # X.2.2 reads "mailbox full" (5.2.2); a tenant blocked from sending from domains it has not
    # registered, a refusal of the sender's domain (5.7.750); bare line feeds in the message
    # (5.6.11); IP throttling of a source whose volume jumped, answered on every try (4.7.500).
    Case("m365-banned-recipient", "rcpt", "550 5.7.505 Access denied, banned recipient",
         Reason.USERUNKNOWN, "Exchange Online NDR 5.7.505 (banned recipient: not valid)",
         also=(Reason.SUSPEND, Reason.FILTERED)),
    Case("m365-rejected-by-recipient", "rcpt", "550 5.7.507 Access denied, rejected by recipient",
         Reason.BLOCKED, "Exchange Online NDR 5.7.507 (the IP blocked by the recipient's"
         " organisation)", also=(Reason.FILTERED,)),
    Case("m365-daily-recipients", "rcpt",
         "550 5.1.90 Your message can't be sent because you've reached your daily limit for"
         " message recipients",
         Reason.SPEEDING, "Exchange Online NDR 5.1.90 (recipient rate limit)",
         also=(Reason.EXCEEDLIMIT,)),
    Case("m365-submission-quota", "data", "550 5.2.2 Submission quota exceeded",
         Reason.SPEEDING, "Exchange Online NDR 5.2.2 (Submission quota exceeded: rate limits)",
         also=(Reason.EXCEEDLIMIT,)),
    Case("m365-unregistered-domain", "mail",
         "550 5.7.750 Service unavailable. Client blocked from sending from unregistered domains",
         Reason.REJECTED, "Exchange Online NDR 5.7.750 (unregistered sending domains)",
         also=(Reason.BLOCKED,)),
    Case("m365-bare-linefeeds", "data", "550 5.6.11 Invalid characters",
         Reason.CONTENTERROR, "Exchange Online NDR 5.6.11 (bare line feeds)",
         also=(Reason.NOTCOMPLIANTRFC,)),
    Case("m365-ip-throttling", "defer", "451 4.7.500 Access denied, please try again later.",
         Reason.SPEEDING, "Exchange Online NDR 451 4.7.500-699 (ASxxx, IP throttling)",
         also=(Reason.EXPIRED,)),
    # Gmail's temporary refusals as smtp.codes/google lists them: a message suspicious for its
    # content or links (spam), and an IP rate limited for its rate of unsolicited mail (the
    # IP's reputation; IANA X.7.28, a flood of abusive mail), each answered on every try.
    Case("gmail-suspicious-content", "defer",
         "421 4.7.0 [127.0.0.1] Our system has detected that this message is suspicious due"
         " to the nature of the content and/or the links within. To best protect our users"
         " from spam, the message has been blocked. Please visit"
         " https://support.google.com/mail/answer/188131 for more information.",
         Reason.SPAMDETECTED, "smtp.codes/google (421 4.7.0, content and/or links)"),
    Case("gmail-unsolicited-rate", "defer",
         "421 4.7.28 [127.0.0.1] Our system has detected an unusual rate of unsolicited mail"
         " originating from your IP address. To protect our users from spam, mail sent from"
         " your IP address has been temporarily rate limited. Please visit"
         " https://support.google.com/mail/?p=UnsolicitedRateLimitError to review our Bulk"
         " Email Senders Guidelines.",
         Reason.BADREPUTATION, "smtp.codes/google (421 4.7.28), IANA X.7.28",
         also=(Reason.SPEEDING,)),
    # MDaemon, "Quotas" (account settings): an account over quota answered with RFC 5321's
    # 552, "exceeded storage allocation".
    Case("mdaemon-storage", "rcpt",
         "552 Requested mail action aborted: exceeded storage allocation",
         Reason.MAILBOXFULL, "MDaemon Quotas (552 for an over-quota account), RFC 5321 (552)"),
    # HCL/IBM Domino technote swg21212690: a recipient in the server's "Deny messages intended
    # for the following internet addresses" list, and a sender in its "Deny messages from"
    # list, said at MAIL FROM.
    Case("domino-recipient-policy", "rcpt", "554 Message rejected for policy reasons.",
         Reason.POLICYVIOLATION, "Domino technote swg21212690 (inbound intended-recipient"
         " controls)", also=(Reason.FILTERED,)),
    Case("domino-sender-policy", "mail", "554 Mail from <sender> rejected for policy reasons.",
         Reason.REJECTED, "Domino technote swg21212690 (inbound sender controls)"),
    # mail.ee help ("Inactive user"): a mailbox unused for nine months is blocked.
    Case("mailee-inactive", "rcpt", "554 5.7.1 rejected: Inactive user",
         Reason.SUSPEND, "mail.ee help (Inactive user)"),
    # Postfix smtpd with relocated_maps (relocated(5), "user has moved to new_location"), and
    # reject_non_fqdn_sender, said at RCPT TO (smtpd_delay_reject): the sender refused.
    Case("postfix-relocated", "rcpt",
         "550 5.1.6 <rcpt>: Recipient address rejected: User has moved to anna@new.example",
         Reason.HASMOVED, "Postfix relocated(5) (relocated_maps)"),
    Case("postfix-non-fqdn-sender", "rcpt",
         "504 5.5.2 <sender>: Sender address rejected: need fully-qualified address",
         Reason.REJECTED, "Postfix smtpd reject_non_fqdn_sender"),
    # EveryCloud (Workspace reason codes): an IP with a negative reputation (under X.5.4), a
    # virus (under X.6.4): the vendor's codes name their causes, the RFC 3463 subjects do not.
    Case("everycloud-reputation", "rcpt", "554 5.5.4 IP sender address with a negative reputation",
         Reason.BADREPUTATION, "EveryCloud Workspace reason codes (554 5.5.4)"),
    Case("everycloud-virus", "data", "554 5.6.4 virus email blocked",
         Reason.VIRUSDETECTED, "EveryCloud Workspace reason codes (554 5.6.4)"),
    # IceWarp, "Interpretation of 5xx Errors in IceWarp SMTP": a message over the size limit,
    # said to MAIL FROM (its SIZE parameter).
    Case("icewarp-too-long", "mail", "501 5.7.1 Message is too long",
         Reason.MESGTOOBIG, "IceWarp 5xx errors (Message is too long)"),
    # Zoho ZeptoMail SMTP error codes: a From address whose domain the account may not send
    # from, worded as a relaying refusal.
    Case("zeptomail-relaying", "mail", "553 Relaying disallowed as <sender>",
         Reason.REJECTED, "ZeptoMail SMTP error codes (Relaying disallowed: invalid from domain)",
         also=(Reason.NORELAYING,)),
    # Fastmail help, "Why messages bounce back": a From header address the sending account
    # may not use (a camouflaged sender).
    Case("fastmail-header-address", "data",
         "551 5.7.1 Not authorised to send from this header address",
         Reason.SECURITYERROR, "Fastmail help (Not authorised to send from this header address)",
         also=(Reason.REJECTED,)),
    # Exim receive.c: more Received: headers than received_headers_max (the corpus README:
    # too many Received: is a header-format refusal).
    Case("exim-received-loop", "data", '550 Too many "Received" headers - suspected mail loop',
         Reason.CONTENTERROR, "Exim receive.c (received_headers_max)",
         also=(Reason.NETWORKERROR,)),
    # IANA enhanced status codes, X.7.21 (RFC 7372).
    Case("iana-no-acceptable-dkim", "data", "550 5.7.21 No acceptable DKIM signature found",
         Reason.AUTHFAILURE, "IANA enhanced status codes (X.7.21, RFC 7372)"),
    # smtp.codes/zoho: the receiving domain's own mail filters; a temporary system error
    # (under X.3.1, "mail system full"), answered on every try.
    Case("zoho-destination-filter", "data", "541 5.4.1 Mail rejected by destination domain",
         Reason.FILTERED, "smtp.codes/zoho (541 5.4.1, the receiving domain's filters)"),
    Case("zoho-temp-system", "defer", "452 4.3.1 Temporary System Error",
         Reason.SYSTEMERROR, "smtp.codes/zoho (452 4.3.1 Temporary System Error)",
         also=(Reason.SYSTEMFULL,)),
    # Kaspersky Anti-Spam 3.0 user guide (notifications about rejected messages).
    Case("kaspersky-spam", "data", "550 The message is rejected by spam filtering engine.",
         Reason.SPAMDETECTED, "Kaspersky Anti-Spam 3.0 user guide (Reject message)"),
    # FTGate service error messages, answered on every try: a disabled mailbox (#3.13), an
    # EHLO it refuses (#3.12, under an unassigned X.9.9), too many concurrent sessions from
    # the address (#1.04, under X.5.1).
    Case("ftgate-mailbox-disabled", "defer", "451 4.2.1 <rcpt> mailbox disabled (#3.13)",
         Reason.SUSPEND, "FTGate service error messages (#3.13)"),
    Case("ftgate-invalid-ehlo", "defer", "451 4.9.9 mx-out.erpmail.test Invalid EHLO (#3.12)",
         Reason.BLOCKED, "FTGate service error messages (#3.12)"),
    Case("ftgate-concurrent", "defer", "451 4.5.1 [127.0.0.1] Max concurrent sessions (#1.04)",
         Reason.TOOMANYCONN, "FTGate service error messages (#1.04)"),
    # RU-CENTER (nic.ru) "Mail - diagnostics and troubleshooting": the disk space allocated to
    # the recipient's domain is used up, answered on every try.
    Case("nicru-disk-quota", "defer", "451 remote.test prohibited. Disk quota exceeded",
         Reason.MAILBOXFULL, "RU-CENTER mail diagnostics (Disk quota exceeded)",
         also=(Reason.SYSTEMFULL,)),
    # RFC 3463 X.4.3: a directory server unavailable, answered on every try. Written as
    # networkerror (RFC 3463 gives a DNS server as one example) and changed after the first
    # score to systemerror: the shared corpus labels qmail's "Unable to contact LDAP server.
    # (#4.4.3)" so (dev qmail-05), and its README's example of systemerror is an LDAP
    # connection failure, a directory server's.
    Case("rfc3463-directory-server", "defer", "451 4.4.3 Directory server failure",
         Reason.SYSTEMERROR, "RFC 3463 (X.4.3)"),
    # Cox postmaster error codes: CXBL, the sending IP blocked for spam-like behaviour, at the
    # greeting.
    Case("cox-cxbl", "connect",
         "554 cmsmtp blocked. Refer to Error Codes section at"
         " https://www.cox.com/business/support/cox-postmaster-administration.html for more"
         " information. AUP#CXBL",
         Reason.BLOCKED, "Cox postmaster error codes (CXBL)"),
    # Exim smtp_in.c: a caller it will not serve (a connection with IP options; the same
    # reply for host_reject_connection) refused at the greeting: this client's block.
    Case("exim-not-available", "connect", "554 SMTP service not available",
         Reason.BLOCKED, "Exim smtp_in.c (554 SMTP service not available)",
         also=(Reason.NOTACCEPT,)),
)
# fmt: on

CASES += ROUND_16_CASES

# The seventeenth round (first score 75 of 132 DSNs, after the rules from the sixteenth), read
# since to write rules. Written while the sixteenth was first scored and read, by another
# engineer than the one writing rules, from sources and wordings no earlier round used, with
# its causes and, where the vocabulary honestly allows another, that reading (``also``) fixed
# from the vocabulary before its first run.
# fmt: off
ROUND_17_CASES: tuple[Case, ...] = (
    # Gmail, "Gmail SMTP errors and codes" (support.google.com/a/answer/3726730): the SMTP
    # relay's daily limit for a user (a rate limit, under X.4.5); a message it cannot parse
    # (X.6.0); mail over IPv6 from a host without PTR or authentication, as Gmail words it in
    # several lines; its "server busy", answered on every try (X.4.5, "mail system
    # congestion", is a network-subject code).
    Case("gmail-relay-daily-limit", "rcpt",
         "550 5.4.5 Daily SMTP relay limit exceeded for user. For more information on SMTP"
         " relay sending limits please contact your administrator or visit"
         " https://support.google.com/a/answer/6140680",
         Reason.SPEEDING, "Gmail SMTP errors and codes (550 5.4.5 Daily SMTP relay limit)"),
    Case("gmail-malformed", "data", "554 5.6.0 Mail message is malformed. Not accepted.",
         Reason.CONTENTERROR, "Gmail SMTP errors and codes (554 5.6.0)",
         also=(Reason.NOTCOMPLIANTRFC,)),
    Case("gmail-ipv6-guidelines", "data",
         "550-5.7.1 [2001:db8::25] Our system has detected that this\r\n"
         "550-5.7.1 message does not meet IPv6 sending guidelines regarding PTR records\r\n"
         "550-5.7.1 and authentication. Please review\r\n"
         "550-5.7.1  https://support.google.com/mail/?p=IPv6AuthError for more information\r\n"
         "550 5.7.1 .",
         Reason.REQUIREPTR, "Gmail SMTP errors and codes (IPv6AuthError), as Gmail sends it",
         also=(Reason.AUTHFAILURE,)),
    Case("gmail-server-busy", "defer", "421 4.4.5 Server busy, try again later.",
         Reason.SYSTEMERROR, "Gmail SMTP errors and codes (421 4.4.5)",
         also=(Reason.NETWORKERROR, Reason.TOOMANYCONN)),
    # Exchange Online: a mail flow rule's "reject the message" action (TRANSPORT.RULES,
    # codes 5.7.900-5.7.999); 5.7.60, a sender the client may not send as; "Support for
    # anonymous inbound email messages over IPv6": an IPv6 message without SPF or DKIM
    # (4.7.26, answered on every try), and a tenant not taking mail over IPv6 at all (under
    # X.2.1, "mailbox disabled").
    Case("m365-transport-rule", "data",
         "550 5.7.900 TRANSPORT.RULES.RejectMessage; the message was rejected by organization"
         " policy",
         Reason.POLICYVIOLATION, "Exchange Online mail flow rules (RejectMessage, 5.7.900)"),
    Case("m365-send-as", "mail",
         "550 5.7.60 SMTP; Client does not have permissions to send as this sender",
         Reason.SECURITYERROR, "Exchange Online NDR 5.7.60 (send as)",
         also=(Reason.REJECTED,)),
    Case("m365-ipv6-auth", "defer",
         "450 4.7.26 Service unavailable, message sent over IPv6 [2001:db8::25] must pass"
         " either SPF or DKIM validation.",
         Reason.AUTHFAILURE, "Exchange Online, anonymous inbound mail over IPv6 (4.7.26)"),
    Case("m365-ipv6-not-accepted", "rcpt",
         "550 5.2.1 Service unavailable, [remote.test] does not accept email over IPv6.",
         Reason.BLOCKED, "Exchange Online, anonymous inbound mail over IPv6 (550 5.2.1)",
         also=(Reason.NOTACCEPT,)),
    # Exchange Server's own replies: a recipient restricted to some senders
    # (RESOLVER.RST.NotAuthorized); a message over the recipient's size limit
    # (RESOLVER.RST.RecipSizeLimit, under X.2.3); a receive connector's MessageRateLimit
    # (under X.4.2, "bad connection") and MaxInboundConnectionPerSource (under X.3.2), each
    # said at the greeting or to MAIL FROM by Exchange and here to RCPT TO, on every try; the
    # refusal of a client's access its senders report as the IP's reputation (MXroute).
    Case("exchange-not-authorized", "rcpt", "550 5.7.1 RESOLVER.RST.NotAuthorized; not authorized",
         Reason.REJECTED, "Exchange Server NDR 5.7.1 (RESOLVER.RST.NotAuthorized, delivery"
         " restrictions)",
         also=(Reason.FILTERED,)),
    Case("exchange-recip-size", "data",
         "550 5.2.3 RESOLVER.RST.RecipSizeLimit; message too large for this recipient",
         Reason.MESGTOOBIG, "Exchange Server NDR 5.2.3 (RESOLVER.RST.RecipSizeLimit)",
         also=(Reason.EXCEEDLIMIT,)),
    Case("exchange-message-rate", "defer",
         "421 4.4.2 Message submission rate for this client has exceeded the configured limit",
         Reason.SPEEDING, "Exchange receive connector MessageRateLimit (Mailprotector: common"
         " email bouncebacks)"),
    Case("exchange-max-connections", "defer",
         "421 4.3.2 The maximum number of concurrent connections has exceeded a limit, closing"
         " transmission channel",
         Reason.TOOMANYCONN, "Exchange receive connector MaxInboundConnectionPerSource"),
    Case("exchange-access-rejected", "rcpt",
         "550 #5.7.1 Your access to submit messages to this e-mail system has been rejected.",
         Reason.BLOCKED, "MXroute changelog, adjustments to outbound rejections (the IP's"
         " reputation)",
         also=(Reason.BADREPUTATION,)),
    # Yahoo: a message whose headers break RFC 5322 ([291]); mail from an IP whose mail drew
    # many complaints (help.yahoo.com SLN3437, 4.16.50); a connection over its message count
    # (smtp.codes/yahoo), each 4xx answered on every try.
    Case("yahoo-headers-rfc", "data",
         "554 Message not allowed - Headers are not RFC compliant[291]",
         Reason.NOTCOMPLIANTRFC, "Yahoo / AOL reply (Headers are not RFC compliant [291])",
         also=(Reason.CONTENTERROR,)),
    Case("yahoo-complaints", "defer", "421 Message from 127.0.0.1 temporarily deferred - 4.16.50",
         Reason.BADREPUTATION, "Yahoo help SLN3437 (4.16.50: complaints from Yahoo users)",
         also=(Reason.BLOCKED,)),
    Case("yahoo-max-messages", "defer",
         "421 Max message per connection reached, closing transmission channel",
         Reason.SPEEDING, "smtp.codes/yahoo (421 Max message per connection reached)",
         also=(Reason.TOOMANYCONN,)),
    # Mimecast SMTP error codes: a 421 for a sender IP on a Blocked Senders policy.
    Case("mimecast-sender-blocked", "defer",
         "421 Sender address blocked - https://community.mimecast.com/docs/DOC-1369#421",
         Reason.BLOCKED, "Mimecast SMTP error codes (421 Sender address blocked: the IP)",
         also=(Reason.REJECTED,)),
    # Orange: OFR_999, an IP refused for some hours for its mail's complaints or behaviour.
    Case("orange-ofr999", "defer",
         "421 mwinf5c10 ME Service refuse. Veuillez essayer plus tard. Service refused, please"
         " try later. OFR_999 [999]",
         Reason.BLOCKED, "Orange postmaster codes (OFR_999), as Suped and Postmastery describe"
         " them",
         also=(Reason.BADREPUTATION,)),
    # NetEase (163.com) postmaster codes: HL:REP, an IP whose mail went to many addresses that
    # do not exist, held off for a while.
    Case("netease-bad-behaviour", "defer",
         "421 HL:REP 163 mx13,QMCowAB0fH: please see"
         " http://mail.163.com/help/help_spam_16.htm?ip=127.0.0.1&hostid=mx13",
         Reason.BADREPUTATION, "NetEase postmaster error codes (HL:REP)",
         also=(Reason.BLOCKED,)),
    # milter-greylist's reply (greylist.conf without "quiet"), answered on every try: the
    # greylisting convention of the earlier rounds.
    Case("milter-greylist", "defer",
         "451 4.7.1 Greylisting in action, please come back in 00:05:00",
         Reason.EXPIRED, "milter-greylist (its default reply)"),
    # Postfix smtpd: smtpd_client_recipient_rate_limit (anvil), answered on every try; and
    # reject_rhsbl_helo's default reply, the HELO name on a domain block list.
    Case("postfix-recipient-rate", "defer", "450 4.7.1 Error: too many recipients from 127.0.0.1",
         Reason.SPEEDING, "Postfix smtpd (smtpd_client_recipient_rate_limit)"),
    Case("postfix-rhsbl-helo", "rcpt",
         "554 5.7.1 Service unavailable; Helo command [mx-out.erpmail.test] blocked using"
         " dbl.spamhaus.org",
         Reason.BLOCKED, "Postfix smtpd reject_rhsbl_helo (default_rbl_reply)"),
    # Sendmail cf/m4/proto.m4: relaying refused to a client whose PTR name does not resolve
    # back to it (the same check's 4xx is the seen split's sendmail-ptr-temp).
    Case("sendmail-ip-forged", "rcpt",
         "550 5.7.1 <rcpt>... Relaying denied. IP name possibly forged [127.0.0.1]",
         Reason.REQUIREPTR, "Sendmail cf/m4/proto.m4 (Relaying denied. IP name possibly forged)",
         also=(Reason.NORELAYING,)),
    # Exim smtp_in.c: an unqualified sender refused at MAIL FROM (a 501, syntax).
    Case("exim-unqualified-sender", "mail", "501 <sender>: sender address must contain a domain",
         Reason.REJECTED, "Exim smtp_in.c (unqualified sender)",
         also=(Reason.SYNTAXERROR,)),
    # amavisd-new's rejections after DATA: a banned attachment type, a header field twice.
    Case("amavis-banned", "data",
         "554 5.7.0 Reject, id=17352-01 - BANNED: application/x-ms-dos-executable,.exe,.exe-ms,"
         "p7zip.exe",
         Reason.POLICYVIOLATION, "amavisd-new (BANNED)"),
    Case("amavis-bad-header", "data",
         '554 5.6.0 Reject, id=10432-16 - BAD_HEADER: Duplicate header field: "From"',
         Reason.NOTCOMPLIANTRFC, "amavisd-new (BAD_HEADER)",
         also=(Reason.CONTENTERROR,)),
    # GoDaddy: content its users reported as spam (IB212, as Tiger Technologies documents
    # it); its help's "Message rejected for spam or virus content"; and a recipient that is
    # not a valid address (help article 40685).
    Case("godaddy-ib212", "data",
         "552 5.2.0 This message has been rejected due to content judged to be spam by the"
         " internet community IB212",
         Reason.SPAMDETECTED, "Tiger Technologies support (GoDaddy IB212)"),
    Case("godaddy-spam-or-virus", "data", "552 Message rejected for spam or virus content",
         Reason.SPAMDETECTED, "GoDaddy help 40685 (fix rejected email with a bounce error)",
         also=(Reason.VIRUSDETECTED,)),
    Case("godaddy-recipient-not-found", "rcpt", "550 Recipient not found",
         Reason.USERUNKNOWN, "GoDaddy help 40685 (invalid recipient bounces)"),
    # Interia help ("Dlaczego wiadomosc nie zostala dostarczona?"): a mailbox not available,
    # for a wrong address, a full inbox or a suspended account (X.2.1: mailbox disabled).
    Case("interia-mailbox-not-available", "rcpt", "550 5.2.1 Mailbox not available",
         Reason.SUSPEND, "Interia mail help (550 5.2.1 Mailbox not available)",
         also=(Reason.USERUNKNOWN,)),
    # GRhosting / Forpsi bounce help: a message refused by the sender domain's SPF (under
    # X.1.0).
    Case("forpsi-blocked-by-spf", "rcpt", "550 5.1.0 0bcW1i00G0jifNx01bcmHa blocked by SPF",
         Reason.AUTHFAILURE, "GRhosting / Forpsi bounce help (blocked by SPF)"),
    # Spambrella's delivery error codes: "sender rejected", which it explains as the sending
    # IP on a block list (or a wrong SPF record).
    Case("spambrella-sender-rejected", "mail", "550 5.1.0 sender rejected",
         Reason.BLOCKED, "Spambrella email delivery error codes (550 5.1.0 sender rejected)",
         also=(Reason.REJECTED, Reason.AUTHFAILURE)),
    # RFC 3463's own text for X.3.2, at the greeting.
    Case("rfc3463-not-accepting", "connect", "554 5.3.2 System not accepting network messages",
         Reason.NOTACCEPT, "RFC 3463 (X.3.2)"),
)
# fmt: on

CASES += ROUND_17_CASES

# The eighteenth round (first score 87 of 156 DSNs, after the rules from the seventeenth),
# read since to write rules. Written after the seventeenth was first scored and before any
# rule from it, by another engineer than the one writing rules, from sources and wordings no
# earlier round used, with its causes and, where the vocabulary honestly allows another, that
# reading (``also``) fixed from the vocabulary (the corpus README, RFC 3463 and IANA, RFC 5321,
# the stage) before its first run. A source marked "as quoted by" gives a wording a third
# party reports, not the provider's own page. A HELO refusal is said to RCPT TO, as Postfix
# says it by default (smtpd_delay_reject); the stand-in has no HELO stage.
# fmt: off
ROUND_18_CASES: tuple[Case, ...] = (
    # IONOS / 1&1, "SMTP Error Messages for the 1&1 Mail Server" (help.1and1.com) and "SMTP-
    # Fehlermeldungen der IONOS Mailserver" (ionos.de), each 4xx answered on every try: too
    # many mails too fast; "policy violations", a HELO name that keeps changing or an IP held
    # off for mailing addresses that do not exist; a local error, which IONOS ties to slow
    # DNS answers for the sender's domain; a sending server refused for its configuration
    # until it asks to be unblocked (under a 501-style text). Its users' bounce help ("Error
    # messages caused by undeliverable email", ionos.com): a full mailbox, said as 550.
    Case("ionos-rate-limit", "defer", "421 Rate limit reached. Please try again later",
         Reason.SPEEDING, "IONOS / 1&1 postmaster SMTP error messages (421 Rate limit reached)"),
    Case("ionos-policy-violations", "defer", "450 Reject due to policy violations",
         Reason.BLOCKED, "IONOS / 1&1 postmaster SMTP error messages (450: changing HELO, or"
         " the IP held off)",
         also=(Reason.BADREPUTATION, Reason.POLICYVIOLATION)),
    Case("ionos-local-error", "defer", "451 Requested action aborted: local error in processing",
         Reason.SYSTEMERROR, "IONOS / 1&1 postmaster SMTP error messages (451 local error)",
         also=(Reason.NETWORKERROR,)),
    Case("ionos-incorrect-config", "rcpt", "550 Syntax error in parameters or arguments",
         Reason.BLOCKED, "IONOS / 1&1 postmaster SMTP error messages (550: reception refused"
         " for the server's configuration)",
         also=(Reason.SYNTAXERROR,)),
    Case("ionos-quota-exceeded", "rcpt", "550 Quota Exceeded",
         Reason.MAILBOXFULL, "IONOS help, error messages caused by undeliverable email"
         " (550 Quota Exceeded)"),
    # United Internet (GMX, WEB.DE, IONOS, mail.com) as quoted by smtp.codes: the sender
    # domain's SPF does not permit the sending IP, said to MAIL FROM.
    Case("unitedinternet-spf-policy", "mail",
         "550 <sender>: Reject due to SPF policy. The originating IP of the message is not"
         " permitted by the domain owner",
         Reason.AUTHFAILURE, "United Internet SPF refusal, as quoted by smtp.codes/unitedinternet"),
    # Free (postmaster.free.fr): the message judged spam by its filter, at the end of DATA.
    Case("free-spam-detected", "data", "550 spam detected",
         Reason.SPAMDETECTED, "Free postmaster (550 spam detected)"),
    # Gandi (postmaster.gandi.net): RULE1_1, a virus or malware found; RULE3_2, a high spam
    # score (worded as a Gandi reply quoted in Scille/parsec-cloud issue 1751).
    Case("gandi-rule1-1", "data", "550 5.7.1 Reject for policy reason. RULE1_1",
         Reason.VIRUSDETECTED, "Gandi postmaster (RULE1_1: virus or malware)",
         also=(Reason.POLICYVIOLATION, Reason.SECURITYERROR)),
    Case("gandi-rule3-2", "data",
         "550 5.7.1 Reject for policy reason RULE3_2. See http://postmaster.gandi.net",
         Reason.SPAMDETECTED, "Gandi postmaster (RULE3_2: high spam score), as quoted in"
         " Scille/parsec-cloud issue 1751",
         also=(Reason.POLICYVIOLATION,)),
    # BT Business help ("My emails are being rejected ... error code 550"): the sending IP's
    # reputation.
    Case("bt-ip-reputation", "data",
         "550 Message rejected due to sender IP reputation ([127.0.0.1])",
         Reason.BADREPUTATION, "BT Business help 15074 (550 sender IP reputation)",
         also=(Reason.BLOCKED,)),
    # Bluehost, "What does my email bounce mean?": the sender on the recipient's own block
    # list (GL/BL); greylisting (GL/GL), under a 452, answered on every try (the earlier
    # rounds' convention); a sender address refused as malformed (no domain).
    Case("bluehost-recipient-blacklist", "rcpt", "550 <rcpt> recipient rejected GL/BL",
         Reason.FILTERED, "Bluehost help, what does my email bounce mean (GL/BL: the"
         " recipient's block list)",
         also=(Reason.REJECTED,)),
    Case("bluehost-greylisted", "defer",
         "452 <rcpt> requested action aborted: try again later - GL/GL",
         Reason.EXPIRED, "Bluehost help, what does my email bounce mean (GL/GL: greylisting)"),
    Case("bluehost-sender-rejected", "mail", "550 <sender> sender rejected",
         Reason.REJECTED, "Bluehost help, what does my email bounce mean (sender rejected: a"
         " malformed address)",
         also=(Reason.SYNTAXERROR,)),
    # Korean providers' replies as quoted by Korean admins' reply lists (puffinknight and
    # kbit on tistory, adminplay, auctionpro.co.kr, blog.jinbo.net): Naver refusing an IP at
    # the greeting until it is registered, on every try; a sender held back for sending too
    # many (under X.3.1, "mail system full"); Daum's anti-spam block of an IP found on block
    # lists; an inactive mailbox (under X.1.1); the receiving side's DNS failure and a full
    # disk, each answered on every try.
    Case("naver-ip-filtered", "connect",
         "421 4.3.2 Your IP(127.0.0.1) is filtered and this connection will be closed. You must"
         " register your IP to http://realip.naver.com",
         Reason.BLOCKED, "Naver (realip), as quoted by Korean SMTP reply lists",
         also=(Reason.BADREPUTATION,)),
    Case("naver-too-many-messages", "defer", "421 4.3.1 You send too many messages.",
         Reason.SPEEDING, "Korean SMTP reply lists (421 4.3.1 You send too many messages)",
         also=(Reason.SYSTEMFULL,)),
    Case("daum-anti-spam", "rcpt",
         "554 5.7.1 DAS51 127.0.0.1: Your mail is blocked automatically by anti-spam system."
         " (E06)",
         Reason.BLOCKED, "Daum / hanmail anti-spam block (DAS51, E06), as quoted by"
         " auctionpro.co.kr",
         also=(Reason.SPAMDETECTED, Reason.BADREPUTATION)),
    Case("korean-inactive-mbox", "rcpt", "550 5.1.1 Inactive mbox",
         Reason.SUSPEND, "Korean SMTP reply lists (550 5.1.1 Inactive mbox: a suspended"
         " recipient)",
         also=(Reason.USERUNKNOWN,)),
    Case("korean-dns-resolving", "defer", "451 4.4.0 DNS resolving error",
         Reason.NETWORKERROR, "Korean SMTP reply lists (451 4.4.0 DNS resolving error)"),
    Case("korean-disk-space", "defer", "452 4.4.5 Insufficient disk space; try again later",
         Reason.SYSTEMFULL, "Korean SMTP reply lists (452 4.4.5 Insufficient disk space)"),
    # SFR as quoted by third parties: SFR_IN_101, an IP held off for two hours for its spam
    # (bentonow's SFR error codes), answered on every try; content refused at the end of DATA
    # (doc.gadz.org's table of providers' refusals: spam or virus).
    Case("sfr-bad-behaviour", "defer",
         "450 4.7.1 SFR_IN_101 Service refused due to bad behavior - Too many spam messages",
         Reason.BADREPUTATION, "SFR (SFR_IN_101), as quoted by bentonow.com/smtp-errors/sfr",
         also=(Reason.BLOCKED,)),
    Case("sfr-content-rejected", "data", "550 5.7.1 Message content rejected",
         Reason.FILTERED, "SFR content refusal, as quoted by doc.gadz.org (spam or virus)",
         also=(Reason.SPAMDETECTED, Reason.VIRUSDETECTED)),
    # bytecamp FAQ ("Fehlermeldungen bei Zustellproblemen"), its own server's replies, under
    # codes RFC 5321 does not define: a message classified as spam (571); a full account,
    # answered on every try (422).
    Case("bytecamp-classified-spam", "data",
         "571 5.7.1 message classified as spam (Nachricht als Spam eingestuft)",
         Reason.SPAMDETECTED, "bytecamp FAQ (571 message classified as spam)"),
    Case("bytecamp-quota-limit", "defer",
         "422 4.2.2 Quota limit exceeded (Speicherplatz des Kontos ueberschritten)",
         Reason.MAILBOXFULL, "bytecamp FAQ (422 Quota limit exceeded)"),
    # Host Media knowledge base ("My emails are being rejected"): the sending IP on its
    # gateway's block list ([ESA] Sender blocked); a sender domain without DNS records, said
    # to MAIL FROM (under X.1.2).
    Case("hostmedia-esa-sender-blocked", "rcpt", "550 5.7.1 [ESA] Sender blocked",
         Reason.BLOCKED, "Host Media knowledge base ([ESA] Sender blocked: the IP)",
         also=(Reason.REJECTED,)),
    Case("hostmedia-sender-domain", "mail", "550 5.1.2 Sender Domain Not Found",
         Reason.REJECTED, "Host Media knowledge base (550 5.1.2 Sender Domain Not Found)"),
    # Trend Micro: InterScan Messaging Security, a recipient domain not in its relay domains
    # (KB 1106332); the Email Reputation Services FAQ's RBL+ refusal (KB 1097055).
    Case("trendmicro-forward-path", "rcpt", "550 Domain of forward-path is not allowed",
         Reason.NORELAYING, "Trend Micro IMSS KB 1106332 (Domain of forward-path is not"
         " allowed)"),
    Case("trendmicro-rbl-plus", "rcpt",
         "550 Mail from 127.0.0.1 refused by rbl-plus.mail-abuse.org. Please refer to"
         " http://mail-abuse.org/rbl+ for an explanation",
         Reason.BLOCKED, "Trend Micro ERS FAQ KB 1097055 (refused by rbl-plus)"),
    # Rspamd's multimap module rejecting a forbidden attachment extension, as quoted in
    # NethServer/dev issue 5811.
    Case("rspamd-forbidden-extension", "data", "554 5.7.1 Matched map: FORBIDDEN_FILE_EXTENSION",
         Reason.POLICYVIOLATION, "Rspamd multimap reject, as quoted in NethServer/dev issue 5811",
         also=(Reason.FILTERED,)),
    # Postfix smtpd: reject_unauth_pipelining (a 503, bad sequence); smtpd_recipient_limit
    # (452 4.5.3, answered on every try); reject_invalid_helo_hostname (invalid_hostname_
    # reject_code 501).
    Case("postfix-unauth-pipelining", "rcpt",
         "503 5.5.0 <mx-out.erpmail.test[127.0.0.1]>: Client host rejected: Improper use of SMTP"
         " command pipelining",
         Reason.SYNTAXERROR, "Postfix smtpd reject_unauth_pipelining",
         also=(Reason.BLOCKED,)),
    Case("postfix-recipient-limit", "defer", "452 4.5.3 Error: too many recipients",
         Reason.EXCEEDLIMIT, "Postfix smtpd (smtpd_recipient_limit)",
         also=(Reason.SYSTEMFULL,)),
    Case("postfix-invalid-helo", "rcpt",
         "501 5.5.2 <mx_out..erpmail.test>: Helo command rejected: Invalid name",
         Reason.BLOCKED, "Postfix smtpd reject_invalid_helo_hostname",
         also=(Reason.SYNTAXERROR,)),
    # Exim: a RCPT ACL "deny" without a message of its own.
    Case("exim-administrative-prohibition", "rcpt", "550 Administrative prohibition",
         Reason.POLICYVIOLATION, "Exim ACL deny (its default message)",
         also=(Reason.ONHOLD,)),
    # RFC 3463: X.7.5, a message the destination could not decrypt or validate; X.7.2, a
    # sender not allowed to send to a mailing list.
    Case("rfc3463-crypto-failure", "data", "554 5.7.5 Cryptographic failure",
         Reason.SECURITYERROR, "RFC 3463 (X.7.5)"),
    Case("rfc3463-list-expansion", "rcpt", "550 5.7.2 Mailing list expansion prohibited",
         Reason.REJECTED, "RFC 3463 (X.7.2)",
         also=(Reason.SECURITYERROR, Reason.POLICYVIOLATION)),
    # OneSystems support ("Uebersicht haeufig vorkommender Fehlermeldungen"): qmail's "qq
    # trouble in home directory", which it explains as the recipient's quota reached,
    # answered on every try.
    Case("onesystems-qq-home-directory", "defer", "451 qq trouble in home directory",
         Reason.MAILBOXFULL, "OneSystems support, frequent error messages (qq trouble in home"
         " directory: quota reached)",
         also=(Reason.SYSTEMERROR,)),
    # FastMail help ("Errors sending to other accounts"): its LMTP proxy's "unexpected
    # internal error", which it documents as a user that does not exist.
    Case("fastmail-internal-error", "rcpt", "554 5.0.0 Unexpected internal error",
         Reason.USERUNKNOWN, "FastMail help, errors sending to other accounts (lmtpprox: no"
         " such user)",
         also=(Reason.SYSTEMERROR,)),
    # sitepackage.de's list of typical bounce texts by provider: CompuServe refusing a
    # client whose reverse DNS name holds its IP and a country code, at the greeting; WEB.DE,
    # a mailbox holding too many messages.
    Case("compuserve-rdns-country", "connect",
         "554 Refused. Your reverse DNS entry contains your IP address and a country code.",
         Reason.BLOCKED, "CompuServe, as quoted by sitepackage.de typical bounce texts",
         also=(Reason.REQUIREPTR,)),
    Case("webde-too-many-mails", "rcpt",
         "550 Benutzer hat zuviele Mails auf dem Server. / User has too many messages on the"
         " server.",
         Reason.MAILBOXFULL, "WEB.DE, as quoted by sitepackage.de typical bounce texts",
         also=(Reason.EXCEEDLIMIT,)),
    # Ubiquity Hosting wiki ("Delivery Status Notification"): RFC 5321's 552 text, which it
    # explains as a message or attachments too large for the account, after DATA.
    Case("ubiquity-storage-allocation", "data",
         "552 Requested action not taken: exceeded storage allocation",
         Reason.MESGTOOBIG, "Ubiquity Hosting wiki, delivery status notification (552)",
         also=(Reason.MAILBOXFULL,)),
)
# fmt: on

CASES += ROUND_18_CASES

# The nineteenth round (first score 107 of 152 DSNs, after the rules from the eighteenth),
# read since to write rules. Written after the eighteenth was first scored and before any rule
# from it, by another engineer than the one writing rules, from sources and wordings no
# earlier round used, with its causes and, where the vocabulary honestly allows another, that
# reading (``also``) fixed from the vocabulary (the corpus README, RFC 3463 and IANA, RFC 5321,
# the stage) before its first run. Most come from the source of SMTP servers and filters no
# earlier round drew on (Haraka and its plugins, qpsmtpd, maddy, chasquid), where the reply
# code and text are exact; a provider page that gives a text without its reply code says so
# beside the case. A source marked "as quoted by" gives a wording a third party reports.
# fmt: off
ROUND_19_CASES: tuple[Case, ...] = (
    # Haraka core (connection.js), its default replies: a client refused by the reverse DNS
    # look-up hook (lookup_rdns), and by the connect hook, each at the greeting; a SIZE
    # parameter above its databytes limit, at MAIL FROM; a message holding more MIME parts
    # than it parses, after DATA; a command line longer than it reads, said here to RCPT TO.
    Case("haraka-rdns-lookup-failed", "connect", "554 rDNS Lookup Failed",
         Reason.REQUIREPTR, "Haraka connection.js (lookup_rdns refusal, its default text)",
         also=(Reason.BLOCKED,)),
    Case("haraka-not-welcome", "connect", "554 Your mail is not welcome here",
         Reason.BLOCKED, "Haraka connection.js (connect refusal, its default text)",
         also=(Reason.NOTACCEPT,)),
    Case("haraka-size-parameter", "mail", "550 Message too big!",
         Reason.MESGTOOBIG, "Haraka connection.js (MAIL FROM SIZE above databytes)",
         also=(Reason.EXCEEDLIMIT,)),
    Case("haraka-mime-parts", "data", "554 Transaction failed due to too many MIME parts",
         Reason.CONTENTERROR, "Haraka connection.js (too many MIME parts)",
         also=(Reason.EXCEEDLIMIT,)),
    Case("haraka-line-too-long", "rcpt", "521 Command line too long",
         Reason.SYNTAXERROR, "Haraka connection.js (command line too long)",
         also=(Reason.NOTACCEPT,)),
    # Haraka plugins: limit (concurrent connections from one IP, refused at the greeting on
    # every try; the recipient rate from one host, and recipient attempts in a session, each
    # answered on every try); rcpt_to.host_list_base (a sender claiming one of the server's own
    # domains from a host not allowed to relay); data.signatures (a known spam signature);
    # prevent_credential_leaks (a message quoting the recipient's own user name and
    # password); headers (a required header missing, a header RFC 5322 allows once given
    # twice); clamd (a virus found).
    Case("haraka-concurrency", "connect", "421 Too many concurrent connections",
         Reason.TOOMANYCONN, "haraka-plugin-limit (concurrency)"),
    Case("haraka-recipient-rate", "defer", "450 recipient rate limit exceeded",
         Reason.SPEEDING, "haraka-plugin-limit (rate_rcpt_host)"),
    Case("haraka-recipient-attempts", "defer", "450 Too many recipient attempts",
         Reason.EXCEEDLIMIT, "haraka-plugin-limit (recipients)",
         also=(Reason.SPEEDING,)),
    Case("haraka-host-list-sender", "mail",
         "550 Mail from domain 'events.erpmail.test' is not allowed from your host",
         Reason.REJECTED, "Haraka rcpt_to.host_list_base (a local sender domain from outside)",
         also=(Reason.SECURITYERROR,)),
    Case("haraka-spam-signature", "data", "550 Mail matches a known spam signature",
         Reason.SPAMDETECTED, "Haraka data.signatures"),
    Case("haraka-credential-leak", "data",
         "550 Credential leak detected: never give out your username/password to anyone!",
         Reason.POLICYVIOLATION, "Haraka prevent_credential_leaks",
         also=(Reason.FILTERED, Reason.SECURITYERROR)),
    Case("haraka-required-date", "data", "550 Required header 'Date' missing",
         Reason.NOTCOMPLIANTRFC, "haraka-plugin-headers (required headers)",
         also=(Reason.CONTENTERROR,)),
    Case("haraka-single-subject", "data",
         "550 Only one Subject header allowed. See RFC 5322, Section 3.6",
         Reason.NOTCOMPLIANTRFC, "haraka-plugin-headers (singular headers)",
         also=(Reason.CONTENTERROR,)),
    Case("haraka-clamd-infected", "data", "550 Message is infected with Eicar-Test-Signature",
         Reason.VIRUSDETECTED, "haraka-plugin-clamd (a virus found)",
         also=(Reason.SECURITYERROR,)),
    # qpsmtpd plugins, under the reply codes its SMTP.pm gives a refusal at each stage (450
    # or 550 at the greeting and to RCPT TO, 550 to MAIL FROM, 554 to DATA, 552 after it) and
    # its DSN.pm's "(#class.subject.detail)" suffix: loadcheck (the system's load, at the
    # greeting, on every try); earlytalker (a client talking before the greeting);
    # count_unrecognized_commands (the connection closed, said here to MAIL FROM);
    # resolvable_fromhost with reject_type perm; loop (Received and Delivered-To lines above
    # max_hops); karma (a client's bad history, said to DATA); greylisting's default message,
    # answered on every try; qmail_deliverable (no such mailbox).
    Case("qpsmtpd-loadcheck", "connect", "450 Server load too high, please try again later.",
         Reason.SYSTEMERROR, "qpsmtpd loadcheck"),
    Case("qpsmtpd-earlytalker", "connect",
         "550 Connecting host started transmitting before SMTP greeting",
         Reason.BLOCKED, "qpsmtpd earlytalker"),
    Case("qpsmtpd-unrecognized-commands", "mail",
         "521 Closing connection, 4 unrecognized commands. Perhaps you should read RFC 2821?",
         Reason.SYNTAXERROR, "qpsmtpd count_unrecognized_commands"),
    Case("qpsmtpd-fqdn-sender", "mail", "550 FQDN required in the envelope sender (#5.1.8)",
         Reason.REJECTED, "qpsmtpd resolvable_fromhost (reject_type perm)"),
    Case("qpsmtpd-too-many-hops", "data", "552 Too many hops (#5.4.6)",
         Reason.NETWORKERROR, "qpsmtpd loop; RFC 3463 (X.4.6 routing loop)",
         also=(Reason.CONTENTERROR,)),
    Case("qpsmtpd-bad-karma", "data", "554 very bad karma: -5",
         Reason.BADREPUTATION, "qpsmtpd karma (the client's history, at DATA)",
         also=(Reason.BLOCKED,)),
    Case("qpsmtpd-greylisting", "defer", "450 This mail is temporarily denied",
         Reason.EXPIRED, "qpsmtpd greylisting (its default message)"),
    Case("qpsmtpd-no-mailbox", "rcpt", "550 Sorry, no mailbox by that name. qd (#5.1.1)",
         Reason.USERUNKNOWN, "qpsmtpd qmail_deliverable"),
    # maddy: check.dns require_matching_rdns (said at MAIL FROM, where its connection checks
    # answer) and require_mx_record (a sender domain without MX records, under a 501 and
    # X.7.27); the header size limit, after DATA; check.command's refusal, after DATA (its
    # wording as written); imapsql storage, a serialization failure answered on every try
    # (under X.3.2, "not accepting messages").
    Case("maddy-rdns-mismatch", "mail", "550 5.7.25 rDNS name does not match source hostname",
         Reason.REQUIREPTR, "maddy check.dns (require_matching_rdns)",
         also=(Reason.BLOCKED,)),
    Case("maddy-sender-no-mx", "mail",
         "501 5.7.27 Domain in MAIL FROM does not have any MX records",
         Reason.REJECTED, "maddy check.dns (require_mx_record)"),
    Case("maddy-header-size", "data", "552 5.3.4 Message header size exceeds limit",
         Reason.MESGTOOBIG, "maddy endpoint smtp (max_header_bytes)",
         also=(Reason.EXCEEDLIMIT, Reason.CONTENTERROR)),
    Case("maddy-local-policy", "data", "550 5.7.1 Message rejected for due to a local policy",
         Reason.POLICYVIOLATION, "maddy check.command (reject)",
         also=(Reason.FILTERED,)),
    Case("maddy-internal-error", "defer", "453 4.3.2 Internal server error, try again later",
         Reason.SYSTEMERROR, "maddy storage.imapsql (serialization failure)",
         also=(Reason.NOTACCEPT,)),
    # chasquid smtpsrv/conn.go: a sender domain seen before over a secure connection, now
    # without one (its security level check), at MAIL FROM; a recipient domain that fails its
    # IDNA conversion (under X.1.2); a temporary failure checking the recipient, answered on
    # every try (under X.4.3); DATA ended by a bare line feed.
    Case("chasquid-security-level", "mail", "550 5.7.3 Security level check failed",
         Reason.SECURITYERROR, "chasquid smtpsrv (security level check)"),
    Case("chasquid-idna-domain", "rcpt",
         "501 5.1.2 Malformed destination domain (IDNA conversion failed)",
         Reason.HOSTUNKNOWN, "chasquid smtpsrv (recipient domain IDNA conversion)",
         also=(Reason.SYNTAXERROR,)),
    Case("chasquid-address-check", "defer", "451 4.4.3 Temporary error checking address",
         Reason.SYSTEMERROR, "chasquid smtpsrv (recipient check, temporary)",
         also=(Reason.NETWORKERROR,)),
    Case("chasquid-line-ending", "data", "521 5.5.2 Error reading DATA: invalid line ending",
         Reason.CONTENTERROR, "chasquid smtpsrv (DATA with a bare line feed)",
         also=(Reason.SYNTAXERROR,)),
    # RFC 3463 X.4.1: the next hop of the receiving relay does not answer, on every try.
    Case("rfc3463-no-answer", "defer", "451 4.4.1 No answer from host",
         Reason.NETWORKERROR, "RFC 3463 (X.4.1)"),
    # Infomaniak FAQ 858 ("resolve an email issue following an error report"): its example
    # of another provider's refusal, which it reads as a suspended recipient.
    Case("infomaniak-admin-disabled", "rcpt",
         "550 5.1.1 <rcpt> recipient rejected, account administratively disabled",
         Reason.SUSPEND, "Infomaniak FAQ 858, as quoted there from a recipient's provider",
         also=(Reason.USERUNKNOWN,)),
    # Aruba: PEC (certified mail) guide, a certified mailbox that does not take ordinary
    # mail; hosting guide, "bad chars in command" for a recipient address holding characters
    # it refuses (the guide gives the text and X.5.2; the 501 is this case's).
    Case("aruba-pec-uncertified", "rcpt",
         "554 <rcpt>: Messaggio rifiutato dal sistema. Indirizzo destinatario sconosciuto o non"
         " abilitato alla ricezione di posta non certificata",
         Reason.FILTERED, "Aruba PEC guide, common errors (non-certified mail refused)",
         also=(Reason.USERUNKNOWN, Reason.NOTACCEPT)),
    Case("aruba-bad-chars", "rcpt", "501 5.5.2 bad chars in command",
         Reason.SYNTAXERROR, "Aruba hosting guide, common errors (5.5.2 bad chars in command)",
         also=(Reason.USERUNKNOWN,)),
    # cleanmail.ch, "stricter rules for bluewin": mail from bluewin.ch not sent through
    # Bluewin's servers (its SPF), refused (the page gives the text; the 550 is this case's).
    Case("cleanmail-forged-sender", "mail", "550 Forged sender domain from this server",
         Reason.AUTHFAILURE, "cleanmail.ch, stricter rules for bluewin (SPF)",
         also=(Reason.SECURITYERROR, Reason.REJECTED)),
    # Telstra BigPond's content refusal, as quoted by Suped ("why are emails to Bigpond
    # bouncing"), under a code RFC 5321 does not define.
    Case("bigpond-suspected-spam", "data",
         "558 5.7.1 Message content rejected due to suspected spam. IB704x",
         Reason.SPAMDETECTED, "Telstra BigPond, as quoted by Suped (IB704x)"),
    # MacHighway support, bounce back e-mail codes: a 451 it explains as its greylisting,
    # answered on every try.
    Case("machighway-greylisting", "defer",
         "451 This server is currently unavailable, please try later",
         Reason.EXPIRED, "MacHighway support, bounce back e-mail codes (451: greylisting)",
         also=(Reason.SYSTEMERROR,)),
)
# fmt: on
CASES += ROUND_19_CASES

# The twentieth round: written after the nineteenth was first scored and moved into the seen
# split, by another engineer than the one writing rules, without reading the parser's rules
# or its reading of any DSN, from sources no earlier round used, with its causes and, where
# the vocabulary honestly allows another, that reading (``also``) fixed from the vocabulary
# (the corpus README, RFC 3463 and IANA, RFC 5321, the stage) before its first run. Most come
# from the source of SMTP servers and policy services no earlier round drew on (Stalwart,
# mox, Apache James, Postal, nodemailer's smtp-server, iRedAPD, policyd-weight), where the
# reply code and text are exact; where the client sees a wrapper or a code its source does
# not give, the case says whose they are. A reply a server gives at a point the harness does
# not act out (after DATA, a 4xx to MAIL FROM, mid-session) is said here to RCPT TO, on every
# try, as the earlier rounds did.
# fmt: off
ROUND_20_CASES: tuple[Case, ...] = (
    # Stalwart (crates/smtp/src/inbound): its recipient check (a local domain's unknown
    # mailbox, under X.1.2; a domain it does not serve, relaying refused); its rate limiter
    # and greylisting, answered on every try; a message that does not parse, after DATA; its
    # reverse DNS and sender checks at MAIL FROM; its queue's storage full (said after DATA)
    # and a session's transfer limit (said when it is reached), here to RCPT TO on every try.
    Case("stalwart-mailbox-missing", "rcpt", "550 5.1.2 Mailbox does not exist.",
         Reason.USERUNKNOWN, "Stalwart inbound rcpt.rs (mailbox does not exist)",
         also=(Reason.HOSTUNKNOWN,)),
    Case("stalwart-relay", "rcpt", "550 5.1.2 Relay not allowed.",
         Reason.NORELAYING, "Stalwart inbound rcpt.rs (relay not allowed)",
         also=(Reason.HOSTUNKNOWN,)),
    Case("stalwart-rate-limit", "defer", "452 4.4.5 Rate limit exceeded, try again later.",
         Reason.SPEEDING, "Stalwart inbound rcpt.rs (rate limiter)"),
    Case("stalwart-greylisted", "defer",
         "452 4.2.2 Greylisted, please try again in a few moments.",
         Reason.EXPIRED, "Stalwart inbound rcpt.rs (greylisting; the earlier rounds' convention)"),
    Case("stalwart-parse-failed", "data", "550 5.7.7 Failed to parse message.",
         Reason.CONTENTERROR, "Stalwart inbound data.rs (a message that does not parse)",
         also=(Reason.SECURITYERROR,)),
    Case("stalwart-reverse-dns", "mail", "550 5.7.25 Reverse DNS validation failed.",
         Reason.REQUIREPTR, "Stalwart inbound mail.rs (reverse DNS check)",
         also=(Reason.BLOCKED,)),
    Case("stalwart-sender-not-allowed", "mail", "550 5.7.1 Sender address not allowed.",
         Reason.REJECTED, "Stalwart inbound mail.rs (sender refused)",
         also=(Reason.SECURITYERROR,)),
    Case("stalwart-system-full", "defer", "452 4.3.1 Mail system full, try again later.",
         Reason.SYSTEMFULL, "Stalwart inbound data.rs (queue storage full)"),
    Case("stalwart-transfer-quota", "defer",
         "452 4.7.28 mx.remote.test Session exceeded transfer quota.",
         Reason.EXCEEDLIMIT, "Stalwart inbound spawn.rs (session transfer limit)",
         also=(Reason.SPEEDING,)),
    # mox (smtpserver/server.go): the connection rate from the client's network, at the
    # greeting, on every try; at MAIL FROM, a sender domain whose MX is null (X.7.27) and a
    # sender that is an IP address without a domain; a sender domain whose MX it cannot look
    # up now (said to MAIL FROM), a recipient domain its administrator disabled for now, an
    # account's storage full (said after DATA) and its "error processing", each answered on
    # every try; after DATA, a DMARC reject, a message carrying a Return-Path header, one
    # without a header and a body, one with more than a hundred Received headers, and
    # recipients all unknown (mox takes an unknown recipient at RCPT TO and refuses the
    # message: "user unknown" said after DATA is filtered in the vocabulary). mox ends each
    # of these replies but the greeting's with its received ID in parentheses (the ID here is
    # the case's).
    Case("mox-connection-rate", "connect",
         "421 4.7.0 connection rate from your ip or network too high, slow down please",
         Reason.SPEEDING, "mox smtpserver (connection rate limit, at the greeting)",
         also=(Reason.TOOMANYCONN,)),
    Case("mox-sender-null-mx", "mail",
         "550 5.7.27 mailfrom domain not configured for mail (Hx4kQ2bNw7RmZp0vYc9tLg)",
         Reason.REJECTED, "mox smtpserver (MAIL FROM domain with a null MX); IANA X.7.27"),
    Case("mox-sender-ip-literal", "mail",
         "550 5.7.0 domain name required (Hx4kQ2bNw7RmZp0vYc9tLg)",
         Reason.REJECTED, "mox smtpserver (MAIL FROM address without a domain name)",
         also=(Reason.SYNTAXERROR,)),
    Case("mox-sender-mx-lookup", "defer",
         "451 4.4.0 cannot verify mx records for mailfrom domain (Hx4kQ2bNw7RmZp0vYc9tLg)",
         Reason.NETWORKERROR, "mox smtpserver (MAIL FROM domain MX look-up failing for now)",
         also=(Reason.REJECTED,)),
    Case("mox-domain-disabled", "defer",
         "450 4.2.1 recipient domain temporarily disabled (Hx4kQ2bNw7RmZp0vYc9tLg)",
         Reason.SUSPEND, "mox smtpserver (recipient domain disabled by its administrator)",
         also=(Reason.NOTACCEPT,)),
    Case("mox-storage-full", "defer", "452 4.2.2 account storage full (Hx4kQ2bNw7RmZp0vYc9tLg)",
         Reason.MAILBOXFULL, "mox smtpserver (account over its storage quota)"),
    Case("mox-error-processing", "defer", "451 4.3.0 error processing (Hx4kQ2bNw7RmZp0vYc9tLg)",
         Reason.SYSTEMERROR, "mox smtpserver (its temporary error)"),
    Case("mox-dmarc", "data", "550 5.7.26 rejecting per dmarc policy (Hx4kQ2bNw7RmZp0vYc9tLg)",
         Reason.AUTHFAILURE, "mox smtpserver (DMARC reject); RFC 7372 (X.7.26)",
         also=(Reason.POLICYVIOLATION,)),
    Case("mox-return-path", "data",
         "550 5.6.0 message should not have Return-Path header (Hx4kQ2bNw7RmZp0vYc9tLg)",
         Reason.NOTCOMPLIANTRFC, "mox smtpserver (Return-Path in the message; RFC 5321 4.4)",
         also=(Reason.CONTENTERROR,)),
    Case("mox-header-body", "data",
         "554 5.6.0 message requires both header and body section (Hx4kQ2bNw7RmZp0vYc9tLg)",
         Reason.CONTENTERROR, "mox smtpserver (a message without a header and a body)",
         also=(Reason.NOTCOMPLIANTRFC,)),
    Case("mox-received-loop", "data",
         "550 5.4.6 loop detected, more than 100 Received headers (Hx4kQ2bNw7RmZp0vYc9tLg)",
         Reason.CONTENTERROR, "mox smtpserver (too many Received headers; the corpus README)",
         also=(Reason.NETWORKERROR,)),
    Case("mox-unknown-after-data", "data", "550 5.1.1 no such user(s) (Hx4kQ2bNw7RmZp0vYc9tLg)",
         Reason.FILTERED, "mox smtpserver (recipients all unknown, refused after DATA)",
         Reason.USERUNKNOWN),
    # Apache James (protocols/smtp and its smtpserver hooks): DNSRBLHandler's refusal
    # without a detail, ValidSenderDomainHandler and ResolvableEhloHeloHandler, each at MAIL
    # FROM; SPFHandler's temporary look-up failure (said to MAIL FROM), answered on every
    # try; ValidRcptMX (a recipient domain whose MX lies in a network it refuses) and
    # AbstractValidRcptHandler's unknown user, at RCPT TO; EnforceHeaderLimitationsMessage
    # Hook and the SpamAssassin hook, after DATA. A refusal without a code of its own is
    # James's default 554. The texts as James builds them: an InetAddress printed by Java
    # ("/127.0.0.1", and in ValidRcptMX the client's, not the MX's), the HELO name inside
    # "Optional[...]", a sender as its MaybeSender object prints, the words "can not
    # resolved" and "treshold"; the sender's and the recipient's address in angle brackets
    # here.
    Case("james-dnsrbl", "mail",
         "554 5.7.1 Rejected: unauthenticated e-mail from /127.0.0.1 is restricted.  Contact the"
         " postmaster for details.",
         Reason.BLOCKED, "Apache James DNSRBLHandler (a listed client, no detail)",
         also=(Reason.SECURITYERROR,)),
    Case("james-sender-mx", "mail",
         "501 5.1.7 sender MaybeSender{mailAddress=Optional[<sender>]} contains a domain with no"
         " valid MX records",
         Reason.REJECTED, "Apache James ValidSenderDomainHandler",
         also=(Reason.SYNTAXERROR,)),
    Case("james-helo-unresolvable", "mail",
         "501 5.5.4 Provided EHLO/HELO Optional[mta.erpmail.test] can not resolved.",
         Reason.BLOCKED, "Apache James ResolvableEhloHeloHandler",
         also=(Reason.SYNTAXERROR,)),
    Case("james-spf-lookup", "defer", "451 4.4.3 Temporarily rejected: Problem on SPF lookup",
         Reason.NETWORKERROR, "Apache James SPFHandler (temporary SPF look-up failure)",
         also=(Reason.AUTHFAILURE,)),
    Case("james-invalid-mx", "rcpt",
         "530 5.7.1 Invalid MX /127.0.0.1 for domain remote.test. Reject email",
         Reason.NOTACCEPT, "Apache James ValidRcptMX (recipient domain MX in a refused network)",
         also=(Reason.HOSTUNKNOWN,)),
    Case("james-unknown-user", "rcpt", "550 5.1.1 Unknown user: <rcpt>",
         Reason.USERUNKNOWN, "Apache James AbstractValidRcptHandler"),
    Case("james-header-lines", "data", "552 Header Lines are too many",
         Reason.CONTENTERROR, "Apache James EnforceHeaderLimitationsMessageHook",
         also=(Reason.EXCEEDLIMIT,)),
    Case("james-spamassassin", "data",
         "554 5.7.0 This message reach the spam hits treshold. Please contact the Postmaster if"
         " the email is not SPAM. Message rejected",
         Reason.SPAMDETECTED, "Apache James SpamAssassinHandler (rejection hits reached)"),
    # Postal (app/lib/smtp_server/client.rb): a route set to reject, at RCPT TO; a message
    # above its size limit (14 MB by default), after DATA.
    Case("postal-route-reject", "rcpt", "550 Route does not accept incoming messages",
         Reason.NOTACCEPT, "Postal smtp_server client.rb (a route in Reject mode)",
         also=(Reason.FILTERED, Reason.USERUNKNOWN)),
    Case("postal-too-large", "data", "552 Message too large (maximum size 14MB)",
         Reason.MESGTOOBIG, "Postal smtp_server client.rb (max_message_size, its default)"),
    # nodemailer smtp-server (lib/smtp-connection.js), enhanced status codes off (its
    # default): maxClients exceeded, at the greeting, on every try (the server's name is the
    # case's); a sender address it cannot parse, at MAIL FROM.
    Case("nodemailer-max-clients", "connect",
         "421 mx.remote.test Too many connected clients, try again in a moment",
         Reason.TOOMANYCONN, "nodemailer smtp-server (maxClients)"),
    Case("nodemailer-sender-syntax", "mail", "501 Error: Bad sender address syntax",
         Reason.SYNTAXERROR, "nodemailer smtp-server (a MAIL FROM address that does not parse)",
         also=(Reason.REJECTED,)),
    # iRedAPD (libs/__init__.py SMTP_ACTIONS), a Postfix policy server: its texts, as
    # Postfix words a policy server's REJECT in smtpd_recipient_restrictions (554, X.7.1,
    # "<rcpt>: Recipient address rejected: ..."; that wrapper is Postfix's, not iRedAPD's):
    # senderscore (the client IP's Sender Score), throttle (a sender's quota; the recipients
    # of one message), reject_sender_login_mismatch (a sender in a domain the server hosts,
    # from a client that did not authenticate).
    Case("iredapd-sender-score", "rcpt",
         "554 5.7.1 <rcpt>: Recipient address rejected: Server IP address has bad reputation."
         " FYI: https://www.senderscore.org/lookup.php?lookup=127.0.0.1",
         Reason.BADREPUTATION, "iRedAPD senderscore, through Postfix check_policy_service",
         also=(Reason.BLOCKED,)),
    Case("iredapd-throttle", "rcpt",
         "554 5.7.1 <rcpt>: Recipient address rejected: Throttling quota exceeded",
         Reason.SPEEDING, "iRedAPD throttle (quota), through Postfix check_policy_service",
         also=(Reason.EXCEEDLIMIT,)),
    Case("iredapd-max-recipients", "rcpt",
         "554 5.7.1 <rcpt>: Recipient address rejected: Too many recipients in single message",
         Reason.EXCEEDLIMIT, "iRedAPD throttle (max_rcpts), through Postfix check_policy_service"),
    Case("iredapd-forged-sender", "rcpt",
         "554 5.7.1 <rcpt>: Recipient address rejected: SMTP AUTH is required for users under"
         " this sender domain",
         Reason.SECURITYERROR,
         "iRedAPD reject_sender_login_mismatch (forged sender), through Postfix",
         also=(Reason.REJECTED,)),
    # policyd-weight (its message defaults), a Postfix policy server answering with reply
    # codes of its own, as Postfix words them (X.7.1 and the recipient wrapper are Postfix's):
    # a client on too many DNS block lists; a client, HELO and sender domain without DNS
    # records, answered on every try (the HELO name in the text is the case's).
    Case("policyd-weight-dnsbls", "rcpt",
         "550 5.7.1 <rcpt>: Recipient address rejected: Your MTA is listed in too many DNSBLs;"
         " check http://www.robtex.com/rbl/127.0.0.1.html",
         Reason.BLOCKED, "policyd-weight (MAXDNSBLMSG), through Postfix check_policy_service"),
    Case("policyd-weight-no-dns", "defer",
         "450 4.7.1 <rcpt>: Recipient address rejected: No DNS entries for your MTA, HELO and"
         " Domain. Contact YOUR administrator Your HELO: mta.erpmail.test, IP: 127.0.0.1",
         Reason.REQUIREPTR, "policyd-weight (DNSERRMSG), through Postfix check_policy_service",
         also=(Reason.BLOCKED,)),
    # Exchange Online, "Fix NDR error codes 5.7.700 through 5.7.750" (learn.microsoft.com):
    # 5.7.705, a tenant whose mail held too much spam or bulk mail, refused.
    Case("m365-tenant-threshold", "rcpt",
         "550 5.7.705 Access denied, tenant has exceeded threshold.",
         Reason.BLOCKED, "Exchange Online NDR 5.7.705",
         also=(Reason.BADREPUTATION,)),
)
# fmt: on
CASES += ROUND_20_CASES
# The cases whose DSNs were written to a recipient named after the case (``Case.mailbox``).
# A later round joins the seen split below this line: its DSNs were written to tokens. The
# nxdomain stage's DSNs were written again with the token domain, and to a token mailbox.
NAMED_MAILBOXES = frozenset(case.name for case in CASES if case.stage != "nxdomain")

# The twenty-first round (first score 98 of 156 DSNs, after the rules from the twentieth), read
# since to write rules. Written while the twentieth was moved into the seen split, by another
# engineer than the one writing rules, without reading the parser's rules or its reading of any
# DSN, from sources no earlier round used, with its causes and, where the vocabulary honestly
# allows another, that reading (``also``) fixed from the vocabulary (the corpus README, RFC 3463
# and IANA, RFC 5321, the stage) before its first run. All come from the source of mail
# servers, LMTP delivery agents, milters, OpenSMTPD filters and Postfix policy services, where
# the reply code and text are exact; where the client sees a wrapper (Postfix's words around a
# policy server's answer, Haraka's around a plugin's) or a value the source leaves to the site
# or the moment (a limit, a file name, an error number, an ID), the case says whose it is. A
# reply a server gives at a point the harness does not act out (after DATA, a 4xx to MAIL FROM
# or after DATA, mid-session) is said here to RCPT TO, on every try, as the earlier rounds did.
# fmt: off
ROUND_21_CASES: tuple[Case, ...] = (
    # grommunio gromox: its SMTP server's reply table (mda/smtp/resource.cpp: 516, an unknown
    # user at RCPT TO, the address in angle brackets as cmd.cpp prints it; 414, a message its
    # queue could not take, said after DATA; 536, what it says when the flush of a message
    # fails for good, after DATA) and its LMTP delivery agent (mda/lda.cpp: a SIZE above its
    # limit, at MAIL FROM).
    Case("gromox-unknown-user", "rcpt", "550 unknown user - <rcpt>",
         Reason.USERUNKNOWN, "grommunio gromox mda/smtp resource.cpp (516) and cmd.cpp"),
    Case("gromox-queue-failed", "defer", "451 Temporary internal failure - queue message failed",
         Reason.SYSTEMERROR, "grommunio gromox mda/smtp resource.cpp (414), said after DATA"),
    Case("gromox-virus", "data", "554 Message is infected by virus",
         Reason.VIRUSDETECTED, "grommunio gromox mda/smtp resource.cpp (536) and parser.cpp",
         also=(Reason.SECURITYERROR,)),
    Case("gromox-lda-too-large", "mail", "552 5.3.4 Too large",
         Reason.MESGTOOBIG, "grommunio gromox mda/lda.cpp (SIZE above the limit)",
         also=(Reason.EXCEEDLIMIT,)),
    # Kopano dagent (spooler/DAgent.cpp), an LMTP delivery agent: at RCPT TO, a look-up of the
    # user that failed on the server's side (its 503 under X.1.1); per recipient after DATA, a
    # store over its quota, and the storage server out of reach for now (answered on every
    # try). The error numbers (MAPI_E_NETWORK_ERROR) are the case's; its per-recipient replies
    # carry the address bare, as DAgent.cpp prints it.
    Case("kopano-connection-error", "rcpt", "503 5.1.1 Connection error: 0x80040115",
         Reason.SYSTEMERROR, "Kopano dagent DAgent.cpp (LMTP RCPT, user look-up failed)",
         also=(Reason.USERUNKNOWN,)),
    Case("kopano-quota", "data", "552 5.2.2 {rcpt} Quota exceeded",
         Reason.MAILBOXFULL, "Kopano dagent DAgent.cpp (MAPI_E_STORE_FULL after DATA)"),
    Case("kopano-storage-error", "defer",
         "450 4.5.0 {rcpt} network or permissions error to storage"
         " server: 0x80040115",
         Reason.SYSTEMERROR, "Kopano dagent DAgent.cpp (store not opened, soft error)",
         also=(Reason.NETWORKERROR,)),
    # Citadel (citadel/server/modules/smtp/serv_smtp.c and internet_addressing.c): at RCPT TO,
    # a recipient validate_recipients() does not know (the address bare, as it prints it),
    # relaying refused, mail on its submission port from a client that did not log in; a
    # message it could not save, after DATA.
    Case("citadel-invalid-recipient", "rcpt",
         "550 Invalid recipient: {rcpt}",
         Reason.USERUNKNOWN, "Citadel serv_smtp.c and internet_addressing.c (Invalid recipient)"),
    Case("citadel-relaying-denied", "rcpt", "551 <rcpt> - relaying denied",
         Reason.NORELAYING, "Citadel serv_smtp.c (inbound Internet mail to an Internet address)"),
    Case("citadel-msa-login", "rcpt", "550 You must log in to send mail on this port.",
         Reason.SECURITYERROR, "Citadel serv_smtp.c (the MSA port without a login)",
         also=(Reason.NORELAYING,)),
    Case("citadel-save-failed", "data", "550 Unable to save message: internal error.",
         Reason.SYSTEMERROR, "Citadel serv_smtp.c (the message not saved)"),
    # Inbucket (pkg/server/smtp/handler.go): a sender domain it refuses (rejectOriginDomains),
    # at MAIL FROM; more recipients than its limit (200 by default, pkg/config), at RCPT TO; a
    # message it could not store, said after DATA.
    Case("inbucket-unauthorized-domain", "mail", "501 Unauthorized domain",
         Reason.REJECTED, "Inbucket smtp handler.go (a refused origin domain)",
         also=(Reason.SYNTAXERROR,)),
    Case("inbucket-recipient-limit", "rcpt", "552 Limit of 200 recipients exceeded",
         Reason.EXCEEDLIMIT, "Inbucket smtp handler.go (MaxRecipients, its default)"),
    Case("inbucket-store-failed", "defer", "451 Failed to store message",
         Reason.SYSTEMERROR, "Inbucket smtp handler.go (Deliver failing), said after DATA",
         also=(Reason.SYSTEMFULL,)),
    # emersion go-smtp: ErrDataTooLarge (data.go), a message above the server's
    # MaxMessageBytes, after DATA; a RCPT TO beyond its MaxRecipients (conn.go; the limit of 50
    # is the case's), answered on every try.
    Case("gosmtp-too-large", "data", "552 5.3.4 Maximum message size exceeded",
         Reason.MESGTOOBIG, "go-smtp data.go (ErrDataTooLarge)",
         also=(Reason.EXCEEDLIMIT,)),
    Case("gosmtp-max-recipients", "defer", "452 4.5.3 Maximum limit of 50 recipients reached",
         Reason.EXCEEDLIMIT, "go-smtp conn.go (MaxRecipients)"),
    # go-guerrilla (response/enhanced.go, its canned replies): a local part longer than 64
    # characters, at RCPT TO (client.go); the backend not answering in time, after DATA
    # (backends/gateway.go).
    Case("guerrilla-local-part", "rcpt",
         "550 5.5.4 Local part too long, cannot exceed 64 characters",
         Reason.SYNTAXERROR, "go-guerrilla response FailLocalPartTooLong",
         also=(Reason.USERUNKNOWN,)),
    Case("guerrilla-backend-timeout", "data", "554 5.5.0 Error: transaction timeout",
         Reason.SYSTEMERROR, "go-guerrilla response FailBackendTimeout (backends gateway.go)"),
    # Twisted (twisted/mail/smtp.py and _except.py), its SMTP server's defaults: a recipient
    # its delivery does not take (SMTPBadRcpt), at RCPT TO; an anonymous sender its portal does
    # not handle (SMTPBadSender, "Unauthenticated senders not allowed"), at MAIL FROM, the
    # sender in angle brackets as quoteaddr() writes it.
    Case("twisted-bad-recipient", "rcpt", "550 Cannot receive for specified address",
         Reason.USERUNKNOWN, "Twisted mail smtp.py and _except.py (SMTPBadRcpt)",
         also=(Reason.NORELAYING,)),
    Case("twisted-unauthenticated-sender", "mail",
         "550 Cannot receive from specified address <sender>: Unauthenticated senders not"
         " allowed",
         Reason.SECURITYERROR, "Twisted mail smtp.py (SMTPBadSender, UnhandledCredentials)",
         also=(Reason.REJECTED,)),
    # SubEthaSMTP (org.subethamail.smtp): its connection limit, at the greeting, on every try
    # (Session); a sender address it cannot parse, at MAIL FROM (MailCommand, the address in
    # angle brackets); a mail system failure, said mid-session (Session), on every try.
    Case("subetha-too-many-connections", "connect", "421 Too many connections, try again later",
         Reason.TOOMANYCONN, "SubEthaSMTP Session.java (maxConnections reached)"),
    Case("subetha-invalid-address", "mail", "553 <sender> Invalid email address.",
         Reason.REJECTED, "SubEthaSMTP MailCommand.java (an unparsable MAIL FROM address)",
         also=(Reason.SYNTAXERROR,)),
    Case("subetha-mail-system-failure", "defer",
         "421 4.3.0 Mail system failure, closing transmission channel",
         Reason.SYSTEMERROR, "SubEthaSMTP Session.java (an unexpected failure)"),
    # vSMTP (vsmtp-config default.rs): its default reply when the server's connection limit is
    # reached, at the greeting.
    Case("vsmtp-connection-max", "connect", "554 Cannot process connection, closing",
         Reason.TOOMANYCONN, "vSMTP vsmtp-config default.rs (ConnectionMaxReached)",
         also=(Reason.SYSTEMERROR,)),
    # decke smtprelay (main.go): a client outside allowed_nets, at the greeting, on every try; a
    # sender not matching allowed_sender (said to MAIL FROM as a 451), on every try.
    Case("smtprelay-denied", "connect", "421 Denied",
         Reason.BLOCKED, "decke/smtprelay main.go (connectionChecker: allowed_nets)"),
    Case("smtprelay-bad-sender", "defer", "451 Bad sender address",
         Reason.REJECTED, "decke/smtprelay main.go (senderChecker: allowed_sender)",
         also=(Reason.SYNTAXERROR,)),
    # WildDuck's Haraka plugin (nodemailer/haraka-plugin-wildduck index.js), its own texts as
    # Haraka answers a plugin (450 for DENYSOFT at RCPT TO; 550 for DENY to the queue, with the
    # transaction's ID in parentheses, the ID the case's): a recipient it could not look up,
    # on every try; a message its store refused for nesting too deep, after DATA.
    Case("wildduck-recipient-failed", "defer",
         "450 Failed to process recipient, try again [ERRC01]",
         Reason.SYSTEMERROR, "haraka-plugin-wildduck index.js (ERRC01), through Haraka"),
    Case("wildduck-nested-attachments", "data",
         "550 Failed to queue message, too many nested attachments [ERRQ07]"
         " (6B1C2F0E-3A7D-4C55-9E21-8D0F4B7A2C19.1)",
         Reason.CONTENTERROR, "haraka-plugin-wildduck index.js (ERRQ07), through Haraka",
         also=(Reason.EXCEEDLIMIT,)),
    # OpenDKIM (opendkim/opendkim.c dkimf_libstatus, no SMTPPrefix): a signature it could not
    # verify with On-BadSignature set to reject, after DATA; its key look-up failing in DNS
    # (On-DNSError's default, tempfail, under X.7.5), said after DATA, on every try.
    Case("opendkim-cant-verify", "data", "550 5.7.0 DKIM signature processing failed",
         Reason.AUTHFAILURE, "OpenDKIM opendkim.c (DKIM_STAT_CANTVRFY, On-BadSignature reject)",
         also=(Reason.SYSTEMERROR,)),
    Case("opendkim-key-retrieval", "defer", "451 4.7.5 DKIM key retrieval failed",
         Reason.NETWORKERROR, "OpenDKIM opendkim.c (DKIM_STAT_KEYFAIL, On-DNSError tempfail)",
         also=(Reason.AUTHFAILURE,)),
    # OpenSMTPD filters, their filter-result replies, which smtpd sends as they are
    # (smtp_session.c): filter-senderscore (poolpOrg), a client whose Sender Score is below
    # blockBelow, at its default phase, the greeting; filter-checksenderdomain (poolpOrg), a
    # sender domain without A or MX records, at MAIL FROM; filter-spfgreylist (poolpOrg), its
    # greylisting, on every try; opensmtpd-filter-mimetype (marco-schm), after DATA, an
    # attachment of a forbidden type (the type and file name are the case's) and a header it
    # cannot parse; opensmtpd-filter-subjectstrings (Al2Klimov), a blocked phrase in the
    # subject, after DATA; opensmtpd-filter-clamav (mocheryl), a virus found, after DATA, and a
    # scan that failed, said after DATA, on every try.
    Case("senderscore-reputation", "connect", "550 your IP reputation is too low for this MX",
         Reason.BADREPUTATION, "poolpOrg filter-senderscore (blockBelow at connect)",
         also=(Reason.BLOCKED,)),
    Case("checksenderdomain-unknown", "mail", "550 unknown sender domain",
         Reason.REJECTED, "poolpOrg filter-checksenderdomain (no A or MX for the domain)"),
    Case("spfgreylist-greylisted", "defer", "451 greylisted, try again later",
         Reason.EXPIRED, "poolpOrg filter-spfgreylist (greylisting; earlier rounds' convention)"),
    Case("mimetype-forbidden", "data",
         "550 Policy violation: Forbidden MIME type: application/x-msdownload (File: invoice.exe)",
         Reason.POLICYVIOLATION, "opensmtpd-filter-mimetype handler.go and checker.go",
         also=(Reason.FILTERED,)),
    Case("mimetype-malformed-headers", "data", "550 Policy violation: Malformed mail headers",
         Reason.CONTENTERROR, "opensmtpd-filter-mimetype handler.go and checker.go",
         also=(Reason.POLICYVIOLATION, Reason.NOTCOMPLIANTRFC)),
    Case("subjectstrings-keyphrase", "data", "550 Blacklisted keyphrase found",
         Reason.FILTERED, "opensmtpd-filter-subjectstrings main.rs (a listed subject phrase)",
         also=(Reason.SPAMDETECTED,)),
    Case("clamav-filter-virus", "data", "554 5.7.1 Virus found",
         Reason.VIRUSDETECTED, "opensmtpd-filter-clamav filter-clamav.go (a virus found)",
         also=(Reason.SECURITYERROR,)),
    Case("clamav-filter-failed", "defer", "451 4.7.1 Virus filter failed",
         Reason.SYSTEMERROR, "opensmtpd-filter-clamav filter-clamav.go (the scan failed)"),
    # policyd-rate-limit (config.py, its fail_action), a Postfix policy service, as Postfix words
    # a DEFER_IF_PERMIT in smtpd_recipient_restrictions (access_map_defer_code 450, X.7.1,
    # "<rcpt>: Recipient address rejected: ..."; that wrapper is Postfix's), on every try.
    Case("policyd-rate-limit", "defer",
         "450 4.7.1 <rcpt>: Recipient address rejected: Rate limit reach, retry later",
         Reason.SPEEDING, "policyd-rate-limit config.py (fail_action), through Postfix"),
)
# fmt: on
CASES += ROUND_21_CASES

# The twenty-second round (first score 90 of 156 DSNs, after the rules from the twenty-first),
# read since to write rules. Written while the twenty-first was moved into the seen split, by
# another engineer than the one writing rules, without reading the parser's rules or its
# reading of any DSN, from sources no earlier round used and the parser's comments do not cite,
# with its causes and, where the vocabulary honestly allows another, that reading (``also``)
# fixed from the vocabulary (the corpus README, RFC 3463 and IANA, RFC 5321, the stage) before
# its first run. All come from the source of mail servers, LMTP delivery agents, milters and
# Postfix policy services, where the reply code and text are exact; where the client sees a
# wrapper (Postfix's words around a policy server's answer) or a value the source leaves to
# the site or the moment (a host name, a port, a queue ID, a limit), the case says whose it
# is. A reply a server gives at a point the harness does not act out (after DATA, a 4xx to
# MAIL FROM or after DATA, mid-session) is said here to RCPT TO, on every try, as the earlier
# rounds did; a milter's refusal of the connection, which the MTA gives to the commands that
# follow the greeting, is said to MAIL FROM.
# fmt: off
ROUND_22_CASES: tuple[Case, ...] = (
    # vodolaz095 msmtpd, a Go SMTP server with plugins: an unknown recipient at RCPT TO
    # (plugins/deliver/errors.go, UnknownRecipientError); its HELO checks' complaint
    # (plugins/helo/constants.go), said at RCPT TO; a sender address without a domain
    # (plugins/sender/sender_resolvable.go) and a sender not in its whitelist
    # (plugins/sender/lists.go), at MAIL FROM; a client IP below the minimal
    # Sender Score (plugins/connection/senderscore.go, ErrServiceNotAvailable in error.go),
    # in place of the greeting (server.go runs connection checkers before it); Rspamd's
    # greylist and reject actions after DATA (plugins/rspamd/rspamd.go: the greylist on
    # every try; the reject, whose words transaction_data.go also gives a message it cannot
    # parse); a required header missing (plugins/data/check_headers.go), after DATA. Its 521
    # (RFC 7504: a host that takes no mail) is read so too where said before the message.
    Case("msmtpd-unknown-recipient", "rcpt",
         "521 i have no idea about recipient you want to deliver message to",
         Reason.USERUNKNOWN, "msmtpd plugins/deliver errors.go (UnknownRecipientError)",
         also=(Reason.NOTACCEPT,)),
    Case("msmtpd-helo", "rcpt", "521 I don't like the way you introduce yourself. Goodbye!",
         Reason.BLOCKED, "msmtpd plugins/helo constants.go (the HELO checks' complaint)",
         also=(Reason.NOTACCEPT,)),
    Case("msmtpd-malformed-sender", "mail",
         "521 Malformed MAIL FROM is not allowed, go and bother different domains",
         Reason.REJECTED, "msmtpd plugins/sender sender_resolvable.go (no domain in MAIL FROM)",
         also=(Reason.SYNTAXERROR, Reason.NOTACCEPT)),
    Case("msmtpd-sender-whitelist", "mail",
         "521 I'm sorry, but your email address is not in whitelist",
         Reason.REJECTED, "msmtpd plugins/sender lists.go (a sender not in its whitelist)",
         also=(Reason.NOTACCEPT,)),
    Case("msmtpd-senderscore", "connect", "421 Service not available. Try again later, please.",
         Reason.BADREPUTATION, "msmtpd plugins/connection senderscore.go (score too low)",
         also=(Reason.BLOCKED, Reason.SYSTEMERROR)),
    Case("msmtpd-rspamd-greylist", "defer",
         "451 Your message looks suspicious, try to deliver it one more time, maybe i'll change"
         " my mind and accept it",
         Reason.EXPIRED, "msmtpd plugins/rspamd rspamd.go (greylist action), after DATA",
         also=(Reason.SPAMDETECTED,)),
    Case("msmtpd-rspamd-reject", "data", "521 Stop sending me this nonsense, please!",
         Reason.SPAMDETECTED, "msmtpd plugins/rspamd rspamd.go (reject action)",
         also=(Reason.NOTCOMPLIANTRFC, Reason.CONTENTERROR)),
    Case("msmtpd-required-headers", "data",
         "521 I cannot parse your message. Do not send me this particular message in future,"
         " please, i will never accept it. Thanks in advance!",
         Reason.NOTCOMPLIANTRFC, "msmtpd plugins/data check_headers.go (a required header)",
         also=(Reason.CONTENTERROR,)),
    # KumoMTA (crates/kumod/src/smtp_server.rs), its SMTP listener; the host name is the
    # case's: in place of the greeting, its concurrent-session limit, memory pressure (load
    # shedding), a disk over its limit and a spool not started yet; at RCPT TO, a relay its
    # policy refuses (the client's address and port as it prints them, the port the case's)
    # and a recipient that does not parse; its per-connection limit reached at the first
    # RCPT TO (the 421 form) and an error mid-session, each on every try.
    Case("kumo-too-many-sessions", "connect",
         "421 4.3.2 mx1.remote.test too many concurrent sessions. Try later",
         Reason.TOOMANYCONN, "KumoMTA kumod smtp_server.rs (max connections reached)"),
    Case("kumo-load-shedding", "connect", "421 4.3.2 mx1.remote.test load shedding. Try later",
         Reason.SYSTEMERROR, "KumoMTA kumod smtp_server.rs (no memory headroom)"),
    Case("kumo-disk-full", "connect", "421 4.3.2 mx1.remote.test disk is too full. Try later",
         Reason.SYSTEMFULL, "KumoMTA kumod smtp_server.rs (disk space over its limit)"),
    Case("kumo-spool-startup", "connect",
         "421 4.3.2 mx1.remote.test waiting for spool startup. Try again soon!",
         Reason.SYSTEMERROR, "KumoMTA kumod smtp_server.rs (spool not started)"),
    Case("kumo-relaying", "rcpt", "550 5.7.1 relaying not permitted for 127.0.0.1:48112",
         Reason.NORELAYING, "KumoMTA kumod smtp_server.rs (check_relaying refused)"),
    Case("kumo-recipient-syntax", "rcpt", "501 5.1.3 Invalid recipient address syntax",
         Reason.USERUNKNOWN, "KumoMTA kumod smtp_server.rs (a RCPT TO that does not parse)",
         also=(Reason.SYNTAXERROR,)),
    Case("kumo-connection-recipients", "defer",
         "421 4.5.3 mx1.remote.test too many recipients on this connection",
         Reason.EXCEEDLIMIT, "KumoMTA kumod smtp_server.rs (max_messages_per_connection)",
         also=(Reason.SPEEDING,)),
    Case("kumo-technical-difficulties", "defer", "421 4.3.0 mx1.remote.test technical difficulties",
         Reason.SYSTEMERROR, "KumoMTA kumod smtp_server.rs (a session error), mid-session"),
    # Mailpit (internal/smtpd/smtpd.go), after DATA, each on every try: its handler failing to
    # take the message; the client too slow (a read timeout), its host name the case's and
    # its application name Mailpit's default (internal/smtpd/main.go).
    Case("mailpit-unable-to-process", "defer", "451 4.3.5 Unable to process mail",
         Reason.SYSTEMERROR, "Mailpit internal/smtpd smtpd.go (the handler failing)"),
    Case("mailpit-timeout", "defer",
         "421 4.4.2 mx1.remote.test Mailpit ESMTP Service closing transmission channel after"
         " timeout exceeded",
         Reason.NETWORKERROR, "Mailpit internal/smtpd smtpd.go (a read timeout)"),
    # GNU Mailman 3's LMTP runner (src/mailman/runners/lmtp.py), after DATA: a message
    # without a Message-ID (ERR_550_MID), a message the email package finds defects in
    # (ERR_501).
    Case("mailman-no-message-id", "data", "550 No Message-ID header provided",
         Reason.NOTCOMPLIANTRFC, "GNU Mailman runners/lmtp.py (ERR_550_MID)",
         also=(Reason.CONTENTERROR,)),
    Case("mailman-defects", "data", "501 Message has defects",
         Reason.CONTENTERROR, "GNU Mailman runners/lmtp.py (ERR_501)",
         also=(Reason.NOTCOMPLIANTRFC,)),
    # MIMEDefang: action_bounce with its default text and codes (modules/lib/Mail/MIMEDefang/
    # Actions.pm), after DATA; and its example filter (examples/example-filter-with-async-
    # checks): a message/partial part refused with action_bounce, after DATA; the virus
    # scanner failing (action_tempfail, 451 4.3.0 by default), on every try; a relay listed
    # in both Spamhaus ZEN and SURBL (filter_relay, at the connection: said to MAIL FROM); a
    # sender domain with neither SPF nor MX (filter_sender), at MAIL FROM, the domain the
    # harness's envelope sender's.
    Case("mimedefang-policy", "data", "554 5.7.1 Forbidden for policy reasons",
         Reason.POLICYVIOLATION, "MIMEDefang Actions.pm (action_bounce, its defaults)",
         also=(Reason.FILTERED,)),
    Case("mimedefang-partial", "data", "554 5.7.1 MIME type message/partial not accepted here",
         Reason.POLICYVIOLATION, "MIMEDefang example-filter-with-async-checks (action_bounce)",
         also=(Reason.CONTENTERROR, Reason.FILTERED)),
    Case("mimedefang-scanner-problem", "defer", "451 4.3.0 Problem running virus-scanner",
         Reason.SYSTEMERROR, "MIMEDefang example-filter-with-async-checks (action_tempfail)"),
    Case("mimedefang-zen-surbl", "mail",
         "550 5.7.1 127.0.0.1 is listed on both Spamhaus ZEN and SURBL",
         Reason.BLOCKED, "MIMEDefang example-filter-with-async-checks (filter_relay)",
         also=(Reason.BADREPUTATION,)),
    Case("mimedefang-no-spf-mx", "mail",
         "550 5.7.1 Sender domain events.erpmail.test has no SPF record and no MX",
         Reason.REJECTED, "MIMEDefang example-filter-with-async-checks (filter_sender)"),
    # postfwd3 (sbin/postfwd3 and its manual), a Postfix policy server, as Postfix words its
    # answers in smtpd_recipient_restrictions ("<rcpt>: Recipient address rejected: ..." is
    # Postfix's wrapper): its score limit reached (the default "5.0" score action); its rate()
    # action as the manual's example writes it, on every try.
    Case("postfwd-score", "rcpt",
         "554 5.7.1 <rcpt>: Recipient address rejected: postfwd3 score exceeded",
         Reason.POLICYVIOLATION, "postfwd3 sbin/postfwd3 (scores 5.0), through Postfix",
         also=(Reason.BLOCKED, Reason.SPAMDETECTED)),
    Case("postfwd-rate", "defer",
         "450 4.7.1 <rcpt>: Recipient address rejected: sorry, max 3 requests per 5 minutes",
         Reason.SPEEDING, "postfwd3 manual postfwd3.8 (the rate() example), through Postfix"),
    # Proxmox Mail Gateway (proxmox/pmg-api): its policy service's greylisting
    # (src/bin/pmgpolicy, defer_if_permit, as Postfix words it: 450 X.7.1 and its wrapper),
    # on every try; its filter's reply when it could not hand a message back to Postfix
    # (src/PMG/SMTP.pm), after DATA, on every try, the queue ID the case's.
    Case("pmg-greylist", "defer",
         "450 4.7.1 <rcpt>: Recipient address rejected: Service is unavailable (try later)",
         Reason.EXPIRED, "Proxmox Mail Gateway pmgpolicy (greylisting), through Postfix"),
    Case("pmg-undelivered", "defer",
         "451 4.4.0 detected undelivered mail (5F1A2B3C4D5E6F708192A3B4)",
         Reason.SYSTEMERROR, "Proxmox Mail Gateway PMG/SMTP.pm (re-injection failed)",
         also=(Reason.NETWORKERROR,)),
    # E-MailRelay (src/gsmtp/gsmtpserversend.cpp): a session without TLS where it requires
    # it, at MAIL FROM (sendEncryptionRequired).
    Case("emailrelay-encryption", "mail", "530 encryption required: use starttls",
         Reason.SECURITYERROR, "E-MailRelay gsmtpserversend.cpp (sendEncryptionRequired)"),
    # DBMail's LMTP server (src/lmtp.c; the words of its DSN codes in src/dm_dsn.c): a
    # recipient it cannot resolve, at RCPT TO; its recipient look-up failing for now (430),
    # on every try; per recipient after DATA, the reply code made of the status's digits, a
    # mailbox over its quota (5.2.2) and a delivery that failed as an unknown address (5.1.1,
    # dm_message.c), which said after DATA the vocabulary calls filtered.
    Case("dbmail-recipient-fail", "rcpt", "550 Recipient <rcpt> FAIL",
         Reason.USERUNKNOWN, "DBMail lmtp.c (RCPT, a recipient not resolved)"),
    Case("dbmail-lookup-failure", "defer", "430 Temporary failure in recipient lookup",
         Reason.SYSTEMERROR, "DBMail lmtp.c (dsnuser_resolve failing)"),
    Case("dbmail-quota", "data",
         "522 Recipient <rcpt> Permanent Failure Mailbox Status Mailbox full",
         Reason.MAILBOXFULL, "DBMail lmtp.c and dm_dsn.c (5.2.2 after DATA)"),
    Case("dbmail-after-data-unknown", "data",
         "511 Recipient <rcpt> Permanent Failure Address Status Bad destination mailbox address",
         Reason.FILTERED, "DBMail dm_message.c, lmtp.c and dm_dsn.c (5.1.1 after DATA)",
         Reason.USERUNKNOWN, also=(Reason.USERUNKNOWN,)),
    # magcks milterfrom (milterfrom.c, mlfi_eom): an authenticated sender whose From header
    # does not match the envelope sender, after DATA.
    Case("milterfrom-mismatch", "data",
         "550 5.7.1 Rejected due to unmatching envelope and header sender.",
         Reason.SECURITYERROR, "milterfrom milterfrom.c (mlfi_eom)", also=(Reason.REJECTED,)),
    # smf-spf (smf-spf.c), a Sendmail milter, at MAIL FROM: an SPF fail (REJECT_REASON, under
    # X.7.23), a domain without SPF with RefuseSPFNone set; an SPF temporary error, said to
    # MAIL FROM as a 451 under X.4.3, on every try. It prints the sender bare and lowercased:
    # each reply holds the harness's envelope sender of its case.
    Case("smfspf-fail", "mail",
         "550 5.7.23 Message was rejected during SPF policy evaluation."
         " sender:bounce+326cd9db-b770-5edc-85c5-00b6931d95fd.w7edtmoz@events.erpmail.test"
         " client-ip:127.0.0.1",
         Reason.AUTHFAILURE, "smf-spf smf-spf.c (REJECT_REASON)"),
    Case("smfspf-none", "mail",
         "550 5.7.1 Sorry bounce+0d09a8e6-bc80-5680-8117-130e83433822.wgj7h52g@events.erpmail.test,"
         " we only accept mail from SPF enabled domains.",
         Reason.REJECTED, "smf-spf smf-spf.c (RefuseSPFNone)",
         also=(Reason.AUTHFAILURE, Reason.POLICYVIOLATION)),
    Case("smfspf-temperror", "defer",
         "451 4.4.3 Found a problem processing SFP for"
         " bounce+5952d2bf-6577-5896-ba6b-8eba285dfabb.cxxzuhfm@events.erpmail.test."
         " Error: (no reason)",
         Reason.NETWORKERROR, "smf-spf smf-spf.c (SPF temperror)", also=(Reason.AUTHFAILURE,)),
    # No server at all: the recipient's domain does not resolve (the harness's one such
    # stage, as the first round's case).
    Case("unresolvable-domain", "nxdomain", "", Reason.HOSTUNKNOWN, "DNS: no such domain"),
)
# fmt: on
CASES += ROUND_22_CASES

# The twenty-third round (first score 87 of 148 DSNs, after the rules from the twenty-second),
# read since to write rules. Written while the twenty-second was moved into the seen split, by
# another engineer than the one writing rules, without reading the parser's rules or its
# reading of any DSN, from sources no earlier round used and the parser's comments do not cite,
# with its causes and, where the vocabulary honestly allows another, that reading (``also``)
# fixed from the vocabulary (the corpus README, RFC 3463 and IANA, RFC 5321, the stage) before
# its first run. All come from the source or shipped configuration of SMTP servers and
# front ends, milters, Courier filters, an OpenSMTPD filter, Postfix policy daemons and mail
# suites' Exim and Rspamd settings, where the reply code and text are exact; where the client
# sees a wrapper (Postfix's words around a policy daemon's answer, Rspamd's milter codes
# around a suite's message) or a value the source leaves to the site or the moment (a host
# list, a signature, a count, a country), the case says whose it is. A reply a server gives at
# a point the harness does not act out (after DATA with a 4xx, mid-session) is said here to
# RCPT TO, on every try, as the earlier rounds did; a milter's refusal at the connection,
# which the MTA gives to the commands that follow the greeting, is said to MAIL FROM (with a
# 4xx, to RCPT TO on every try). No unresolvable-domain case: the harness's one such stage
# has its case already.
# fmt: off
ROUND_23_CASES: tuple[Case, ...] = (
    # ZoneMTA (zone-eu/zone-mta): its SMTP proxy with no child process to hand the connection
    # to, in place of the greeting, on every try (lib/receiver/smtp-proxy.js); its
    # delivery-loop plugin, a message with more Received headers than maxHops (25, its
    # default; the count the case's), after DATA (plugins/core/delivery-loop.js), as its
    # SMTP interface (nodemailer smtp-server, enhanced status codes off) sends an error's code
    # and text.
    Case("zonemta-no-free-process", "connect", "421 No free process to handle connection",
         Reason.SYSTEMERROR, "ZoneMTA lib/receiver/smtp-proxy.js (no child process)",
         also=(Reason.TOOMANYCONN,)),
    Case("zonemta-delivery-loop", "data",
         "500 A delivery loop was detected which causes this email which caused the email to be"
         " undeliverable (26)",
         Reason.SYSTEMERROR, "ZoneMTA plugins/core/delivery-loop.js (too many Received)",
         also=(Reason.SYNTAXERROR,)),
    # mtpolicyd (benningm/mtpolicyd, lib/Mail/MtPolicyd/Plugin), a Postfix policy daemon: its
    # plugins' default texts, as Postfix words a policy server's answer (smtpd_check.c
    # check_table_result: DEFER 450 4.7.1, REJECT 554 5.7.1, "<rcpt>: Recipient address
    # rejected: ..." in smtpd_recipient_restrictions, "<sender>: Sender address rejected: ..."
    # in smtpd_sender_restrictions; that wrapper is Postfix's): Greylist.pm's defer_message,
    # on every try; SaAwlAction.pm's reject_message and GeoIPAction.pm's (the country code the
    # case's), at RCPT TO; DBL.pm's, its sender check (sender_mode reject, no TXT info), a
    # refusal of the sender that Postfix says at RCPT TO (smtpd_delay_reject, its default).
    Case("mtpolicyd-greylist", "defer",
         "450 4.7.1 <rcpt>: Recipient address rejected: greylisting is active",
         Reason.EXPIRED, "mtpolicyd Plugin/Greylist.pm (defer_message), through Postfix"),
    Case("mtpolicyd-awl", "rcpt",
         "554 5.7.1 <rcpt>: Recipient address rejected: sender address/ip has bad reputation",
         Reason.BADREPUTATION, "mtpolicyd Plugin/SaAwlAction.pm (reject_message), through"
         " Postfix", also=(Reason.BLOCKED,)),
    Case("mtpolicyd-geoip", "rcpt",
         "554 5.7.1 <rcpt>: Recipient address rejected: delivery from CN (127.0.0.1) rejected",
         Reason.BLOCKED, "mtpolicyd Plugin/GeoIPAction.pm (reject_message), through Postfix"),
    Case("mtpolicyd-dbl-sender", "rcpt",
         "554 5.7.1 <sender>: Sender address rejected: sender rejected (events.erpmail.test)",
         Reason.REJECTED, "mtpolicyd Plugin/DBL.pm (reject_message), through Postfix",
         also=(Reason.BLOCKED,)),
    # Fastmail's authentication_milter (lib/Mail/Milter/Authentication): its DMARC handler's
    # refusal, after DATA (Handler/DMARC.pm); in its SMTP mode, a message it could not pass on
    # to its destination, said after DATA (Protocol/SMTP.pm), on every try; its Blocker
    # handler's example block (the quick config Handler/Blocker.pm writes, a connect callback),
    # on every try.
    Case("authmilter-dmarc", "data", "550 5.7.0 DMARC policy violation",
         Reason.AUTHFAILURE, "authentication_milter Handler/DMARC.pm (reject_mail)",
         also=(Reason.POLICYVIOLATION,)),
    Case("authmilter-forward-failed", "defer", "451 4.0.4 That's not right",
         Reason.SYSTEMERROR, "authentication_milter Protocol/SMTP.pm (forwarding failed)",
         also=(Reason.NETWORKERROR,)),
    Case("authmilter-blocker-flood", "defer", "451 4.7.28 flood policy violation (HOTtest)",
         Reason.SPEEDING, "authentication_milter Handler/Blocker.pm (its example config)",
         also=(Reason.SPAMDETECTED, Reason.POLICYVIOLATION)),
    # Modoboa's policy daemon (modoboa/policyd/core.py FAILURE_ACTION, a sending limit
    # reached), as Postfix words a DEFER_IF_PERMIT (450 X.7.1 and its wrapper), on every try.
    Case("modoboa-daily-limit", "defer",
         "450 4.7.1 <rcpt>: Recipient address rejected: Daily limit reached, retry later",
         Reason.SPEEDING, "Modoboa policyd/core.py (FAILURE_ACTION), through Postfix",
         also=(Reason.EXCEEDLIMIT,)),
    # MailCleaner (etc/exim/exim_stage1.conf_template), its Exim ACLs' messages as Exim gives
    # an ACL's refusal (smtp_in.c smtp_handle_acl_fail: 550 for deny, connect ACL included,
    # 451 for defer; no enhanced code): in acl_check_conn, a host on its block list; in
    # acl_check_mail, a MAIL FROM before any HELO; in acl_check_rcpt, no reverse DNS
    # (REJECTBADRDNS), its greylisting (on every try), a host that must use TLS, relaying to a
    # refused domain; in acl_check_data, a line over RFC 5322's 998 characters (the length the
    # case's).
    Case("mailcleaner-blacklisted-host", "connect", "550 blacklisted host: 127.0.0.1",
         Reason.BLOCKED, "MailCleaner exim_stage1.conf_template (acl_check_conn)"),
    Case("mailcleaner-no-helo", "mail", "550 no HELO given before MAIL command",
         Reason.SYNTAXERROR, "MailCleaner exim_stage1.conf_template (acl_check_mail)",
         also=(Reason.BLOCKED,)),
    Case("mailcleaner-rdns", "rcpt", "550 Reverse DNS lookup failed for 127.0.0.1",
         Reason.REQUIREPTR, "MailCleaner exim_stage1.conf_template (REJECTBADRDNS)",
         also=(Reason.BLOCKED,)),
    Case("mailcleaner-greylist", "defer",
         "451 127.0.0.1 is not yet authorized to deliver mail from <sender> to <rcpt>. Please"
         " try later.",
         Reason.EXPIRED, "MailCleaner exim_stage1.conf_template (greylistd defer)"),
    Case("mailcleaner-encryption", "rcpt", "550 Encryption is required from you",
         Reason.SECURITYERROR, "MailCleaner exim_stage1.conf_template (hosts requiring TLS)"),
    Case("mailcleaner-relay", "rcpt", "550 Relaying to this domain is forbidden",
         Reason.NORELAYING, "MailCleaner exim_stage1.conf_template (relayrefuseddomains)"),
    Case("mailcleaner-line-length", "data", "550 Maximum line length is 998, got 1204.",
         Reason.NOTCOMPLIANTRFC, "MailCleaner exim_stage1.conf_template (acl_check_data)",
         also=(Reason.CONTENTERROR,)),
    # Mailu (core/rspamd/conf), its Rspamd rules as Rspamd's milter answers a reject (554
    # 5.7.1) and a soft reject (451 4.7.1) with the rule's message (src/libserver/milter.c),
    # after DATA: a local domain's mail without DKIM, SPF or DMARC (force_actions.conf
    # ANTISPOOF_NOAUTH); ClamAV's verdict (ANTIVIRUS_FLAGGED); the scanners not ready
    # (ANTIVIRUS_FAILED), on every try; a forbidden attachment extension (multimap.conf).
    Case("mailu-antispoof-noauth", "data",
         "554 5.7.1 Rejected (anti-spoofing: noauth). Please setup DMARC with DKIM or SPF if"
         " you want to send emails from your domain from other servers.",
         Reason.AUTHFAILURE, "Mailu rspamd force_actions.conf (ANTISPOOF_NOAUTH)",
         also=(Reason.SECURITYERROR,)),
    Case("mailu-antivirus", "data", "554 5.7.1 Rejected (dangerous/malicious code detected)",
         Reason.VIRUSDETECTED, "Mailu rspamd force_actions.conf (ANTIVIRUS_FLAGGED)",
         also=(Reason.SECURITYERROR,)),
    Case("mailu-antivirus-failed", "defer",
         "451 4.7.1 Please retry later (anti-virus/oletools not ready)",
         Reason.SYSTEMERROR, "Mailu rspamd force_actions.conf (ANTIVIRUS_FAILED)"),
    Case("mailu-forbidden-extension", "data", "554 5.7.1 Forbidden attachment extension",
         Reason.POLICYVIOLATION, "Mailu rspamd multimap.conf (FORBIDDEN_FILE_EXTENSION)",
         also=(Reason.FILTERED,)),
    # courier-pythonfilter (filters/), Courier's filters, whose reply Courier gives to the
    # message after DATA (a 4xx on every try): attachments.py, a listed file extension;
    # clamav.py, a virus found (the signature the case's); comeagain.py, a sender's first
    # message to a recipient deferred; deliveredto.py, its own Delivered-To already in the
    # message; dialback.py, the sender's domain not resolving, and no server of that domain
    # to verify the sender with; quota.py, a recipient over quota (the address as it prints
    # it, in quotes); spamassassin.py, a message at or over its reject score (the
    # X-Spam-Status value the case's).
    Case("pythonfilter-attachment", "data",
         "554 The extension of the attached file is blacklisted",
         Reason.POLICYVIOLATION, "courier-pythonfilter filters/attachments.py",
         also=(Reason.FILTERED,)),
    Case("pythonfilter-clamav", "data", "554 Virus found - Signature is Eicar-Test-Signature",
         Reason.VIRUSDETECTED, "courier-pythonfilter filters/clamav.py",
         also=(Reason.SECURITYERROR,)),
    Case("pythonfilter-comeagain", "defer",
         "421 Please send the message again to prove you are not spamware or virusware.",
         Reason.EXPIRED, "courier-pythonfilter filters/comeagain.py (greylisting; earlier"
         " rounds' convention)"),
    Case("pythonfilter-deliveredto", "data",
         "501 Mail loop - already have my Delivered-To: header.",
         Reason.SYSTEMERROR, "courier-pythonfilter filters/deliveredto.py",
         also=(Reason.SYNTAXERROR,)),
    Case("pythonfilter-dialback-dns", "defer", "421 DNS failure resolving events.erpmail.test",
         Reason.NETWORKERROR, "courier-pythonfilter filters/dialback.py (the sender's domain)",
         also=(Reason.REJECTED,)),
    Case("pythonfilter-dialback-unverified", "defer",
         "421 No SMTP servers were available to authenticate sender",
         Reason.REJECTED, "courier-pythonfilter filters/dialback.py (sender verification)",
         also=(Reason.NETWORKERROR,)),
    Case("pythonfilter-quota", "defer", '421 User "{rcpt}" is over quota',
         Reason.MAILBOXFULL, "courier-pythonfilter filters/quota.py"),
    Case("pythonfilter-spamassassin", "data",
         "554 Mail rejected - spam detected: Yes, score=12.3 required=5.0 tests=GTUBE"
         " autolearn=no autolearn_force=no version=3.4.6",
         Reason.SPAMDETECTED, "courier-pythonfilter filters/spamassassin.py"),
    # filter-dnsbl (catap/opensmtpd-filter-dnsbl main.c), an OpenSMTPD filter at the connect
    # phase, disconnecting with libopensmtpd's 421 in place of the greeting, on every try: the
    # client's IP listed (the list the case's); the list's look-up failing.
    Case("dnsbl-listed", "connect", "421 IP listed at bl.spamcop.net",
         Reason.BLOCKED, "opensmtpd-filter-dnsbl main.c (a listed IP, disconnect)"),
    Case("dnsbl-dns-error", "connect", "421 DNS error on bl.spamcop.net",
         Reason.SYSTEMERROR, "opensmtpd-filter-dnsbl main.c (a failed look-up, disconnect)",
         also=(Reason.NETWORKERROR,)),
    # mailfront (bruceg/mailfront), an SMTP front end for qmail: a recipient its CVM lookup
    # does not know, at RCPT TO (plugin-cvm-validate.c); a recipient no plugin accepts, at
    # RCPT TO (mailfront.c); a SIZE above its DATABYTES limit, at MAIL FROM
    # (plugin-counters.c); a sender domain on its list of refused ones (plugin-check-fqdn.c)
    # and a client that did not authenticate where it must (builtins.c), at MAIL FROM;
    # SpamAssassin's verdict, after DATA (plugin-spamassassin.c).
    Case("mailfront-no-such-recipient", "rcpt", "553 5.1.1 Sorry, that recipient does not exist.",
         Reason.USERUNKNOWN, "mailfront plugin-cvm-validate.c (norcpt)"),
    Case("mailfront-recipient-not-accepted", "rcpt",
         "550 5.1.0 Mail system is not configured to accept that recipient",
         Reason.NORELAYING, "mailfront mailfront.c (no_rcpt)", also=(Reason.USERUNKNOWN,)),
    Case("mailfront-too-big", "mail",
         "552 5.2.3 The message would exceed the maximum message size.",
         Reason.EXCEEDLIMIT, "mailfront plugin-counters.c (too_big, SIZE above DATABYTES)",
         also=(Reason.MESGTOOBIG,)),
    Case("mailfront-disallowed-domain", "mail", "554 5.1.2 Sender contains a disallowed domain",
         Reason.REJECTED, "mailfront plugin-check-fqdn.c (wrongdomain)"),
    Case("mailfront-must-authenticate", "mail", "530 5.7.1 You must authenticate first.",
         Reason.SECURITYERROR, "mailfront builtins.c (mustauth)", also=(Reason.NORELAYING,)),
    Case("mailfront-spam", "data", "554 5.3.0 Spam detected, message refused",
         Reason.SPAMDETECTED, "mailfront plugin-spamassassin.c (resp_isspam)"),
)
# fmt: on
CASES += ROUND_23_CASES

# The DSNs of the rounds last read that the rules do not read right yet, each with what it
# reads instead (file -> "expected X, got Y"): the seen split's test expects them to miss
# (strict, so it fails the day one reads right and its entry goes). Not two-way readings:
# each is a rule still to write. Left of the eighteenth round's: a 552 "exceeded storage
# allocation" after DATA through OpenSMTPD, which does not say the stage its size reading
# rests on (RFC 5321's 552 is a full mailbox at RCPT TO). The nineteenth round's are all read
# or two-way. Left of the twentieth round's (its misses by kind are in the commit that moved
# it here): mox's "550 5.7.0 domain name required" through OpenSMTPD, whose report does not
# say the MAIL FROM its rejected reading rests on, with no word naming the sender; and mox's
# "550 5.1.1 no such user(s)" after DATA through Sendmail, whose transcript shows DATA before
# the reply as it does for the pipelined RCPT TO replies the corpus labels userunknown. Left
# of the twenty-first round's (its misses by kind are in the commit that moved it here): two
# refusals of MAIL FROM through OpenSMTPD, whose report does not say the command the sender's
# reading rests on (Inbucket's "501 Unauthorized domain"; SubEthaSMTP's "553 <sender> Invalid
# email address.", whose address only the DSN's own addressee shows to be the sender's); and
# vSMTP's "554 Cannot process connection, closing" at the greeting, whose words name no
# count of connections (a phrase that read them so fitted that one server and read host blocks
# worded alike as connection limits: review of 1e8af98).
# Exim's DSN for a recipient domain that does not resolve holds no words of a cause: Exim
# prints an address's error only when it passes it on (deliver.c print_address_error, the
# af_pass_message flag or a user_message), not its own "Unrouteable address", and writes no
# Diagnostic-Code without a remote reply. It read right only through "nxdomain" in the
# recipient's own address, which the classifier no longer reads as words (issue 16). A rule
# for an Exim failure with no words and no remote host must also tell a remote domain from a
# local user no router accepted (the same hidden message); the twenty-second round's
# unresolvable-domain is the same case again through each MTA (its Exim DSN the same miss).
# The twenty-second round's (its misses by kind are in the commit that moved it here), among
# them msmtpd's "421 Service not available. Try again later, please." in place of the
# greeting, whose words name no cause (its case's bad reputation is the source's, not the
# reply's: no honest rule reads it from the DSN); its smf-spf cases' replies hold the
# harness's envelope sender, as smf-spf prints the sender it refused. Left of it once its
# rules were written: PMG's greylisting "Service
# is unavailable (try later)" behind Postfix's "Recipient address rejected:", which names no
# cause (read by its loose X.7.1 where the report states no expiry). The
# twenty-third round's (its misses by kind are in the commit that moved it here). Left of it
# once its rules were written: authentication_milter's "451 4.0.4 That's not right" (its SMTP
# mode's forwarding failed), whose words name nothing and whose X.0.4 is no detail RFC 3463
# defines: the expiry; the loops (courier-pythonfilter's "Mail loop - already have my
# Delivered-To: header.", ZoneMTA's "A delivery loop was detected"), which the cases call
# the receiving system's error, where RFC 3463's X.4.6 "Routing loop detected" and the shared
# corpus (dev lhost-x6-01, "Hop count exceeded - possible mail loop") say networkerror, as
# the parser reads every loop.
PENDING: dict[str, str] = {
    "exim-authmilter-forward-failed.eml": "expected systemerror, got expired",
    "exim-msmtpd-senderscore.eml": "expected badreputation, got expired",
    "exim-nxdomain.eml": "expected hostunknown, got onhold",
    "exim-pythonfilter-deliveredto.eml": "expected systemerror, got networkerror",
    "exim-unresolvable-domain.eml": "expected hostunknown, got onhold",
    "exim-vsmtp-connection-max.eml": "expected toomanyconn, got blocked",
    "exim-zonemta-delivery-loop.eml": "expected systemerror, got networkerror",
    "opensmtpd-inbucket-unauthorized-domain.eml": "expected rejected, got securityerror",
    "opensmtpd-mox-sender-ip-literal.eml": "expected rejected, got securityerror",
    "opensmtpd-pythonfilter-deliveredto.eml": "expected systemerror, got networkerror",
    "opensmtpd-subetha-invalid-address.eml": "expected rejected, got userunknown",
    "opensmtpd-ubiquity-storage-allocation.eml": "expected mesgtoobig, got mailboxfull",
    "opensmtpd-zonemta-delivery-loop.eml": "expected systemerror, got networkerror",
    "postfix-authmilter-forward-failed.eml": "expected systemerror, got expired",
    "postfix-msmtpd-senderscore.eml": "expected badreputation, got blocked",
    "postfix-pmg-greylist.eml": "expected expired, got securityerror",
    "postfix-pythonfilter-deliveredto.eml": "expected systemerror, got networkerror",
    "postfix-vsmtp-connection-max.eml": "expected toomanyconn, got blocked",
    "postfix-zonemta-delivery-loop.eml": "expected systemerror, got networkerror",
    "sendmail-authmilter-forward-failed.eml": "expected systemerror, got expired",
    "sendmail-mox-unknown-after-data.eml": "expected filtered, got userunknown",
    "sendmail-msmtpd-senderscore.eml": "expected badreputation, got expired",
    "sendmail-pythonfilter-deliveredto.eml": "expected systemerror, got networkerror",
    "sendmail-vsmtp-connection-max.eml": "expected toomanyconn, got blocked",
    "sendmail-zonemta-delivery-loop.eml": "expected systemerror, got networkerror",
}

# The unseen split: written from the documentation of providers, servers and filters and
# the standards with their causes fixed before their first run, and never looked at to write
# a rule (``python -m bench.mta score`` reports them apart and lists no misses; a test holds
# only their recipient and job). The twenty-fourth round, below.
UNSEEN_CASES: tuple[Case, ...] = ()

# The twenty-fourth round: written while the twenty-third was moved into the seen split, by
# another engineer than the one writing rules, without reading the parser's rules or its
# reading of any DSN, from sources no earlier round used and the parser's comments do not cite,
# with its causes and, where the vocabulary honestly allows another, that reading (``also``)
# fixed from the vocabulary (the corpus README, RFC 3463 and IANA, RFC 5321, the stage) before
# its first run. All come from the source or shipped configuration of Haraka plugins no earlier
# round drew on, milters, Postfix policy services and two SMTP server libraries, where the
# reply code and text are exact; where the client sees a wrapper (Haraka's codes around a
# plugin's text, Postfix's words around a policy service's answer) or a value the source
# leaves to the site or the moment (a host name, a list, a score, a queue ID, a signature),
# the case says whose it is. A reply a server gives at a point the harness does not act out
# (a 4xx to MAIL FROM or after DATA) is said here to RCPT TO, on every try, as the earlier
# rounds did. No unresolvable-domain case: the harness's one such stage has its case already.
# fmt: off
ROUND_24_CASES: tuple[Case, ...] = (
    # Haraka plugins (github.com/haraka/haraka-plugin-*, index.js), their texts as Haraka
    # answers a plugin (connection.js: 554 for DENY or DENYDISCONNECT at the connection, 421
    # for DENYSOFT there; 550/450 at MAIL FROM, RCPT TO and after DATA; a DSN object carries
    # its own codes, haraka-dsn index.js): access, a client on its connection block list (the
    # host name as its rDNS gives it, the case's) and a From header's domain on its list,
    # after DATA (data_any); fcrdns, a client with no PTR record, one whose PTR looks generic
    # (the name the case's), a PTR look-up that failed (its error code the case's), no
    # forward-confirmed name, each at the connection (lookup_rdns).
    Case("haraka-access-connect", "connect",
         "554 localhost [127.0.0.1] You are not allowed to connect",
         Reason.BLOCKED, "haraka-plugin-access index.js (rdns_access, deny_msg.conn)"),
    Case("haraka-access-from-domain", "data", "550 Email from that domain is not accepted here.",
         Reason.REJECTED, "haraka-plugin-access index.js (data_any, the From header's domain)",
         also=(Reason.FILTERED,)),
    Case("haraka-fcrdns-no-rdns", "connect", "554 client [127.0.0.1] rejected; no rDNS",
         Reason.REQUIREPTR, "haraka-plugin-fcrdns index.js (handle_ptr_error, reject.no_rdns)",
         also=(Reason.BLOCKED,)),
    Case("haraka-fcrdns-generic", "connect",
         "554 client 1-0-0-127.dyn.example.net [127.0.0.1] rejected; generic rDNS, please use"
         " your ISPs SMTP relay",
         Reason.BLOCKED, "haraka-plugin-fcrdns index.js (check_fcrdns, reject.generic_rdns)",
         also=(Reason.REQUIREPTR,)),
    Case("haraka-fcrdns-lookup-error", "connect",
         "421 client [127.0.0.1] rDNS lookup error (ETIMEOUT)",
         Reason.NETWORKERROR, "haraka-plugin-fcrdns index.js (handle_ptr_error, DENYSOFT)",
         also=(Reason.REQUIREPTR,)),
    Case("haraka-fcrdns-no-match", "connect", "554 Sorry, no FCrDNS match found",
         Reason.REQUIREPTR, "haraka-plugin-fcrdns index.js (check_fcrdns, reject.no_fcrdns)",
         also=(Reason.BLOCKED,)),
    # Haraka plugins, the sender: spf, MAIL FROM's SPF result "fail" and "temperror" (deny
    # and defer set for mfrom; openspf_text off), at MAIL FROM; mail_from.is_resolvable, a
    # sender domain with no MX, one whose MX is null (RFC 7505, its 5.7.27), a look-up that
    # failed (the error code the case's), at MAIL FROM; uribl, the sender's domain on a
    # domain list (the domain as it looks it up and the list the case's), at MAIL FROM.
    Case("haraka-spf-fail", "mail", "550 sender <sender> SPF Fail",
         Reason.AUTHFAILURE, "haraka-plugin-spf index.js (return_results, deny.mfrom_fail)"),
    Case("haraka-spf-temperror", "defer", "450 sender <sender> SPF Temporary Error",
         Reason.NETWORKERROR, "haraka-plugin-spf index.js (return_results, defer.mfrom_temperror)",
         also=(Reason.AUTHFAILURE,)),
    Case("haraka-no-mx", "mail", "550 No MX for your FROM address",
         Reason.REJECTED, "haraka-plugin-mail_from.is_resolvable index.js (reject.no_mx=deny)"),
    Case("haraka-null-mx-sender", "mail",
         "550 5.7.27 Null MX: events.erpmail.test does not send mail",
         Reason.REJECTED, "haraka-plugin-mail_from.is_resolvable index.js"
         " (DSN.sec_null_mx_sender)"),
    Case("haraka-resolver-temp", "defer", "450 Temp. resolver error (ETIMEOUT)",
         Reason.NETWORKERROR, "haraka-plugin-mail_from.is_resolvable index.js (MX look-up)"),
    Case("haraka-uribl-sender", "mail", "550 erpmail.test blacklisted in dbl.spamhaus.org",
         Reason.REJECTED, "haraka-plugin-uribl index.js (lookup_mailfrom, do_reject)",
         also=(Reason.BLOCKED,)),
    # Haraka plugins, the recipient: qmail-deliverable, qmail-deliverabled's answers for an
    # address that is not deliverable, one not local, and a recipient whose home directory
    # is group- or world-writable (decode_qmd_response), at RCPT TO.
    Case("haraka-qmd-not-deliverable", "rcpt", "550 not deliverable",
         Reason.USERUNKNOWN, "haraka-plugin-qmail-deliverable index.js (rv 0)"),
    Case("haraka-qmd-not-local", "rcpt", "550 not local",
         Reason.NORELAYING, "haraka-plugin-qmail-deliverable index.js (rv 0xff)"),
    Case("haraka-qmd-writable", "defer", "450 Temporarily undeliverable: group/world writable",
         Reason.SYSTEMERROR, "haraka-plugin-qmail-deliverable index.js (rv 0x21)"),
    # Haraka plugins, the message, after DATA (data_post): attachment, a listed file
    # extension (the extension the case's) and an encrypted archive; spamassassin, a score
    # at its reject_threshold; rspamd, Rspamd's reject with no message of its own
    # (reject.message); greylist, its default text (a rcpt_ok hook, 451 4.7.1 by its DSN),
    # on every try; esets, the scanner failing (a 450 after DATA), on every try.
    Case("haraka-attachment-extension", "data",
         "550 Message contains disallowed file extension (exe)",
         Reason.POLICYVIOLATION, "haraka-plugin-attachment index.js (disallowed_extensions)",
         also=(Reason.FILTERED,)),
    Case("haraka-attachment-encrypted", "data", "550 Message contains encrypted archive",
         Reason.POLICYVIOLATION, "haraka-plugin-attachment index.js (allow_encrypted off)",
         also=(Reason.SECURITYERROR,)),
    Case("haraka-spamassassin-threshold", "data", "550 spam score exceeded threshold",
         Reason.SPAMDETECTED, "haraka-plugin-spamassassin index.js (score_too_high)"),
    Case("haraka-rspamd-reject", "data", "550 Detected as spam",
         Reason.SPAMDETECTED, "haraka-plugin-rspamd index.js (reject.message default)"),
    Case("haraka-greylist", "defer", "451 4.7.1 Greylisted. Please come back later.",
         Reason.EXPIRED, "haraka-plugin-greylist index.js and config/greylist.ini (main.text)"),
    Case("haraka-esets-error", "defer", "450 Virus scanner error",
         Reason.SYSTEMERROR, "haraka-plugin-esets index.js (esets_cli failing)"),
    # rmilter (vstakhov/rmilter src/rmilter.c, src/rmilter.h codes): ClamAV's verdict after
    # DATA (the signature the case's); its rate limit at RCPT TO, on every try.
    Case("rmilter-infected", "data", "554 5.7.1 Infected: Eicar-Test-Signature",
         Reason.VIRUSDETECTED, "rmilter src/rmilter.c (mlfi_eom, a virus found)",
         also=(Reason.SECURITYERROR,)),
    Case("rmilter-ratelimit", "defer", "451 4.7.1 Rate limit exceeded",
         Reason.SPEEDING, "rmilter src/rmilter.c (mlfi_envrcpt, rate_check)"),
    # milter-limit (mschout/milter-limit lib/App/Milter/Limit.pm): a sender over its message
    # limit per period, its default message and reply (reject), at MAIL FROM.
    Case("milterlimit-exceeded", "mail", "550 5.7.1 Message limit exceeded",
         Reason.SPEEDING, "milter-limit lib/App/Milter/Limit.pm (_envfrom_callback)",
         also=(Reason.EXCEEDLIMIT,)),
    # Spamilter (nkhorman/spamilter src/hndlrs.c; PolicyUrl as conf/spamilter.rc ships it):
    # a sender on its block list, checked once a recipient is given, at RCPT TO; its
    # greylisting, at RCPT TO, on every try.
    Case("spamilter-sender-blacklisted", "rcpt",
         "550 5.7.1 Rejecting due to security policy - Sender '<sender>' has been blacklisted,"
         " Please see: http://www.somedomain.com/policy.html#blacklistedsender",
         Reason.REJECTED, "Spamilter src/hndlrs.c (mlfi_hndlrs, BWL_A_REJECT)",
         also=(Reason.SECURITYERROR,)),
    Case("spamilter-greylist", "defer", "450 4.7.1 Temporary failure - Grey Listed",
         Reason.EXPIRED, "Spamilter src/hndlrs.c (mlfi_hndlrs, grey list)"),
    # MacroMilter (sbidy/MacroMilter macromilter/macromilter.py, config.ini MESSAGE): an
    # attachment with Office macros, and a suspicious archive, after DATA.
    Case("macromilter-macro", "data",
         "550 5.7.1 ERROR - Attachment contains unallowed office macros!",
         Reason.POLICYVIOLATION, "MacroMilter macromilter.py (eom; config.ini MESSAGE)",
         also=(Reason.VIRUSDETECTED,)),
    Case("macromilter-archive", "data",
         "550 5.7.2 The message contains a suspicious archive and was rejected!",
         Reason.POLICYVIOLATION, "MacroMilter macromilter.py (suspicious archive)",
         also=(Reason.SECURITYERROR,)),
    # dspam-milter (whyscream/dspam-milter dspam/milter.py): DSPAM's class "Spam" above its
    # reject confidence, after DATA.
    Case("dspam-spam", "data", "550 5.7.1 Message is Spam",
         Reason.SPAMDETECTED, "dspam-milter dspam/milter.py (eom, reject_classes)"),
    # ExOTA-Milter (chillout2k/ExOTA-Milter app/exota-milter.py): no trusted client
    # certificate, its default reject message with the queue ID (the case's) and its reason,
    # after DATA. sos-milter (chillout2k/sos-milter app/sos-milter.py): a sender domain whose
    # SPF record ends in -all, which the relay will not send for, after DATA (the connection
    # ID the case's).
    Case("exota-untrusted-client", "data",
         "550 5.7.1 queue_id: 4Q7x2L0vYkz9 - Security policy violation! - reason: No trusted"
         " x509 client CN found",
         Reason.SECURITYERROR, "ExOTA-Milter app/exota-milter.py (smfir_reject, x509 CN)",
         also=(Reason.POLICYVIOLATION,)),
    Case("sosmilter-spf-relay", "data",
         "550 5.7.1 sos-milter: k3j9x2qa SPF-record (-all) of 5321_from_domain="
         "events.erpmail.test does not permit us to relay this message! Security policy"
         " violation!",
         Reason.NORELAYING, "sos-milter app/sos-milter.py (eom, reject mode)",
         also=(Reason.AUTHFAILURE,)),
    # Postfix policy services, as Postfix words a policy service's REJECT (smtpd_check.c
    # check_table_result: 554 5.7.1, "<rcpt>: Recipient address rejected: ..." in
    # smtpd_recipient_restrictions, "<END-OF-MESSAGE>: End-of-data rejected: ..." in
    # smtpd_end_of_data_restrictions; that wrapper is Postfix's): rblpolicyd (tlamy/rblpolicyd
    # worker.c, the lists the case's), in recipient restrictions as its INSTALL says;
    # tpolicyd's shipped rules (caquino/tpolicyd rules.py, a client on its block list), in
    # recipient restrictions; go-policyd (thc2cat/go-policyd main.go, a SASL user over twice
    # its daily quota), at end of data as its README says.
    Case("rblpolicyd-blocked", "rcpt",
         "554 5.7.1 <rcpt>: Recipient address rejected: Blocked through zen.spamhaus.org,"
         " bl.spamcop.net",
         Reason.BLOCKED, "rblpolicyd worker.c (score >= 100), through Postfix"),
    Case("tpolicyd-blacklist", "rcpt",
         "554 5.7.1 <rcpt>: Recipient address rejected: Rejeitado pelo sistema antispam"
         " (PLC-BLK)",
         Reason.BLOCKED, "tpolicyd rules.py (PLC-BLK, a client on its block list), through"
         " Postfix", also=(Reason.SPAMDETECTED,)),
    Case("gopolicyd-quota", "data",
         "554 5.7.1 <END-OF-MESSAGE>: End-of-data rejected: max quota exceeded",
         Reason.SPEEDING, "go-policyd main.go (a SASL user over twice its quota), through"
         " Postfix", also=(Reason.EXCEEDLIMIT,)),
    # gen_smtp (gen-smtp/gen_smtp src/gen_smtp_server_session.erl): a SIZE parameter above
    # the server's size option (both figures the case's), at MAIL FROM. midi-smtp-server
    # (4commerce-technologies-AG/midi-smtp-server lib/midi-smtp-server/exceptions.rb
    # Tls530Exception): TLS required and not started, at MAIL FROM.
    Case("gensmtp-size", "mail", "552 Estimated message length 48000 exceeds limit of 10240",
         Reason.MESGTOOBIG, "gen_smtp src/gen_smtp_server_session.erl (MAIL FROM SIZE)",
         also=(Reason.EXCEEDLIMIT,)),
    Case("midi-tls-required", "mail",
         "530 Encryption required, must issue STARTTLS command first",
         Reason.SECURITYERROR, "midi-smtp-server exceptions.rb (Tls530Exception)"),
)
# fmt: on
UNSEEN_CASES += ROUND_24_CASES

ALL_CASES = CASES + UNSEEN_CASES

# MTAs whose report on a mail that ran out of queue time carries no remote reply: OpenSMTPD
# 6.8 puts "Envelope expired" in place of the last error when its scheduler expires an
# envelope, and retries a refusal at the greeting like a temporary one. Their DSN for a
# deferred or greeting-refused case says only that time ran out: its cause is the expiry.
EXPIRY_HIDES_REPLY = frozenset({"opensmtpd"})
# MTAs whose report never says which command a reply answered (OpenSMTPD's "address: reply"
# lines): a cause that rests on the stage cannot be read from their DSN.
STAGE_UNSAID = frozenset({"opensmtpd"})


def expected_reason(case: Case, mta: str) -> Reason:
    """The cause a DSN of ``mta`` about ``case`` carries: the case's, unless the MTA's own
    behaviour leaves only the expiry in its report, or drops the stage the cause rests on."""
    if mta in EXPIRY_HIDES_REPLY and case.stage in ("defer", "connect"):
        return Reason.EXPIRED
    if mta in STAGE_UNSAID and case.unstaged is not None:
        return case.unstaged
    return case.reason


def accepted_reasons(case: Case, mta: str) -> tuple[Reason, ...]:
    """The expected cause and, where it is the case's own, the other readings its author
    allowed (``Case.also``); where the MTA's report carries only the expiry or drops the
    stage, the expected cause alone."""
    want = expected_reason(case, mta)
    return (want, *case.also) if want is case.reason else (want,)


def two_way(case: Case, mta: str) -> TwoWay | None:
    """The documented other reading of ``case``'s cause in a DSN of ``mta``: none where the
    MTA's report carries only the expiry or drops the stage (its cause is then that one)."""
    if expected_reason(case, mta) is not case.reason:
        return None
    return TWO_WAY.get(case.name)


def held_reasons(case: Case, mta: str) -> tuple[Reason, ...]:
    """The causes the tests hold a DSN of ``mta`` about ``case`` to: the expected one, and
    for a documented two-way case the other reading too."""
    other = two_way(case, mta)
    want = expected_reason(case, mta)
    return (want,) if other is None else (want, other.other)


def by_name(name: str) -> Case:
    for case in ALL_CASES:
        if case.name == name:
            return case
    raise KeyError(name)
