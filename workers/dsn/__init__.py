"""The bounce parser: raw bounce mails in, structured reports out (pure, no I/O; only the
``erpmail dsn parse`` command in ``cli.py`` reads files). Measuring it (the corpus, Sisimai,
unseen bounces) is the ``bench.dsn`` package's, outside the runtime.

The bounce worker calls ``parse_bounce``; the sender worker classifies SMTP refusals with the
same ``classify`` and ``bounce_type``.

Where a compiled build of these very sources exists (``accelerator``), the modules below are
loaded from it; otherwise they run as pure Python.
"""

from workers.dsn.accelerator import install

install()  # before the modules below are imported: they may come from the build

from workers.dsn.parser import parse_bounce  # noqa: E402
from workers.dsn.reasons import bounce_type, classify  # noqa: E402
from workers.dsn.report import BounceReport, BounceType, Reason, RecipientReport, ReportKind  # noqa: E402

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
