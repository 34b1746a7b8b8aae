"""Measuring the bounce parser (``workers.dsn``): agreement with the corpus, speed beside
Sisimai, and accuracy on bounces no rule was written against.

    python -m bench.dsn score [DIR...]      (make score-dsn)
    python -m bench.dsn speed [DIR...]      (make bench-dsn)
    python -m bench.dsn holdout             (make holdout-dsn)
"""
