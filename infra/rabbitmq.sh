#!/usr/bin/env bash
# RabbitMQ on 127.0.0.1:5672 (guest/guest) from Debian's package.
# Idempotent: leaves a running broker alone, installs when missing, starts when stopped.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

if port_open 127.0.0.1 5672; then
  echo "rabbitmq: already answering on 127.0.0.1:5672"
  exit 0
fi
bash "$here/install.sh" rabbitmq-server=rabbitmq-server
PATH=$PATH:/usr/sbin
rabbitmq-server -detached
wait_for_port rabbitmq 127.0.0.1 5672 120
rabbitmqctl await_startup >/dev/null 2>&1 || true
echo "rabbitmq: started on 127.0.0.1:5672"
