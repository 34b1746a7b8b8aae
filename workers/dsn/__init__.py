"""The bounce parser: raw bounce mails in, structured reports out (pure, no I/O; only the
``erpmail dsn parse`` command in ``cli.py`` reads files). Measuring it (the corpus, Sisimai,
unseen bounces) is the ``bench.dsn`` package's, outside the runtime.

The bounce worker calls ``parse_bounce``; the sender worker classifies SMTP refusals with the
same ``classify`` and ``bounce_type``.
"""

from workers.dsn.parser import parse_bounce
from workers.dsn.reasons import bounce_type, classify
from workers.dsn.report import BounceReport, BounceType, Reason, RecipientReport, ReportKind

__all__ = [
    "BounceReport",
    "BounceType",
    "Reason",
    "RecipientReport",
    "ReportKind",
    "bounce_type",
    "classify",
    "parse_bounce",
]
