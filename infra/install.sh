#!/usr/bin/env bash
# Install Debian packages that a benchmark or the demo needs, when they are missing.
#   infra/install.sh COMMAND-OR-PERL-MODULE=PACKAGE ...   e.g. smtp-sink=postfix Sisimai=libsisimai-perl
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
missing=()
for pair in "$@"; do
  what=${pair%%=*} package=${pair#*=}
  if [[ $what =~ ^[A-Z] ]]; then
    perl -M"$what" -e1 2>/dev/null || missing+=("$package")
  else
    command -v "$what" >/dev/null 2>&1 || [ -x "/usr/sbin/$what" ] || missing+=("$package")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]}"
  apt_install "${missing[@]}"
fi
