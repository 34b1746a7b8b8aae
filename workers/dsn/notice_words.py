"""How a delivery report presents itself: who sends one, its subjects, the words that say a
message was not delivered or is only delayed. Data for ``workers.dsn.parser``; the words for
each failure cause are in ``workers.dsn.phrases``.

Lower-case substrings, matched against lower-cased text.
"""

from __future__ import annotations

BOUNCE_SENDERS = (
    "mailer-daemon",
    "mailer daemon",
    "postmaster",
    "post_master",
    "poostmaster",
    "mail delivery",
    "mail.delivery",
    "mail administrator",
    "mdaemon",  # the MDaemon server signs its reports as MDaemon@host
    "ndr administrator",
    "system administrator",
)
BOUNCE_SUBJECTS = (
    "undeliver",
    "undelivered",
    "delivery status",
    "returned mail",
    "failure notice",
    "delivery failure",
    "delivery failed",
    "mail delivery failed",
    "could not be delivered",
    "non recapitabile",
    "nondeliverable",
    "non-deliverable",
    "not delivered",
    "mail system error",
    "delivery notification",
    "delivery has failed",
    "delivery report",
    "returned to sender",
    "bounce",
    "delivery problem",
    "failed delivery",
    "mail failed",
    "unzustellbar",
    "non remis",
    "no se puede entregar",
    "niet bezorgd",
    "delayed mail",
    "warning: could not send",
    "message delivery has failed",
    "there was an error sending",
    "delivery status notification",
    "postmaster notify",
    "loop alert",
    "are not member",
    "non-delivery",
    "user unknown",
    "unknown user",
)
UNDELIVERED_PHRASES = (
    "could not be delivered",
    "couldn't be delivered",
    "cannot be delivered",
    "was not delivered",
    "wasn't delivered",
    "not been delivered",
    "undeliverable",
    "undelivered",
    "delivery failed",
    "delivery has failed",
    "delivery failure",
    "failed to deliver",
    "unable to deliver",
    "wasn't able to deliver",
    "could not deliver",
    "permanent error",
    "permanent fatal error",
    "did not reach",
    "delivery to the following recipient",
    "returned to sender",
    "failed recipient",
    "delivery status notification",
    "transcript of session",
    "mail delivery software",
    "qmail-send",
)
# Headers a mailing list adds to the copies of a post it distributes (RFC 2369, RFC 2919).
LIST_HEADERS = ("list-id", "list-post", "list-unsubscribe", "list-help")
RETRIED_OUT_PHRASES = (
    "retry timeout exceeded",
    "have been failing for a long time",
    "retry time not reached for any host",
)

TEMPORARY_ERROR_WORDS = ("temporary failure", "temporary error", "temporarily")
TEMPORARY_PHRASES = (
    "delivery has been delayed",
    "will be retried",
    "still being retried",
    "will continue",
    "will retry",
    "temporary failure",
    "temporary error",
    "temporarily",
    "has been delayed",
    "delivery delayed",
    "is delayed",
    "not yet been delivered",
    "(delay)",
    "delayed mail",
    "status notification: delayed",
    "will keep trying",
    "still trying",
)
