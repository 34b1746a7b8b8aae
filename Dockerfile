# syntax=docker/dockerfile:1
# The erpmail workers and command line: `docker run IMAGE worker send`, `... worker bounces`,
# `... db upgrade`, `... status`. Built from this checkout; runs as an unprivileged user.

FROM python:3.11-slim AS build
# A C compiler, in this stage only: the bounce parser's compiled build (below). Not pinned:
# the base image's release decides it, and any gcc builds the same C.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pyproject.toml README.md ./
COPY schemas ./schemas
COPY workers ./workers
COPY bench ./bench
# a virtualenv of its own, copied whole into the runtime stage (dependencies are wheels)
RUN python -m venv /opt/erpmail \
    && /opt/erpmail/bin/pip install --no-cache-dir .
# The bounce parser compiled with mypyc into the runtime's builds folder, by a virtualenv of
# its own (mypy stays out of the image). erpmail loads it while its sources are the ones it
# was built from; the last step fails the image if the installed package would not load it.
RUN python -m venv /opt/build \
    && /opt/build/bin/pip install --no-cache-dir . mypy setuptools \
    && /opt/build/bin/python -m bench.dsn build --root /opt/erpmail/share/erpmail/dsn-compiled \
    && ERPMAIL_DSN_BUILD=compiled /opt/erpmail/bin/python -I -c "import workers.dsn"

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
