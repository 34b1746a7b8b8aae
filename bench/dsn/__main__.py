"""``python -m bench.dsn``: measure the bounce parser (see ``bench.dsn``)."""

from bench.dsn.cli import dsn

dsn()
