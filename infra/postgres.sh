#!/usr/bin/env bash
# PostgreSQL on 127.0.0.1:5432 from Debian's package, with a database for the tests.
# Idempotent: leaves a running server alone, installs when missing, starts when stopped.
# Makes sure that postgresql://postgres:postgres@127.0.0.1:5432/erpmail_test answers.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
database=${ERPMAIL_PG_DATABASE:-erpmail_test}
export PGPASSWORD=postgres PGCONNECT_TIMEOUT=5

if ! port_open 127.0.0.1 5432; then
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    apt_install postgresql
  fi
  version=$(ls /etc/postgresql | sort -V | tail -1)
  pg_ctlcluster --skip-systemctl-redirect "$version" main start
  wait_for_port postgres 127.0.0.1 5432 60
fi

as_admin() {  # psql as the superuser: over TCP if it lets us in, else over the local socket
  if psql -h 127.0.0.1 -U postgres -d postgres -tAc "select 1" >/dev/null 2>&1; then
    psql -h 127.0.0.1 -U postgres -d postgres -v ON_ERROR_STOP=1 -tAc "$1"
  else
    su postgres -c "psql -d postgres -v ON_ERROR_STOP=1 -tAc \"$1\""
  fi
}
for ((i = 0; i < 60; i++)); do as_admin "select 1" >/dev/null 2>&1 && break; sleep 0.5; done
# Two test runs starting at once would race on the role and the database ("tuple
# concurrently updated", "already exists"): one at a time, and no change that is not needed.
exec 9>"${TMPDIR:-/tmp}/erpmail-postgres-setup.lock"
flock 9
if ! psql -h 127.0.0.1 -U postgres -d postgres -tAc "select 1" >/dev/null 2>&1; then
  as_admin "ALTER USER postgres PASSWORD 'postgres'" >/dev/null
fi
if [ "$(as_admin "select 1 from pg_database where datname = '$database'")" != 1 ]; then
  as_admin "CREATE DATABASE $database" >/dev/null
fi
echo "postgres: postgresql://postgres:***@127.0.0.1:5432/$database"
