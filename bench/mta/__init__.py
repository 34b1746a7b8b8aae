"""Real mail servers write test bounces.

``python -m bench.mta generate [--mta exim] [--out tests/dsn/mta]`` relays one mail per case
(``bench.mta.cases``) through a real MTA, run from its Debian package unpacked in a private
directory (``apt-get download`` + ``dpkg -x``; own configuration, spool and loopback ports),
to a stand-in remote server (``bench.mta.remote``, aiosmtpd) that answers the way providers
document their replies: at RCPT, after DATA, at MAIL FROM, at the greeting, 4xx until the
queue lifetime runs out, and a domain that does not resolve. Each DSN the MTA writes back to
the job's VERP address is kept as ``<mta>-<case>.eml`` with ``expected.jsonl`` naming the
case, its reason (fixed by the case, never by the parser) and the job.
"""
