#!/usr/bin/env bash
# Start a self-contained Dovecot IMAP server for the event mailbox on 127.0.0.1.
# Idempotent: installs Dovecot when missing, starts it when not running, leaves it alone when it is.
#   IMAP (STARTTLS) on ${ERPMAIL_IMAP_PORT:-10143}, IMAPS on ${ERPMAIL_IMAPS_PORT:-10993}
#   user ${ERPMAIL_IMAP_USER:-events}, password ${ERPMAIL_IMAP_PASSWORD:-events-password}
#   state (config, certificate, maildirs, log) under ${ERPMAIL_STATE:-~/.local/state/erpmail}/dovecot
#   (/var/lib/erpmail/dovecot for root), one per user, so that every clone of the repo finds
#   the same server and certificate
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ "$(id -u)" = 0 ]; then
  # Dovecot's unprivileged processes cannot enter root's home (mode 0700): keep root's state
  # where they can.
  state=${ERPMAIL_STATE:-/var/lib/erpmail}/dovecot
else
  state=${ERPMAIL_STATE:-${XDG_STATE_HOME:-$HOME/.local/state}/erpmail}/dovecot
fi
imap_port=${ERPMAIL_IMAP_PORT:-10143}
imaps_port=${ERPMAIL_IMAPS_PORT:-10993}
imap_user=${ERPMAIL_IMAP_USER:-events}
imap_password=${ERPMAIL_IMAP_PASSWORD:-events-password}
. "$here/lib.sh"

if port_open 127.0.0.1 "$imap_port"; then
  echo "dovecot: already answering on 127.0.0.1:$imap_port"
  exit 0
fi
bash "$here/install.sh" dovecot=dovecot-imapd
dovecot_bin=$(command -v dovecot || echo /usr/sbin/dovecot)

mkdir -p "$state"/{run,state,tls,home}
state=$(cd "$state" && pwd)
if [ ! -s "$state/tls/cert.pem" ]; then
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=localhost" \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$state/tls/key.pem" -out "$state/tls/cert.pem" >/dev/null 2>&1
  chmod 600 "$state/tls/key.pem"
fi
if [ "$(id -u)" = 0 ]; then
  # Dovecot's processes must not run as root: use the users its Debian package creates.
  user=dovecot group=dovecot login_user=dovenull
  chown -R "$user:$group" "$state/home"
else
  user=$(id -un) group=$(id -gn) login_user=$(id -un)
fi
echo "$imap_user:$imap_password::::::" > "$state/users"
sed -e "s|@STATE@|$state|g" -e "s|@USER@|$user|g" -e "s|@GROUP@|$group|g" -e "s|@LOGIN_USER@|$login_user|g" \
    -e "s|@IMAP_PORT@|$imap_port|g" -e "s|@IMAPS_PORT@|$imaps_port|g" \
    "$here/dovecot.conf.template" > "$state/dovecot.conf"
"$dovecot_bin" -c "$state/dovecot.conf"
wait_for_port dovecot 127.0.0.1 "$imap_port" 30
echo "dovecot: imap://$imap_user:***@127.0.0.1:$imap_port/INBOX (CA: $state/tls/cert.pem)"
