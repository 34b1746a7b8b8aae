# syntax=docker/dockerfile:1
# The erpmail workers and command line: `docker run IMAGE worker send`, `... worker bounces`,
# `... db upgrade`, `... status`. Built from this checkout; runs as an unprivileged user.

FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY schemas ./schemas
COPY workers ./workers
# a virtualenv of its own, copied whole into the runtime stage (no compiler needed: wheels)
RUN python -m venv /opt/erpmail \
    && /opt/erpmail/bin/pip install --no-cache-dir .

FROM python:3.11-slim
RUN groupadd --system --gid 10001 erpmail \
    && useradd --system --uid 10001 --gid erpmail --home-dir /var/lib/erpmail --create-home erpmail
COPY --from=build /opt/erpmail /opt/erpmail
ENV PATH=/opt/erpmail/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    ERPMAIL_LOG_FORMAT=json \
    ERPMAIL_METRICS_HOST=0.0.0.0
USER 10001:10001
WORKDIR /var/lib/erpmail
# /metrics, /livez, /readyz of `worker send` and `worker bounces`
EXPOSE 9101 9102
ENTRYPOINT ["erpmail"]
CMD ["--help"]
