#!/usr/bin/env bash
# Start the services erpmail's tests and demo need, and wait until they answer:
# RabbitMQ, PostgreSQL and Dovecot (the event mailbox). With a Docker engine that answers,
# docker compose runs infra/docker-compose.yml; otherwise Debian's packages are used.
# Idempotent: a second run changes nothing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

if [ "${ERPMAIL_USE_DOCKER:-auto}" != no ] && docker info >/dev/null 2>&1; then
  docker compose -f "$here/docker-compose.yml" up -d --wait
  exit 0
fi
[ -n "${RABBITMQ_URL:-}" ] || bash "$here/rabbitmq.sh"
[ -n "${DATABASE_URL:-}" ] || bash "$here/postgres.sh"
[ -n "${IMAP_URL:-}" ] || bash "$here/dovecot.sh"
