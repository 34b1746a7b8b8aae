"""What the workers measure (Prometheus) and how a process shows it and its health over HTTP.

:mod:`workers.metrics.catalog` names every metric once; :mod:`workers.metrics.http` serves
``/metrics``, ``/livez`` and ``/readyz`` from a thread of the worker process.
"""
