"""``python -m bench.mta generate``: see ``bench.mta``."""

from bench.mta.cli import mta

mta()
